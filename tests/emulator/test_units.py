"""Pure pieces of the emulator: the agent, the streaming multipart reader and the guards' parsing."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import io
import itertools
import json
import random
import re
from collections.abc import AsyncIterator

import pytest

from chatserver_sdk.emulator import agent, guard, multipart
from chatserver_sdk.emulator.agent import Turn, count_tokens, generate_reply
from chatserver_sdk.emulator.agentctl import (
    MAX_STORED_ERRORS,
    SUBSCRIPTION_BUFFER,
    AgentController,
    AgentMessage,
    Event,
    _GrowingMessage,
    _requested_error,
    _RequestedError,
)
from chatserver_sdk.emulator.chat import Message, Transcript
from chatserver_sdk.emulator.store import Store

S = Turn("system", "rules")
U1, A1, U2 = Turn("user", "one"), Turn("assistant", "Echo (turn 1): one"), Turn("user", "two")


def test_reply_counts_turns_and_tokens() -> None:
    reply = generate_reply([S, U1, A1, U2], system_prompt="be kind")
    assert reply.text == "Echo (turn 2): two"
    assert reply.chunks == ("Echo ", "(turn ", "2): ", "two")
    assert reply.prompt_tokens == 2 + count_tokens("rules one Echo (turn 1): one two")
    assert reply.total_tokens == reply.prompt_tokens + reply.completion_tokens == reply.prompt_tokens + 4
    assert generate_reply([S]).text.startswith("Echo (turn 0)")


def test_reply_truncation() -> None:
    reply = generate_reply([U1], max_tokens=3)
    assert (reply.text, reply.finish_reason, reply.completion_tokens) == ("Echo (turn 1):", "length", 3)


BODY = (
    b'--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'
    b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a b.bin"\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n\r\n--Xy\r\n\x00\xff\r\n"
    b"--XyZ--\r\n"
)


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _receive(data: bytes, *, size: int, limit: int = 1 << 20) -> tuple[multipart.ReceivedFile | None, bytes]:
    sink = io.BytesIO()
    received = asyncio.run(
        multipart.receive_file(_chunks(data, size), "XyZ", field="file", limit=limit, sink=sink)
    )
    return received, sink.getvalue()


def test_multipart_boundary() -> None:
    assert multipart.boundary_of("multipart/form-data; boundary=XyZ") == "XyZ"
    assert multipart.boundary_of('multipart/form-data; boundary="q q"') == "q q"
    assert multipart.boundary_of("application/json") is None


@pytest.mark.parametrize("size", [1, 2, 7, 64, 4096])
def test_multipart_stream_finds_the_file_whatever_the_chunking(size: int) -> None:
    received, data = _receive(BODY, size=size)
    assert received is not None and received.filename == "a b.bin"
    assert data == b"\r\n--Xy\r\n\x00\xff" and received.size == len(data)
    assert received.sha256 == hashlib.sha256(data).hexdigest()


def test_multipart_stream_stops_at_the_limit() -> None:
    big = b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n' + b"x" * 5000
    with pytest.raises(multipart.FileTooLargeError):
        _receive(big + b"\r\n--XyZ--\r\n", size=100, limit=1000)
    # Refused before the body ends: the closing boundary is never needed.
    with pytest.raises(multipart.FileTooLargeError):
        _receive(big, size=100, limit=1000)


@pytest.mark.parametrize(
    "body",
    [b"--XyZ\r\nno end", b"no boundary at all", b"--XyZ\r\n" + b"h" * (20 << 10)],
)
def test_multipart_stream_rejects_malformed_bodies(body: bytes) -> None:
    with pytest.raises(multipart.MultipartError):
        _receive(body, size=512)


def test_multipart_without_the_file_field() -> None:
    body = b'--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--XyZ--\r\n'
    assert _receive(body, size=3) == (None, b"")


@pytest.mark.parametrize(
    ("hosts", "expected"),
    [
        (["localhost", "127.0.0.1", "[::1]"], {"localhost", "127.0.0.1", "::1"}),
        (["Example.COM"], {"example.com"}),
        (["*", "x"], None),
    ],
)
def test_allowed_hosts_parsing(hosts: list[str], expected: set[str] | None) -> None:
    assert guard.parse_allowed_hosts(hosts) == (None if expected is None else frozenset(expected))


@pytest.mark.parametrize("bad", [[], ["localhost:3284"], ["http://localhost"], ["a b"], ["a,b"]])
def test_allowed_hosts_rejects_what_agentapi_rejects(bad: list[str]) -> None:
    with pytest.raises(ValueError, match="allowed_hosts"):
        guard.parse_allowed_hosts(bad)


@pytest.mark.parametrize("bad", [[], ["localhost:3000"], ["ftp://x"]])
def test_allowed_origins_must_be_origins(bad: list[str]) -> None:
    with pytest.raises(ValueError, match="allowed_origins"):
        guard.parse_allowed_origins(bad)


def test_transcript_is_a_sequence_of_messages() -> None:
    given = [Message("user", "a"), Message("assistant", "b", False), Message("user", "c", True)]
    transcript = Transcript(given)
    assert len(transcript) == 3 and list(transcript) == given
    assert transcript[1] == given[1] and transcript[-1].given_as_parts is True
    assert list(transcript[1:]) == given[1:] and isinstance(transcript[1:], Transcript)
    assert list(transcript[5:]) == [] and len(Transcript()) == 0
    with pytest.raises(IndexError):
        transcript[3]


def test_a_long_transcript_leaves_the_garbage_collector_little_to_visit() -> None:
    # Full collections stop every thread for as long as they take, which grows with each object
    # they track: 50,000 messages held as objects would add tens of milliseconds to each.
    gc.collect()
    before = len(gc.get_objects())
    transcript = Transcript(("user", f"message {i}", False) for i in range(50_000))
    gc.collect()
    assert len(gc.get_objects()) - before < 100
    assert len(transcript) == 50_000


def test_reply_reads_the_conversation_once() -> None:
    turns = [S, U1, A1, U2]
    assert generate_reply(iter(turns), system_prompt="be kind") == generate_reply(
        turns, system_prompt="be kind"
    )


def test_only_the_last_hundred_errors_are_replayed() -> None:
    controller = AgentController(Store())
    for i in range(MAX_STORED_ERRORS + 5):
        controller.emit_error(f"error {i}", "error")
    replay, _ = controller.subscribe()
    errors = [event.data["message"] for event in replay if event.name == "agent_error"]
    assert errors == [f"error {i}" for i in range(5, MAX_STORED_ERRORS + 5)]


def test_tokens_and_pieces_are_found_a_slice_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # Slices of 7 characters put every kind of word and space run across a slice boundary.
    monkeypatch.setattr(agent, "SLICE", 7)
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(
            rng.choice(["a", "b", " ", "\n", "\u00a0", "xyz", "  "]) for _ in range(rng.randint(0, 60))
        )
        assert list(agent.Reply(text, 0, 0, "stop").pieces()) == re.findall(r"\S+\s*", text), text
        assert agent.count_tokens(text) == len(text.split()), text


def test_a_paced_reply_is_spread_over_the_delay() -> None:
    assert agent.Pace().groups(5) == [(5, 0.0)]
    groups = agent.Pace(2.0).groups(25)
    assert len(groups) == agent.PACE_PIECES and sum(size for size, _ in groups) == 25
    assert sum(pause for _, pause in groups) == pytest.approx(2.0)
    assert agent.Pace(1.0).groups(3) == [(1, pytest.approx(1 / 3))] * 3
    assert agent.Pace(1.0).time_until(3, 0) == pytest.approx(1 / 3)
    assert agent.Pace(1.0).time_until(3, 3) == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "2", True, 10_000])
def test_agent_delay_must_be_a_sensible_number_of_seconds(bad: object) -> None:
    with pytest.raises(ValueError, match="agent_delay must be a number of seconds from 0 to 3600, got"):
        agent.check_agent_delay(bad)


def test_a_subscriber_that_falls_a_buffer_behind_is_dropped_after_what_it_holds() -> None:
    # agentapi closes a subscription whose buffer (1024 events) is full; its reader gets what is buffered.
    controller = AgentController(Store())
    _, queue = controller.subscribe()
    _, reading = controller.subscribe()
    for i in range(SUBSCRIPTION_BUFFER + 10):
        controller.emit_error(f"error {i}", "warning")
        reading.get_nowait()
    held = [queue.get_nowait() for _ in range(queue.qsize())]
    assert [e.data["message"] for e in held[:-1] if e is not None] == [
        f"error {i}" for i in range(SUBSCRIPTION_BUFFER)
    ]
    assert held[-1] is None and queue.empty()
    controller.emit_error("later", "error")
    assert queue.empty() and reading.get_nowait() is not None  # the reader that keeps up stays


def test_an_event_holding_megabytes_is_rendered_in_pieces_exactly() -> None:
    message = 'a "big" reply é\n' * 100_000
    event = Event("message_update", {"id": 1, "role": "agent", "time": "t", "message": message})
    assert event.is_large
    assert b"".join(event.encode()) == f"event: message_update\ndata: {json.dumps(event.data)}\n\n".encode()


def test_a_growing_replys_updates_are_json_dumps_of_the_message_so_far() -> None:
    growing = _GrowingMessage()
    message = AgentMessage(3, "agent", "", "2026-01-01T00:00:00+00:00")
    text = 'é "quoted" \\ \n\u2028😀 ' * 20_000
    for end in (0, 5, agent.SLICE + 3, len(text) // 2, len(text)):
        message.content = text[:end]
        event = growing.update_event(message)
        data = {"id": 3, "role": "agent", "time": message.time, "message": text[:end]}
        assert event.data == data
        assert b"".join(event.encode()) == f"event: message_update\ndata: {json.dumps(data)}\n\n".encode()


def test_the_ends_of_groups_of_tokens() -> None:
    reply = generate_reply([Turn("user", "one two  three")])
    assert reply.text == "Echo (turn 1): one two  three"
    assert reply.ends_of([2, 2, 2]) == [len("Echo (turn "), len("Echo (turn 1): one "), len(reply.text)]
    assert reply.ends_of([0, 6]) == [0, len(reply.text)]


@pytest.mark.parametrize("where", [0, 7, agent.SLICE - 5, agent.SLICE, 3 * agent.SLICE + 1])
def test_the_agent_error_marker_is_found_wherever_it_is(where: int) -> None:
    content = "w" * where + "[[agent_error:warning:low disk]] and more " + "x" * agent.SLICE
    assert _requested_error(content) == _RequestedError("warning", "low disk")
    assert _requested_error("w" * where + "[[agent_error:fatal]]") is None


def test_the_ends_of_groups_are_found_a_slice_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11)
    for size in (1, 3, 7):
        monkeypatch.setattr(agent, "SLICE", size)
        for _ in range(500):
            text = "".join(rng.choice(["a", "b", " ", "\n", "xyz", "  "]) for _ in range(rng.randint(1, 50)))
            reply = agent.Reply(text, 0, agent.count_tokens(text), "stop")
            sizes = [rng.randint(1, 4) for _ in range(rng.randint(1, 6))]
            # Where each group ends: after its last token and that token's whitespace.
            starts = [m.start() for m in re.finditer(r"(?<!\S)\S", text)]
            expected = [starts[n] if n < len(starts) else len(text) for n in itertools.accumulate(sizes)]
            assert reply.ends_of(sizes) == expected, (text, sizes)


def test_surrogates_are_looked_for_a_slice_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    for size in (1, 2, 3, 5, 64):
        monkeypatch.setattr(guard, "_SEARCH_SLICE", size)
        for _ in range(300):
            body = bytearray(b"x" * rng.randint(0, 200))
            at = rng.randint(0, len(body))
            body[at:at] = rng.choice([b"\\uD8", b"\\udfff", b"\xed\xa0", b"\\u00", b"\xed\x00", b""])
            assert guard._may_hold_surrogates(bytes(body)) == bool(guard._MAY_HOLD_SURROGATES.search(body))
