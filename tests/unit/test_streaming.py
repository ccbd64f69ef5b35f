"""Streams: text deltas, metadata, and every way a stream can go wrong."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import openai
import pytest

from chatserver_sdk import (
    AsyncChatServerClient,
    ChatServerClient,
    ChatServerError,
    IncompleteStreamError,
    MessageUpdateEvent,
    StatusChangeEvent,
    StreamError,
    UsageInfo,
)

from ..conftest import ClosingStream, FakeServer, chunk, client_for, sse_body

SSE = {"content-type": "text/event-stream"}
USAGE = {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7}
GOOD = sse_body(
    chunk("Hel", delta_role=True),
    chunk("lo, "),
    chunk("world"),
    chunk(None, finish="stop", usage=USAGE),
)


def stream_response(body: bytes) -> httpx2.Response:
    return httpx2.Response(200, headers=SSE, content=body)


def test_text_deltas_and_metadata(client: ChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", stream_response(GOOD))
    stream = client.create_completion("claude-3-haiku", ["Tell me a story"], stream=True)
    assert list(stream) == ["Hel", "lo, ", "world"]
    assert server.last_json()["stream"] is True
    assert server.last.headers["accept"] == "text/event-stream"
    assert stream.metadata["system_fingerprint"] == "sess-1"
    assert stream.metadata["usage"] == UsageInfo(**USAGE)
    assert stream.metadata["finish_reason"] == "stop"


async def test_async_text_deltas_and_metadata(aclient: AsyncChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", stream_response(GOOD))
    stream = await aclient.create_completion("claude-3-haiku", ["Tell me a story"], stream=True)
    assert [delta async for delta in stream] == ["Hel", "lo, ", "world"]
    assert stream.metadata["system_fingerprint"] == "sess-1"
    assert stream.metadata["usage"].total_tokens == 7


ERROR_MID_STREAM = sse_body(chunk("Partial"), {"error": {"message": "agent crashed", "type": "server_error"}})
CUT = sse_body(chunk("Partial"), chunk(" answer"), done=False)


def collect_sync(client: ChatServerClient) -> list[str]:
    got: list[str] = []
    for delta in client.create_completion("claude-3-haiku", ["hi"], stream=True):
        got.append(delta)
    return got


def collect_async(server: FakeServer) -> list[str]:
    async def main() -> list[str]:
        async with client_for(server, asynchronous=True, api_key=None) as client:
            return [d async for d in await client.create_completion("claude-3-haiku", ["hi"], stream=True)]

    return asyncio.run(main())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_error_event_mid_stream_raises(mode: str, client: ChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", stream_response(ERROR_MID_STREAM))
    with pytest.raises(StreamError) as caught:
        collect_sync(client) if mode == "sync" else collect_async(server)
    assert caught.value.message == "agent crashed"
    assert caught.value.body == {"message": "agent crashed", "type": "server_error"}
    assert caught.value.type == "server_error"
    assert isinstance(caught.value, openai.APIError)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_stream_cut_before_done_is_an_error(mode: str, client: ChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", stream_response(CUT))
    with pytest.raises(IncompleteStreamError) as caught:
        collect_sync(client) if mode == "sync" else collect_async(server)
    assert caught.value.received_chunks == 2
    assert isinstance(caught.value, openai.APIConnectionError)


def test_connection_dropped_mid_stream_is_a_connection_error(
    client: ChatServerClient, server: FakeServer
) -> None:
    class Dropping(httpx2.SyncByteStream):
        def __iter__(self) -> Any:
            yield sse_body(chunk("Partial"), done=False)
            raise httpx2.RemoteProtocolError("peer closed connection without sending complete message body")

    server.on(
        "POST", "/v1/chat/completions", lambda request: httpx2.Response(200, headers=SSE, stream=Dropping())
    )
    with pytest.raises(
        IncompleteStreamError, match=r"after 1 chunk\(s\) \(the connection broke: peer closed"
    ):
        collect_sync(client)
    # openai's own stream on this client says the same.
    native = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(IncompleteStreamError, match="the connection broke"):
        list(native)
    assert issubclass(IncompleteStreamError, openai.APIConnectionError)


def test_http_error_before_stream_starts(client: ChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", httpx2.Response(503, json={"detail": "agent unavailable"}))
    with pytest.raises(openai.InternalServerError, match="agent unavailable"):
        client.create_completion("claude-3-haiku", ["hi"], stream=True)


def test_early_break_releases_the_connection(client: ChatServerClient, server: FakeServer) -> None:
    body = ClosingStream(
        [sse_body(chunk(f"part {i} "), done=False) for i in range(50)] + [b"data: [DONE]\n\n"]
    )
    server.on("POST", "/v1/chat/completions", lambda request: httpx2.Response(200, headers=SSE, stream=body))
    with client.create_completion("claude-3-haiku", ["hi"], stream=True) as stream:
        for delta in stream:
            assert delta == "part 0 "
            break
    assert body.closed
    assert body.sent < 50


def test_break_without_context_manager_then_close(client: ChatServerClient, server: FakeServer) -> None:
    body = ClosingStream([sse_body(chunk("a"), done=False), sse_body(chunk("b"))])
    server.on("POST", "/v1/chat/completions", lambda request: httpx2.Response(200, headers=SSE, stream=body))
    stream = client.create_completion("claude-3-haiku", ["hi"], stream=True)
    assert next(stream) == "a"
    stream.close()
    assert body.closed


async def test_async_early_break_releases_the_connection(
    aclient: AsyncChatServerClient, server: FakeServer
) -> None:
    body = ClosingStream([sse_body(chunk(f"part {i} "), done=False) for i in range(50)])
    server.on("POST", "/v1/chat/completions", lambda request: httpx2.Response(200, headers=SSE, stream=body))
    async with await aclient.create_completion("claude-3-haiku", ["hi"], stream=True) as stream:
        async for _ in stream:
            break
    assert body.closed


def test_fully_read_stream_is_closed(client: ChatServerClient, server: FakeServer) -> None:
    body = ClosingStream([GOOD])
    server.on("POST", "/v1/chat/completions", lambda request: httpx2.Response(200, headers=SSE, stream=body))
    assert "".join(client.create_completion("claude-3-haiku", ["hi"], stream=True)) == "Hello, world"
    assert body.closed


def test_chunks_split_across_reads(client: ChatServerClient, server: FakeServer) -> None:
    parts = [GOOD[i : i + 7] for i in range(0, len(GOOD), 7)]
    server.on(
        "POST",
        "/v1/chat/completions",
        lambda request: httpx2.Response(200, headers=SSE, stream=ClosingStream(parts)),
    )
    assert "".join(client.create_completion("claude-3-haiku", ["hi"], stream=True)) == "Hello, world"


def test_native_stream_still_works(client: ChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", stream_response(GOOD))
    chunks = list(
        client.chat.completions.create(
            model="claude-3-haiku", messages=[{"role": "user", "content": "hi"}], stream=True
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello, world"
    assert chunks[0].system_fingerprint == "sess-1"


AGENT_EVENTS = (
    b'event: status_change\ndata: {"agent_type": "claude", "status": "running"}\n\n'
    b'event: message_update\ndata: {"id": 1, "role": "agent", "message": "hi", '
    b'"time": "2024-05-01T12:00:00Z"}\n\n'
    b'event: screen_update\ndata: {"screen": "..."}\n\n'
    b'event: status_change\ndata: {"agent_type": "claude", "status": "stable"}\n\n'
)


def test_agent_events(client: ChatServerClient, server: FakeServer) -> None:
    server.on("GET", "/events", stream_response(AGENT_EVENTS))
    with client.stream_agent_events() as events:
        got = list(events)
    assert [type(e) for e in got] == [StatusChangeEvent, MessageUpdateEvent, StatusChangeEvent]
    assert isinstance(got[1], MessageUpdateEvent) and got[1].message == "hi"
    assert isinstance(got[2], StatusChangeEvent) and got[2].status == "stable"


async def test_async_agent_events(aclient: AsyncChatServerClient, server: FakeServer) -> None:
    server.on("GET", "/events", stream_response(AGENT_EVENTS))
    events = await aclient.stream_agent_events()
    assert [e.event async for e in events] == ["status_change", "message_update", "status_change"]


@pytest.mark.parametrize(
    ("body", "error"),
    [(ERROR_MID_STREAM, StreamError), (CUT, IncompleteStreamError)],
    ids=["error-event", "cut-before-done"],
)
def test_native_stream_raises_ours(
    body: bytes, error: type, client: ChatServerClient, server: FakeServer
) -> None:
    server.on("POST", "/v1/chat/completions", stream_response(body))
    stream = client.chat.completions.create(
        model="claude-3-haiku", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(error) as caught:
        list(stream)
    assert isinstance(caught.value, openai.APIError)


async def test_async_native_stream_raises_ours(aclient: AsyncChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", stream_response(ERROR_MID_STREAM))
    stream = await aclient.chat.completions.create(
        model="claude-3-haiku", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(StreamError, match="agent crashed"):
        [c async for c in stream]
    server.on("POST", "/v1/chat/completions", stream_response(CUT))
    stream = await aclient.chat.completions.create(
        model="claude-3-haiku", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(IncompleteStreamError):
        [c async for c in stream]


def test_dropping_the_stream_releases_the_connection(client: ChatServerClient, server: FakeServer) -> None:
    body = ClosingStream([sse_body(chunk(f"part {i} "), done=False) for i in range(50)])
    server.on("POST", "/v1/chat/completions", lambda request: httpx2.Response(200, headers=SSE, stream=body))
    stream = client.create_completion("claude-3-haiku", ["hi"], stream=True)
    for _ in stream:
        break
    del stream  # no with, no close(): letting go of the stream is enough
    assert body.closed


# --- issue 8: streams that behave like openai's, whatever the server or a proxy does ---------

DONE_THEN_HANG = [
    f"data: {json.dumps(chunk('Hello'))}\n\n".encode(),
    f"data: {json.dumps(chunk(None, finish='stop', usage=USAGE))}\n\n".encode(),
    b"data: [DONE]\n\n",
]


class KeptOpen(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A body whose connection stays open after ``[DONE]``: reading past it fails the test."""

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts

    def __iter__(self) -> Any:
        yield from self.parts
        raise AssertionError("read past [DONE]: the stream waited for the connection to close")

    async def __aiter__(self) -> Any:
        for part in self.parts:
            yield part
        raise AssertionError("read past [DONE]: the stream waited for the connection to close")


def kept_open() -> httpx2.Response:
    return httpx2.Response(200, headers=SSE, stream=KeptOpen(DONE_THEN_HANG))


def test_done_ends_the_stream_at_once(client: ChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", lambda request: kept_open())
    with client.create_completion("m", ["hi"], stream=True) as stream:
        assert list(stream) == ["Hello"]
    assert stream.metadata["usage"].total_tokens == 7
    native = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    assert [c.choices[0].delta.content for c in native if c.choices] == ["Hello", None]


async def test_async_done_ends_the_stream_at_once(aclient: AsyncChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", lambda request: kept_open())
    stream = await aclient.create_completion("m", ["hi"], stream=True)
    assert [delta async for delta in stream] == ["Hello"]
    native = await aclient.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    assert len([c async for c in native]) == 2


FIELDS_WITHOUT_DATA = (
    b"retry: 3000\n\n"
    + b"id: 7\n\n"
    + b": a comment\n\n"
    + f"id: 8\ndata: {json.dumps(chunk('Hi'))}\n\n".encode()
    + b"event: ping\n\n"
    + f"data: {json.dumps(chunk(None, finish='stop'))}\n\n".encode()
    + b"data: [DONE]\n\n"
)


def test_blocks_without_data_dispatch_nothing(client: ChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", stream_response(FIELDS_WITHOUT_DATA))
    assert list(client.create_completion("m", ["hi"], stream=True)) == ["Hi"]
    native = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    assert [c.choices[0].delta.content for c in native] == ["Hi", None]


def test_one_large_event_is_read_like_openais_stream(client: ChatServerClient, server: FakeServer) -> None:
    big = "x" * (3 << 20)  # 3 MiB in one event: httpx2's EventSource refuses over 1 MiB by default
    server.on(
        "POST", "/v1/chat/completions", stream_response(sse_body(chunk(big), chunk(None, finish="stop")))
    )
    assert list(client.create_completion("m", ["hi"], stream=True)) == [big]
    native = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    assert next(iter(native)).choices[0].delta.content == big


def gzip_garbage() -> httpx2.Response:
    return httpx2.Response(
        200, headers={**SSE, "content-encoding": "gzip"}, content=b"this is not gzip at all"
    )


@pytest.mark.parametrize("path", ["sdk", "native"])
def test_a_decoding_failure_is_an_sdk_error(path: str, client: ChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", lambda request: gzip_garbage())
    with pytest.raises(ChatServerError) as caught:
        if path == "sdk":
            list(client.create_completion("m", ["hi"], stream=True))
        else:
            list(
                client.chat.completions.create(
                    model="m", messages=[{"role": "user", "content": "hi"}], stream=True
                )
            )
    assert isinstance(caught.value, openai.APIError)
    assert not isinstance(caught.value, httpx2.HTTPError)
