"""``client.conversation(...)``: multi-turn chats that follow the ChatServer's history rules.

The main check runs a 5-turn chat against the emulator and upstream's own server, with
the chat resumed midway by a fresh process, and then reads the stored session: exactly
the 10 messages, in order. Other tests pin the rules one at a time.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from chatserver_sdk import (
    AsyncChatServerClient,
    ChatServerClient,
    TurnOutcomeUnknownError,
)
from chatserver_sdk.emulator import run_emulator

from .conftest import client_for
from .servers import UpstreamServer
from .test_agent_helpers import CuttingProxy

MODEL = "claude-3-haiku"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TURNS = ["Plan a trip to Rome.", "Three days only.", "Add a museum.", "Budget?", "Summarise the plan."]


def echo(turn: int, text: str) -> str:
    return f"Echo (turn {turn}): {text}"


def upstream_reply(turn: int, text: str) -> str:
    return f"Upstream reply to: {text}"


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    with run_emulator() as url:
        yield url


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


@pytest.mark.slow
def test_five_turns_resumed_by_a_fresh_process_on_the_emulator(emulator: str) -> None:
    user, session = five_turns_across_two_processes(emulator, echo)
    assert_stored_exactly_the_ten_messages(emulator, user, session, echo)


@pytest.mark.slow
def test_five_turns_resumed_by_a_fresh_process_on_upstream(upstream: UpstreamServer) -> None:
    user, session = five_turns_across_two_processes(upstream.base_url, upstream_reply)
    assert_stored_exactly_the_ten_messages(upstream.base_url, user, session, upstream_reply)
    # Each turn sent the whole transcript: the agent's fifth prompt holds every earlier message.
    last_prompt = upstream.agent_runs()[-1]["prompts"][-1]["prompt"]  # type: ignore[index]
    for number, text in enumerate(TURNS[:4], start=1):
        assert f"User: {text}" in last_prompt
        assert upstream_reply(number, text) in last_prompt


async def test_the_async_twin_resumes_and_stores_the_same_ten(emulator: str) -> None:
    user = str(uuid.uuid4())
    async with AsyncChatServerClient(base_url=emulator) as client:
        chat = await client.conversation(MODEL, user_id=user)
        assert await chat.send(TURNS[0]) == echo(1, TURNS[0])
        stream = await chat.stream(TURNS[1])
        assert "".join([delta async for delta in stream]) == echo(2, TURNS[1])
    async with AsyncChatServerClient(base_url=emulator) as fresh:
        resumed = await fresh.conversation(MODEL, user_id=user, session_id=chat.session_id)
        assert [m.text for m in resumed.messages] == [m.text for m in chat.messages]
        for number in (3, 4, 5):
            assert await resumed.send(TURNS[number - 1]) == echo(number, TURNS[number - 1])
        assert resumed.last_usage is not None and resumed.last_usage.completion_tokens > 0
    assert_stored_exactly_the_ten_messages(emulator, user, chat.session_id or "", echo)


def test_messages_are_the_turns_so_far(emulator: str) -> None:
    with ChatServerClient(base_url=emulator) as client:
        chat = client.conversation(MODEL, user_id=str(uuid.uuid4()), system_prompt="Be brief.")
        assert chat.messages == []
        chat.send("Hello")
        with chat.stream("Again") as deltas:
            assert chat.messages[-1].text == echo(1, "Hello")  # a streamed turn joins when it is complete
            assert "".join(deltas) == echo(2, "Again")
        assert [(str(m.role), m.text) for m in chat.messages] == [
            ("user", "Hello"),
            ("assistant", echo(1, "Hello")),
            ("user", "Again"),
            ("assistant", echo(2, "Again")),
        ]
        chat.messages.clear()  # a copy: the conversation keeps its own
        assert len(chat.messages) == 4
        # The system prompt is not part of the stored transcript.
        stored = client.get_session(chat.session_id or "", user_id=chat.user_id or "").messages
        assert [m.role for m in stored] == ["user", "assistant", "user", "assistant"]


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


def test_a_session_id_with_nothing_stored_starts_a_new_session_under_it(emulator: str) -> None:
    user, session = str(uuid.uuid4()), str(uuid.uuid4())
    with ChatServerClient(base_url=emulator) as client:
        chat = client.conversation(MODEL, user_id=user, session_id=session)
        assert chat.messages == []
        assert chat.send("hello") == echo(1, "hello")
        assert chat.session_id == session
        assert [m.content for m in client.get_session(session, user_id=user).messages] == [
            "hello",
            echo(1, "hello"),
        ]


def test_a_turn_cannot_start_while_a_streamed_one_is_open(emulator: str) -> None:
    with ChatServerClient(base_url=emulator) as client:
        chat = client.conversation(MODEL)
        stream = chat.stream("first")
        with pytest.raises(RuntimeError, match="still open"):
            chat.send("second")
        stream.close()
        assert chat.send("second") == echo(1, "second")  # the unfinished turn is not in the transcript


# --- failed and abandoned turns on upstream's server -------------------------------------------


@pytest.mark.slow
def test_a_turn_cut_off_mid_stream_leaves_the_transcript_in_step_with_the_server(
    upstream: UpstreamServer,
) -> None:
    user = str(uuid.uuid4())
    proxy = CuttingProxy(upstream.base_url)
    try:
        with ChatServerClient(base_url=proxy.url, max_retries=0) as client:
            chat = client.conversation(MODEL, user_id=user)
            chat.send("first")
            proxy.cut_stream_after(1)  # the connection drops after the reply's first chunk
            with chat.stream("second") as deltas:
                try:
                    received = "".join(deltas)
                except TurnOutcomeUnknownError as lost:
                    received = None  # the session holds the message, no reply: nothing was resent
                    assert lost.session_id == chat.session_id
            assert proxy.cuts == 1
            if received is not None:  # the reply was stored: its rest was read from the session
                assert received == upstream_reply(2, "second") and deltas.recovered
                assert len(chat.messages) == 4
            else:
                assert len(chat.messages) == 2  # the failed turn is not in the transcript
            # Either way the next turn builds on what the server holds.
            chat.send("third")
            stored = client.get_session(chat.session_id or "", user_id=user)
    finally:
        proxy.close()
    assert [(m.role, m.content) for m in stored.messages] == [(str(m.role), m.text) for m in chat.messages]
    assert [m.content for m in stored.messages][:3] == ["first", upstream_reply(1, "first"), "second"]
    assert [m.content for m in stored.messages][-2] == "third"


@pytest.mark.slow
def test_a_stream_closed_early_is_left_out_and_the_chat_goes_on(upstream: UpstreamServer) -> None:
    user = str(uuid.uuid4())
    with ChatServerClient(base_url=upstream.base_url) as client:
        chat = client.conversation(MODEL, user_id=user)
        chat.send("first")
        with chat.stream("second") as deltas:
            next(iter(deltas))
        assert chat.send("third") == upstream_reply(3, "third")
        stored = client.get_session(chat.session_id or "", user_id=user)
    assert [(m.role, m.content) for m in stored.messages] == [(str(m.role), m.text) for m in chat.messages]
    assert chat.messages[-2].text == "third"


def test_the_async_conversation_refuses_the_same_bad_arguments() -> None:
    async def main() -> None:
        async with AsyncChatServerClient(base_url="http://fake.test") as client:
            with pytest.raises(ValueError, match="user_id: 'bob' is not a UUID"):
                await client.conversation(MODEL, user_id="bob")

    asyncio.run(main())


@pytest.mark.slow
def test_the_example_script() -> None:
    with run_emulator(api_keys=["sk-user"]) as url:
        env = {**os.environ, "CHATSERVER_BASE_URL": url, "CHATSERVER_API_KEY": "sk-user"}
        done = subprocess.run(
            [sys.executable, str(EXAMPLES / "conversation.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert re.fullmatch(
        r"Session: [0-9a-f-]{36}\n"
        r"Assistant: Echo \(turn 1\): Plan a three-day trip to Rome\.\n"
        r"Streamed: Echo \(turn 2\): Add a museum on day two\.\n"
        r"4 messages so far\n"
        r"Resumed with 4 messages\n"
        r"Assistant: Echo \(turn 3\): What should I pack\?\n"
        r"Async: Echo \(turn 4\): Thanks!\n"
        r"Stored: 8 messages, the same as the conversation's 8\n",
        done.stdout,
    ), done.stdout
