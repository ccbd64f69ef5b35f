"""Platform administration: admins, the audit trail and statistics, as upstream answers them."""

from __future__ import annotations

from typing import Any

from . import audit
from .catalog import ACTIVE_AGENTS
from .store import Store
from .util import new_uuid, now_iso


class AdminExistsError(Exception):
    """Upstream's database refuses a second row for an email; it answers 500."""


def list_admins(store: Store) -> dict[str, Any]:
    with store.read() as conn:
        rows = conn.execute("SELECT * FROM platform_admins ORDER BY created_at DESC, rowid DESC").fetchall()
    admins = [
        {
            "id": r["id"],
            "email": r["email"],
            "name": r["name"],
            "created_at": r["created_at"],
            "created_by": r["created_by"],
        }
        for r in rows
    ]
    return {"admins": admins, "count": len(admins)}


def add_admin(store: Store, *, workos_id: str, email: str, name: str | None, actor: str | None) -> None:
    with store.write() as conn:
        if conn.execute("SELECT 1 FROM platform_admins WHERE email = ?", (email,)).fetchone():
            raise AdminExistsError(email)
        # Upstream records the new admin's own WorkOS id as its creator, and the database assigns the id.
        conn.execute(
            "INSERT INTO platform_admins (email, id, name, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
            (email, new_uuid(), name, now_iso(), workos_id),
        )
        audit.record(
            conn,
            action="platform_admin.added",
            actor=actor,
            resource="platform_admin",
            resource_id=email,
            metadata={"email": email, "workos_id": workos_id},
        )


def remove_admin(store: Store, *, email: str, actor: str | None) -> None:
    """Upstream deletes by email and answers success whether or not there was such an admin."""
    with store.write() as conn:
        if conn.execute("DELETE FROM platform_admins WHERE email = ?", (email,)).rowcount:
            audit.record(
                conn,
                action="platform_admin.removed",
                actor=actor,
                resource="platform_admin",
                resource_id=email,
                metadata={"email": email},
            )


def audit_page(store: Store, *, limit: int, offset: int) -> dict[str, Any]:
    with store.read() as conn:
        entries = audit.page(conn, limit=limit, offset=offset)
    return {"entries": entries, "count": len(entries), "limit": limit, "offset": offset}


def stats(store: Store) -> dict[str, Any]:
    """Upstream counts rows of its organizations, users and user_sessions tables, which other services
    fill and a ChatServer never writes, so those are 0 here; request and token totals are constant 0
    upstream. Only the MCP count (every registered server, enabled or not) reflects what was done."""
    with store.read() as conn:
        mcp_servers = int(conn.execute("SELECT COUNT(*) FROM mcp_servers").fetchone()[0])
    return {
        "total_users": 0,
        "active_users": 0,
        "total_organizations": 0,
        "total_requests": 0,
        "requests_today": 0,
        "total_tokens": 0,
        "tokens_today": 0,
        "total_mcp_servers": mcp_servers,
        "system_health": {
            "status": "healthy",
            "circuit_breaker_status": "healthy",
            "active_agents": list(ACTIVE_AGENTS),
        },
    }
