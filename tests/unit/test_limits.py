"""deadline= and idle_timeout=: a whole call bounded, and a silent stream noticed, on both paths.

Against a scripted server that holds a response back or goes silent mid-stream: what a transport
mock cannot show is a read that blocks.
"""

from __future__ import annotations

import asyncio
import json

import openai
import pytest

from chatserver_sdk import (
    AsyncChatServerClient,
    ChatServerClient,
    DeadlineExceededError,
    IdleTimeoutError,
)

from ..scripted import Connection, Received, ScriptedServer, sse_head

MODEL = "claude-sonnet-4-5@20250929"


def chunk_event(text: str) -> str:
    body = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": MODEL,
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return f"data: {json.dumps(body)}\n\n"


def silent_after_one_chunk(request: Received, connection: Connection) -> None:
    connection.send(sse_head())
    connection.chunk(chunk_event("Hello"))
    connection.pause(30)


def chunks_forever(request: Received, connection: Connection) -> None:
    connection.send(sse_head())
    for n in range(300):
        connection.chunk(chunk_event(f"{n} "))
        connection.pause(0.1)


def never_answers(request: Received, connection: Connection) -> None:
    connection.pause(30)


def test_a_completion_past_its_deadline_raises_naming_it() -> None:
    expected = r"the deadline of 0\.5 s for the whole call passed"
    with (
        ScriptedServer(never_answers) as server,
        ChatServerClient(base_url=server.url, max_retries=0) as client,
        pytest.raises(DeadlineExceededError, match=expected) as caught,
    ):
        client.create_completion(MODEL, ["hi"], deadline=0.5)
    assert isinstance(caught.value, (TimeoutError, openai.APITimeoutError))
    assert len(server.requests) == 1  # never sent again


def test_a_stream_that_goes_silent_raises_naming_the_silence() -> None:
    with ScriptedServer(silent_after_one_chunk) as server, ChatServerClient(base_url=server.url) as client:
        stream = client.create_completion(MODEL, ["hi"], stream=True, idle_timeout=0.5)
        received = []
        with pytest.raises(IdleTimeoutError, match=r"no event for 0.5 s \(idle_timeout\)"):
            for text in stream:
                received.append(text)
    assert received == ["Hello"]


def test_a_stream_that_keeps_talking_past_its_deadline_stops_at_it() -> None:
    with (
        ScriptedServer(chunks_forever) as server,
        ChatServerClient(base_url=server.url) as client,
        pytest.raises(DeadlineExceededError, match="deadline of 1 s"),
    ):
        list(client.create_completion(MODEL, ["hi"], stream=True, deadline=1))


def test_openai_s_own_stream_takes_the_bounds_from_with_options() -> None:
    with ScriptedServer(silent_after_one_chunk) as server, ChatServerClient(base_url=server.url) as client:
        stream = client.with_options(idle_timeout=0.5).chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}], stream=True
        )
        with pytest.raises(IdleTimeoutError):
            list(stream)


def test_the_async_client_bounds_streams_and_calls_alike() -> None:
    async def main() -> None:
        with ScriptedServer(chunks_forever) as streaming, ScriptedServer(never_answers) as silent:
            async with AsyncChatServerClient(base_url=streaming.url) as client:
                stream = await client.create_completion(MODEL, ["hi"], stream=True, deadline=1)
                with pytest.raises(DeadlineExceededError):
                    async for _ in stream:
                        pass
            async with AsyncChatServerClient(base_url=silent.url, max_retries=0) as client:
                with pytest.raises(DeadlineExceededError):
                    await client.create_completion(MODEL, ["hi"], deadline=0.5)

    asyncio.run(main())


@pytest.mark.parametrize("value", [0, -1, "10", True, float("nan"), float("inf")])
def test_a_bound_that_is_not_a_positive_number_is_refused(value: object) -> None:
    with (
        ChatServerClient(base_url="http://127.0.0.1:9") as client,
        pytest.raises(ValueError, match="deadline"),
    ):
        client.create_completion(MODEL, ["hi"], deadline=value)  # type: ignore[arg-type]
