"""``client.conversation(...)``: multi-turn chats that follow the ChatServer's history rules."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pytest

from chatserver_sdk import (
    AsyncChatServerClient,
    ChatServerClient,
    TurnOutcomeUnknownError,
)
from chatserver_sdk.emulator import run_emulator

from ..proxies import CuttingProxy
from ..servers import UpstreamServer
from ..unit.test_conversation import (
    EXAMPLES,
    MODEL,
    TURNS,
    assert_stored_exactly_the_ten_messages,
    echo,
    five_turns_across_two_processes,
    upstream_reply,
)

pytestmark = pytest.mark.slow


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
