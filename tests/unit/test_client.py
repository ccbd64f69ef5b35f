"""Client construction, configuration, messages and lenient parsing."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletionMessage

from chatserver_sdk import (
    AsyncChatServerClient,
    ChatCompletionResponse,
    ChatServerClient,
    ChatSessionSummary,
    Message,
    MessageRole,
    PlatformStats,
)

from ..conftest import BASE_URL, FakeServer, completion, transport_client


def test_is_an_openai_client() -> None:
    assert isinstance(ChatServerClient(), openai.OpenAI)
    assert isinstance(AsyncChatServerClient(), openai.AsyncOpenAI)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHATSERVER_API_KEY", raising=False)
    monkeypatch.delenv("CHATSERVER_BASE_URL", raising=False)
    client = ChatServerClient()
    assert str(client.base_url) == "http://localhost:3284/v1/"
    assert client.timeout == openai.DEFAULT_TIMEOUT  # openai's: 600 s per read, 5 s to connect
    assert client.max_retries == 2
    assert client.api_key == ""


def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch, server: FakeServer) -> None:
    monkeypatch.setenv("CHATSERVER_API_KEY", "sk-from-env")
    monkeypatch.setenv("CHATSERVER_BASE_URL", "http://env.test:9000")
    server.on("GET", "/status", {"agent_type": "claude", "status": "stable"})
    client = ChatServerClient(http_client=transport_client(server))
    client.get_agent_status()
    assert str(server.last.url) == "http://env.test:9000/status"
    assert server.last.headers["authorization"] == "Bearer sk-from-env"


def test_openai_environment_is_never_sent(monkeypatch: pytest.MonkeyPatch, server: FakeServer) -> None:
    for name, value in [
        ("OPENAI_API_KEY", "sk-openai"),
        ("OPENAI_ADMIN_KEY", "sk-admin"),
        ("OPENAI_ORG_ID", "org-x"),
        ("OPENAI_PROJECT_ID", "proj-x"),
        ("OPENAI_CUSTOM_HEADERS", "Authorization: Bearer sk-openai\nX-Leak: yes"),
    ]:
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CHATSERVER_API_KEY", raising=False)
    server.on("GET", "/v1/models", {"data": []})
    client = ChatServerClient(
        base_url=BASE_URL, default_headers={"X-Mine": "1"}, http_client=transport_client(server)
    )
    client.models.list()
    client.list_models()
    client.with_options(timeout=5).list_models()
    assert len(server.requests) == 3
    for request in server.requests:
        assert request.headers["x-mine"] == "1"
        assert "authorization" not in request.headers and "x-leak" not in request.headers
        assert "openai-organization" not in request.headers and "openai-project" not in request.headers


@pytest.mark.parametrize("given", ["http://h:1", "http://h:1/", "http://h:1/v1", "http://h:1/v1/"])
def test_base_url_root_or_v1(given: str, server: FakeServer) -> None:
    server.on("GET", "/v1/models", {"data": []})
    server.on("GET", "/status", {"status": "stable"})
    client = ChatServerClient(base_url=given, http_client=transport_client(server))
    client.models.list()
    client.get_agent_status()
    assert [str(r.url) for r in server.requests] == ["http://h:1/v1/models", "http://h:1/status"]


def test_base_url_with_a_prefix(server: FakeServer) -> None:
    server.on("GET", "/chat/v1/models", {"data": []})
    server.on("GET", "/chat/api/v1/platform/stats", {})
    client = ChatServerClient(base_url="http://h/chat", http_client=transport_client(server))
    client.list_models()
    client.get_platform_stats()
    assert [r.url.path for r in server.requests] == ["/chat/v1/models", "/chat/api/v1/platform/stats"]


def test_positional_arguments_like_the_earlier_sdk() -> None:
    client = ChatServerClient("sk-1", "http://h:1", 5)
    assert (client.api_key, str(client.base_url), client.timeout) == ("sk-1", "http://h:1/v1/", 5)


def test_default_headers_are_sent(server: FakeServer) -> None:
    server.on("GET", "/status", {"status": "stable"})
    ChatServerClient(
        base_url=BASE_URL, default_headers={"X-Team": "core"}, http_client=transport_client(server)
    ).get_agent_status()
    assert server.last.headers["x-team"] == "core"


def test_with_options_keeps_key_and_server(server: FakeServer) -> None:
    server.on("GET", "/status", {"status": "stable"})
    client = ChatServerClient(api_key="sk-1", base_url=BASE_URL, http_client=transport_client(server))
    copy = client.with_options(timeout=3, max_retries=5)
    assert isinstance(copy, ChatServerClient)
    assert (copy.timeout, copy.max_retries, str(copy.base_url)) == (3, 5, f"{BASE_URL}/v1/")
    copy.get_agent_status()
    assert server.last.headers["authorization"] == "Bearer sk-1"
    assert server.last.headers["x-stainless-read-timeout"] == "3"


def test_with_raw_response_native(client: ChatServerClient, server: FakeServer) -> None:
    server.on(
        "POST",
        "/v1/chat/completions",
        httpx2.Response(200, json=completion(), headers={"x-request-id": "r1"}),
    )
    raw = client.with_raw_response.chat.completions.create(
        model="claude-3-haiku", messages=[{"role": "user", "content": "hi"}]
    )
    assert raw.headers["x-request-id"] == "r1"
    assert raw.parse().system_fingerprint == "sess-1"


def test_repr_hides_the_key() -> None:
    client = ChatServerClient(api_key="sk-very-secret", base_url=BASE_URL)
    assert "sk-very-secret" not in repr(client) and "api_key=<set>" in repr(client)


def test_key_never_logged(
    caplog: pytest.LogCaptureFixture, client: ChatServerClient, server: FakeServer
) -> None:
    server.on("GET", "/status", httpx2.Response(503, json={"detail": "busy"}))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(openai.InternalServerError):
        client.get_agent_status()
    assert caplog.records and "sk-test-secret" not in caplog.text


def test_context_manager_closes(server: FakeServer) -> None:
    http = transport_client(server)
    with ChatServerClient(http_client=http) as client:
        assert not client.is_closed()
    assert http.is_closed


def test_shared_across_threads(server: FakeServer) -> None:
    server.on(
        "POST",
        "/v1/chat/completions",
        lambda r: httpx2.Response(200, json=completion(json.loads(r.content)["messages"][0]["content"])),
    )
    client = ChatServerClient(base_url=BASE_URL, http_client=transport_client(server))
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda i: client.create_completion("m", [f"q{i}"]).choices[0].message.content, range(64))
        )
    assert answers == [f"q{i}" for i in range(64)]


# --- messages ------------------------------------------------------------------------


def test_every_message_form(client: ChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", httpx2.Response(200, json=completion()))
    first = client.create_completion("m", [Message(role=MessageRole.SYSTEM, content="Be kind."), "Hello!"])
    conversation: list[Any] = [
        Message(role=MessageRole.USER, content="What is recursion?"),
        first.choices[0].message,
        ChatCompletionMessage(role="assistant", content="From openai"),
        {"role": "user", "content": [{"type": "text", "text": "parts"}, "bare"]},
        {"role": MessageRole.TOOL, "content": "42", "name": "calc"},
    ]
    client.create_completion("m", conversation)
    assert server.last_json()["messages"] == [
        {"role": "user", "content": "What is recursion?"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "assistant", "content": "From openai"},
        {"role": "user", "content": [{"type": "text", "text": "parts"}, "bare"]},
        {"role": "tool", "content": "42", "name": "calc"},
    ]


@pytest.mark.parametrize(
    ("messages", "error"),
    [
        ([{"role": "robot", "content": "hi"}], r"messages\[0\]\.role: 'robot' is not one of"),
        (
            ["ok", {"role": "user", "content": 42}],
            r"messages\[1\]\.content: expected a string .* got int \(42\)",
        ),
        (["ok", 3.5], r"messages\[1\]: expected a Message, dict or str, got float \(3\.5\)"),
        ("just a string", r"messages must be a list of messages, got a single str"),
    ],
)
def test_bad_messages_are_named(
    messages: Any, error: str, client: ChatServerClient, server: FakeServer
) -> None:
    with pytest.raises((ValueError, TypeError), match=error):
        client.create_completion("m", messages)
    assert server.requests == []


def test_user_becomes_metadata_user_id_without_overriding(
    client: ChatServerClient, server: FakeServer
) -> None:
    server.on("POST", "/v1/chat/completions", httpx2.Response(200, json=completion()))
    explicit = "00000000-0000-0000-0000-00000000000e"
    client.create_completion(
        "m", ["hi"], user="00000000-0000-0000-0000-000000000001", metadata={"user_id": explicit}
    )
    metadata = server.last_json()["metadata"]
    assert metadata["user_id"] == explicit
    client.create_completion("m", ["hi"])
    assert "metadata" not in server.last_json() and "user" not in server.last_json()


# --- lenient parsing -------------------------------------------------------------------


def test_drifting_responses_still_parse() -> None:
    summary = ChatSessionSummary.model_validate(
        {
            "id": "s",
            "user_id": "u",
            "created_at": "last tuesday",
            "updated_at": 1700000000,
            "metadata": {},
            "brand_new_field": [1, 2],
        }
    )
    assert summary.created_at == "last tuesday"
    assert isinstance(summary.updated_at, datetime)
    assert summary.model_extra == {"brand_new_field": [1, 2]}
    assert summary.message_count == 0

    stats = PlatformStats.model_validate({"system_health": {"active_agents": None}})
    assert stats.system_health.active_agents == [] and stats.total_users == 0

    response = ChatCompletionResponse.model_validate({"id": "x", "choices": None, "usage": {}})
    assert response.choices == [] and response.usage.total_tokens == 0


def test_with_raw_response_for_chatserver_endpoints(client: ChatServerClient, server: FakeServer) -> None:
    server.on(
        "GET",
        "/api/v1/platform/stats",
        httpx2.Response(200, json={"total_users": 3}, headers={"x-request-id": "r9"}),
    )
    raw = client.with_raw_response.get_platform_stats()
    assert raw.status_code == 200 and raw.headers["x-request-id"] == "r9"
    assert raw.parse().total_users == 3


async def test_async_with_raw_response(aclient: AsyncChatServerClient, server: FakeServer) -> None:
    server.on(
        "GET",
        "/atoms/chat/sessions",
        {"sessions": [], "total": 0, "page": 1, "page_size": 20, "has_more": False},
    )
    raw = await aclient.with_raw_response.list_sessions("00000000-0000-0000-0000-000000000001")
    assert raw.parse().total == 0 and raw.request.url.params["page_size"] == "20"


def test_methods_show_their_real_signature() -> None:
    import inspect

    params = list(inspect.signature(ChatServerClient(api_key="k").list_sessions).parameters)
    assert params == ["user_id", "page", "page_size", "extra_headers", "extra_query", "extra_body", "timeout"]
    assert ChatServerClient.get_session.__doc__
    assert inspect.iscoroutinefunction(AsyncChatServerClient.get_platform_stats)
    # The earlier names stay coroutines; an async resource list returns a paginator (awaited for the
    # first page, or walked with `async for`), as openai's do.
    assert inspect.iscoroutinefunction(AsyncChatServerClient.list_admins)
    assert not inspect.iscoroutinefunction(AsyncChatServerClient(api_key="k").platform.admins.list)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (
            lambda c: c.get_session(None, user_id="00000000-0000-0000-0000-000000000001"),
            r"session_id: expected a string, got NoneType \(None\)",
        ),
        (lambda c: c.remove_admin(["a@b.c"]), r"email: expected a string, got list \(\['a@b.c'\]\)"),
        (
            lambda c: c.create_mcp_server("n", "https://x/", "org"),
            r"scope: expected a mapping or model, got str",
        ),
        (lambda c: c.send_agent_message("hi", type="shout"), r"type: 'shout' is not one of 'user', 'raw'"),
    ],
)
def test_bad_arguments_name_the_field_and_value(
    call: Any, error: str, client: ChatServerClient, server: FakeServer
) -> None:
    with pytest.raises((TypeError, ValueError), match=error):
        call(client)
    assert server.requests == []


def test_stream_that_is_not_an_event_stream(client: ChatServerClient, server: FakeServer) -> None:
    # A proxy that buffers and answers JSON must not look like an empty answer.
    from chatserver_sdk import ResponseValidationError

    server.on("POST", "/v1/chat/completions", httpx2.Response(200, json=completion()))
    with pytest.raises(ResponseValidationError, match="text/event-stream"):
        list(client.create_completion("m", ["hi"], stream=True))


# --- timeouts and base_url, as openai has them (issues 8 and 10) -----------------------------


def test_default_timeout_fits_an_agent_turn() -> None:
    for cls in (ChatServerClient, AsyncChatServerClient):
        timeout = cls().timeout
        assert isinstance(timeout, httpx2.Timeout)
        assert timeout.read == 600 and timeout.connect == 5.0


def test_the_earlier_sdks_timeout_number_still_works(server: FakeServer) -> None:
    server.on("GET", "/api/v1/platform/admins", {"admins": [], "count": 0})
    client = ChatServerClient("k", BASE_URL, 30, http_client=transport_client(server))
    assert client.timeout == 30
    client.list_admins()
    assert server.last.extensions["timeout"] == {"connect": 30, "read": 30, "write": 30, "pool": 30}


def test_the_timeout_of_a_given_http_client_is_kept() -> None:
    assert ChatServerClient(http_client=httpx2.Client(timeout=300)).timeout == httpx2.Timeout(300)
    assert AsyncChatServerClient(http_client=httpx2.AsyncClient(timeout=300)).timeout == httpx2.Timeout(300)
    # As in openai: an explicit timeout wins over the http client's.
    assert ChatServerClient(timeout=12, http_client=httpx2.Client(timeout=300)).timeout == 12


def test_a_per_call_timeout_applies_to_that_request_only(
    client: ChatServerClient, server: FakeServer
) -> None:
    server.on("GET", "/api/v1/platform/admins", {"admins": [], "count": 0})
    client.list_admins(timeout=3.5)
    assert server.last.extensions["timeout"]["read"] == 3.5
    client.list_admins()
    assert server.last.extensions["timeout"]["read"] == 600


@pytest.mark.parametrize(
    "root", ["http://other.test:9000", "http://other.test:9000/v1", "http://other.test:9000/v1/"]
)
def test_setting_base_url_applies_the_v1_rule(root: str, server: FakeServer) -> None:
    server.on("GET", "/v1/models", {"object": "list", "data": []})
    server.on("GET", "/status", {"agent_type": "claude", "status": "stable"})
    client = ChatServerClient(base_url=BASE_URL, http_client=transport_client(server))
    client.base_url = root  # type: ignore[assignment]
    assert str(client.base_url) == "http://other.test:9000/v1/"
    client.models.list()
    assert str(server.last.url) == "http://other.test:9000/v1/models"
    client.get_agent_status()
    assert str(server.last.url) == "http://other.test:9000/status"
    with pytest.raises(ValueError, match="base_url"):
        client.base_url = "other.test:9000"  # type: ignore[assignment]


# --- per-call options on every ChatServer method (issue 9) -----------------------------------


def test_per_call_options_reach_the_request(client: ChatServerClient, server: FakeServer) -> None:
    server.on(
        "POST", "/api/v1/platform/admins", httpx2.Response(201, json={"status": "success", "email": "a@b.c"})
    )
    client.add_admin(
        "wos_1",
        "a@b.c",
        extra_headers={"X-Trace": "t-1"},
        extra_query={"dry_run": "1"},
        extra_body={"note": "from a script"},
        timeout=7,
    )
    request = server.last
    assert request.headers["x-trace"] == "t-1"
    assert request.url.params["dry_run"] == "1"
    assert json.loads(request.content) == {
        "workos_id": "wos_1",
        "email": "a@b.c",
        "note": "from a script",
    }
    assert request.extensions["timeout"]["read"] == 7


def test_update_mcp_server_takes_only_known_fields(client: ChatServerClient, server: FakeServer) -> None:
    mcp_id = "33333333-3333-3333-3333-333333333333"
    with pytest.raises(TypeError, match="nmae"):
        client.update_mcp_server(mcp_id, nmae="x")  # type: ignore[call-arg]
    assert server.requests == []


def test_an_admin_email_with_a_slash_is_refused_before_sending(
    client: ChatServerClient, server: FakeServer
) -> None:
    # Upstream decodes %2F before routing: DELETE /admins/a%2Fb@x answers 404 and the admin stays.
    with pytest.raises(ValueError, match=r"email: 'a/b@example.com' contains '/'"):
        client.remove_admin("a/b@example.com")
    assert server.requests == []


def test_parsing_a_response_never_runs_python_init() -> None:
    # The models' positional constructor (the earlier SDK's) must not slow parsing down:
    # pydantic calls a custom __init__ for every model it parses unless told it is a base one.
    import chatserver_sdk.types as types_module
    from chatserver_sdk.types._base import Model

    models = [m for m in vars(types_module).values() if isinstance(m, type) and issubclass(m, Model)]
    assert len(models) > 20
    assert [m.__name__ for m in models if m.__pydantic_custom_init__] == []
