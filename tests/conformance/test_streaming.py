"""Raw HTTP: streamed completions — the framing of every event, and errors after the stream began."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from .targets import Fault, Target
from .wire import (
    CHUNK_CHOICE_KEYS,
    CHUNK_KEYS,
    COMPLETION_ID,
    DEFAULT_SESSION_ID,
    USAGE_KEYS,
    completion_body,
    sse_events,
    user,
)

# Every scenario runs against live servers (upstream's and the emulator).
pytestmark = pytest.mark.slow


def stream(
    raw: httpx2.Client, target: Target, messages: list[dict[str, Any]], **fields: Any
) -> httpx2.Response:
    return raw.post(
        "/v1/chat/completions", json=completion_body(messages, target.model, stream=True, **fields)
    )


def content_chunks(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in events if "choices" in event and event["choices"][0]["delta"]]


def assert_content_chunks(chunks: list[dict[str, Any]], model: str) -> str:
    """Checks each chunk that carries text; returns the text."""
    assert chunks, "no text before the stream ended"
    for number, chunk in enumerate(chunks):
        assert set(chunk) == CHUNK_KEYS, chunk
        assert chunk["object"] == "chat.completion.chunk"
        assert chunk["model"] == model
        [choice] = chunk["choices"]
        assert set(choice) == CHUNK_CHOICE_KEYS
        assert (choice["index"], choice["finish_reason"]) == (0, None)
        # The role comes once, on the first delta.
        expected = {"content", "role"} if number == 0 else {"content"}
        assert set(choice["delta"]) == expected, choice["delta"]
        assert isinstance(choice["delta"]["content"], str) and choice["delta"]["content"]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    return "".join(chunk["choices"][0]["delta"]["content"] for chunk in chunks)


def test_stream_framing(raw: httpx2.Client, target: Target) -> None:
    events = sse_events(stream(raw, target, [user("Tell me a story")]))
    *chunks, final = events
    assert_content_chunks(chunks, target.model)
    # One id, timestamp and session across the stream; no session id given, so upstream's own.
    assert len({(event["id"], event["created"], event["system_fingerprint"]) for event in events}) == 1
    assert COMPLETION_ID.fullmatch(final["id"])
    assert isinstance(final["created"], int)
    assert DEFAULT_SESSION_ID.fullmatch(final["system_fingerprint"])
    # The last chunk closes the choice and carries the usage; then data: [DONE] (checked by sse_events).
    assert set(final) == CHUNK_KEYS | {"usage"}
    assert final["object"] == "chat.completion.chunk" and final["model"] == target.model
    assert final["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    usage = final["usage"]
    assert set(usage) == USAGE_KEYS
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


def test_stream_carries_the_given_session_id(raw: httpx2.Client, target: Target) -> None:
    events = sse_events(stream(raw, target, [user("Hi")], metadata={"session_id": "stream-session-1"}))
    assert {event["system_fingerprint"] for event in events} == {"stream-session-1"}


def test_stream_has_no_cache_or_event_names(raw: httpx2.Client, target: Target) -> None:
    response = stream(raw, target, [user("Hi")])
    # sse_events already refuses "event:", "id:" and comment lines; the body is chunked, not sized.
    sse_events(response)
    assert "content-length" not in response.headers


# --- errors after the stream began -------------------------------------------------------------------


def fault_stream(raw: httpx2.Client, target: Target, fault: Fault) -> httpx2.Response:
    injection = target.inject(fault)
    return stream(
        raw, target, injection.messages([user("Tell me a story")]), metadata=dict(injection.metadata)
    )


def assert_error_event(event: dict[str, Any], kind: str) -> None:
    assert set(event) == {"error"}, event
    assert set(event["error"]) == {"message", "type"}, event
    assert isinstance(event["error"]["message"], str) and event["error"]["message"]
    assert event["error"]["type"] == kind


@pytest.mark.needs("faults")
@pytest.mark.parametrize(
    ("fault", "kind"),
    [(Fault.REJECTED, "invalid_request_error"), (Fault.FAILED, "server_error")],
    ids=["rejected", "failed"],
)
def test_error_event_mid_stream(raw: httpx2.Client, target: Target, fault: Fault, kind: str) -> None:
    # The status is already 200: the error is an event, then [DONE], and no closing chunk.
    *chunks, error = sse_events(fault_stream(raw, target, fault))
    assert_content_chunks(chunks, target.model)
    assert_error_event(error, kind)


@pytest.mark.needs("faults")
def test_error_event_before_any_text(raw: httpx2.Client, target: Target) -> None:
    events = sse_events(fault_stream(raw, target, Fault.UNAVAILABLE))
    assert len(events) == 1
    assert_error_event(events[0], "server_error")


@pytest.mark.needs("faults")
def test_unhandled_failure_cuts_the_stream_off(raw: httpx2.Client, target: Target) -> None:
    injection = target.inject(Fault.CRASHED)
    body = completion_body(
        injection.messages([user("Tell me a story")]),
        target.model,
        stream=True,
        metadata=dict(injection.metadata),
    )
    received = b""
    with raw.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        # No error event and no [DONE]: the chunked body simply stops short.
        with pytest.raises(httpx2.RemoteProtocolError):
            for part in response.iter_bytes():
                received += part
    assert received.startswith(b"data: {")
    assert b"[DONE]" not in received and b'"error"' not in received
