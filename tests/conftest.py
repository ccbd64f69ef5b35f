"""Shared test helpers: a fake ChatServer at the transport level."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from chatserver_sdk import AsyncChatServerClient, ChatServerClient

# Upstream's own ChatServer, for tests that check behaviour against the real server.
from .servers import upstream, upstream_session  # noqa: F401

BASE_URL = "http://chatserver.test"
Handler = Callable[[httpx2.Request], httpx2.Response]


def sse_body(*events: Any, done: bool = True) -> bytes:
    """A text/event-stream body: one ``data:`` line per event, then ``[DONE]``."""
    lines = [f"data: {json.dumps(event)}\n\n" for event in events]
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def chunk(
    content: str | None = None, *, session: str = "sess-1", finish: str | None = None, **extra: Any
) -> dict[str, Any]:
    delta = {} if content is None else {"content": content}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "claude-3-haiku",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        "system_fingerprint": session,
        **extra,
    }


def completion(content: str = "Hello!", *, session: str = "sess-1") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "claude-3-haiku",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        "system_fingerprint": session,
    }


class ClosingStream(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A response body that records whether the client released it."""

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        self.closed = False
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for part in self.parts:
            self.sent += 1
            yield part

    async def __aiter__(self) -> Any:
        for part in self.parts:
            self.sent += 1
            yield part

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


class FakeServer:
    """Routes requests to handlers and records every request it saw."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.requests: list[httpx2.Request] = []

    def on(self, method: str, path: str, handler: Handler | httpx2.Response | dict[str, Any]) -> None:
        if isinstance(handler, httpx2.Response):
            # A fresh copy per request: a response object can be read only once.
            status, headers, content = handler.status_code, handler.headers, handler.content
            handler = lambda request: httpx2.Response(status, headers=headers, content=content)  # noqa: E731
        elif isinstance(handler, dict):
            payload = handler
            handler = lambda request: httpx2.Response(200, json=payload)  # noqa: E731
        self.routes[(method, path)] = handler

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        route = self.routes.get((request.method, request.url.raw_path.decode().split("?")[0]))
        if route is None:
            return httpx2.Response(404, json={"detail": "Not Found"})
        return route(request)

    @property
    def last(self) -> httpx2.Request:
        return self.requests[-1]

    def last_json(self) -> Any:
        return json.loads(self.last.content)


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def client(server: FakeServer) -> Iterator[ChatServerClient]:
    with ChatServerClient(
        api_key="sk-test-secret",
        base_url=BASE_URL,
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(server)),
    ) as c:
        yield c


@pytest.fixture
async def aclient(server: FakeServer) -> Any:
    async with AsyncChatServerClient(
        api_key="sk-test-secret",
        base_url=BASE_URL,
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(server)),
    ) as c:
        yield c
