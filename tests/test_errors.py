"""Errors: every body shape, every status, both code paths, retries."""

from __future__ import annotations

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


def retrying_client(handler: Any, *, max_retries: int) -> ChatServerClient:
    transport = httpx2.MockTransport(handler)
    return ChatServerClient(
        base_url=BASE_URL, max_retries=max_retries, http_client=httpx2.Client(transport=transport)
    )


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

