"""Hostile servers and inputs (issue 17): nothing hangs, leaks or is lost.

Each test reproduces a fault found by probing the SDK as a stranger would, against a scripted
server or a transport mock, never a patched SDK function.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import uuid
from typing import Any

import httpx2
import pytest

from chatserver_sdk import (
    AsyncChatServerClient,
    ChatServerClient,
    ResponseValidationError,
    UnauthorizedError,
)

from ..conftest import FakeServer, chunk, client_for, sse_body
from ..scripted import Connection, Received, ScriptedServer

KEY = "sk-live-9f8e7d6c5b4a"
SSE = {"content-type": "text/event-stream"}
MODEL = "claude-sonnet-4-5@20250929"


# --- fork --------------------------------------------------------------------------------------


def echo_request_id(request: Received, connection: Connection) -> None:
    connection.json(200, {"status": request.headers.get("x-request-tag", "")})


def _asks(client: ChatServerClient, prefix: str, count: int) -> int:
    """How many of ``count`` calls got the answer to another request (should be none)."""
    wrong = 0
    for n in range(count):
        tag = f"{prefix}-{n}"
        if client.health(extra_headers={"X-Request-Tag": tag}).status != tag:
            wrong += 1
    return wrong


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")
def test_a_client_used_across_fork_never_gets_the_other_process_s_answers() -> None:
    with ScriptedServer(echo_request_id) as server, ChatServerClient(base_url=server.url) as client:
        assert _asks(client, "before", 3) == 0  # a pooled connection now exists
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            try:
                code = min(_asks(client, "child", 60), 100)
            except BaseException:
                code = 101
            os._exit(code)
        wrong_in_parent = _asks(client, "parent", 60)
        _, status = os.waitpid(child, 0)
    assert wrong_in_parent == 0
    assert os.waitstatus_to_exitcode(status) == 0, "the child got wrong answers (or failed)"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")
def test_a_client_made_on_the_caller_s_http_client_refuses_to_share_it_across_fork() -> None:
    with ScriptedServer(echo_request_id) as server:
        client = ChatServerClient(base_url=server.url, http_client=httpx2.Client())
        client.health()
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            try:
                client.health()
                os._exit(1)
            except Exception as error:
                os._exit(0 if "made in another process" in str(error) else 2)
        _, status = os.waitpid(child, 0)
        client.close()
    assert os.waitstatus_to_exitcode(status) == 0


# --- credentials echoed back -----------------------------------------------------------------


def test_a_key_the_server_echoes_back_never_reaches_message_repr_body_or_pickle() -> None:
    server = FakeServer()
    server.on(
        "GET",
        "/api/v1/platform/stats",
        lambda request: httpx2.Response(
            401, json={"detail": f"invalid key {request.headers['authorization'][7:]} for this server"}
        ),
    )
    with pytest.raises(UnauthorizedError) as caught:
        client_for(server, api_key=KEY).get_platform_stats()
    error = caught.value
    assert KEY not in error.message and KEY not in repr(error) and KEY not in str(error)
    assert "invalid key <redacted> for this server" in error.message
    assert KEY not in json.dumps(error.body)
    assert KEY.encode() not in pickle.dumps(error)
    assert "authorization" not in {name.lower() for name in error.request.headers}


def test_a_key_echoed_in_a_stream_s_error_event_is_redacted() -> None:
    server = FakeServer()
    body = sse_body(chunk("Hi"), {"error": {"message": f"quota exceeded for {KEY}"}})
    server.on("POST", "/v1/chat/completions", httpx2.Response(200, headers=SSE, content=body))
    stream = client_for(server, api_key=KEY).create_completion(MODEL, ["hi"], stream=True)
    with pytest.raises(Exception) as caught:
        list(stream)
    assert KEY not in str(caught.value) and "<redacted>" in str(caught.value)


def test_credentials_in_base_url_never_reach_httpx2_s_log(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers.get("authorization", ""))
        return httpx2.Response(200, json={"status": "healthy"})

    http_client = httpx2.Client(transport=httpx2.MockTransport(answer))
    client = ChatServerClient(base_url="http://ops:hunter2@chatserver.test", http_client=http_client)
    with caplog.at_level(logging.DEBUG):
        client.health()
    assert "hunter2" not in caplog.text and "ops:" not in caplog.text
    assert "HTTP Request: GET http://chatserver.test/health" in caplog.text
    assert seen == ["Basic b3BzOmh1bnRlcjI="]  # sent as a header, redacted like a key
    with pytest.raises(ValueError, match="one Authorization header"):
        ChatServerClient(base_url="http://ops:hunter2@chatserver.test", api_key=KEY)


# --- malformed answers ---------------------------------------------------------------------------

MALFORMED_CHUNKS: dict[str, tuple[object, str]] = {
    "choices not a list": ({"choices": "oops"}, "has choices that are not a list"),
    "a choice not an object": ({"choices": ["oops"]}, "has a choice that is not an object"),
    "delta not an object": ({"choices": [{"delta": 7}]}, "has a delta that is not an object"),
    "content not text": ({"choices": [{"delta": {"content": 7}}]}, "has delta.content that is not text"),
    "usage not counts": (
        {"choices": [], "usage": {"prompt_tokens": "many"}},
        "usage that is not token counts",
    ),
    "not an object": ([1, 2], "is not an object"),
}


@pytest.mark.parametrize("case", MALFORMED_CHUNKS)
def test_a_malformed_chunk_is_an_sdk_error_naming_what_was_wrong_on_both_paths(case: str) -> None:
    data, expected = MALFORMED_CHUNKS[case]
    server = FakeServer()
    server.on(
        "POST", "/v1/chat/completions", httpx2.Response(200, headers=SSE, content=sse_body(chunk("Hi"), data))
    )
    client = client_for(server)
    with pytest.raises(ResponseValidationError, match=expected):
        list(client.create_completion(MODEL, ["hi"], stream=True))
    with pytest.raises(ResponseValidationError, match=expected):
        list(
            client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "hi"}], stream=True
            )
        )


# --- arguments that cannot form a request -----------------------------------------------------

HUGE = "a" * 200_000 + "@example.com"
CALLS: dict[str, tuple[Any, str]] = {
    "remove_admin": (lambda c: c.remove_admin(HUGE), "email"),
    "add_admin": (lambda c: c.add_admin("wos", HUGE), "email"),
    "get_session": (lambda c: c.get_session("s" * 5000, user_id=str(uuid.uuid4())), "session_id"),
}


@pytest.mark.parametrize("call", CALLS)
def test_an_argument_too_long_for_a_url_is_a_value_error_naming_it(call: str) -> None:
    make, field = CALLS[call]
    server = FakeServer()
    with pytest.raises(ValueError, match=f"^{field}: .* do not fit in a URL"):
        make(client_for(server))
    assert server.requests == []


def test_the_async_client_knows_which_pool_it_may_replace_after_fork() -> None:
    # After fork() the client replaces a pool it made itself, and refuses one the caller gave it.
    assert AsyncChatServerClient(base_url="http://x")._owns_http_client
    assert not AsyncChatServerClient(base_url="http://x", http_client=httpx2.AsyncClient())._owns_http_client
