"""A minimal, fast HTTP/1.1 server with canned ChatServer responses, for benchmarks.

It runs in its own process so the client's CPU time is measured without the
server's. Every response body is built once, the first time it is asked for;
a request then costs a header scan and one ``transport.write``.

Routes (anything else is 404):

* ``POST /v1/chat/completions``: a completion; with ``"stream": true`` in the
  body, ``text/event-stream`` of ``N`` content chunks, a final chunk with
  ``finish_reason`` and ``usage``, then ``data: [DONE]``. ``N`` comes from the
  model name (``bench-200`` streams 200 chunks; no number means ``--chunks``).
  With chunked framing every SSE event is its own HTTP chunk, as a streaming
  server sends it; with length framing the events are one ``Content-Length``
  body. ``--framing`` sets the default; a model name containing ``-chunked-``
  or ``-length-`` (``bench-length-200``) chooses per request. Either way the
  whole response is written at once, so the client is never kept waiting.
* ``GET /v1/models``, ``GET /atoms/chat/sessions``, ``GET /api/v1/platform/stats``,
  ``GET /api/v1/platform/audit`` (a page of 50 entries).

Usage: ``python benchmarks/server.py [--port 0] [--watch-stdin]``; it prints
``PORT <n>`` on stdout once listening. With ``--watch-stdin`` (as ``bench.py``
starts it) it exits when its stdin closes, i.e. when its parent is gone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import uuid
from collections.abc import Callable
from typing import Any

FINGERPRINT = str(uuid.UUID(int=0x5E55_1011))  # the "session id"
CREATED = 1_700_000_000


def _response(status: str, content_type: str, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {len(body)}\r\n\r\n"
    return head.encode("ascii") + body


def _json_response(payload: Any, status: str = "200 OK") -> bytes:
    return _response(status, "application/json", json.dumps(payload, separators=(",", ":")).encode())


def completion_body(model: str, tokens: int) -> dict[str, Any]:
    content = "".join(f"tok{i} " for i in range(tokens))
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": tokens, "total_tokens": tokens + 12},
        "system_fingerprint": FINGERPRINT,
    }


def stream_events(model: str, chunks: int) -> list[bytes]:
    """The SSE events of a streamed completion, each ``data: ...\\n\\n``."""

    def chunk(delta: dict[str, str], finish_reason: str | None, **extra: Any) -> bytes:
        payload = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            "system_fingerprint": FINGERPRINT,
            **extra,
        }
        return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"

    events = []
    for i in range(chunks):
        delta = {"role": "assistant", "content": f"tok{i} "} if i == 0 else {"content": f"tok{i} "}
        events.append(chunk(delta, None))
    usage = {"prompt_tokens": 12, "completion_tokens": chunks, "total_tokens": chunks + 12}
    events.append(chunk({}, "stop", usage=usage))
    events.append(b"data: [DONE]\n\n")
    return events


def stream_response(events: list[bytes], framing: str) -> bytes:
    head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
    if framing == "length":
        body = b"".join(events)
        return (head + f"content-length: {len(body)}\r\n\r\n").encode("ascii") + body
    parts = [(head + "transfer-encoding: chunked\r\n\r\n").encode("ascii")]
    for event in events:
        parts.append(b"%x\r\n%s\r\n" % (len(event), event))
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


def sessions_body(user_id: str, count: int = 20) -> dict[str, Any]:
    sessions = [
        {
            "id": str(uuid.UUID(int=i + 1)),
            "user_id": user_id,
            "organization_id": "org-bench",
            "title": f"Conversation {i}",
            "model": "bench",
            "agent_type": "claude",
            "created_at": f"2024-05-{i + 1:02d}T10:00:00.000000Z",
            "updated_at": f"2024-05-{i + 1:02d}T10:05:00.000000Z",
            "last_message_at": f"2024-05-{i + 1:02d}T10:05:00.000000Z",
            "message_count": 4 + i,
            "tokens_in": 100 * i,
            "tokens_out": 200 * i,
            "tokens_total": 300 * i,
            "metadata": {},
            "archived": False,
        }
        for i in range(count)
    ]
    return {"sessions": sessions, "total": count, "page": 1, "page_size": 20, "has_more": False}


AUDIT_PAGE = {
    "entries": [
        {
            "id": f"00000000-0000-4000-8000-{i:012d}",
            "timestamp": f"2024-05-{i % 28 + 1:02d}T10:{i % 60:02d}:00.000000+00:00",
            "user_id": f"00000000-0000-4000-8000-{1000 + i:012d}",
            "org_id": "00000000-0000-4000-8000-000000005000",
            "action": "platform_admin.added",
            "resource": "platform_admin",
            "resource_id": f"admin{i}@example.com",
            "metadata": {},
        }
        for i in range(50)
    ],
    "count": 50,
    "limit": 50,
    "offset": 0,
}

PLATFORM_STATS = {
    "total_users": 42,
    "active_users": 7,
    "total_organizations": 3,
    "total_requests": 1234,
    "requests_today": 56,
    "total_tokens": 987654,
    "tokens_today": 4321,
    "total_mcp_servers": 5,
    "system_health": {"status": "healthy", "circuit_breaker_status": "closed", "active_agents": ["claude"]},
}

MODELS = {
    "object": "list",
    "data": [
        {"id": name, "object": "model", "created": CREATED, "owned_by": "chatserver"}
        for name in ("claude-sonnet", "claude-opus", "claude-haiku", "gpt-4o", "gpt-4o-mini")
    ],
}

NOT_FOUND = _json_response({"detail": "Not Found"}, "404 Not Found")


class Responses:
    """Canned responses, built on first use and kept."""

    def __init__(self, chunks: int, framing: str) -> None:
        self.chunks = chunks
        self.framing = framing
        self._cache: dict[tuple[Any, ...], bytes] = {}

    def _cached(self, key: tuple[Any, ...], build: Callable[[], bytes]) -> bytes:
        response = self._cache.get(key)
        if response is None:
            response = self._cache[key] = build()
        return response

    def _stream_shape(self, model: str) -> tuple[int, str]:
        """Chunks and framing for a model name such as ``bench-length-200``."""
        parts = model.split("-")
        chunks = int(parts[-1]) if parts[-1].isdigit() else self.chunks
        framing = next((p for p in parts if p in ("chunked", "length")), self.framing)
        return chunks, framing

    def get(self, method: bytes, target: bytes, body: bytes) -> bytes:
        path = target.partition(b"?")[0]
        if method == b"POST" and path == b"/v1/chat/completions":
            request = json.loads(body) if body else {}
            model = str(request.get("model", "bench"))
            n, framing = self._stream_shape(model)
            if request.get("stream"):
                return self._cached(
                    ("stream", model), lambda: stream_response(stream_events(model, n), framing)
                )
            return self._cached(("completion", model), lambda: _json_response(completion_body(model, n)))
        if method == b"GET":
            if path == b"/atoms/chat/sessions":
                return self._cached(
                    ("sessions",),
                    lambda: _json_response(sessions_body("00000000-0000-4000-8000-00000000beef")),
                )
            if path == b"/api/v1/platform/stats":
                return self._cached(("stats",), lambda: _json_response(PLATFORM_STATS))
            if path == b"/api/v1/platform/audit":
                return self._cached(("audit",), lambda: _json_response(AUDIT_PAGE))
            if path == b"/v1/models":
                return self._cached(("models",), lambda: _json_response(MODELS))
        return NOT_FOUND


class HTTPProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive; request bodies by Content-Length only."""

    def __init__(self, responses: Responses) -> None:
        self.responses = responses
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(self.buffer[:end]).split(b"\r\n")
            method, target, _ = lines[0].split(b" ", 2)
            length = 0
            close = False
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
                elif name == b"transfer-encoding":
                    self._fail(b"501 Not Implemented")
                    return
            if len(self.buffer) < end + 4 + length:
                return  # the body is still coming
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            try:
                response = self.responses.get(method, target, body)
            except ValueError:
                response = _json_response({"detail": "bad request"}, "400 Bad Request")
            self.transport.write(response)
            if close:
                self.transport.close()
                self.transport = None

    def _fail(self, status: bytes) -> None:
        assert self.transport is not None
        self.transport.write(b"HTTP/1.1 " + status + b"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        self.transport.close()
        self.transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(host: str, port: int, responses: Responses, *, watch_stdin: bool) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: HTTPProtocol(responses), host, port, backlog=128)
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)

    # With --watch-stdin, exit when the parent closes our stdin (or dies), so no
    # server is left behind; otherwise run until interrupted.
    stdin_closed: asyncio.Future[None] = loop.create_future()

    class _Stdin(asyncio.Protocol):
        def connection_lost(self, exc: Exception | None) -> None:
            if not stdin_closed.done():
                stdin_closed.set_result(None)

    if watch_stdin:
        await loop.connect_read_pipe(_Stdin, sys.stdin)
    async with server:
        await stdin_closed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--chunks", type=int, default=200, help="content chunks per stream by default")
    parser.add_argument("--framing", choices=("chunked", "length"), default="chunked")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin reaches EOF")
    args = parser.parse_args(argv)
    responses = Responses(args.chunks, args.framing)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, responses, watch_stdin=args.watch_stdin))


if __name__ == "__main__":
    main()
