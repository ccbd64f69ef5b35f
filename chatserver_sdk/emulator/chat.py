"""Chat completions and the session history they leave behind."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import audit
from .agent import Reply, Turn, count_tokens, generate_reply
from .store import Store
from .util import new_uuid, now_iso

TITLE_LIMIT = 80


class SessionNotFoundError(Exception):
    """The session does not exist or belongs to another user; upstream does not tell the two apart."""


@dataclass(frozen=True)
class CompletionInput:
    model: str
    agent_type: str
    messages: tuple[Turn, ...]
    max_tokens: int
    system_prompt: str | None
    session_id: str
    user_id: str | None
    organization_id: str | None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CompletionResult:
    completion_id: str
    created: int
    session_id: str
    reply: Reply


def new_messages(stored: Sequence[Turn], incoming: Sequence[Turn]) -> list[Turn]:
    """Return the part of ``incoming`` the session does not hold yet.

    Clients either resend the whole transcript plus the new message (OpenAI style)
    or send only the new message (resume by session id). Some also drop or repeat
    the system prompt, or send a trailing window of the history, so the longest
    overlap between the end of the stored transcript and the start of the request
    is what gets skipped.
    """
    stored = list(stored)
    incoming = list(incoming)
    for k in range(min(len(stored), len(incoming)), 0, -1):
        if stored[len(stored) - k :] == incoming[:k]:
            return incoming[k:]
    known_system = {t for t in stored if t.role == "system"}
    start = 0
    while start < len(incoming) and incoming[start].role == "system" and incoming[start] in known_system:
        start += 1
    return incoming[start:]


def _title(turns: Sequence[Turn]) -> str | None:
    for turn in turns:
        if turn.role == "user":
            lines = turn.content.strip().splitlines()
            return lines[0][:TITLE_LIMIT] if lines else None
    return None


def _insert_message(
    conn: sqlite3.Connection,
    session_id: str,
    index: int,
    turn: Turn,
    tokens: int,
    now: str,
    metadata: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        "INSERT INTO chat_messages (id, session_id, message_index, role, content, metadata, tokens,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (new_uuid(), session_id, index, turn.role, turn.content, json.dumps(metadata or {}), tokens, now),
    )


def _record_exchange(
    conn: sqlite3.Connection, req: CompletionInput, user_id: str, completion_id: str
) -> Reply:
    now = now_iso()
    row = conn.execute("SELECT * FROM chat_sessions WHERE id = ?", (req.session_id,)).fetchone()
    if row is None:
        conn.execute(
            "INSERT INTO chat_sessions (id, user_id, organization_id, model, agent_type, created_at,"
            " updated_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                req.session_id,
                user_id,
                req.organization_id,
                req.model,
                req.agent_type,
                now,
                now,
                json.dumps(req.metadata),
            ),
        )
        audit.record(
            conn,
            action="chat_session.created",
            actor=user_id,
            resource="chat_session",
            resource_id=req.session_id,
            org_id=req.organization_id,
            metadata={"model": req.model, "agent_type": req.agent_type},
        )
        stored: list[Turn] = []
        title: str | None = None
        metadata: dict[str, Any] = dict(req.metadata)
    elif row["user_id"] != user_id:
        raise SessionNotFoundError(req.session_id)
    else:
        stored = [
            Turn(r["role"], r["content"])
            for r in conn.execute(
                "SELECT role, content FROM chat_messages WHERE session_id = ? ORDER BY message_index",
                (req.session_id,),
            )
        ]
        title = row["title"]
        metadata = {**json.loads(row["metadata"]), **req.metadata}

    appended = new_messages(stored, req.messages)
    for offset, turn in enumerate(appended):
        _insert_message(conn, req.session_id, len(stored) + offset, turn, count_tokens(turn.content), now)
    transcript = [*stored, *appended]
    reply = generate_reply(transcript, max_tokens=req.max_tokens, system_prompt=req.system_prompt)
    _insert_message(
        conn,
        req.session_id,
        len(transcript),
        Turn("assistant", reply.text),
        reply.completion_tokens,
        now,
        {"model": req.model, "completion_id": completion_id, "finish_reason": reply.finish_reason},
    )
    conn.execute(
        "UPDATE chat_sessions SET title = ?, model = ?, updated_at = ?, last_message_at = ?,"
        " message_count = ?, tokens_in = tokens_in + ?, tokens_out = tokens_out + ?,"
        " tokens_total = tokens_total + ?, metadata = ? WHERE id = ?",
        (
            title if title is not None else _title(transcript),
            req.model,
            now,
            now,
            len(transcript) + 1,
            reply.prompt_tokens,
            reply.completion_tokens,
            reply.total_tokens,
            json.dumps(metadata),
            req.session_id,
        ),
    )
    return reply


def complete(store: Store, req: CompletionInput) -> CompletionResult:
    """Answer one request; history, counters and the request log change in a single transaction."""
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    with store.write() as conn:
        if req.user_id is None:
            reply = generate_reply(req.messages, max_tokens=req.max_tokens, system_prompt=req.system_prompt)
        else:
            reply = _record_exchange(conn, req, req.user_id, completion_id)
        conn.execute(
            "INSERT INTO completions (id, created_at, session_id, user_id, model, prompt_tokens,"
            " completion_tokens, total_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                completion_id,
                now_iso(),
                req.session_id,
                req.user_id,
                req.model,
                reply.prompt_tokens,
                reply.completion_tokens,
                reply.total_tokens,
            ),
        )
    return CompletionResult(completion_id, int(time.time()), req.session_id, reply)


def _session_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "organization_id": row["organization_id"],
        "title": row["title"],
        "model": row["model"],
        "agent_type": row["agent_type"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "last_message_at": row["last_message_at"],
        "message_count": row["message_count"],
        "tokens_in": row["tokens_in"],
        "tokens_out": row["tokens_out"],
        "tokens_total": row["tokens_total"],
        "metadata": json.loads(row["metadata"]),
        "archived": bool(row["archived"]),
    }


def list_sessions(store: Store, *, user_id: str, page: int, page_size: int) -> dict[str, Any]:
    with store.read() as conn:
        total = conn.execute("SELECT COUNT(*) FROM chat_sessions WHERE user_id = ?", (user_id,)).fetchone()[0]
        rows = conn.execute(
            "SELECT * FROM chat_sessions WHERE user_id = ? ORDER BY updated_at DESC, rowid DESC"
            " LIMIT ? OFFSET ?",
            (user_id, page_size, (page - 1) * page_size),
        ).fetchall()
    sessions = [_session_json(r) for r in rows]
    return {
        "sessions": sessions,
        "total": total,
        "page": page,
        "page_size": page_size,
        "has_more": (page - 1) * page_size + len(sessions) < total,
    }


def get_session(store: Store, *, session_id: str, user_id: str) -> dict[str, Any]:
    with store.read() as conn:
        row = conn.execute(
            "SELECT * FROM chat_sessions WHERE id = ? AND user_id = ?", (session_id, user_id)
        ).fetchone()
        if row is None:
            raise SessionNotFoundError(session_id)
        messages = conn.execute(
            "SELECT * FROM chat_messages WHERE session_id = ? ORDER BY message_index", (session_id,)
        ).fetchall()
    return {
        "session": _session_json(row),
        "messages": [
            {
                "id": m["id"],
                "message_index": m["message_index"],
                "role": m["role"],
                "content": m["content"],
                "metadata": json.loads(m["metadata"]),
                "tokens": m["tokens"],
                "created_at": m["created_at"],
                "updated_at": m["updated_at"],
            }
            for m in messages
        ],
    }
