"""Concurrent completions must leave exact transcripts and token totals."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx2
import pytest

from chatserver_sdk.emulator import run_emulator

from .conftest import USER, completion_body

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


async def _burst(base_url: str, session_ids: list[str]) -> list[tuple[str, dict[str, int], str]]:
    limits = httpx2.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx2.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        bodies = [
            completion_body(f"message {n} for {sid}", session_id=sid, stream=n % 3 == 0)
            for n in range(PER_SESSION)
            for sid in session_ids
        ]
        return await asyncio.gather(*(_complete(client, body) for body in bodies))


@pytest.mark.parametrize("storage", ["memory", "file"])
def test_200_concurrent_completions_over_20_sessions(tmp_path: Path, storage: str) -> None:
    session_ids = [str(uuid.uuid4()) for _ in range(SESSIONS)]
    db_path = str(tmp_path / "concurrent.db") if storage == "file" else None
    with run_emulator(db_path=db_path) as base_url:
        results = asyncio.run(_burst(base_url, session_ids))
        with httpx2.Client(base_url=base_url, timeout=10) as client:
            details = {
                sid: client.get(f"/atoms/chat/sessions/{sid}", params={"user_id": USER}).json()
                for sid in session_ids
            }
            stats = client.get("/api/v1/platform/stats").json()
            audit = client.get("/api/v1/platform/audit", params={"limit": 200}).json()

    usage_by_session: dict[str, list[dict[str, int]]] = defaultdict(list)
    turns_by_session: dict[str, list[int]] = defaultdict(list)
    for session_id, usage, text in results:
        usage_by_session[session_id].append(usage)
        match = re.match(r"Echo \(turn (\d+)\): message \d+ for ", text)
        assert match, text
        turns_by_session[session_id].append(int(match.group(1)))

    assert set(usage_by_session) == set(session_ids)
    for session_id in session_ids:
        detail = details[session_id]
        session, messages = detail["session"], detail["messages"]
        usages = usage_by_session[session_id]
        assert len(usages) == PER_SESSION
        # Requests were serialised: every reply saw a distinct, complete prefix of the transcript.
        assert sorted(turns_by_session[session_id]) == list(range(1, PER_SESSION + 1))
        assert [m["message_index"] for m in messages] == list(range(2 * PER_SESSION))
        assert [m["role"] for m in messages] == ["user", "assistant"] * PER_SESSION
        assert session["message_count"] == 2 * PER_SESSION
        assert session["tokens_in"] == sum(u["prompt_tokens"] for u in usages)
        assert session["tokens_out"] == sum(u["completion_tokens"] for u in usages)
        assert session["tokens_total"] == sum(u["total_tokens"] for u in usages)

    assert stats["total_requests"] == SESSIONS * PER_SESSION
    assert stats["total_tokens"] == sum(u["total_tokens"] for _, u, _ in results)
    created = [e for e in audit["entries"] if e["action"] == "chat_session.created"]
    assert sorted(e["resource_id"] for e in created) == sorted(session_ids)
