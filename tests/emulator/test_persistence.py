"""Durability: state survives a clean restart and a SIGKILL at an arbitrary moment."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2
import pytest

from chatserver_sdk.emulator import run_emulator
from chatserver_sdk.emulator.store import Store

from .conftest import ORG, USER, ClientFactory, completion_body

# Every test here starts an emulator (or a process).
pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]


def snapshot(client: httpx2.Client, session_id: str) -> dict[str, Any]:
    """Everything the emulator stores, as its API shows it."""
    return {
        "session": client.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": USER}).json(),
        "admins": client.get("/api/v1/platform/admins").json(),
        "audit": client.get("/api/v1/platform/audit").json(),
        "stats": client.get("/api/v1/platform/stats").json(),
        "mcp": client.get("/atoms/mcp", params={"organization_id": ORG}).json(),
        "messages": client.get("/messages").json(),
    }


def test_everything_survives_a_restart(tmp_path: Path, make_client: ClientFactory) -> None:
    db = str(tmp_path / "chatserver.db")
    with run_emulator(db_path=db) as base_url:
        client = make_client(base_url)
        first = client.post("/v1/chat/completions", json=completion_body("remember me")).json()
        session_id = first["system_fingerprint"]
        transcript: list[str | dict[str, str]] = [
            "remember me",
            {"role": "assistant", "content": first["choices"][0]["message"]["content"]},
            "and this",
        ]
        second = client.post("/v1/chat/completions", json=completion_body(*transcript, session_id=session_id))
        transcript.append({"role": "assistant", "content": second.json()["choices"][0]["message"]["content"]})
        client.post("/api/v1/platform/admins", json={"workos_id": "w", "email": "keep@example.com"})
        mcp = client.post(
            "/atoms/mcp",
            json={"name": "kept", "endpoint": "https://k.example.com", "scope": {"type": "platform"}},
        ).json()
        client.post("/message", json={"content": "persist", "type": "user"})
        deadline = time.monotonic() + 5
        while client.get("/status").json()["status"] != "stable":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        before = snapshot(client, session_id)
    with run_emulator(db_path=db) as base_url:
        client = make_client(base_url)
        after = snapshot(client, session_id)
        assert after == before
        assert [item["id"] for item in after["mcp"]["items"]] == [mcp["id"]]
        assert len(after["messages"]["messages"]) == 2
        # Resuming after the restart continues the same transcript.
        third = client.post(
            "/v1/chat/completions", json=completion_body(*transcript, "third", session_id=session_id)
        ).json()
        assert third["choices"][0]["message"]["content"] == "Echo (turn 3): third"


def test_interrupted_agent_reply_is_regenerated(tmp_path: Path, make_client: ClientFactory) -> None:
    db = str(tmp_path / "agent.db")
    store = Store(db)
    with store.write() as conn:  # the state a crash mid-reply leaves behind
        conn.execute(
            "INSERT INTO agent_messages (id, role, content, time) VALUES (0, 'user', 'unfinished', ?)",
            ("2024-01-01T00:00:00.000000+00:00",),
        )
    store.close()
    with run_emulator(db_path=db) as base_url:
        client = make_client(base_url)
        deadline = time.monotonic() + 5
        while len(messages := client.get("/messages").json()["messages"]) < 2 or (
            client.get("/status").json()["status"] != "stable"
        ):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert messages[1]["content"] == "Echo (turn 1): unfinished"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _spawn(db: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "chatserver_sdk.cli", "emulator", "--db", db, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/v1/models", timeout=1).status_code == 200:
                return process
        except httpx2.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"emulator did not start:\n{log.read_text()}")
        time.sleep(0.05)


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    db = str(tmp_path / "killed.db")
    log = tmp_path / "emulator.log"
    first_port = _free_port()
    process = _spawn(db, first_port, log)
    session_id = str(uuid.uuid4())
    acked_turns: list[int] = []
    acked_admins: list[str] = []
    acked_mcp: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        turn = 0
        transcript: list[str | dict[str, str]] = []
        with httpx2.Client(base_url=f"http://127.0.0.1:{first_port}", timeout=5) as client:
            while not stop.is_set():
                turn += 1
                try:
                    body = completion_body(*transcript, f"turn {turn}", session_id=session_id)
                    response = client.post("/v1/chat/completions", json=body)
                    if response.status_code == 200:
                        acked_turns.append(turn)
                        reply = response.json()["choices"][0]["message"]["content"]
                        transcript += [f"turn {turn}", {"role": "assistant", "content": reply}]
                    email = f"admin{turn}@example.com"
                    admin = {"workos_id": f"w{turn}", "email": email}
                    if client.post("/api/v1/platform/admins", json=admin).status_code == 201:
                        acked_admins.append(email)
                    mcp: dict[str, Any] = {
                        "name": f"m{turn}",
                        "endpoint": "https://m.example.com",
                        "scope": {"type": "organization", "organization_id": ORG},
                    }
                    created = client.post("/atoms/mcp", json=mcp)
                    if created.status_code == 201:
                        acked_mcp.append(created.json()["id"])
                except httpx2.TransportError:
                    return  # the server died mid-request: that write was never acknowledged

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while len(acked_mcp) < 15 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        stop.set()
        thread.join(timeout=10)
        if process.poll() is None:
            process.kill()
    assert len(acked_mcp) >= 15, log.read_text()

    second_port = _free_port()
    process = _spawn(db, second_port, log)
    try:
        with httpx2.Client(base_url=f"http://127.0.0.1:{second_port}", timeout=5) as client:
            detail = client.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": USER}).json()
            user_turns = [m["content"] for m in detail["messages"] if m["role"] == "user"]
            assert [f"turn {t}" for t in acked_turns] == user_turns[: len(acked_turns)]
            # Indexes stay consecutive and every acknowledged question has its stored answer. (As
            # upstream, a question is stored before the agent runs, so a kill in between can leave
            # one last unanswered question.)
            assert [m["message_index"] for m in detail["messages"]] == list(range(len(detail["messages"])))
            assert detail["session"]["message_count"] == len(detail["messages"])
            roles = [m["role"] for m in detail["messages"]]
            assert roles[: 2 * len(acked_turns)] == ["user", "assistant"] * len(acked_turns)
            assert len(acked_turns) > 1
            admins = {a["email"] for a in client.get("/api/v1/platform/admins").json()["admins"]}
            assert set(acked_admins) <= admins
            items = client.get("/atoms/mcp", params={"organization_id": ORG}).json()["items"]
            assert set(acked_mcp) <= {item["id"] for item in items}
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_a_huge_write_killed_midway_leaves_consistent_sessions(tmp_path: Path) -> None:
    # Long transcripts are written in short commits that are not fsynced one by one; the session's
    # message_count, updated durably last, decides what belongs to it.
    db = str(tmp_path / "huge.db")
    log = tmp_path / "emulator.log"
    port = _free_port()
    process = _spawn(db, port, log)
    kept, huge = str(uuid.uuid4()), str(uuid.uuid4())
    transcript = [f"message {i}" for i in range(40_000)]
    try:
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            assert client.post(
                "/v1/chat/completions", json=completion_body("kept", session_id=kept)
            ).is_success

            def send_huge() -> None:
                with contextlib.suppress(httpx2.TransportError):
                    client.post("/v1/chat/completions", json=completion_body(*transcript, session_id=huge))

            sender = threading.Thread(target=send_huge)
            sender.start()
            # Kill once some of its rows are committed (or it is done, on a fast machine).
            with sqlite3.connect(db, timeout=10) as reader:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and sender.is_alive():
                    written = reader.execute(
                        "SELECT COUNT(*) FROM chat_messages WHERE session_id = ?", (huge,)
                    )
                    if written.fetchone()[0] > 0:
                        break
                    time.sleep(0.005)
            reader.close()
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            sender.join(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    port = _free_port()
    process = _spawn(db, port, log)
    try:
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            detail = client.get(f"/atoms/chat/sessions/{kept}", params={"user_id": USER}).json()
            assert [m["content"] for m in detail["messages"]][:1] == ["kept"]
            assert detail["session"]["message_count"] == len(detail["messages"]) == 2
            cut = client.get(f"/atoms/chat/sessions/{huge}", params={"user_id": USER})
            if cut.status_code == 200:  # the session row was written: its messages are all or nothing
                stored = cut.json()
                assert (
                    stored["session"]["message_count"] == len(stored["messages"]) in (0, len(transcript) + 1)
                )
            # Resending the whole transcript completes it, over whatever rows the kill left behind.
            again = client.post("/v1/chat/completions", json=completion_body(*transcript, session_id=huge))
            assert again.status_code == 200, again.text[:300]
            stored = client.get(f"/atoms/chat/sessions/{huge}", params={"user_id": USER}).json()
            assert [m["message_index"] for m in stored["messages"]] == list(range(len(transcript) + 1))
            assert [m["content"] for m in stored["messages"][:-1]] == transcript
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_committed_writes_reach_the_database_file_while_running(tmp_path: Path) -> None:
    # SQLite's own checkpoints would run inside a commit, holding the store's lock; a background
    # checkpoint copies the WAL into the database file instead.
    db = str(tmp_path / "checkpointed.db")
    with run_emulator(db_path=db) as base_url, httpx2.Client(base_url=base_url) as client:
        session_id = client.post("/v1/chat/completions", json=completion_body("copied")).json()[
            "system_fingerprint"
        ]
        deadline = time.monotonic() + 10
        while True:
            # immutable=1: read the database file alone, ignoring the WAL.
            with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)) as file_only:
                rows = file_only.execute(
                    "SELECT content FROM chat_messages WHERE session_id = ? ORDER BY message_index",
                    (session_id,),
                ).fetchall()
            if rows:
                break
            assert time.monotonic() < deadline, "the WAL was never copied into the database file"
            time.sleep(0.05)
        assert rows[0] == ("copied",)
