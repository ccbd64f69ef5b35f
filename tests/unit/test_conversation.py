"""``client.conversation(...)``: multi-turn chats that follow the ChatServer's history rules.

The main check runs a 5-turn chat against the emulator and upstream's own server, with
the chat resumed midway by a fresh process, and then reads the stored session: exactly
the 10 messages, in order. Other tests pin the rules one at a time.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import httpx2
import pytest

from chatserver_sdk import (
    AsyncChatServerClient,
    ChatServerClient,
)

from ..conftest import client_for

MODEL = "claude-3-haiku"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TURNS = ["Plan a trip to Rome.", "Three days only.", "Add a museum.", "Budget?", "Summarise the plan."]


def echo(turn: int, text: str) -> str:
    return f"Echo (turn {turn}): {text}"


def upstream_reply(turn: int, text: str) -> str:
    return f"Upstream reply to: {text}"


# A fresh process: a new interpreter, a new client, nothing in memory but the ids.
FIRST_HALF = """
import json, sys
from chatserver_sdk import ChatServerClient
base_url, user = sys.argv[1], sys.argv[2]
with ChatServerClient(base_url=base_url) as client:
    chat = client.conversation("{model}", user_id=user)
    before = chat.session_id
    first = chat.send({turn1!r})
    with chat.stream({turn2!r}) as deltas:
        second = "".join(deltas)
    print(json.dumps({{"before": before, "session": chat.session_id, "replies": [first, second]}}))
"""

SECOND_HALF = """
import json, sys
from chatserver_sdk import ChatServerClient
base_url, user, session = sys.argv[1], sys.argv[2], sys.argv[3]
with ChatServerClient(base_url=base_url) as client:
    chat = client.conversation("{model}", user_id=user, session_id=session)
    resumed = [[str(m.role), m.text] for m in chat.messages]
    replies = [chat.send({turn3!r}), "".join(chat.stream({turn4!r})), chat.send({turn5!r})]
    print(json.dumps({{"resumed": resumed, "session": chat.session_id, "replies": replies}}))
"""


def run_python(code: str, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def five_turns_across_two_processes(base_url: str, reply: Any) -> tuple[str, str]:
    user = str(uuid.uuid4())
    turns = dict(zip(["turn1", "turn2", "turn3", "turn4", "turn5"], TURNS, strict=True))
    first = run_python(FIRST_HALF.format(model=MODEL, **turns), base_url, user)
    session = first["session"]
    assert first["before"] == session  # known before the first answer, and the server kept it
    assert uuid.UUID(session)
    assert first["replies"] == [reply(1, TURNS[0]), reply(2, TURNS[1])]

    second = run_python(SECOND_HALF.format(model=MODEL, **turns), base_url, user, session)
    assert second["resumed"] == [
        ["user", TURNS[0]],
        ["assistant", reply(1, TURNS[0])],
        ["user", TURNS[1]],
        ["assistant", reply(2, TURNS[1])],
    ]
    assert second["session"] == session
    assert second["replies"] == [reply(n, TURNS[n - 1]) for n in (3, 4, 5)]
    return user, session


def assert_stored_exactly_the_ten_messages(base_url: str, user: str, session: str, reply: Any) -> None:
    with ChatServerClient(base_url=base_url) as client:
        detail = client.get_session(session, user_id=user)
    stored = [(m.message_index, m.role, m.content) for m in detail.messages]
    expected = []
    for number, text in enumerate(TURNS, start=1):
        expected += [("user", text), ("assistant", reply(number, text))]
    assert stored == [(index, role, content) for index, (role, content) in enumerate(expected)]
    assert detail.session.message_count == 10
    assert detail.session.title == TURNS[0]


# --- what goes over the wire, at the transport ----------------------------------------------


class Recorder:
    """Answers completions like a ChatServer without history, recording each request body."""

    def __init__(self, fingerprint: str = "atoms_session_0123") -> None:
        self.bodies: list[dict[str, Any]] = []
        self.fingerprint = fingerprint

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if request.method == "GET":  # the client looks up a session before resuming it: a new one
            return httpx2.Response(404, json={"detail": "chat session not found"})
        body = json.loads(request.content)
        self.bodies.append(body)
        text = f"reply {len(self.bodies)}"
        return httpx2.Response(
            200,
            json={
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1,
                "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
                "system_fingerprint": self.fingerprint,
            },
        )


def recorded_client(recorder: Recorder) -> ChatServerClient:
    return client_for(recorder, base_url="http://fake.test")


def test_without_a_user_the_session_id_comes_from_the_first_answer() -> None:
    recorder = Recorder()
    with recorded_client(recorder) as client:
        chat = client.conversation(MODEL, temperature=0.2, max_tokens=100)
        assert chat.session_id is None
        chat.send("one")
        assert chat.session_id == "atoms_session_0123"
        chat.send("two")
    first, second = recorder.bodies
    assert "metadata" not in first or "session_id" not in first["metadata"]
    assert second["metadata"]["session_id"] == "atoms_session_0123"
    assert "user" not in second
    assert second["messages"] == [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "reply 1"},
        {"role": "user", "content": "two"},
    ]
    assert (second["temperature"], second["max_tokens"]) == (0.2, 100)


def test_with_a_user_every_turn_carries_both_uuids_and_the_whole_transcript() -> None:
    user = str(uuid.uuid4()).upper()
    recorder = Recorder()
    with recorded_client(recorder) as client:
        chat = client.conversation(MODEL, user_id=user, system_prompt="Be brief.")
        session = chat.session_id
        recorder.fingerprint = session or ""
        for text in ("a", "b", "c"):
            chat.send(text)
    assert chat.user_id == user.lower()  # canonical form
    for number, body in enumerate(recorder.bodies):
        assert body["metadata"]["session_id"] == session
        assert body["metadata"]["user_id"] == user.lower()
        assert body["system_prompt"] == "Be brief."
        assert len(body["messages"]) == 2 * number + 1


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"user_id": "bob"}, ValueError, "user_id: 'bob' is not a UUID"),
        ({"session_id": str(uuid.UUID(int=1))}, ValueError, "session_id: resuming .* needs user_id"),
        (
            {"user_id": str(uuid.UUID(int=1)), "session_id": "atoms_session_1"},
            ValueError,
            "session_id: 'atoms_session_1' is not a UUID",
        ),
        ({"stream": True}, TypeError, r"conversation\(\): unexpected option\(s\) 'stream'"),
        ({"messages": []}, TypeError, "unexpected option"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(arguments: Any, error: type, message: str) -> None:
    recorder = Recorder()
    with recorded_client(recorder) as client, pytest.raises(error, match=message):
        client.conversation(MODEL, **arguments)
    assert recorder.bodies == []


@pytest.mark.parametrize("text", ["", "   ", None])
def test_an_empty_turn_is_refused(text: Any) -> None:
    recorder = Recorder()
    with recorded_client(recorder) as client:
        chat = client.conversation(MODEL)
        with pytest.raises(ValueError, match="text: expected a non-empty message"):
            chat.send(text)
    assert recorder.bodies == []


# --- failed and abandoned turns on upstream's server -------------------------------------------


def test_the_async_conversation_refuses_the_same_bad_arguments() -> None:
    async def main() -> None:
        async with AsyncChatServerClient(base_url="http://fake.test") as client:
            with pytest.raises(ValueError, match="user_id: 'bob' is not a UUID"):
                await client.conversation(MODEL, user_id="bob")

    asyncio.run(main())


class StoredSession(Recorder):
    """A session that already holds one turn: the lookup finds it."""

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if request.method == "GET":
            session = request.url.path.rsplit("/", 1)[1]
            records = [
                {"id": "1", "message_index": 0, "role": "user", "content": "first"},
                {"id": "2", "message_index": 1, "role": "assistant", "content": "reply 0"},
            ]
            return httpx2.Response(
                200, json={"session": {"id": session, "title": "first"}, "messages": records}
            )
        return super().__call__(request)


@pytest.mark.parametrize("awaited", [True, False], ids=["awaited", "not-awaited"])
def test_an_async_conversation_resumes_whether_or_not_it_is_awaited(awaited: bool) -> None:
    """``chat = client.conversation(...)`` without ``await`` (an easy slip) works too: the stored
    history is read before the first turn instead of at once."""
    recorder = StoredSession()
    user, session = str(uuid.uuid4()), str(uuid.uuid4())

    async def main() -> None:
        async with client_for(recorder, asynchronous=True) as client:
            chat = client.conversation(MODEL, user_id=user, session_id=session)
            if awaited:
                assert await chat is chat
                assert [m.text for m in chat.messages] == ["first", "reply 0"]
            else:
                assert chat.messages == []  # not read yet
            assert await chat.send("second") == "reply 1"
            assert [m.text for m in chat.messages] == ["first", "reply 0", "second", "reply 1"]
            assert await chat is chat  # awaiting again reads nothing more

    asyncio.run(main())
    sent = [m["content"] for m in recorder.bodies[0]["messages"]]
    assert sent == ["first", "reply 0", "second"]  # the stored transcript, then the new turn
