"""The audit trail: every state change is written in the same transaction as the change itself.

An emulator extra: upstream's ``GET /api/v1/platform/audit`` reads a table that the
ChatServer itself never writes, so against upstream it lists only what other
services recorded. It reads an entry's ``user_id`` and ``org_id`` out of the entry's
details (``details["user_id"]``, ``details["organization_id"]``) and returns the
details as ``metadata``; entries are written and read back here the same way, so
they look exactly like the ones upstream lists.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .paging import checked_offset
from .util import new_uuid, now_iso


def _details_of(*, actor: str | None, org_id: str | None, metadata: dict[str, Any] | None) -> dict[str, Any]:
    """The stored details: the change's own metadata plus the ids upstream reads out of them."""
    details = dict(metadata or {})
    if actor is not None:
        details["user_id"] = actor
    if org_id is not None:
        details["organization_id"] = org_id
    return details


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
    details = _details_of(actor=actor, org_id=org_id, metadata=metadata)
    conn.execute(
        "INSERT INTO audit_log (id, timestamp, user_id, org_id, action, resource, resource_id, metadata)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (new_uuid(), now_iso(), actor, org_id, action, resource, resource_id, json.dumps(details)),
    )


def _entry(row: sqlite3.Row) -> dict[str, Any]:
    loaded = json.loads(row["metadata"])
    details: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
    # Database files written by earlier emulator versions kept the ids in the columns only.
    for key, column in (("user_id", "user_id"), ("organization_id", "org_id")):
        if row[column] is not None:
            details.setdefault(key, row[column])
    return {
        "id": row["id"],
        "timestamp": row["timestamp"],
        # As upstream's _map_audit: read out of the details.
        "user_id": details.get("user_id"),
        "org_id": details.get("organization_id"),
        "action": row["action"],
        "resource": row["resource"],
        "resource_id": row["resource_id"],
        "metadata": details,
    }


def page(conn: sqlite3.Connection, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """Newest first; an offset past what upstream's database can skip raises ``paging.OutOfRangeError``."""
    rows = conn.execute(
        "SELECT * FROM audit_log ORDER BY seq DESC LIMIT ? OFFSET ?", (limit, checked_offset(offset))
    ).fetchall()
    return [_entry(row) for row in rows]
