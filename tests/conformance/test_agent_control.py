"""Agent control (coder/agentapi's ``/status``, ``/messages``, ``/message``, ``/events``, ``/upload``).

Upstream's Python server does not serve these (``test_http_basics.py`` pins its 404s), so
the reference is agentapi as the OpenAPI file and ``NOTES.md`` describe it: Huma's
``application/problem+json`` errors, a user message refused while the agent is running, an
event stream that first replays the current state. These scenarios run against the
emulator and against a ChatServer you name (unless ``CHATSERVER_CONFORMANCE_AGENT_CONTROL=0``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from chatserver_sdk import (
    AgentMessagesResponse,
    AgentStatus,
    AsyncChatServerClient,
    ChatServerClient,
    MessageUpdateEvent,
    StatusChangeEvent,
    UploadResponse,
)
from chatserver_sdk.exceptions import APIStatusError

from .targets import Target
from .wire import assert_iso_timestamp, json_body

pytestmark = [pytest.mark.needs("agent_control"), pytest.mark.slow]

MESSAGE_KEYS = {"id", "role", "content", "time"}
# agentapi 0.12.1 also sends agent_error (a warning while loading its state, say): no status.
EVENT_NAMES = {"message_update", "status_change", "agent_error"}


def wait_until_stable(raw: httpx2.Client, target: Target) -> None:
    # A liveness bound, not a timing assertion: a stuck agent fails the scenario instead of hanging it.
    deadline = time.monotonic() + target.agent_timeout
    while json_body(raw.get("/status"), 200)["status"] != "stable":
        assert time.monotonic() < deadline, (
            f"the agent did not become stable within {target.agent_timeout:.0f} s"
        )
        time.sleep(0.05)


def messages(raw: httpx2.Client) -> list[dict[str, Any]]:
    body = json_body(raw.get("/messages"), 200)
    assert set(body) == {"messages"}
    found: list[dict[str, Any]] = body["messages"]
    return found


def problem(response: httpx2.Response) -> dict[str, Any]:
    """A Huma error: ``application/problem+json`` with title, status and detail."""
    assert response.status_code >= 400, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


# --- raw HTTP ----------------------------------------------------------------------------------------------


def test_status(raw: httpx2.Client) -> None:
    body = json_body(raw.get("/status"), 200)
    assert {"agent_type", "status"} <= set(body)
    assert body["status"] in ("running", "stable")
    assert isinstance(body["agent_type"], str) and body["agent_type"]


def test_user_message_round_trip(raw: httpx2.Client, target: Target) -> None:
    wait_until_stable(raw, target)
    before = messages(raw)
    content = unique("Run the tests")
    assert json_body(raw.post("/message", json={"content": content, "type": "user"}), 200) == {"ok": True}
    wait_until_stable(raw, target)

    after = messages(raw)
    new = after[len(before) :]
    assert (new[0]["role"], new[0]["content"]) == ("user", content)
    assert new[-1]["role"] == "agent" and isinstance(new[-1]["content"], str) and new[-1]["content"]
    # Ids are positions in the conversation.
    assert [message["id"] for message in after] == list(range(len(after)))
    for message in after:
        assert set(message) == MESSAGE_KEYS, message
        assert message["role"] in ("user", "agent")
        assert_iso_timestamp(message["time"])


def test_raw_message_is_not_part_of_the_conversation(raw: httpx2.Client, target: Target) -> None:
    wait_until_stable(raw, target)
    before = messages(raw)
    assert json_body(raw.post("/message", json={"content": "\x1b", "type": "raw"}), 200) == {"ok": True}
    assert messages(raw) == before


def test_user_message_while_the_agent_runs_is_refused(raw: httpx2.Client, target: Target) -> None:
    wait_until_stable(raw, target)
    raw.post("/message", json={"content": unique("A long task"), "type": "user"}).raise_for_status()
    too_soon = unique("Too soon")
    problem(raw.post("/message", json={"content": too_soon, "type": "user"}))
    wait_until_stable(raw, target)
    assert too_soon not in [message["content"] for message in messages(raw)]


@pytest.mark.parametrize(
    ("body", "location"),
    [
        pytest.param({"content": "hi"}, "body", id="no-type"),
        pytest.param({"type": "user"}, "body", id="no-content"),
        pytest.param({"content": "hi", "type": "shout"}, "body.type", id="unknown-type"),
    ],
)
def test_message_validation(raw: httpx2.Client, body: dict[str, Any], location: str) -> None:
    error = problem(raw.post("/message", json=body))
    assert error["status"] == 422
    assert location in [item.get("location") for item in error["errors"]], error


def test_upload(raw: httpx2.Client) -> None:
    body = json_body(raw.post("/upload", files={"file": ("notes.txt", b"hello\n", "text/plain")}), 200)
    assert set(body) == {"ok", "filePath"}
    assert body["ok"] is True and body["filePath"].endswith("notes.txt")


def test_upload_without_a_file(raw: httpx2.Client) -> None:
    problem(raw.post("/upload", files={"other": ("notes.txt", b"hello\n", "text/plain")}))


def read_events(response: httpx2.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(event name, data)`` pairs of an agentapi event stream (Huma's SSE: id, event, data lines)."""
    name: str | None = None
    data: str | None = None
    for line in response.iter_lines():
        if line == "":
            if data is not None:
                assert name in EVENT_NAMES, name
                yield name, json.loads(data)
            name, data = None, None
        elif line.startswith(":"):
            continue  # a comment, e.g. a keep-alive
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            assert field in ("id", "event", "data", "retry"), line
            if field == "event":
                name = value
            elif field == "data":
                assert data is None, "one data line per event"
                data = value


def test_events_replay_the_state_then_follow_it(raw: httpx2.Client, target: Target) -> None:
    wait_until_stable(raw, target)
    raw.post("/message", json={"content": unique("First"), "type": "user"}).raise_for_status()
    wait_until_stable(raw, target)
    history = messages(raw)
    second = unique("Second")

    with target.raw() as sender, raw.stream("GET", "/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = read_events(response)
        replayed: dict[int, dict[str, Any]] = {}
        status: dict[str, Any] | None = None
        while len(replayed) < len(history) or status is None:
            name, data = next(events)
            if name == "message_update":
                assert set(data) == {"id", "role", "message", "time"}, data
                replayed[data["id"]] = data
            elif name == "status_change":
                assert set(data) == {"agent_type", "status"}, data
                status = data
        assert [(m["role"], m["message"]) for _, m in sorted(replayed.items())] == [
            (m["role"], m["content"]) for m in history
        ]
        assert status["status"] == "stable"

        sender.post("/message", json={"content": second, "type": "user"}).raise_for_status()
        updates: list[dict[str, Any]] = []
        statuses: list[str] = []
        for name, data in events:
            if name == "message_update":
                updates.append(data)
            elif name == "status_change":
                statuses.append(data["status"])
                if data["status"] == "stable" and any(u["role"] == "agent" for u in updates):
                    break
    assert (updates[0]["id"], updates[0]["role"], updates[0]["message"]) == (len(history), "user", second)
    assert updates[-1]["id"] == len(history) + 1 and updates[-1]["role"] == "agent"
    assert "running" in statuses and statuses[-1] == "stable"


# --- through the SDK ----------------------------------------------------------------------------------------


def wait_until_idle(client: ChatServerClient, target: Target) -> None:
    with target.raw() as raw:
        wait_until_stable(raw, target)


def test_sdk_agent_control(sdk: ChatServerClient, target: Target) -> None:
    wait_until_idle(sdk, target)
    status = sdk.get_agent_status()
    assert isinstance(status, AgentStatus) and status.status == "stable" and status.agent_type
    before = sdk.get_agent_messages().messages
    content = unique("Summarise the repository")
    assert sdk.send_agent_message(content).ok is True
    wait_until_idle(sdk, target)
    listing = sdk.get_agent_messages()
    assert isinstance(listing, AgentMessagesResponse)
    new = listing.messages[len(before) :]
    assert (new[0].role, new[0].content) == ("user", content)
    assert new[-1].role == "agent" and new[-1].content
    assert sdk.send_agent_message("\x1b", type="raw").ok is True
    assert len(sdk.get_agent_messages().messages) == len(listing.messages)


def test_sdk_refused_message_is_a_status_error(sdk: ChatServerClient, target: Target) -> None:
    wait_until_idle(sdk, target)
    sdk.send_agent_message(unique("A long task"))
    with pytest.raises(APIStatusError) as caught:
        sdk.send_agent_message(unique("Too soon"))
    assert caught.value.status_code >= 400 and caught.value.message
    wait_until_idle(sdk, target)


def test_sdk_upload(sdk: ChatServerClient) -> None:
    uploaded = sdk.upload_file("report.csv", b"a,b\n1,2\n")
    assert isinstance(uploaded, UploadResponse)
    assert uploaded.ok is True and uploaded.file_path.endswith("report.csv")


def test_sdk_agent_events(sdk: ChatServerClient, target: Target) -> None:
    wait_until_idle(sdk, target)
    content = unique("Describe the build")
    assert sdk.send_agent_message(content).ok
    seen: list[MessageUpdateEvent | StatusChangeEvent] = []
    with sdk.stream_agent_events() as events:
        for event in events:
            assert isinstance(event, (MessageUpdateEvent, StatusChangeEvent))
            seen.append(event)
            replies = [e for e in seen if isinstance(e, MessageUpdateEvent) and e.role == "agent"]
            mine = [e for e in seen if isinstance(e, MessageUpdateEvent) and e.message == content]
            if (
                mine
                and replies
                and replies[-1].id > mine[0].id
                and isinstance(event, StatusChangeEvent)
                and event.status == "stable"
            ):
                break
    assert isinstance(seen[-1], StatusChangeEvent) and seen[-1].agent_type


async def test_async_sdk_agent_control(asdk: AsyncChatServerClient, target: Target) -> None:
    with target.raw() as raw:
        wait_until_stable(raw, target)
        before = len((await asdk.get_agent_messages()).messages)
        content = unique("Async hello")
        assert (await asdk.send_agent_message(content)).ok
        wait_until_stable(raw, target)
    new = (await asdk.get_agent_messages()).messages[before:]
    assert (new[0].role, new[0].content) == ("user", content)
    assert new[-1].role == "agent"
    uploaded = await asdk.upload_file("async.txt", b"async bytes")
    assert uploaded.ok and uploaded.file_path.endswith("async.txt")
