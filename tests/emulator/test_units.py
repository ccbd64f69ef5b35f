"""Pure pieces of the emulator: transcript merging, the agent and the multipart reader."""

from __future__ import annotations

import pytest

from chatserver_sdk.emulator import multipart
from chatserver_sdk.emulator.agent import Turn, count_tokens, generate_reply
from chatserver_sdk.emulator.chat import new_messages

S = Turn("system", "rules")
U1, A1, U2, A2, U3 = (
    Turn("user", "one"),
    Turn("assistant", "Echo (turn 1): one"),
    Turn("user", "two"),
    Turn("assistant", "Echo (turn 2): two"),
    Turn("user", "three"),
)


@pytest.mark.parametrize(
    ("stored", "incoming", "expected"),
    [
        ([], [S, U1], [S, U1]),
        ([S, U1, A1], [S, U1, A1, U2], [U2]),  # full history resent
        ([S, U1, A1], [U2], [U2]),  # only the new message
        ([S, U1, A1], [U1, A1, U2], [U2]),  # system prompt dropped
        ([S, U1, A1, U2, A2], [A2, U3], [U3]),  # trailing window
        ([S, U1, A1], [S, U2], [U2]),  # system prompt repeated with the new message
        ([U1, A1], [U1], [U1]),  # the user asks the same thing again
        ([S, U1, A1], [S, U1, A1], []),  # nothing new: regenerate
    ],
)
def test_new_messages(stored: list[Turn], incoming: list[Turn], expected: list[Turn]) -> None:
    assert new_messages(stored, incoming) == expected


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


def test_multipart_round_trip() -> None:
    boundary = "XyZ"
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a b.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\r\n--Xy\r\n\x00\xff\r\n"
        b"--XyZ--\r\n"
    )
    assert multipart.boundary_of(f"multipart/form-data; boundary={boundary}") == boundary
    assert multipart.boundary_of('multipart/form-data; boundary="q q"') == "q q"
    assert multipart.boundary_of("application/json") is None
    note, upload = multipart.parse(body, boundary)
    assert (note.name, note.filename, note.data) == ("note", None, b"hello")
    assert (upload.name, upload.filename, upload.content_type) == (
        "file",
        "a b.bin",
        "application/octet-stream",
    )
    assert upload.data == b"\r\n--Xy\r\n\x00\xff"
    with pytest.raises(multipart.MultipartError):
        multipart.parse(b"--XyZ\r\nno end", boundary)
