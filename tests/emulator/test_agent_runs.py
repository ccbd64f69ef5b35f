"""agentapi 0.12.1's agent runs: the transport, agent_error events, interrupts, and a slow agent.

Read off coder/agentapi 0.12.1 (``lib/httpapi/server.go``, ``events.go``; NOTES.md, "What
agentapi 0.12.1 serves today"): ``/status`` names its transport; ``/events`` carries
``agent_error`` events, the last 100 of which every new subscriber gets after the messages and
the status; ESC written to the terminal interrupts the agent.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from .spec import SpecChecker

pytestmark = pytest.mark.slow

PATIENCE = 30.0  # liveness bounds, not speed claims
BUSY = "failed to send message: message can only be sent when the agent is waiting for user input"


def wait_until(read: Any, done: Any) -> Any:
    deadline = time.monotonic() + PATIENCE
    while True:
        value = read()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"still {value!r}"
        time.sleep(0.02)


def status(client: httpx2.Client) -> str:
    return str(client.get("/status").json()["status"])


def messages(client: httpx2.Client) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = client.get("/messages").json()["messages"]
    return result


def events(client: httpx2.Client) -> Iterator[tuple[str, dict[str, Any]]]:
    with client.stream("GET", "/events") as response:
        assert response.status_code == 200
        for event in httpx2.EventSource(response):
            yield event.event, event.json()


@pytest.fixture
def client(chatserver_emulator: str, make_client: Any) -> httpx2.Client:
    http: httpx2.Client = make_client(chatserver_emulator, timeout=PATIENCE)
    return http


def test_status_names_the_transport(client: httpx2.Client) -> None:
    assert client.get("/status").json() == {"agent_type": "claude", "status": "stable", "transport": "pty"}


@pytest.mark.chatserver_emulator(agent_delay=1.0)
def test_a_user_message_while_the_agent_runs_is_refused_as_agentapi_refuses_it(client: httpx2.Client) -> None:
    client.post("/message", json={"content": "long task", "type": "user"})
    response = client.post("/message", json={"content": "too soon", "type": "user"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    # Huma's answer to a handler's plain Go error.
    assert response.json() == {
        "title": "Internal Server Error",
        "status": 500,
        "detail": "unexpected error occurred",
        "errors": [{"message": BUSY}],
    }


@pytest.mark.chatserver_emulator(agent_delay=0.5)
def test_an_agent_error_is_sent_and_replayed_after_the_messages_and_the_status(
    client: httpx2.Client, spec_checker: SpecChecker
) -> None:
    stream = events(client)
    assert next(stream) == ("status_change", {"agent_type": "claude", "status": "stable"})
    client.post(
        "/message", json={"content": "deploy [[agent_error:warning:disk almost full]]", "type": "user"}
    )
    live = []
    for name, data in stream:
        live.append((name, data))
        if name == "status_change" and data["status"] == "stable":
            break
    errors = [data for name, data in live if name == "agent_error"]
    assert [(e["message"], e["level"]) for e in errors] == [("disk almost full", "warning")]
    # Sent while the agent ran: after its first piece, before it became stable.
    names = [name for name, _ in live]
    assert names.index("agent_error") < len(names) - 1
    assert messages(client)[-1]["content"] == "Echo (turn 1): deploy [[agent_error:warning:disk almost full]]"

    client.post("/message", json={"content": "again [[agent_error:error]]", "type": "user"})
    wait_until(lambda: status(client), lambda s: s == "stable" and len(messages(client)) == 4)
    replay = []
    with client.stream("GET", "/events") as response:
        for event in httpx2.EventSource(response):
            replay.append((event.event, event.json()))
            if len([name for name, _ in replay if name == "agent_error"]) == 2:
                break
        as_json = [{"event": name, "data": data} for name, data in replay]
        spec_checker.check(response, body=json.dumps(as_json).encode())  # agentapi 0.12.1's event shapes
    assert [name for name, _ in replay] == ["message_update"] * 4 + ["status_change"] + ["agent_error"] * 2
    assert [data["level"] for name, data in replay if name == "agent_error"] == ["warning", "error"]
    assert replay[-1][1]["message"] == "emulated agent error (requested by the user message)"
    assert set(replay[-1][1]) == {"message", "level", "time"}


@pytest.mark.chatserver_emulator(agent_delay=5.0)
def test_escape_interrupts_the_running_reply_which_stays_as_far_as_it_got(client: httpx2.Client) -> None:
    whole = "Echo (turn 1): refactor the parser module"
    client.post("/message", json={"content": "refactor the parser module", "type": "user"})
    wait_until(lambda: messages(client)[-1]["content"], bool)
    assert client.post("/message", json={"content": "\u001b", "type": "raw"}).json() == {"ok": True}
    assert wait_until(lambda: status(client), lambda s: s == "stable") == "stable"
    partial = messages(client)[-1]
    assert partial["role"] == "agent" and whole.startswith(partial["content"])
    assert partial["content"] != whole
    # The conversation goes on from there: the next message is taken and answered.
    time.sleep(0.2)
    assert messages(client)[-1]["content"] == partial["content"]
    client.post("/message", json={"content": "go on", "type": "user"})
    assert status(client) == "running"


def test_escape_while_the_agent_is_stable_changes_nothing(client: httpx2.Client) -> None:
    client.post("/message", json={"content": "hello", "type": "user"})
    wait_until(lambda: status(client), lambda s: s == "stable")
    before = messages(client)
    assert client.post("/message", json={"content": "\u001b[A", "type": "raw"}).json() == {"ok": True}
    assert messages(client) == before and status(client) == "stable"


@pytest.mark.chatserver_emulator(agent_delay=1.0)
def test_a_slow_agent_reply_arrives_in_pieces(client: httpx2.Client) -> None:
    stream = events(client)
    next(stream)
    client.post("/message", json={"content": "one two three four five six", "type": "user"})
    updates = []
    for name, data in stream:
        if name == "message_update" and data["role"] == "agent":
            updates.append(data["message"])
        if name == "status_change" and data["status"] == "stable":
            break
    texts = [text for text in updates if text]
    assert texts[-1] == "Echo (turn 1): one two three four five six"
    assert len(texts) > 3 and all(b.startswith(a) and b != a for a, b in itertools.pairwise(texts))


@pytest.mark.chatserver_emulator(agent_delay=0.5)
def test_a_slow_agent_streams_a_completion_in_pieces(client: httpx2.Client) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "one two three"}], "stream": True}
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        # Each piece is written after its pause, so it arrives as a read of its own.
        reads = [data.decode() for data in response.iter_raw()]
    with_content = [data for data in reads if '"content"' in data]
    # Six pieces ("Echo ", "(turn ", "1): ", "one ", "two ", "three"), each after its pause; reads a
    # busy client makes late may hold two.
    assert 3 <= len(with_content) <= 6
    text = "".join(
        json.loads(line[6:])["choices"][0]["delta"].get("content", "")
        for line in "".join(reads).split("\n\n")
        if line.startswith("data: {")
    )
    assert text == "Echo (turn 1): one two three"


def test_without_a_delay_a_streamed_completion_is_written_at_once(client: httpx2.Client) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "one two three"}], "stream": True}
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        reads = [data.decode() for data in response.iter_raw()]
    assert len([data for data in reads if '"content"' in data]) == 1
