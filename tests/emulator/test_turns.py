"""One turn at a time per session: the emulator never answers 200 for a turn it did not store.

Upstream trusts the message count a request resends (``services/chat_history.py``): a
second turn sent while the first runs is queued and both questions are stored before both
replies, and a resend that differs from the stored transcript is answered while its messages
are dropped (``tests/conformance/test_turns.py`` pins both). The emulator refuses such turns
with 409 and a detail that says what to resend, and stores nothing for them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2
import pytest

from chatserver_sdk.emulator import run_emulator

from .conftest import MODEL, USER, completion_body

pytestmark = pytest.mark.slow

THREADS = 6
TURNS_EACH = 5
PATIENCE = 60.0  # a liveness bound for the threads, not a speed claim


def stored(client: httpx2.Client, session_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": USER})
    if response.status_code == 404:
        return []
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def take_turns(base_url: str, session_id: str, name: str, outcomes: list[tuple[int, str, str]]) -> None:
    """Take TURNS_EACH turns, each resending the stored transcript plus one new message; a refused
    turn is tried again with the transcript as it then stands."""
    deadline = time.monotonic() + PATIENCE
    with httpx2.Client(base_url=base_url, timeout=PATIENCE) as client:
        for turn in range(TURNS_EACH):
            question = f"{name} turn {turn}"
            while time.monotonic() < deadline:
                transcript = [
                    {"role": m["role"], "content": m["content"]} for m in stored(client, session_id)
                ]
                body = completion_body(*transcript, question, session_id=session_id)
                response = client.post("/v1/chat/completions", json=body)
                detail = "" if response.status_code == 200 else response.json()["detail"]
                reply = (
                    response.json()["choices"][0]["message"]["content"] if response.status_code == 200 else ""
                )
                outcomes.append((response.status_code, question, reply or detail))
                if response.status_code == 200:
                    break


@pytest.mark.parametrize("agent_delay", [0.0, 0.05], ids=["instant-agent", "slow-agent"])
def test_turns_taken_by_six_threads_are_each_stored_or_refused(agent_delay: float) -> None:
    session_id = str(uuid.uuid4())
    outcomes: list[tuple[int, str, str]] = []
    with run_emulator(agent_delay=agent_delay) as base_url:
        threads = [
            threading.Thread(target=take_turns, args=(base_url, session_id, f"thread {i}", outcomes))
            for i in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with httpx2.Client(base_url=base_url) as client:
            history = stored(client, session_id)

    answered = [(question, reply) for status, question, reply in outcomes if status == 200]
    assert len(answered) == THREADS * TURNS_EACH, "a thread ran out of patience"
    refused = [(status, detail) for status, _, detail in outcomes if status != 200]
    assert {status for status, _ in refused} <= {409, 500}, refused
    # Every turn answered 200 is stored: its question, then at once its reply; nothing else is.
    assert [m["role"] for m in history] == ["user", "assistant"] * len(answered)
    pairs = list(zip(history[::2], history[1::2], strict=True))
    assert sorted((q["content"], a["content"]) for q, a in pairs) == sorted(answered)
    assert [m["message_index"] for m in history] == list(range(len(history)))
    for status, detail in refused:
        if status == 409:
            assert "another turn still running" in detail or "differs from message" in detail, detail


def test_a_turn_while_another_runs_is_409_and_stores_nothing() -> None:
    session_id = str(uuid.uuid4())
    with (
        run_emulator(agent_delay=1.0) as base_url,
        httpx2.Client(base_url=base_url, timeout=PATIENCE) as client,
    ):
        first: dict[str, httpx2.Response] = {}
        body = completion_body("first", session_id=session_id)
        runner = threading.Thread(
            target=lambda: first.setdefault("response", client.post("/v1/chat/completions", json=body))
        )
        runner.start()
        while not stored(client, session_id):
            time.sleep(0.01)
        for stream in (False, True):
            second = client.post(
                "/v1/chat/completions",
                json=completion_body("first", "second", session_id=session_id, stream=stream),
            )
            assert second.status_code == 409
            detail = second.json()["detail"]
            assert detail.startswith(f"session {session_id!r} has another turn still running")
            assert "resend the transcript as it then stands" in detail and len(detail) < 300
        runner.join()
        assert first["response"].status_code == 200
        reply = first["response"].json()["choices"][0]["message"]["content"]
        assert [(m["role"], m["content"]) for m in stored(client, session_id)] == [
            ("user", "first"),
            ("assistant", reply),
        ]
        # Resent as it then stands, the second question is taken.
        again = completion_body(
            "first", {"role": "assistant", "content": reply}, "second", session_id=session_id
        )
        assert client.post("/v1/chat/completions", json=again).status_code == 200
        assert [m["role"] for m in stored(client, session_id)] == ["user", "assistant"] * 2


def test_a_streamed_turn_holds_its_session_until_its_stream_ends() -> None:
    session_id = str(uuid.uuid4())
    with (
        run_emulator(agent_delay=0.5) as base_url,
        httpx2.Client(base_url=base_url, timeout=PATIENCE) as client,
    ):
        body = completion_body("stream me", session_id=session_id, stream=True)
        with client.stream("POST", "/v1/chat/completions", json=body) as response:
            lines = response.iter_lines()
            assert next(line for line in lines if line.startswith("data: "))
            busy = client.post(
                "/v1/chat/completions", json=completion_body("stream me", session_id=session_id)
            )
            assert busy.status_code == 409
            assert [line for line in lines if line.startswith("data: ")][-1] == "data: [DONE]"
        assert [m["role"] for m in stored(client, session_id)] == ["user", "assistant"]


@pytest.mark.parametrize("earlier", ["digest-unset", "no-digest-column", "turn-added-by-an-earlier-version"])
def test_sessions_stored_by_an_earlier_version_are_compared_too(tmp_path: Path, earlier: str) -> None:
    db = str(tmp_path / "earlier.db")
    session_id = str(uuid.uuid4())
    with run_emulator(db_path=db) as base_url, httpx2.Client(base_url=base_url) as client:
        first = client.post(
            "/v1/chat/completions", json=completion_body("hello", session_id=session_id)
        ).json()
    transcript: list[str | dict[str, str]] = [
        "hello",
        {"role": "assistant", "content": first["choices"][0]["message"]["content"]},
    ]
    conn = sqlite3.connect(db)
    with conn:
        if earlier == "digest-unset":
            conn.execute("UPDATE chat_sessions SET transcript_digest = NULL")
        elif earlier == "no-digest-column":
            conn.execute("ALTER TABLE chat_sessions DROP COLUMN transcript_digest")
        else:
            # An earlier version took a turn on the session and left the digest as it was.
            for index, (role, content) in enumerate(
                [("user", "again"), ("assistant", "Echo (turn 2): again")], 2
            ):
                conn.execute(
                    "INSERT INTO chat_messages (id, session_id, message_index, role, content, created_at)"
                    " VALUES (?, ?, ?, ?, ?, '2026-01-01T00:00:00+00:00')",
                    (str(uuid.uuid4()), session_id, index, role, content),
                )
            conn.execute("UPDATE chat_sessions SET message_count = 4")
            transcript += ["again", {"role": "assistant", "content": "Echo (turn 2): again"}]
    conn.close()
    with run_emulator(db_path=db) as base_url, httpx2.Client(base_url=base_url) as client:
        differs = completion_body("hullo", *transcript[1:], "next", session_id=session_id)
        refused = client.post("/v1/chat/completions", json=differs)
        assert refused.status_code == 409 and "'hello'" in refused.json()["detail"]
        same = client.post(
            "/v1/chat/completions", json=completion_body(*transcript, "next", session_id=session_id)
        )
        assert same.status_code == 200
        stored_texts = [m["content"] for m in stored(client, session_id)]
        assert stored_texts[: len(transcript) + 1] == [
            m if isinstance(m, str) else m["content"] for m in [*transcript, "next"]
        ]


def test_the_session_digest_is_not_in_any_answer() -> None:
    with run_emulator() as base_url, httpx2.Client(base_url=base_url) as client:
        body = completion_body("hi")
        client.post("/v1/chat/completions", json=body)
        session = client.get(
            f"/atoms/chat/sessions/{body['metadata']['session_id']}", params={"user_id": USER}
        ).json()["session"]
        listed = client.get("/atoms/chat/sessions", params={"user_id": USER}).json()["sessions"]
    assert "transcript_digest" not in json.dumps([session, listed]) and session["model"] == MODEL


def test_a_stream_whose_client_goes_away_during_the_agents_pause_ends_its_turn_then() -> None:
    session_id = str(uuid.uuid4())
    # The agent would take ten minutes: the turn must end when the client goes, not when the agent is done.
    with (
        run_emulator(agent_delay=600) as base_url,
        httpx2.Client(base_url=base_url, timeout=PATIENCE) as client,
    ):
        body = completion_body("stream me", session_id=session_id, stream=True)
        with (
            httpx2.Client(base_url=base_url) as leaving,
            leaving.stream("POST", "/v1/chat/completions", json=body),
        ):
            pass  # the headers came; the client leaves before the first piece
        other = completion_body("something else", session_id=session_id)
        deadline = time.monotonic() + PATIENCE
        while "still running" in (detail := client.post("/v1/chat/completions", json=other).json()["detail"]):
            assert time.monotonic() < deadline, "the dropped stream's turn did not end"
            time.sleep(0.05)
        # Free again: the stored question is compared with the new request, which differs from it.
        assert detail.startswith("messages[0] differs from message 0 stored in session")


def test_a_stream_open_when_the_emulator_stops_ends_with_an_error_event_and_stores_no_reply(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "stopping.db")
    session_id = str(uuid.uuid4())
    lines: list[str] = []
    with run_emulator(db_path=db, agent_delay=600) as base_url:
        client = httpx2.Client(base_url=base_url, timeout=PATIENCE)
        body = completion_body("stream me", session_id=session_id, stream=True)
        response = client.send(client.build_request("POST", "/v1/chat/completions", json=body), stream=True)
        # Leaving the block stops the emulator while the agent has ten minutes to go.
    lines = [line for line in response.iter_lines() if line]
    response.close()
    client.close()
    assert lines == [
        'data: {"error": {"message": "the emulator is shutting down; the reply was not stored",'
        ' "type": "server_error"}}',
        "data: [DONE]",
    ]
    with run_emulator(db_path=db) as base_url, httpx2.Client(base_url=base_url) as reader:
        assert [m["role"] for m in stored(reader, session_id)] == ["user"]
