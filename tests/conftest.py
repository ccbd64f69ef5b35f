"""Shared test helpers: the one fake ChatServer (at the transport) and the one client factory.

``FakeServer`` is an ``httpx2.MockTransport`` handler. Tests route requests to
answers with ``server.on(method, path, answer)``, make the next requests fail
with ``server.fail_next(n, outcome)``, and read back what was sent
(``server.requests``, ``server.last``, ``server.exchanges``). Given a
:class:`~tests.spec.Contract`, it also holds every request, and every answer it
gives, to the upstream OpenAPI file (``tests/test_contract.py``).

``client_for(server, ...)`` builds a sync or async client on it; the
``client``/``aclient`` fixtures are that client on the ``server`` fixture.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, overload
from urllib.parse import unquote

import httpx2
import pytest

from chatserver_sdk import AsyncChatServerClient, ChatServerClient

# Upstream's own ChatServer, for tests that check behaviour against the real server.
from .servers import upstream, upstream_session  # noqa: F401
from .spec import Contract, Operation, WireRequest

BASE_URL = "http://chatserver.test"
KEY = "sk-test-secret"
Handler = Callable[[httpx2.Request], httpx2.Response]
Answer = Handler | httpx2.Response | dict[str, Any]


# --- response bodies ----------------------------------------------------------------------------------


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


def sse_events(body: bytes) -> list[dict[str, Any]]:
    """The events of an event-stream body as ``{"event", "id", "data"}``; ``[DONE]`` is left out."""
    events: list[dict[str, Any]] = []
    for block in body.decode().replace("\r\n", "\n").split("\n\n"):
        event: dict[str, Any] = {"event": None, "id": None}
        data: list[str] = []
        for line in block.split("\n"):
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            elif name == "event":
                event["event"] = value
            elif name == "id":
                event["id"] = int(value) if value.isdigit() else value
        if data and data != ["[DONE]"]:
            events.append({**event, "data": json.loads("\n".join(data))})
    return events


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


# --- the fake server -------------------------------------------------------------------------------------


@dataclass
class Part:
    """One part of a multipart body."""

    name: str | None
    filename: str | None
    content_type: str
    payload: bytes


@dataclass
class Exchange:
    """One request the server saw, what the spec says of it (with a contract), and the answer."""

    request: httpx2.Request
    operation: Operation | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    typed_query: Mapping[str, Any] = field(default_factory=dict)
    routing_errors: list[str] = field(default_factory=list)
    request_errors: list[str] = field(default_factory=list)
    response_errors: list[str] = field(default_factory=list)
    response: httpx2.Response | None = None

    @property
    def method(self) -> str:
        return self.request.method

    @property
    def raw_path(self) -> str:
        return self.request.url.raw_path.split(b"?", 1)[0].decode("ascii")

    @property
    def headers(self) -> httpx2.Headers:
        return self.request.headers

    @property
    def body(self) -> bytes:
        return self.request.content

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def query(self) -> list[tuple[str, str]]:
        return list(self.request.url.params.multi_items())

    @property
    def query_dict(self) -> dict[str, str]:
        names = [name for name, _ in self.query]
        assert len(names) == len(set(names)), f"repeated query parameters: {self.query}"
        return dict(self.query)

    @property
    def parts(self) -> list[Part]:
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + self.body)
        assert message.is_multipart(), f"not a multipart body: {self.body[:200]!r}"
        return [
            Part(
                name=part.get_param("name", header="content-disposition"),
                filename=part.get_filename(),
                content_type=part.get_content_type(),
                payload=part.get_payload(decode=True),
            )
            for part in message.iter_parts()
        ]

    def describe(self) -> str:
        return f"{self.method} {self.raw_path}"


def _as_handler(answer: Answer) -> Handler:
    if isinstance(answer, httpx2.Response):
        # A fresh copy per request: a response object can be read only once.
        status, headers, content = answer.status_code, answer.headers, answer.content
        return lambda request: httpx2.Response(status, headers=headers, content=content)
    if isinstance(answer, dict):
        payload = answer
        return lambda request: httpx2.Response(200, json=payload)
    return answer


def _route_matches(path: str, raw_path: str) -> bool:
    """An exact raw path, or a template whose ``{name}`` segments match any one non-empty segment."""
    if "{" not in path:
        return path == raw_path
    parts, segments = path.split("/"), raw_path.split("/")
    return len(parts) == len(segments) and all(
        part == segment or (part.startswith("{") and part.endswith("}") and bool(segment))
        for part, segment in zip(parts, segments, strict=True)
    )


class FakeServer:
    """A ChatServer at the transport: routes requests to answers and records every exchange.

    Unrouted requests get 404 ``{"detail": "Not Found"}``, or ``fallback``'s answer. With a
    ``contract``, each request is checked against the spec (``exchange.routing_errors`` and
    ``request_errors``) and so is each answer the routes give (``response_errors``).
    """

    def __init__(self, contract: Contract | None = None, fallback: Answer | None = None) -> None:
        self.contract = contract
        self.fallback = None if fallback is None else _as_handler(fallback)
        self.routes: dict[tuple[str, str], Handler] = {}
        self.exchanges: list[Exchange] = []
        self._failures: deque[Handler] = deque()

    def on(self, method: str, path: str, answer: Answer) -> None:
        """Answer ``method path`` (a raw path, or a template such as ``/atoms/mcp/{mcp_id}``)."""
        self.routes[(method, path)] = _as_handler(answer)

    def fail_next(self, count: int, outcome: Handler) -> None:
        """The next ``count`` requests, whatever their route, get ``outcome`` (which may raise)."""
        self._failures.extend([outcome] * count)

    @property
    def requests(self) -> list[httpx2.Request]:
        return [exchange.request for exchange in self.exchanges]

    @property
    def last(self) -> httpx2.Request:
        return self.exchanges[-1].request

    def last_json(self) -> Any:
        return json.loads(self.last.content)

    def exchange_of(self, request: httpx2.Request) -> Exchange:
        return next(exchange for exchange in reversed(self.exchanges) if exchange.request is request)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        exchange = Exchange(request)
        self.exchanges.append(exchange)
        if self.contract is not None:
            self._check_request(self.contract, exchange)
        if self._failures:
            return self._failures.popleft()(request)
        response = self._route(request)(request)
        exchange.response = response
        if self.contract is not None and exchange.operation is not None:
            self._check_response(self.contract, exchange, response)
        return response

    def _route(self, request: httpx2.Request) -> Handler:
        raw_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        exact = self.routes.get((request.method, raw_path))
        if exact is not None:
            return exact
        for (method, path), handler in self.routes.items():
            if method == request.method and _route_matches(path, raw_path):
                return handler
        if self.fallback is not None:
            return self.fallback
        return lambda request: httpx2.Response(404, json={"detail": "Not Found"})

    @staticmethod
    def _check_request(contract: Contract, exchange: Exchange) -> None:
        wire = WireRequest.from_httpx(exchange.request)
        exchange.operation, exchange.path_params = contract.match(wire.method, wire.path)
        routed = contract.finder_match(wire)
        if exchange.operation is None:
            exchange.routing_errors.append(f"{exchange.describe()} is no operation of the spec")
        elif routed is None or routed[0] != exchange.operation[1]:
            exchange.routing_errors.append(
                f"openapi-core routes {wire.path} to {routed}, not {exchange.operation[1]}"
            )
        elif {name: unquote(value) for name, value in routed[1].items()} != exchange.path_params:
            exchange.routing_errors.append(
                f"openapi-core reads path parameters {routed[1]}, not {exchange.path_params}"
            )
        exchange.request_errors, exchange.typed_query = contract.request_errors(wire)

    @staticmethod
    def _check_response(contract: Contract, exchange: Exchange, response: httpx2.Response) -> None:
        assert exchange.operation is not None
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        if content_type == "text/event-stream":
            events = sse_events(response.content)
            exchange.response_errors = contract.stream_errors(
                exchange.operation, response.status_code, events
            )
        else:
            wire = WireRequest.from_httpx(exchange.request)
            exchange.response_errors = contract.response_errors(
                wire, response.status_code, content_type, response.content
            )


# --- the client factory -------------------------------------------------------------------------------------


def transport_client(server: Handler) -> httpx2.Client:
    """An httpx2 client whose every request goes to ``server``."""
    return httpx2.Client(transport=httpx2.MockTransport(server))


def async_transport_client(server: Handler) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.MockTransport(server))


@overload
def client_for(
    server: Handler, *, asynchronous: Literal[False] = False, **options: Any
) -> ChatServerClient: ...
@overload
def client_for(server: Handler, *, asynchronous: Literal[True], **options: Any) -> AsyncChatServerClient: ...
def client_for(
    server: Handler, *, asynchronous: bool = False, **options: Any
) -> ChatServerClient | AsyncChatServerClient:
    """A client whose requests go to ``server``.

    Defaults: key ``KEY``, ``BASE_URL``, no retries; any of them, and any other client
    option (``max_retries=2``, ``retry_non_idempotent=True`` ...), can be given.
    ``api_key=None`` falls back to ``$CHATSERVER_API_KEY`` as a client made without one does.
    """
    options.setdefault("api_key", KEY)
    options.setdefault("base_url", BASE_URL)
    options.setdefault("max_retries", 0)
    if asynchronous:
        return AsyncChatServerClient(http_client=async_transport_client(server), **options)
    return ChatServerClient(http_client=transport_client(server), **options)


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def client(server: FakeServer) -> Iterator[ChatServerClient]:
    with client_for(server) as c:
        yield c


@pytest.fixture
async def aclient(server: FakeServer) -> Any:
    async with client_for(server, asynchronous=True) as c:
        yield c
