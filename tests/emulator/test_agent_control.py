"""The agent-control API (coder/agentapi): status, messages, events and uploads."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from .spec import SpecChecker

# Every test here starts an emulator (or a process).
pytestmark = pytest.mark.slow


def wait_stable(client: httpx2.Client, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while client.get("/status").json()["status"] != "stable":
        assert time.monotonic() < deadline, "agent never became stable"
        time.sleep(0.02)


def assert_problem(response: httpx2.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_initial_state(client: httpx2.Client) -> None:
    assert client.get("/status").json() == {"agent_type": "claude", "status": "stable", "transport": "pty"}
    assert client.get("/messages").json() == {"messages": []}


def test_user_message_runs_the_agent(client: httpx2.Client) -> None:
    response = client.post("/message", json={"content": "Summarise the repo", "type": "user"})
    assert response.status_code == 200 and response.json() == {"ok": True}
    # The call returns once the agent has started, like upstream.
    assert client.get("/status").json()["status"] == "running"
    wait_stable(client)
    messages = client.get("/messages").json()["messages"]
    assert [(m["id"], m["role"], m["content"]) for m in messages] == [
        (0, "user", "Summarise the repo"),
        (1, "agent", "Echo (turn 1): Summarise the repo"),
    ]
    client.post("/message", json={"content": "And the tests?", "type": "user"})
    wait_stable(client)
    last = client.get("/messages").json()["messages"][-1]
    assert (last["id"], last["content"]) == (3, "Echo (turn 2): And the tests?")


def test_user_message_while_running_is_refused(client: httpx2.Client) -> None:
    client.post("/message", json={"content": "long task", "type": "user"})
    body = assert_problem(client.post("/message", json={"content": "too soon", "type": "user"}), 500)
    busy = "message can only be sent when the agent is waiting for user input"
    assert body["errors"] == [{"message": f"failed to send message: {busy}"}]
    # Raw keystrokes are still accepted and never enter the history.
    assert client.post("/message", json={"content": "\x03", "type": "raw"}).json() == {"ok": True}
    wait_stable(client)
    assert [m["content"] for m in client.get("/messages").json()["messages"] if m["role"] == "user"] == [
        "long task"
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "message must not be empty"),
        (" padded ", "message must be trimmed of leading and trailing whitespace"),
    ],
)
def test_invalid_user_message(client: httpx2.Client, content: str, reason: str) -> None:
    body = assert_problem(client.post("/message", json={"content": content, "type": "user"}), 500)
    assert body["errors"][0]["message"] == f"failed to send message: {reason}"
    assert client.get("/status").json()["status"] == "stable"


@pytest.mark.parametrize(
    ("payload", "location"),
    [
        ({"content": "hi"}, "body"),
        ({"type": "user"}, "body"),
        ({"content": "hi", "type": "shout"}, "body.type"),
        ({"content": 5, "type": "user"}, "body.content"),
        ({"content": "hi", "type": "user", "extra": 1}, "body.extra"),
    ],
)
def test_message_validation_is_problem_json(
    shared_client: httpx2.Client, payload: dict[str, Any], location: str
) -> None:
    body = assert_problem(shared_client.post("/message", json=payload), 422)
    assert body["detail"] == "validation failed"
    assert location in [error["location"] for error in body["errors"]]


def test_malformed_json_is_problem_json(shared_client: httpx2.Client) -> None:
    response = shared_client.post("/message", content=b"{nope", headers={"content-type": "application/json"})
    assert_problem(response, 400)


def read_events(response: httpx2.Response, until: int) -> Iterator[httpx2.ServerSentEvent]:
    for count, event in enumerate(httpx2.EventSource(response), start=1):
        yield event
        if count >= until:
            return


def test_events_replay_then_stream(emulator: str, client: httpx2.Client, spec_checker: SpecChecker) -> None:
    client.post("/message", json={"content": "first", "type": "user"})
    wait_stable(client)
    seen: list[httpx2.ServerSentEvent] = []
    with (
        httpx2.Client(base_url=emulator, timeout=5) as sse_client,
        sse_client.stream("GET", "/events") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = iter(httpx2.EventSource(response))
        # Replay: every message, then the current status.
        replay = [next(events) for _ in range(3)]
        assert [e.event for e in replay] == ["message_update", "message_update", "status_change"]
        assert [e.json()["message"] for e in replay[:2]] == ["first", "Echo (turn 1): first"]  # type: ignore[index]
        assert replay[2].json() == {"agent_type": "claude", "status": "stable"}
        seen += replay
        client.post("/message", json={"content": "second one", "type": "user"})
        for event in events:
            seen.append(event)
            if event.event == "status_change" and event.json() == {
                "agent_type": "claude",
                "status": "stable",
            }:
                break
    live = seen[3:]
    assert live[0].event == "message_update" and live[0].json()["message"] == "second one"  # type: ignore[index]
    assert live[1].json() == {"agent_type": "claude", "status": "running"}
    agent_updates = [e.json() for e in live if e.event == "message_update"][1:]
    assert all(update["id"] == 3 and update["role"] == "agent" for update in agent_updates)  # type: ignore[index]
    texts = [update["message"] for update in agent_updates]  # type: ignore[index]
    assert texts[0] == "" and texts[-1] == "Echo (turn 2): second one"
    assert len(texts) > 3 and all(b.startswith(a) for a, b in itertools.pairwise(texts))
    as_json = [{"event": e.event, "data": e.json()} for e in seen]
    spec_checker.check(response, body=json.dumps(as_json).encode())


def test_events_stream_ends_when_server_stops(make_client: Any) -> None:
    from chatserver_sdk.emulator import run_emulator

    errors: list[BaseException] = []

    def open_stream_then_stop() -> None:
        try:
            stop_with_open_stream()
        except BaseException as exc:  # reported by the test thread below
            errors.append(exc)

    def stop_with_open_stream() -> None:
        with (
            run_emulator() as base_url,
            httpx2.Client(base_url=base_url, timeout=5) as sse_client,
            sse_client.stream("GET", "/events") as response,
        ):
            next(iter(httpx2.EventSource(response)))
            # Leaving run_emulator with this stream still open must not hang.

    # A liveness bound, not a speed claim: a hang would otherwise stall the suite.
    worker = threading.Thread(target=open_stream_then_stop, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "stopping the emulator hung on an open /events stream"
    assert not errors, errors


def test_upload(shared_client: httpx2.Client) -> None:
    payload = bytes(range(256)) * 8 + b"\r\n--not-a-boundary\r\n"
    response = shared_client.post(
        "/upload", files={"file": ("../../evil name.bin", payload, "application/octet-stream")}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    path = Path(body["filePath"])
    assert path.name == "evil name.bin" and path.read_bytes() == payload


def test_upload_without_file_field(shared_client: httpx2.Client) -> None:
    body = assert_problem(shared_client.post("/upload", files={"other": ("a.txt", b"x")}), 422)
    assert body["errors"][0]["location"] == "body.file"
    assert_problem(shared_client.post("/upload", json={"file": "nope"}), 400)


def test_upload_size_limit(shared_client: httpx2.Client) -> None:
    response = shared_client.post("/upload", files={"file": ("big.bin", b"\0" * (10 * 1024 * 1024 + 1))})
    assert assert_problem(response, 400)["detail"] == "file size exceeds 10MB limit"
