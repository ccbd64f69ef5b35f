"""A full database or disk is a 507 that names the cause, never a bare text/plain 500.

The database is made full for real, without touching the emulator's code: SQLite's
``PRAGMA max_page_count`` caps the file at its current size, and the next write that needs
a page fails with SQLite's own "database or disk is full" (SQLITE_FULL), as on a full disk.
"""

from __future__ import annotations

import errno
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi import FastAPI

from chatserver_sdk.emulator import create_app, run_emulator
from chatserver_sdk.emulator.api_agent import _disk_full

from .conftest import ORG, USER, completion_body

pytestmark = pytest.mark.slow

BIG = "x" * 200_000  # more than any free room left in the file's pages


def fill_up(app: FastAPI) -> None:
    """Cap the database at the pages it has: the next write that needs a page fails as on a full disk."""
    with app.state.store.write() as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")


@pytest.fixture(params=["file", "memory"])
def full(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[FastAPI, httpx2.Client]]:
    app = create_app(db_path=str(tmp_path / "full.db") if request.param == "file" else None)
    with run_emulator(app=app) as base_url, httpx2.Client(base_url=base_url, timeout=30) as client:
        fill_up(app)
        yield app, client


def assert_full(response: httpx2.Response, *, problem: bool = False) -> str:
    assert response.status_code == 507, response.text
    body = response.json()
    if problem:
        assert response.headers["content-type"] == "application/problem+json"
        assert (body["status"], body["title"]) == (507, "Insufficient Storage")
    else:
        assert response.headers["content-type"] == "application/json"
    detail = str(body["detail"])
    assert "database" in detail and "is full" in detail and "database or disk is full" in detail
    return detail


def test_a_completion_that_cannot_be_stored_is_507_and_stores_nothing(
    full: tuple[FastAPI, httpx2.Client],
) -> None:
    _, client = full
    body = completion_body(BIG)
    detail = assert_full(client.post("/v1/chat/completions", json=body))
    assert detail.startswith("the emulator's database (") and len(detail) < 300
    session_id = body["metadata"]["session_id"]
    assert client.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": USER}).status_code == 404
    # Nothing is held: without history nothing is stored, so the emulator still answers.
    assert client.post("/v1/chat/completions", json=completion_body("hi", user_id=None)).status_code == 200


def test_a_reply_that_cannot_be_stored_is_507_and_the_session_is_free_again(tmp_path: Path) -> None:
    app = create_app(db_path=str(tmp_path / "full.db"))
    session_id = str(uuid.uuid4())
    with run_emulator(app=app) as base_url, httpx2.Client(base_url=base_url, timeout=30) as client:
        # The question fits; its echo, twice as long as what is left, does not.
        with app.state.store.write() as conn:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages + 60}")
        question = "y" * 150_000
        assert_full(
            client.post("/v1/chat/completions", json=completion_body(question, session_id=session_id))
        )
        stored = client.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": USER}).json()
        assert [m["role"] for m in stored["messages"]] == ["user"]  # as upstream when a reply fails
        # The turn ended: the same transcript is taken again (and fails the same way, not with 409).
        again = client.post("/v1/chat/completions", json=completion_body(question, session_id=session_id))
        assert again.status_code == 507


def test_a_streamed_reply_that_cannot_be_stored_ends_with_an_error_event(tmp_path: Path) -> None:
    app = create_app(db_path=str(tmp_path / "full.db"))
    with run_emulator(app=app) as base_url, httpx2.Client(base_url=base_url, timeout=30) as client:
        with app.state.store.write() as conn:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages + 60}")
        body = completion_body("z" * 150_000, stream=True)
        with client.stream("POST", "/v1/chat/completions", json=body) as response:
            assert response.status_code == 200
            events = [line[len("data: ") :] for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    error = json.loads(events[-2])["error"]
    assert error["type"] == "server_error" and "database or disk is full" in error["message"]


def test_platform_and_mcp_writes_are_507(full: tuple[FastAPI, httpx2.Client]) -> None:
    _, client = full
    admin = {"workos_id": "w", "email": "full@example.com", "name": BIG}
    assert_full(client.post("/api/v1/platform/admins", json=admin))
    assert client.get("/api/v1/platform/admins").json()["count"] == 0
    server = {
        "name": BIG,
        "endpoint": "https://m.example.com",
        "scope": {"type": "organization", "organization_id": ORG},
    }
    assert_full(client.post("/atoms/mcp", json=server))


def test_an_agent_message_that_cannot_be_stored_is_a_problem_507(full: tuple[FastAPI, httpx2.Client]) -> None:
    _, client = full
    assert_full(client.post("/message", json={"content": BIG, "type": "user"}), problem=True)
    assert client.get("/messages").json() == {"messages": []}
    assert client.get("/status").json()["status"] == "stable"


def test_a_full_disk_under_an_upload_is_507() -> None:
    # The kernel's own ENOSPC: /dev/full refuses every write.
    with open("/dev/full", "wb", buffering=0) as device, pytest.raises(OSError) as raised:
        device.write(b"x")
    assert raised.value.errno == errno.ENOSPC
    response = _disk_full(raised.value)
    assert response.status_code == 507 and response.media_type == "application/problem+json"
    assert (
        "disk holding the emulator's upload directory is full" in json.loads(bytes(response.body))["detail"]
    )
