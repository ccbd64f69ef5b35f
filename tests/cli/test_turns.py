"""Long turns, as processes: ``agent events`` while the reply grows, Ctrl-C in ``agent ask`` and ``chat``."""

from __future__ import annotations

import json
import logging
import os
import pty
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from chatserver_sdk import ChatServerClient

from .helpers import CHATSERVER, FINISH, environment, read_all
from .scripted import Reply, Request, ScriptedServer, scripted

pytestmark = pytest.mark.slow

MODEL = "claude-sonnet-4-5@20250929"
LONG = " ".join(f"w{n}" for n in range(120))
# An agent that is still running when the test acts: its turn takes this long (the emulator's own
# agent answers at once; a long message no longer makes it slow).
SLOW_AGENT = pytest.mark.chatserver_emulator(agent_delay=5.0)


def wait_until(condition: object, what: str) -> None:
    deadline = time.monotonic() + FINISH
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def agent_status(url: str) -> str:
    with ChatServerClient(base_url=url) as client:
        return client.get_agent_status().status


# --- agent events ------------------------------------------------------------------------------------


def test_events_print_each_message_once_when_piped(chatserver_emulator: str) -> None:
    process = subprocess.Popen(
        [str(CHATSERVER), "agent", "events"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(chatserver_emulator),
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        assert process.stdout.readline() == "status: stable\n"
        with ChatServerClient(base_url=chatserver_emulator) as client:
            client.send_agent_message(LONG)
        lines = [process.stdout.readline() for _ in range(4)]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=FINISH) == 130
    assert lines == [
        f"message #0 (user): {LONG}\n",
        "status: running\n",
        f"message #1 (agent): Echo (turn 1): {LONG}\n",  # once, whole: not once per word
        "status: stable\n",
    ]
    assert process.stderr.read() == ""


def test_events_rewrite_the_growing_reply_on_a_terminal(chatserver_emulator: str) -> None:
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [str(CHATSERVER), "agent", "events"],
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        env=environment(chatserver_emulator),
    )
    os.close(secondary)
    with ChatServerClient(base_url=chatserver_emulator) as client:
        time.sleep(0.5)
        client.send_agent_message(LONG)
        client.wait_for_agent(timeout=FINISH)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    screen = read_all(main, process)
    assert process.wait(timeout=FINISH) == 130
    os.close(main)
    final = f"message #1 (agent): Echo (turn 1): {LONG}"
    assert screen.count(final) == 1
    assert "\r\x1b[K" in screen.split(final)[0]  # the partial reply was drawn over, not added line by line
    assert screen.replace("\r\n", "\n").count("\nmessage #1") <= 1


def test_events_as_json_lines(chatserver_emulator: str) -> None:
    process = subprocess.Popen(
        [str(CHATSERVER), "agent", "events", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment(chatserver_emulator),
    )
    assert process.stdout is not None
    try:
        assert json.loads(process.stdout.readline()) == {
            "event": "status_change",
            "agent_type": "claude",
            "status": "stable",
        }
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=FINISH)


# --- Ctrl-C during agent ask -------------------------------------------------------------------------


def start_ask(url: str, *extra: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [str(CHATSERVER), "agent", "ask", *extra, LONG],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(url),
    )
    wait_until(lambda: agent_status(url) == "running", "the agent to start")
    return process


def posts(caplog: pytest.LogCaptureFixture) -> int:
    return sum('"POST /message"' in r.getMessage() for r in caplog.records)


@SLOW_AGENT
def test_ctrl_c_during_ask_exits_130_and_says_how_to_check(
    chatserver_emulator: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="chatserver_sdk.emulator.access")
    process = start_ask(chatserver_emulator)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=FINISH) == 130
    assert process.stderr is not None
    err = process.stderr.read()
    assert err.count("\n") == 1 and len(err) < 300, err
    assert err.startswith("chatserver agent ask: interrupted: the agent may still be working on it;")
    for hint in ("`chatserver agent status`", "`chatserver agent messages`", "`chatserver agent interrupt`"):
        assert hint in err
    assert posts(caplog) == 1  # the question only: nothing interrupted the agent
    assert agent_status(chatserver_emulator) == "running"


@SLOW_AGENT
def test_interrupt_on_ctrl_c_interrupts_the_agent(
    chatserver_emulator: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="chatserver_sdk.emulator.access")
    process = start_ask(chatserver_emulator, "--interrupt-on-ctrl-c")
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=FINISH) == 130
    assert process.stderr is not None
    err = process.stderr.read()
    assert err == "chatserver agent ask: interrupted, and so was the agent (sent ESC): its turn stops\n"
    assert posts(caplog) == 2  # the question, then ESC


@SLOW_AGENT
def test_interrupt_on_ctrl_c_leaves_another_turn_alone(
    chatserver_emulator: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Ctrl-C while ask still waits for someone else's turn to end: ours was never sent.
    caplog.set_level(logging.INFO, logger="chatserver_sdk.emulator.access")
    with ChatServerClient(base_url=chatserver_emulator) as client:
        client.send_agent_message(LONG)  # the slow agent still runs it when ask starts
    wait_until(lambda: agent_status(chatserver_emulator) == "running", "the other turn")
    process = subprocess.Popen(
        [str(CHATSERVER), "agent", "ask", "--interrupt-on-ctrl-c", "mine"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(chatserver_emulator),
    )
    # Its first request reads the messages; just after, it waits for the other turn to end.
    wait_until(lambda: any('"GET /messages"' in r.getMessage() for r in caplog.records), "ask to start")
    time.sleep(0.3)
    assert agent_status(chatserver_emulator) == "running"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=FINISH) == 130
    assert process.stderr is not None
    assert "not sent yet, so the agent was left alone" in process.stderr.read()
    assert posts(caplog) == 1


# --- Ctrl-C during chat -------------------------------------------------------------------------------


def chunk(content: str, session: str) -> bytes:
    event = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": MODEL,
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
        "system_fingerprint": session,
    }
    return f"data: {json.dumps(event)}\n\n".encode()


@pytest.fixture
def slow_server() -> Iterator[ScriptedServer]:
    """A ChatServer whose reply starts, then hangs until the test ends."""
    holder: list[ScriptedServer] = []

    def script(request: Request) -> Reply:
        if request.method == "GET":  # a new conversation with a user looks for its session first
            return Reply.json({"detail": "chat session not found"}, 404)
        session = json.loads(request.body).get("metadata", {}).get("session_id", "s")
        return Reply(200, holder[0].held_open(chunk("Hel", session)), "text/event-stream")

    with scripted(script) as server:
        holder.append(server)
        yield server


@pytest.mark.parametrize("stored", [True, False])
def test_ctrl_c_during_a_chat_turn_exits_130_and_says_how_to_resume(
    slow_server: ScriptedServer, stored: bool
) -> None:
    user = str(uuid.uuid4())
    argv = [str(CHATSERVER), "chat", "-m", MODEL, *(["--user-id", user] if stored else []), "Hello"]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment(slow_server.url)
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(3) == b"Hel", process.stderr.read()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=FINISH) == 130
    err = process.stderr.read().decode()
    assert err.count("\n") == 1 and len(err) < 300, err
    assert err.startswith("chatserver chat: interrupted: the server may still be running that turn")
    if stored:
        posted = [r for r in slow_server.requests if r.method == "POST"]
        session = json.loads(posted[0].body)["metadata"]["session_id"]
        assert f"chatserver sessions show {session} --user-id {user}" in err
        assert f"--session {session} resumes" in err
    else:
        assert "nothing of this chat is stored" in err
    assert process.stdout.read() == b"\n"  # the cut reply's line is ended
