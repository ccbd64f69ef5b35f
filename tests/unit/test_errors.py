"""Errors: every body shape, every status, both code paths, retries."""

from __future__ import annotations

import pickle
from typing import Any

import httpx2
import openai
import pytest

from chatserver_sdk import ChatServerClient, exceptions
from chatserver_sdk.exceptions import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    ChatServerError,
    ConflictError,
    ForbiddenError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    ResponseValidationError,
    UnauthorizedError,
    UnprocessableEntityError,
)

from ..conftest import BASE_URL, FakeServer, client_for, transport_client

STATUSES = [
    (400, BadRequestError, openai.BadRequestError),
    (401, UnauthorizedError, openai.AuthenticationError),
    (403, ForbiddenError, openai.PermissionDeniedError),
    (404, NotFoundError, openai.NotFoundError),
    (409, ConflictError, openai.ConflictError),
    (422, UnprocessableEntityError, openai.UnprocessableEntityError),
    (429, RateLimitError, openai.RateLimitError),
    (500, InternalServerError, openai.InternalServerError),
    (503, InternalServerError, openai.InternalServerError),
]


@pytest.mark.parametrize(("status", "ours", "theirs"), STATUSES)
@pytest.mark.parametrize("path", ["hand-written", "native"])
def test_status_maps_to_class_that_is_also_openais(
    status: int, ours: type, theirs: type, path: str, server: FakeServer
) -> None:
    failing = httpx2.Response(status, json={"detail": f"nope {status}"})
    server.on("GET", "/v1/models", failing)
    client = client_for(server)
    with pytest.raises(ours) as caught:
        client.list_models() if path == "hand-written" else client.models.list()
    error = caught.value
    assert isinstance(error, theirs) and isinstance(error, ChatServerError)
    assert isinstance(error, openai.APIStatusError)
    assert error.message == f"nope {status}" and error.hint == ""  # the server said enough
    assert error.status_code == status
    assert error.response.status_code == status
    assert error.body == {"detail": f"nope {status}"}


def test_other_4xx_is_a_plain_status_error(server: FakeServer) -> None:
    server.on("GET", "/v1/models", httpx2.Response(418, json={"detail": "teapot"}))
    with pytest.raises(exceptions.APIStatusError) as caught:
        client_for(server).list_models()
    assert type(caught.value) is exceptions.APIStatusError and caught.value.status_code == 418


BODIES = [
    pytest.param({"detail": "chat session not found"}, "chat session not found", id="fastapi-detail"),
    pytest.param(
        {
            "detail": [
                {
                    "loc": ["query", "user_id"],
                    "msg": "Input should be a valid UUID",
                    "type": "uuid_parsing",
                    "input": "bob",
                },
                {
                    "loc": ["body", "temperature"],
                    "msg": "Input should be less than or equal to 2",
                    "type": "less_than_equal",
                },
            ]
        },
        "query.user_id: Input should be a valid UUID (got 'bob'); "
        "body.temperature: Input should be less than or equal to 2",
        id="fastapi-422",
    ),
    pytest.param(
        {"error": {"message": "model overloaded", "type": "server_error"}},
        "model overloaded",
        id="openai-error",
    ),
    pytest.param(
        {
            "title": "Unprocessable Entity",
            "status": 422,
            "detail": "validation failed",
            "errors": [{"location": "body.type", "message": "expected one of user, raw", "value": "robot"}],
        },
        "Unprocessable Entity: validation failed: body.type: expected one of user, raw (got 'robot')",
        id="problem+json",
    ),
]


@pytest.mark.parametrize(("payload", "message"), BODIES)
def test_message_is_the_servers_own_words(payload: Any, message: str, server: FakeServer) -> None:
    server.on("GET", "/status", httpx2.Response(422, json=payload))
    with pytest.raises(UnprocessableEntityError) as caught:
        client_for(server).get_agent_status()
    assert caught.value.message == message
    assert str(caught.value) == message


def test_non_json_body_gives_status_and_excerpt(server: FakeServer) -> None:
    html = "<html><body>" + "Bad Gateway " * 50 + "</body></html>"
    server.on("GET", "/v1/models", httpx2.Response(502, text=html))
    with pytest.raises(InternalServerError) as caught:
        client_for(server).list_models()
    assert caught.value.message.startswith("HTTP 502: <html><body>Bad Gateway")
    assert len(caught.value.message) < 260
    assert caught.value.body == html


def test_native_completion_errors_are_ours(server: FakeServer) -> None:
    server.on(
        "POST", "/v1/chat/completions", httpx2.Response(400, json={"detail": "model field is required"})
    )
    with pytest.raises(BadRequestError) as caught:
        client_for(server).chat.completions.create(model="", messages=[])
    assert caught.value.message == "model field is required"


def test_connection_error_on_both_paths(server: FakeServer) -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused")

    client = client_for(refuse, api_key=None)
    for call in (client.list_models, client.models.list):
        with pytest.raises(APIConnectionError) as caught:
            call()
        assert isinstance(caught.value, openai.APIConnectionError)


def test_timeout_error_on_both_paths() -> None:
    def slow(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("timed out", request=request)

    client = client_for(slow, api_key=None)
    for call in (client.get_platform_stats, client.models.list):
        with pytest.raises(APITimeoutError) as caught:
            call()
        assert isinstance(caught.value, openai.APITimeoutError)


def test_unparseable_success_body_is_a_validation_error(server: FakeServer) -> None:
    server.on("GET", "/api/v1/platform/stats", httpx2.Response(200, text="not json"))
    with pytest.raises(ResponseValidationError) as caught:
        client_for(server).get_platform_stats()
    assert isinstance(caught.value, openai.APIResponseValidationError)
    assert "GET /api/v1/platform/stats" in caught.value.message


def test_secret_never_in_error_text(server: FakeServer) -> None:
    server.on("GET", "/v1/models", httpx2.Response(401, json={"detail": "invalid api key"}))
    client = client_for(server)
    with pytest.raises(UnauthorizedError) as caught:
        client.list_models()
    assert "sk-test-secret" not in str(caught.value) and "sk-test-secret" not in repr(caught.value)
    assert "sk-test-secret" not in repr(client)


# --- issue 10: OpenAI-shaped error bodies carry openai's fields ---------------------------

OPENAI_SHAPED = {
    "error": {
        "message": "This model's maximum context length is 8192 tokens.",
        "type": "invalid_request_error",
        "code": "context_length_exceeded",
        "param": "messages",
    }
}


@pytest.mark.parametrize("path", ["hand-written", "native"])
def test_openai_shaped_error_fields_match_openais(path: str, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", httpx2.Response(400, json=OPENAI_SHAPED))
    client = client_for(server)
    with pytest.raises(BadRequestError) as caught:
        if path == "native":
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        else:
            client.create_completion("m", ["hi"])
    # What openai.OpenAI itself gives for the same body:
    plain = openai.OpenAI(
        api_key="k",
        base_url=f"{BASE_URL}/v1",
        http_client=transport_client(server),
    )
    with pytest.raises(openai.BadRequestError) as theirs:
        plain.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    ours = caught.value
    assert (ours.code, ours.type, ours.param, ours.body) == (
        theirs.value.code,
        theirs.value.type,
        theirs.value.param,
        theirs.value.body,
    )
    assert ours.code == "context_length_exceeded" and ours.param == "messages"
    assert ours.body == OPENAI_SHAPED["error"]
    assert ours.message == OPENAI_SHAPED["error"]["message"]


def test_other_bodies_keep_the_whole_body(server: FakeServer) -> None:
    problem = {"title": "Unprocessable Entity", "status": 422, "detail": "validation failed", "errors": []}
    server.on("POST", "/message", httpx2.Response(422, json=problem))
    with pytest.raises(UnprocessableEntityError) as caught:
        client_for(server).send_agent_message("hi")
    assert caught.value.body == problem and caught.value.code is None and caught.value.type is None


# --- issue 8: secrets and bounded, actionable errors ----------------------------------------

KEY = "sk-live-0123456789abcdef"


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (KEY + "\n", "contains a line break"),
        (KEY + "\r\n", "contains a carriage return"),
        ("sk-live\x000123", "contains a NUL character"),
        (KEY + " ", "starts or ends with whitespace"),
        (" " + KEY, "starts or ends with whitespace"),
    ],
)
def test_a_key_no_header_can_carry_is_refused_at_construction_without_echoing_it(bad: str, why: str) -> None:
    with pytest.raises(ValueError, match=f"api_key: the key {why}") as caught:
        ChatServerClient(api_key=bad)
    assert "0123" not in str(caught.value)


def test_a_key_with_an_inner_space_is_sent_as_openai_sends_it(server: FakeServer) -> None:
    server.on("GET", "/v1/models", {"object": "list", "data": []})
    client_for(server, api_key="My API Key").models.list()
    assert server.last.headers["authorization"] == "Bearer My API Key"


def test_a_key_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATSERVER_API_KEY", KEY + "\n")
    with pytest.raises(ValueError, match=r"\$CHATSERVER_API_KEY: the key contains a line break"):
        ChatServerClient()


def test_a_key_function_is_asked_on_every_request(server: FakeServer) -> None:
    server.on("GET", "/api/v1/platform/stats", {})
    keys = iter(["sk-first", "sk-second"])
    client = client_for(server, api_key=lambda: next(keys))
    assert repr(client).endswith("api_key=<provider>)")
    client.get_platform_stats()
    client.platform.stats()
    assert [r.headers["authorization"] for r in server.requests] == ["Bearer sk-first", "Bearer sk-second"]


def test_a_key_function_is_asked_again_when_a_request_is_retried(server: FakeServer) -> None:
    server.on("GET", "/api/v1/platform/stats", {})
    server.fail_next(1, lambda request: httpx2.Response(500, text="Internal Server Error"))
    keys = iter(["sk-first", "sk-second"])
    client_for(server, api_key=lambda: next(keys), max_retries=1).get_platform_stats()
    assert [r.headers["authorization"] for r in server.requests] == ["Bearer sk-first", "Bearer sk-second"]


def test_a_key_function_returning_what_no_header_can_carry_fails_the_call_without_echoing_it(
    server: FakeServer,
) -> None:
    server.on("GET", "/api/v1/platform/stats", {})
    client = client_for(server, api_key=lambda: KEY + "\n")
    with pytest.raises(ValueError, match="api_key\\(\\): the key contains a line break") as caught:
        client.get_platform_stats()
    assert "0123" not in str(caught.value) and server.requests == []


async def test_an_async_client_takes_a_sync_or_an_async_key_function(server: FakeServer) -> None:
    server.on("GET", "/api/v1/platform/stats", {})

    async def async_key() -> str:
        return "sk-async"

    for key in (lambda: "sk-sync", async_key):
        async with client_for(server, asynchronous=True, api_key=key) as client:
            await client.get_platform_stats()
    assert [r.headers["authorization"] for r in server.requests] == ["Bearer sk-sync", "Bearer sk-async"]


@pytest.mark.parametrize("url", ["localhost:3284", "chatserver.internal", "ftp://host/", "http://"])
def test_a_base_url_without_scheme_or_host_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"base_url: .* needs an http:// or https:// scheme and a host"):
        ChatServerClient(base_url=url)


def test_a_password_in_base_url_is_hidden() -> None:
    client = ChatServerClient(base_url="https://ops:hunter2@chatserver.example.com")
    assert "hunter2" not in repr(client) and "ops" not in repr(client)
    assert "chatserver.example.com" in repr(client)


def failing_client(status: int, body: Any) -> ChatServerClient:
    server = FakeServer()
    server.on("GET", "/api/v1/platform/stats", httpx2.Response(status, json=body))
    server.on("POST", "/v1/chat/completions", httpx2.Response(status, json=body))
    return client_for(server, api_key=KEY)


def caught_errors() -> list[ChatServerError]:
    errors: list[ChatServerError] = []
    for status, body in [(401, {"detail": "invalid api key"}), (503, {"detail": "busy"})]:
        client = failing_client(status, body)
        for call in (
            client.get_platform_stats,
            lambda client=client: client.chat.completions.create(model="m", messages=[]),  # type: ignore[misc]
        ):
            try:
                call()  # type: ignore[operator]
            except ChatServerError as error:
                errors.append(error)
    try:
        ChatServerClient(api_key=KEY, base_url="http://127.0.0.1:9", max_retries=0).list_models()
    except ChatServerError as error:
        errors.append(error)
    return errors


def test_exceptions_pickle_without_credentials() -> None:
    errors = caught_errors()
    assert len(errors) == 5
    for error in errors:
        assert error.request.headers.get("authorization") in (f"Bearer {KEY}", None)
        data = pickle.dumps(error)
        assert KEY.encode() not in data
        copy = pickle.loads(data)
        assert type(copy) is type(error)
        assert str(copy) == str(error) and copy.message == error.message
        assert getattr(copy, "status_code", None) == getattr(error, "status_code", None)
        assert "authorization" not in copy.request.headers
        assert KEY not in repr(copy) and KEY not in repr(error)


def _unauthorized_in_a_worker(base_url: str) -> None:
    ChatServerClient(api_key=KEY, base_url=base_url, max_retries=0).get_platform_stats()


def test_error_messages_are_bounded() -> None:
    huge = "x" * (5 << 20)
    client = failing_client(500, {"detail": huge})
    with pytest.raises(InternalServerError) as caught:
        client.get_platform_stats()
    assert len(caught.value.message) < 3000 and len(str(caught.value)) < 3000
    assert "more characters" in caught.value.message


@pytest.mark.parametrize("path", ["hand-written", "native"])
def test_a_2xx_error_object_raises(path: str) -> None:
    client = failing_client(
        200, {"error": {"message": "upstream agent pool exhausted", "type": "server_error"}}
    )
    with pytest.raises(ResponseValidationError, match="upstream agent pool exhausted"):
        if path == "native":
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        else:
            client.get_platform_stats()


BAD_2XX = {
    "truncated": httpx2.Response(
        200, headers={"content-type": "application/json"}, content=b'{"id": "chatcmpl-1", "cho'
    ),
    "empty": httpx2.Response(200, headers={"content-type": "application/json"}, content=b""),
    "html": httpx2.Response(
        200, headers={"content-type": "text/html"}, content=b"<html><body>Gateway login</body></html>"
    ),
}


@pytest.mark.parametrize("kind", BAD_2XX)
@pytest.mark.parametrize("path", ["hand-written", "native", "native-models"])
def test_an_unreadable_2xx_body_is_an_sdk_error(kind: str, path: str) -> None:
    server = FakeServer()
    server.on("POST", "/v1/chat/completions", BAD_2XX[kind])
    server.on("GET", "/v1/models", BAD_2XX[kind])
    client = client_for(server)
    with pytest.raises(ResponseValidationError) as caught:
        if path == "native":
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        elif path == "native-models":
            client.models.list()
        else:
            client.create_completion("m", ["hi"])
    assert isinstance(caught.value, openai.APIResponseValidationError)
    assert "answered 200" in caught.value.message


def test_a_connection_error_names_the_url_and_the_fix() -> None:
    client = ChatServerClient(base_url="http://user:pw@127.0.0.1:9", max_retries=0)
    for call in (client.list_models, client.models.list):
        with pytest.raises(APIConnectionError) as caught:
            call()
        message = caught.value.message
        assert "http://127.0.0.1:9" in message and "chatserver emulator" in message
        assert "pw" not in message


def test_a_user_message_while_the_agent_runs_says_what_to_do(server: FakeServer) -> None:
    """agentapi 0.12.1's refusal (Huma's 500 problem+json) names neither the state nor a way out."""
    busy = "failed to send message: message can only be sent when the agent is waiting for user input"
    server.on(
        "POST",
        "/message",
        httpx2.Response(
            500,
            headers={"content-type": "application/problem+json"},
            json={
                "title": "Internal Server Error",
                "status": 500,
                "detail": "unexpected error occurred",
                "errors": [{"message": busy}],
            },
        ),
    )
    with pytest.raises(exceptions.InternalServerError) as caught:
        client_for(server).agent.send("too soon")
    message = caught.value.message
    assert busy in message  # the server's own words first
    assert "The agent is running" in message
    assert "client.agent.wait()" in message and "client.agent.interrupt()" in message
    assert len(server.requests) == 1  # a POST that reached the agent is not sent again


@pytest.mark.parametrize("positional", ["http://localhost:3999", "HTTPS://chat.example.com/v1"])
def test_a_url_given_where_the_key_goes_is_refused(positional: str) -> None:
    with pytest.raises(ValueError, match=r"api_key: the key is a URL\. .*base_url=") as caught:
        ChatServerClient(positional)
    assert positional not in str(caught.value)


@pytest.mark.parametrize("body", [{"detail": "Not authenticated"}, {"detail": "Unauthorized"}, None])
def test_a_bare_401_says_how_to_pass_a_key(body: Any, server: FakeServer) -> None:
    answer = httpx2.Response(401, json=body) if body is not None else httpx2.Response(401)
    server.on("GET", "/v1/models", answer)
    with pytest.raises(exceptions.UnauthorizedError) as caught:
        client_for(server).models.list()
    assert caught.value.hint == "Pass api_key= (or set $CHATSERVER_API_KEY) to a key this server accepts"
    assert caught.value.message.endswith(caught.value.hint)
