"""Concurrent completions must leave exact transcripts and token totals, by upstream's history rules."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx2
import pytest

from chatserver_sdk.emulator import run_emulator

from .conftest import USER, completion_body

pytestmark = pytest.mark.slow

SESSIONS = 20
PER_SESSION = 10


async def _complete(client: httpx2.AsyncClient, body: dict[str, Any]) -> tuple[str, dict[str, int], str]:
    """Return (session id, usage, reply text) for a plain or streamed completion."""
    if not body["stream"]:
        response = await client.post("/v1/chat/completions", json=body)
        assert response.status_code == 200, response.text
        data = response.json()
        return data["system_fingerprint"], data["usage"], data["choices"][0]["message"]["content"]
    async with client.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        chunks = [
            json.loads(event.data) async for event in httpx2.EventSource(response) if event.data != "[DONE]"
        ]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    return chunks[-1]["system_fingerprint"], chunks[-1]["usage"], text


async def _conversation(client: httpx2.AsyncClient, session_id: str) -> list[dict[str, int]]:
    """One session's turns in order, each resending the whole transcript as upstream requires."""
    transcript: list[dict[str, Any]] = []
    usages = []
    for n in range(PER_SESSION):
        transcript.append({"role": "user", "content": f"message {n} for {session_id}"})
        body = completion_body(*transcript, session_id=session_id, stream=n % 3 == 0)
        fingerprint, usage, text = await _complete(client, body)
        assert fingerprint == session_id
        assert text == f"Echo (turn {n + 1}): message {n} for {session_id}"
        transcript.append({"role": "assistant", "content": text})
        usages.append(usage)
    return usages


async def _run(base_url: str, session_ids: list[str], racing: str) -> tuple[list[list[dict[str, int]]], int]:
    limits = httpx2.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx2.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        conversations = asyncio.gather(*(_conversation(client, sid) for sid in session_ids))
        # Meanwhile many clients open one more session with the same first message at once.
        body = completion_body("same first message", session_id=racing)
        racers = asyncio.gather(*(client.post("/v1/chat/completions", json=body) for _ in range(40)))
        usages, raced = await asyncio.gather(conversations, racers)
    statuses = sorted({r.status_code for r in raced})
    # One racer's turn runs; one that arrives meanwhile is refused (409: another turn is running),
    # one that arrives after the reply is stored sends fewer messages than the session holds (500).
    assert set(statuses) <= {200, 409, 500}, statuses
    return usages, sum(r.status_code == 200 for r in raced)


@pytest.mark.parametrize("storage", ["memory", "file"])
def test_concurrent_sessions_keep_exact_transcripts_and_totals(tmp_path: Path, storage: str) -> None:
    session_ids = [str(uuid.uuid4()) for _ in range(SESSIONS)]
    racing = str(uuid.uuid4())
    db_path = str(tmp_path / "concurrent.db") if storage == "file" else None
    with run_emulator(db_path=db_path) as base_url:
        usages, raced = asyncio.run(_run(base_url, session_ids, racing))
        with httpx2.Client(base_url=base_url, timeout=10) as client:
            details = {
                sid: client.get(f"/atoms/chat/sessions/{sid}", params={"user_id": USER}).json()
                for sid in [*session_ids, racing]
            }
            audit = client.get("/api/v1/platform/audit", params={"limit": 200}).json()

    for session_id, session_usages in zip(session_ids, usages, strict=True):
        session, messages = details[session_id]["session"], details[session_id]["messages"]
        assert [m["message_index"] for m in messages] == list(range(2 * PER_SESSION))
        assert [m["role"] for m in messages] == ["user", "assistant"] * PER_SESSION
        assert session["message_count"] == 2 * PER_SESSION
        assert session["tokens_in"] == sum(u["prompt_tokens"] for u in session_usages)
        assert session["tokens_out"] == sum(u["completion_tokens"] for u in session_usages)
        assert session["tokens_total"] == sum(u["total_tokens"] for u in session_usages)

    # Under a race the message is stored once, with the one reply that was answered 200.
    raced_messages = details[racing]["messages"]
    assert raced == 1
    assert [(m["message_index"], m["role"]) for m in raced_messages] == [(0, "user"), (1, "assistant")]
    assert details[racing]["session"]["message_count"] == 2
    created = [e for e in audit["entries"] if e["action"] == "chat_session.created"]
    assert sorted(e["resource_id"] for e in created) == sorted([*session_ids, racing])
