"""Platform administration: admins and statistics computed from what is stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from . import audit
from .store import Store
from .util import iso, now_iso, utcnow


class AdminExistsError(Exception):
    pass


class AdminNotFoundError(Exception):
    pass


def list_admins(store: Store) -> dict[str, Any]:
    with store.read() as conn:
        rows = conn.execute("SELECT * FROM platform_admins ORDER BY created_at, email").fetchall()
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
        conn.execute(
            "INSERT INTO platform_admins (email, id, name, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
            (email, workos_id, name, now_iso(), actor),
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
    with store.write() as conn:
        if conn.execute("DELETE FROM platform_admins WHERE email = ?", (email,)).rowcount == 0:
            raise AdminNotFoundError(email)
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


def stats(store: Store, *, active_agents: Sequence[str]) -> dict[str, Any]:
    now = utcnow()
    midnight = iso(now.replace(hour=0, minute=0, second=0, microsecond=0))
    day_ago = iso(now - timedelta(days=1))
    # Timestamps are stored as fixed-width UTC ISO strings, so text comparison orders them correctly.
    with store.read() as conn:

        def scalar(sql: str, *args: object) -> int:
            value = conn.execute(sql, args).fetchone()[0]
            return int(value or 0)

        result: dict[str, Any] = {
            "total_users": scalar("SELECT COUNT(DISTINCT user_id) FROM chat_sessions"),
            "active_users": scalar(
                "SELECT COUNT(DISTINCT user_id) FROM completions"
                " WHERE user_id IS NOT NULL AND created_at >= ?",
                day_ago,
            ),
            "total_organizations": scalar(
                "SELECT COUNT(*) FROM (SELECT organization_id AS org FROM chat_sessions"
                " UNION SELECT scope_organization_id FROM mcp_servers) WHERE org IS NOT NULL"
            ),
            "total_requests": scalar("SELECT COUNT(*) FROM completions"),
            "requests_today": scalar("SELECT COUNT(*) FROM completions WHERE created_at >= ?", midnight),
            "total_tokens": scalar("SELECT SUM(total_tokens) FROM completions"),
            "tokens_today": scalar(
                "SELECT SUM(total_tokens) FROM completions WHERE created_at >= ?", midnight
            ),
            "total_mcp_servers": scalar("SELECT COUNT(*) FROM mcp_servers"),
        }
    result["system_health"] = {
        "status": "healthy",
        "circuit_breaker_status": "closed",
        "active_agents": list(active_agents),
    }
    return result
