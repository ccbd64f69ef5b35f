"""Errors: every body shape, every status, both code paths, retries."""

from __future__ import annotations

import json
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

from .conftest import BASE_URL, FakeServer

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


def make_client(server: FakeServer, **kwargs: Any) -> ChatServerClient:
    kwargs.setdefault("max_retries", 0)
    return ChatServerClient(
        api_key="sk-test-secret",
        base_url=BASE_URL,
        http_client=httpx2.Client(transport=httpx2.MockTransport(server)),
        **kwargs,
    )


@pytest.mark.parametrize(("status", "ours", "theirs"), STATUSES)
@pytest.mark.parametrize("path", ["hand-written", "native"])
def test_status_maps_to_class_that_is_also_openais(
    status: int, ours: type, theirs: type, path: str, server: FakeServer
) -> None:
    failing = httpx2.Response(status, json={"detail": f"nope {status}"})
    server.on("GET", "/v1/models", failing)
    client = make_client(server)
    with pytest.raises(ours) as caught:
        client.list_models() if path == "hand-written" else client.models.list()
    error = caught.value
    assert isinstance(error, theirs) and isinstance(error, ChatServerError)
    assert isinstance(error, openai.APIStatusError)
    assert error.message == f"nope {status}"
    assert error.status_code == status
    assert error.response.status_code == status
    assert error.body == {"detail": f"nope {status}"}


def test_other_4xx_is_a_plain_status_error(server: FakeServer) -> None:
    server.on("GET", "/v1/models", httpx2.Response(418, json={"detail": "teapot"}))
    with pytest.raises(exceptions.APIStatusError) as caught:
        make_client(server).list_models()
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
        make_client(server).get_agent_status()
    assert caught.value.message == message
    assert str(caught.value) == message


def test_non_json_body_gives_status_and_excerpt(server: FakeServer) -> None:
    html = "<html><body>" + "Bad Gateway " * 50 + "</body></html>"
    server.on("GET", "/v1/models", httpx2.Response(502, text=html))
    with pytest.raises(InternalServerError) as caught:
        make_client(server).list_models()
    assert caught.value.message.startswith("HTTP 502: <html><body>Bad Gateway")
    assert len(caught.value.message) < 260
    assert caught.value.body == html


def test_native_completion_errors_are_ours(server: FakeServer) -> None:
    server.on(
        "POST", "/v1/chat/completions", httpx2.Response(400, json={"detail": "model field is required"})
    )
    with pytest.raises(BadRequestError) as caught:
        make_client(server).chat.completions.create(model="", messages=[])
    assert caught.value.message == "model field is required"


def test_connection_error_on_both_paths(server: FakeServer) -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused")

    client = retrying_client(refuse, max_retries=0)
    for call in (client.list_models, client.models.list):
        with pytest.raises(APIConnectionError) as caught:
            call()
        assert isinstance(caught.value, openai.APIConnectionError)


def test_timeout_error_on_both_paths() -> None:
    def slow(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("timed out", request=request)

    client = retrying_client(slow, max_retries=0)
    for call in (client.get_platform_stats, client.models.list):
        with pytest.raises(APITimeoutError) as caught:
            call()
        assert isinstance(caught.value, openai.APITimeoutError)


def test_unparseable_success_body_is_a_validation_error(server: FakeServer) -> None:
    server.on("GET", "/api/v1/platform/stats", httpx2.Response(200, text="not json"))
    with pytest.raises(ResponseValidationError) as caught:
        make_client(server).get_platform_stats()
    assert isinstance(caught.value, openai.APIResponseValidationError)
    assert "GET /api/v1/platform/stats" in caught.value.message


def test_secret_never_in_error_text(server: FakeServer) -> None:
    server.on("GET", "/v1/models", httpx2.Response(401, json={"detail": "invalid api key"}))
    client = make_client(server)
    with pytest.raises(UnauthorizedError) as caught:
        client.list_models()
    assert "sk-test-secret" not in str(caught.value) and "sk-test-secret" not in repr(caught.value)
    assert "sk-test-secret" not in repr(client)


# --- retries ---------------------------------------------------------------------


class Flaky:
    """Fails ``failures`` times with ``status`` (or a dropped connection), then succeeds."""

    def __init__(self, failures: int, status: int | None, headers: dict[str, str] | None = None) -> None:
        self.failures, self.status, self.headers = failures, status, headers or {}
        self.calls = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.calls += 1
        if self.calls <= self.failures:
            if self.status is None:
                raise httpx2.ConnectError("connection reset")
            return httpx2.Response(self.status, json={"detail": "busy"}, headers=self.headers)
        return httpx2.Response(200, json={"status": "success", "email": "ada@example.com"})


FAST = {"retry-after-ms": "1"}


def retrying_client(handler: Any, *, max_retries: int) -> ChatServerClient:
    transport = httpx2.MockTransport(handler)
    return ChatServerClient(
        base_url=BASE_URL, max_retries=max_retries, http_client=httpx2.Client(transport=transport)
    )


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, None])
def test_retries_transient_failures(status: int | None) -> None:
    flaky = Flaky(2, status, FAST)
    client = retrying_client(flaky, max_retries=2)
    assert client.add_admin("wos_1", "ada@example.com").email == "ada@example.com"
    assert flaky.calls == 3


def test_does_not_retry_client_errors() -> None:
    flaky = Flaky(1, 400, FAST)
    client = retrying_client(flaky, max_retries=2)
    with pytest.raises(BadRequestError):
        client.add_admin("wos_1", "ada@example.com")
    assert flaky.calls == 1


def test_max_retries_zero_turns_retries_off() -> None:
    flaky = Flaky(1, 503, FAST)
    client = retrying_client(flaky, max_retries=0)
    with pytest.raises(InternalServerError):
        client.list_admins()
    assert flaky.calls == 1


def test_gives_up_after_max_retries() -> None:
    flaky = Flaky(10, 429, FAST)
    client = retrying_client(flaky, max_retries=3)
    with pytest.raises(RateLimitError):
        client.list_admins()
    assert flaky.calls == 4


def test_retry_after_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    # The sleep is the stdlib's, not ours: recording it shows the wait the SDK chose.
    waits: list[float] = []
    monkeypatch.setattr("time.sleep", waits.append)
    flaky = Flaky(2, 429, {"retry-after": "7"})
    client = retrying_client(flaky, max_retries=2)
    client.list_admins()
    assert waits == [7.0, 7.0]


def test_backoff_grows_with_jitter_without_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr("time.sleep", waits.append)
    flaky = Flaky(3, 503)
    client = retrying_client(flaky, max_retries=3)
    client.list_admins()
    assert len(waits) == 3
    assert 0.375 <= waits[0] <= 0.5 and 0.75 <= waits[1] <= 1.0 and 1.5 <= waits[2] <= 2.0


def test_retried_post_resends_the_same_body() -> None:
    bodies: list[Any] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        bodies.append(json.loads(request.content))
        if len(bodies) == 1:
            return httpx2.Response(503, json={"detail": "busy"}, headers=FAST)
        return httpx2.Response(201, json={"status": "success", "email": "ada@example.com"})

    client = retrying_client(handler, max_retries=1)
    client.add_admin("wos_1", "ada@example.com", "Ada")
    assert bodies[0] == bodies[1] == {"workos_id": "wos_1", "email": "ada@example.com", "name": "Ada"}
