"""The SDK against the emulator over real sockets, sync and async, scenario by scenario.

``api`` runs each call through ``ChatServerClient`` or through
``AsyncChatServerClient`` on an event loop of its own, so one test body
checks both twins. The emulator answers as upstream's ChatServer does (its
model list, ``atoms_session_<hex>`` ids, statistics, MCP answers); every test
here starts a server, so the module is ``slow``.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from chatserver_sdk import (
    AsyncChatServerClient,
    ChatServerClient,
    MessageUpdateEvent,
    StatusChangeEvent,
    StreamError,
)
from chatserver_sdk.emulator import run_emulator
from chatserver_sdk.exceptions import (
    BadRequestError,
    ForbiddenError,
    InternalServerError,
    NotFoundError,
    UnauthorizedError,
    UnprocessableEntityError,
)

MODEL = "claude-sonnet-4-5@20250929"  # upstream lists it; any model string is accepted
USER = "00000000-0000-0000-0000-000000000001"
OTHER = "00000000-0000-0000-0000-000000000002"
ORG = "00000000-0000-0000-0000-0000000000aa"
_T = TypeVar("_T")

pytestmark = pytest.mark.slow


class SyncAPI:
    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        self.client = ChatServerClient(api_key=api_key, base_url=base_url, max_retries=0)

    def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.client, method)(*args, **kwargs)

    def stream(
        self, method: str, *args: Any, until: Callable[[Any], bool] | None = None, **kwargs: Any
    ) -> Any:
        items = []
        with getattr(self.client, method)(*args, **kwargs) as stream:
            for item in stream:
                items.append(item)
                if until is not None and until(item):
                    break
        return items, stream.metadata

    def close(self) -> None:
        self.client.close()


class AsyncAPI:
    """The async client, driven from sync test code through a loop on its own thread."""

    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = AsyncChatServerClient(api_key=api_key, base_url=base_url, max_retries=0)

    def run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.run(getattr(self.client, method)(*args, **kwargs))

    def stream(
        self, method: str, *args: Any, until: Callable[[Any], bool] | None = None, **kwargs: Any
    ) -> Any:
        async def collect() -> Any:
            items = []
            async with await getattr(self.client, method)(*args, **kwargs) as stream:
                async for item in stream:
                    items.append(item)
                    if until is not None and until(item):
                        break
            return items, stream.metadata

        return self.run(collect())

    def close(self) -> None:
        self.run(self.client.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


API = Callable[..., SyncAPI | AsyncAPI]


@pytest.fixture(params=[SyncAPI, AsyncAPI], ids=["sync", "async"])
def connect(request: pytest.FixtureRequest) -> Iterator[API]:
    opened: list[SyncAPI | AsyncAPI] = []

    def factory(base_url: str, api_key: str | None = None) -> SyncAPI | AsyncAPI:
        api: SyncAPI | AsyncAPI = request.param(base_url, api_key)
        opened.append(api)
        return api

    yield factory
    for api in opened:
        api.close()


@pytest.fixture
def api(connect: API) -> Iterator[SyncAPI | AsyncAPI]:
    with run_emulator() as base_url:
        yield connect(base_url)


def test_models(api: SyncAPI | AsyncAPI) -> None:
    models = {model.id: model for model in api("list_models").data}
    # Upstream's filtered Vertex list: Claude and Gemini ids with their version suffix.
    assert MODEL in models and "gemini-2.5-pro@001" in models
    assert {m.provider for m in models.values()} == {"vertexai"}
    assert all(m.context_length and m.capabilities == ["chat.completion"] for m in models.values())


def test_completion_and_usage(api: SyncAPI | AsyncAPI) -> None:
    response = api("create_completion", MODEL, ["Hello!"], user=USER)
    assert response.choices[0].message.content == "Echo (turn 1): Hello!"
    assert response.choices[0].finish_reason == "stop"
    usage = response.usage
    assert usage.prompt_tokens + usage.completion_tokens == usage.total_tokens > 0
    session = api("get_session", response.system_fingerprint, user_id=USER).session
    assert session.tokens_total == usage.total_tokens and session.title == "Hello!"


def test_streaming_matches_non_streaming(api: SyncAPI | AsyncAPI) -> None:
    whole = api("create_completion", MODEL, ["Tell me a story"])
    deltas, metadata = api.stream("create_completion", MODEL, ["Tell me a story"], stream=True)
    assert len(deltas) > 2 and "".join(deltas) == whole.choices[0].message.content
    assert "".join(deltas) == "Echo (turn 1): Tell me a story"
    assert metadata["finish_reason"] == whole.choices[0].finish_reason == "stop"
    assert metadata["usage"] == whole.usage and whole.usage.total_tokens > 0
    # Without history (no user) the server names the session itself, as upstream does.
    for session_id in (metadata["system_fingerprint"], whole.system_fingerprint):
        assert re.fullmatch(r"atoms_session_[0-9a-f]{32}", session_id), session_id
    assert metadata["system_fingerprint"] != whole.system_fingerprint


@pytest.mark.parametrize("resend_history", [True, False], ids=["full-history", "only-new"])
def test_multi_turn_session_resume(api: SyncAPI | AsyncAPI, resend_history: bool) -> None:
    conversation: list[Any] = ["What is recursion?"]
    first = api("create_completion", MODEL, conversation, user=USER)
    session_id = first.system_fingerprint
    conversation += [first.choices[0].message, "Can you give me an example?"]
    follow_up = conversation if resend_history else conversation[-1:]
    deltas, metadata = api.stream(
        "create_completion", MODEL, follow_up, stream=True, user=USER, session_id=session_id
    )
    assert "".join(deltas) == "Echo (turn 2): Can you give me an example?"
    assert metadata["system_fingerprint"] == session_id

    page = api("list_sessions", USER)
    assert page.total == 1 and page.sessions[0].id == session_id and not page.has_more
    detail = api("get_session", session_id, user_id=USER)
    assert [(r.message_index, r.role) for r in detail.messages] == [
        (0, "user"),
        (1, "assistant"),
        (2, "user"),
        (3, "assistant"),
    ]
    assert detail.session.tokens_total == first.usage.total_tokens + metadata["usage"].total_tokens


def test_sessions_paginate_and_stay_private(api: SyncAPI | AsyncAPI) -> None:
    for i in range(3):
        api("create_completion", MODEL, [f"topic {i}"], user=USER)
    page = api("list_sessions", USER, page=1, page_size=2)
    assert (page.total, len(page.sessions), page.has_more) == (3, 2, True)
    assert api("list_sessions", USER, page=2, page_size=2).has_more is False
    with pytest.raises(NotFoundError, match="chat session not found"):
        api("get_session", page.sessions[0].id, user_id=OTHER)
    assert api("list_sessions", OTHER).total == 0


def test_administration_and_audit(api: SyncAPI | AsyncAPI) -> None:
    email = "ops+team?x=1#frag%20..@example.com"  # reserved characters travel as one path segment
    added = api("add_admin", "user_01", email, "Ops")
    assert added.email == email
    admins = api("list_admins")
    assert admins["count"] == 1 and admins["admins"][0].email == email
    assert admins.admins[0].created_by == "user_01"  # upstream records the admin's own WorkOS id
    assert api("remove_admin", email).email == email
    assert api("list_admins").count == 0
    # Upstream deletes by email and answers success whether or not there was such an admin.
    assert api("remove_admin", "nobody@example.com").email == "nobody@example.com"
    actions = [entry.action for entry in api("get_audit_log", limit=10).entries]
    assert actions == ["platform_admin.removed", "platform_admin.added"]  # the emulator's own audit trail
    api("create_completion", MODEL, ["count me"], user=USER)
    api("create_mcp_server", "docs", "https://mcp.example.com/", {"type": "platform"})
    stats = api("get_platform_stats")
    # Upstream counts tables a ChatServer never writes (users, requests, tokens: 0) and every MCP server.
    assert (stats.total_users, stats.total_requests, stats.total_tokens) == (0, 0, 0)
    assert stats.total_mcp_servers == 1
    assert stats.system_health.status == "healthy"


def test_an_admin_whose_email_holds_a_slash_is_refused_clearly(api: SyncAPI | AsyncAPI) -> None:
    # The ChatServer decodes %2F before routing, so no request can address this admin (upstream: 404).
    email = "ops/team@example.com"
    with pytest.raises(
        ValueError, match=r"email: 'ops/team@example\.com' contains '/'; .* could not be removed"
    ):
        api("add_admin", "user_01", email, "Ops")  # upstream would store it, for good
    with pytest.raises(ValueError, match=r"email: 'ops/team@example\.com' contains '/'"):
        api("remove_admin", email)
    assert [admin.email for admin in api("list_admins").admins] == []


def test_mcp_registry(api: SyncAPI | AsyncAPI) -> None:
    scope = {"type": "organization", "organization_id": ORG}
    server = api(
        "create_mcp_server",
        "docs",
        "https://mcp.example.com/",
        scope,
        auth_type="bearer",
        bearer_token="t0ken",
    )
    # Upstream keeps the token server-side and never returns a token id.
    assert server.scope.organization_id == ORG and server.auth_type == "bearer"
    assert server.bearer_token_id is None
    assert [s.id for s in api("list_mcp_servers", ORG).items] == [server.id]
    updated = api("update_mcp_server", server.id, enabled=False, name="docs-v2")
    assert (updated.enabled, updated.name, updated.endpoint) == (False, "docs-v2", "https://mcp.example.com/")
    assert api("delete_mcp_server", server.id) is None
    assert api("list_mcp_servers", ORG).items == []
    with pytest.raises(UnprocessableEntityError, match=r"body\.scope\.type"):
        api("create_mcp_server", "bad", "https://x.example/", {"type": "team"})


@pytest.mark.parametrize("scope", [{"type": "organization"}, {"type": "user"}], ids=["organization", "user"])
def test_a_scope_without_its_id_is_refused_before_it_widens(
    api: SyncAPI | AsyncAPI, scope: dict[str, str]
) -> None:
    try:
        with pytest.raises(ValueError, match="scope"):
            api("create_mcp_server", "private", "https://x.example/", scope)
    finally:
        # What was stored instead, if anything: never a platform-wide server.
        platform = [s for s in api("list_mcp_servers", ORG).items if s.name == "private"]
        assert platform == []


def test_agent_control(api: SyncAPI | AsyncAPI) -> None:
    assert api("get_agent_status").status == "stable"
    assert api("send_agent_message", "Run the tests").ok
    events, _ = api.stream(
        "stream_agent_events", until=lambda e: isinstance(e, StatusChangeEvent) and e.status == "stable"
    )
    updates = [e for e in events if isinstance(e, MessageUpdateEvent)]
    assert updates[-1].role == "agent" and updates[-1].message == "Echo (turn 1): Run the tests"
    assert [m.role for m in api("get_agent_messages").messages] == ["user", "agent"]
    assert api("upload_file", "notes.txt", b"hello").file_path.endswith("notes.txt")


def test_errors(api: SyncAPI | AsyncAPI) -> None:
    with pytest.raises(BadRequestError, match="messages array must include at least one message"):
        api("create_completion", "", [])
    with pytest.raises(BadRequestError, match="model field is required"):
        api("create_completion", "", ["hi"])
    with pytest.raises(UnprocessableEntityError, match=r"body\.temperature"):
        api("create_completion", MODEL, ["hi"], temperature=2.5)
    with pytest.raises(ValueError, match="page_size: 101 is not between 1 and 100"):
        api("list_sessions", USER, page_size=101)
    with pytest.raises(UnprocessableEntityError, match=r"query\.page_size"):
        api("list_sessions", USER, extra_query={"page_size": 101})
    with pytest.raises(UnprocessableEntityError, match=r"query\.limit"):
        api("get_audit_log", extra_query={"limit": 201})
    with pytest.raises(InternalServerError):
        api("create_completion", MODEL, ["hi"], metadata={"emulator_fault": "unavailable"})
    with pytest.raises(StreamError):
        api.stream(
            "create_completion", MODEL, ["hi"], stream=True, metadata={"emulator_fault": "stream_error"}
        )


def test_auth(connect: API) -> None:
    with run_emulator(api_keys=["sk-user"], admin_keys=["sk-admin"]) as base_url:
        with pytest.raises(UnauthorizedError):
            connect(base_url)("list_models")
        with pytest.raises(UnauthorizedError):
            connect(base_url, "sk-wrong")("list_models")
        user = connect(base_url, "sk-user")
        assert user("list_models").data
        with pytest.raises(ForbiddenError):
            user("get_platform_stats")
        assert connect(base_url, "sk-admin")("get_platform_stats").system_health.status == "healthy"


def test_everything_survives_a_restart(connect: API, tmp_path: Path) -> None:
    db = str(tmp_path / "chatserver.db")
    with run_emulator(db_path=db) as base_url:
        api = connect(base_url)
        first = api("create_completion", MODEL, ["Remember me"], user=USER)
        api("add_admin", "user_01", "ada@example.com")
        server = api("create_mcp_server", "docs", "https://mcp.example.com/", {"type": "platform"})
    with run_emulator(db_path=db) as base_url:
        api = connect(base_url)
        detail = api("get_session", first.system_fingerprint, user_id=USER)
        assert [r.content for r in detail.messages] == ["Remember me", "Echo (turn 1): Remember me"]
        resumed = api(
            "create_completion", MODEL, ["Still there?"], user=USER, session_id=first.system_fingerprint
        )
        assert resumed.choices[0].message.content == "Echo (turn 2): Still there?"
        assert api("list_admins").admins[0].email == "ada@example.com"
        assert server.id in [s.id for s in api("list_mcp_servers", ORG).items]


SESSIONS, PER_SESSION = 20, 10


def test_200_completions_over_20_concurrent_sessions_sync() -> None:
    """20 sessions at once, each resumed 10 times in order (a session's turns follow each other:
    a resume sends the stored transcript, so two turns at once in one session collide, as upstream's)."""
    with run_emulator() as base_url, ChatServerClient(base_url=base_url, max_retries=0) as client:

        def session(i: int) -> tuple[Any, list[int]]:
            start = client.create_completion(MODEL, [f"start {i}"], user=USER)
            tokens = []
            for turn in range(PER_SESSION):
                reply = client.create_completion(
                    MODEL, [f"message {i}.{turn}"], user=USER, session_id=start.system_fingerprint
                )
                assert reply.choices[0].message.content == f"Echo (turn {turn + 2}): message {i}.{turn}"
                tokens.append(reply.usage.total_tokens)
            return start, tokens

        with ThreadPoolExecutor(SESSIONS) as pool:
            results = list(pool.map(session, range(SESSIONS)))
        check_totals(client, results)


async def test_200_completions_over_20_concurrent_sessions_async() -> None:
    with run_emulator() as base_url:
        async with AsyncChatServerClient(base_url=base_url, max_retries=0) as client:

            async def session(i: int) -> tuple[Any, list[int]]:
                start = await client.create_completion(MODEL, [f"start {i}"], user=USER)
                tokens = []
                for turn in range(PER_SESSION):
                    reply = await client.create_completion(
                        MODEL, [f"message {i}.{turn}"], user=USER, session_id=start.system_fingerprint
                    )
                    assert reply.choices[0].message.content == f"Echo (turn {turn + 2}): message {i}.{turn}"
                    tokens.append(reply.usage.total_tokens)
                return start, tokens

            results = await asyncio.gather(*(session(i) for i in range(SESSIONS)))
        with ChatServerClient(base_url=base_url) as sync_client:
            check_totals(sync_client, list(results))


def check_totals(client: ChatServerClient, results: list[tuple[Any, list[int]]]) -> None:
    """Every turn landed once, in one transcript per session, and the token totals add up exactly."""
    for start, tokens in results:
        detail = client.get_session(start.system_fingerprint, user_id=USER)
        assert [r.message_index for r in detail.messages] == list(range(2 + 2 * PER_SESSION))
        assert detail.session.message_count == 2 + 2 * PER_SESSION
        assert sum(r.role == "assistant" for r in detail.messages) == 1 + PER_SESSION
        assert detail.session.tokens_total == start.usage.total_tokens + sum(tokens)
    page = client.list_sessions(USER, page_size=100)
    assert page.total == SESSIONS
    assert {s.id for s in page.sessions} == {start.system_fingerprint for start, _ in results}
