"""The audit trail: every state change is written in the same transaction as the change itself.

An emulator extra: upstream's ``GET /api/v1/platform/audit`` reads a table that the
ChatServer itself never writes, so against upstream it lists only what other
services recorded.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .util import new_uuid, now_iso


def record(
    conn: sqlite3.Connection,
    *,
    action: str,
    actor: str | None,
    resource: str,
    resource_id: str | None,
    org_id: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        "INSERT INTO audit_log (id, timestamp, user_id, org_id, action, resource, resource_id, metadata)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (new_uuid(), now_iso(), actor, org_id, action, resource, resource_id, json.dumps(metadata or {})),
    )


# SQLite integers are signed 64-bit; no table holds that many rows anyway.
_MAX_OFFSET = 2**63 - 1


def page(conn: sqlite3.Connection, *, limit: int, offset: int) -> list[dict[str, Any]]:
    if offset > _MAX_OFFSET:
        return []
    rows = conn.execute(
        "SELECT * FROM audit_log ORDER BY seq DESC LIMIT ? OFFSET ?", (limit, offset)
    ).fetchall()
    return [
        {
            "id": row["id"],
            "timestamp": row["timestamp"],
            "user_id": row["user_id"],
            "org_id": row["org_id"],
            "action": row["action"],
            "resource": row["resource"],
            "resource_id": row["resource_id"],
            "metadata": json.loads(row["metadata"]),
        }
        for row in rows
    ]
