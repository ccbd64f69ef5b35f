"""Retries that never run an agent twice: the policy of ``_retries.py``, on every code path."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import openai
import pytest

from chatserver_sdk import APIConnectionError, APITimeoutError, ChatServerClient, InternalServerError

from ..conftest import BASE_URL, FakeServer, client_for, completion

USER = "00000000-0000-0000-0000-000000000001"
ORG = "00000000-0000-0000-0000-0000000000aa"
FAST = {"retry-after-ms": "1"}

Outcome = Callable[[httpx2.Request], httpx2.Response]


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The back-off waits openai chose, recorded instead of slept (the stdlib's sleep, not ours)."""
    recorded: list[float] = []
    monkeypatch.setattr("time.sleep", recorded.append)
    return recorded


def flaky(failures: int, fail: Outcome, ok: httpx2.Response) -> FakeServer:
    """Fails the first ``failures`` requests with ``fail``, then answers ``ok``; counts what it saw."""
    server = FakeServer(fallback=ok)
    server.fail_next(failures, fail)
    return server


def status(code: int, headers: dict[str, str] | None = None) -> Outcome:
    return lambda request: httpx2.Response(code, json={"detail": "busy"}, headers={**FAST, **(headers or {})})


def raises(error: type[Exception]) -> Outcome:
    def fail(request: httpx2.Request) -> httpx2.Response:
        raise error("simulated", request=request)

    return fail


def retrying_client(server: FakeServer, **options: Any) -> ChatServerClient:
    options.setdefault("max_retries", 2)
    return client_for(server, api_key=None, **options)


ADMIN = httpx2.Response(201, json={"status": "success", "email": "ada@example.com"})
ADMINS = httpx2.Response(200, json={"admins": [], "count": 0})
MCP = {
    "id": "33333333-3333-3333-3333-333333333333",
    "name": "docs",
    "endpoint": "https://mcp.example.com/",
    "scope": {"type": "organization", "organization_id": ORG},
}

# Every POST the SDK sends: each runs an agent or creates something.
POSTS: dict[str, tuple[Callable[[ChatServerClient], object], httpx2.Response]] = {
    "create_completion": (
        lambda c: c.create_completion("m", ["Refactor the parser"]),
        httpx2.Response(200, json=completion()),
    ),
    "chat.completions.create": (
        lambda c: c.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}]),
        httpx2.Response(200, json=completion()),
    ),
    "send_agent_message": (
        lambda c: c.send_agent_message("run the tests"),
        httpx2.Response(200, json={"ok": True}),
    ),
    "upload_file": (
        lambda c: c.upload_file("notes.txt", b"hello"),
        httpx2.Response(200, json={"ok": True, "filePath": "/tmp/notes.txt"}),
    ),
    "add_admin": (lambda c: c.add_admin("wos_1", "ada@example.com"), ADMIN),
    "create_mcp_server": (
        lambda c: c.create_mcp_server(
            "docs", "https://mcp.example.com/", {"type": "organization", "organization_id": ORG}
        ),
        httpx2.Response(201, json=MCP),
    ),
}

# Failures that may come after the server acted: a POST must not be sent again.
AMBIGUOUS: dict[str, Outcome] = {
    "408": status(408),
    "409": status(409),
    "500": status(500),
    "502": status(502),
    "503": status(503),
    "read-timeout": raises(httpx2.ReadTimeout),
    "write-timeout": raises(httpx2.WriteTimeout),
    "connection-dropped": raises(httpx2.RemoteProtocolError),
    "read-error": raises(httpx2.ReadError),
}
# Failures that prove the request was not processed: safe to send again.
NOT_PROCESSED: dict[str, Outcome] = {
    "429": status(429),
    "x-should-retry": status(503, {"x-should-retry": "true"}),
    "connection-refused": raises(httpx2.ConnectError),
    "connect-timeout": raises(httpx2.ConnectTimeout),
    "pool-timeout": raises(httpx2.PoolTimeout),
}


@pytest.mark.parametrize("post", POSTS)
@pytest.mark.parametrize("failure", AMBIGUOUS)
def test_a_post_is_sent_once_when_it_may_have_been_processed(post: str, failure: str) -> None:
    # Settling a lost answer off: the retry policy alone never sends it again. (With it on, the
    # stored state decides, and a call found not to have taken effect is sent once more:
    # tests/unit/test_settle.py.)
    call, ok = POSTS[post]
    server = flaky(1, AMBIGUOUS[failure], ok)
    with pytest.raises((InternalServerError, openai.APIStatusError, APIConnectionError)):
        call(retrying_client(server, settle_lost_answers=False))
    assert len(server.requests) == 1


@pytest.mark.parametrize("post", POSTS)
@pytest.mark.parametrize("failure", NOT_PROCESSED)
def test_a_post_is_retried_when_it_provably_was_not_processed(post: str, failure: str) -> None:
    call, ok = POSTS[post]
    server = flaky(2, NOT_PROCESSED[failure], ok)
    call(retrying_client(server))
    assert len(server.requests) == 3
    bodies = {request.content for request in server.requests}
    assert len(bodies) == 1 or post == "upload_file"  # multipart boundaries differ per attempt


READS: dict[str, tuple[Callable[[ChatServerClient], object], httpx2.Response]] = {
    "list_admins (GET)": (lambda c: c.list_admins(), ADMINS),
    "update_mcp_server (PUT)": (
        lambda c: c.update_mcp_server(MCP["id"], enabled=False),
        httpx2.Response(200, json=MCP),
    ),
    "delete_mcp_server (DELETE)": (lambda c: c.delete_mcp_server(MCP["id"]), httpx2.Response(204)),
    "models.list (GET)": (
        lambda c: c.models.list(),
        httpx2.Response(200, json={"object": "list", "data": []}),
    ),
}


@pytest.mark.parametrize("call", READS)
@pytest.mark.parametrize("failure", [*AMBIGUOUS, *NOT_PROCESSED])
def test_idempotent_calls_keep_openais_policy(call: str, failure: str) -> None:
    run, ok = READS[call]
    server = flaky(2, {**AMBIGUOUS, **NOT_PROCESSED}[failure], ok)
    run(retrying_client(server))
    assert len(server.requests) == 3


def test_a_slow_agent_turn_is_not_sent_again_after_a_read_timeout() -> None:
    server = flaky(5, raises(httpx2.ReadTimeout), httpx2.Response(200, json=completion()))
    client = retrying_client(server, timeout=2)
    with pytest.raises(APITimeoutError) as caught:
        client.create_completion("m", ["Refactor the parser"])
    assert len(server.requests) == 1
    message = caught.value.message
    assert "POST http://chatserver.test/v1/chat/completions" in message
    assert "read timeout" in message and "Not sent again" in message


def test_retry_non_idempotent_opts_posts_into_openais_policy() -> None:
    server = flaky(2, status(503), httpx2.Response(200, json=completion()))
    retrying_client(server, retry_non_idempotent=True).create_completion("m", ["hi"])
    assert len(server.requests) == 3


def test_with_options_overrides_the_policy_per_call() -> None:
    server = flaky(1, status(503), httpx2.Response(200, json=completion()))
    client = retrying_client(server)
    client.with_options(retry_non_idempotent=True).create_completion("m", ["hi"])
    assert len(server.requests) == 2
    # The client itself is unchanged.
    server = flaky(1, status(503), httpx2.Response(200, json=completion()))
    with pytest.raises(InternalServerError):
        retrying_client(server).create_completion("m", ["hi"])
    assert len(server.requests) == 1


def test_with_options_keeps_the_clients_own_settings() -> None:
    client = ChatServerClient(api_key="sk-1", base_url=BASE_URL, retry_non_idempotent=True)
    copy = client.with_options(max_retries=5)
    assert copy.retry_non_idempotent is True and copy.max_retries == 5
    assert copy.api_key == "sk-1" and str(copy.base_url) == f"{BASE_URL}/v1/"
    assert client.with_options(retry_non_idempotent=False).retry_non_idempotent is False


def test_max_retries_zero_turns_every_retry_off() -> None:
    server = flaky(1, status(429), ADMINS)
    with pytest.raises(openai.RateLimitError):
        retrying_client(server, max_retries=0).list_admins()
    assert len(server.requests) == 1


def test_retry_after_is_honoured(waits: list[float]) -> None:
    server = flaky(2, status(429, {"retry-after": "7", "retry-after-ms": ""}), ADMINS)
    retrying_client(server).list_admins()
    assert waits == [7.0, 7.0]


def test_a_retried_request_resends_the_same_body() -> None:
    server = flaky(1, status(429), ADMIN)
    retrying_client(server).add_admin("wos_1", "ada@example.com", "Ada")
    bodies = [json.loads(request.content) for request in server.requests]
    assert bodies[0] == bodies[1] == {"workos_id": "wos_1", "email": "ada@example.com", "name": "Ada"}
