"""The MCP server registry, with upstream's storage and mapping rules.

Upstream stores the scope's type and ids as given and rebuilds the scope when it
reads an entry back: an entry with neither id reads as platform-wide whatever
type it was given, one with both as user-scoped. Lists show enabled entries
only. Bearer tokens are never stored here (upstream stores them but never
returns them), and responses carry no token id or OAuth provider, as upstream's.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from . import audit
from .schemas import MCPCreateRequest, MCPUpdateRequest
from .store import Store
from .util import new_uuid, now_iso


class MCPNotFoundError(Exception):
    """Upstream answers 500 when updating an id it does not hold."""


class UnreadableEntryError(Exception):
    """Upstream stores an entry it cannot read back (an empty name); the text is upstream's."""


class AdminRequiredError(Exception):
    """Platform-wide entries may only be managed by platform admins (an emulator extra, with admin keys)."""


def _scope(scope_type: str, org_id: str | None, user_id: str | None) -> dict[str, Any]:
    if scope_type == "platform" or (org_id is None and user_id is None):
        return {"type": "platform", "organization_id": None, "user_id": None}
    if scope_type == "user" or (org_id is not None and user_id is not None):
        return {"type": "user", "organization_id": org_id, "user_id": user_id}
    return {"type": "organization", "organization_id": org_id, "user_id": None}


def _to_json(row: sqlite3.Row) -> dict[str, Any]:
    if not row["name"]:
        raise UnreadableEntryError("MCP configuration row missing name")
    return {
        "id": row["id"],
        "name": row["name"],
        "type": row["type"],
        "endpoint": row["endpoint"],
        "auth_type": row["auth_type"],
        "bearer_token_id": None,
        "oauth_provider": None,
        "enabled": bool(row["enabled"]),
        "metadata": json.loads(row["metadata"]),
        "created_at": row["created_at"],
        "scope": _scope(row["scope_type"], row["scope_organization_id"], row["scope_user_id"]),
    }


def _fetch(conn: sqlite3.Connection, mcp_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute("SELECT * FROM mcp_servers WHERE id = ?", (mcp_id,)).fetchone()
    return row


def _is_platform(row: sqlite3.Row) -> bool:
    scope = _scope(row["scope_type"], row["scope_organization_id"], row["scope_user_id"])
    return bool(scope["type"] == "platform")


def create(store: Store, body: MCPCreateRequest, *, actor: str | None, is_admin: bool) -> dict[str, Any]:
    org_id = str(body.scope.organization_id) if body.scope.organization_id else None
    user_id = str(body.scope.user_id) if body.scope.user_id else None
    if not is_admin and _scope(body.scope.type, org_id, user_id)["type"] == "platform":
        raise AdminRequiredError
    mcp_id = new_uuid()
    with store.write() as conn:
        conn.execute(
            "INSERT INTO mcp_servers (id, name, type, endpoint, auth_type, bearer_token_id, oauth_provider,"
            " enabled, metadata, created_at, scope_type, scope_organization_id, scope_user_id)"
            " VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)",
            (
                mcp_id,
                body.name,
                body.type,
                str(body.endpoint),
                body.auth_type,
                body.oauth_provider,
                int(body.enabled),
                body.metadata.model_dump_json(),
                now_iso(),
                body.scope.type,
                org_id,
                user_id,
            ),
        )
        audit.record(
            conn,
            action="mcp_server.created",
            actor=actor,
            resource="mcp_server",
            resource_id=mcp_id,
            org_id=org_id,
            metadata={"name": body.name, "scope": body.scope.type},
        )
        row = _fetch(conn, mcp_id)
    assert row is not None
    # Read back after the commit: an entry upstream cannot read back is stored all the same.
    return _to_json(row)


def list_servers(
    store: Store, *, organization_id: str, user_id: str | None, include_platform: bool
) -> dict[str, Any]:
    """The organization's entries (its own and, given a user, that user's), then, if asked, every entry
    without an organization: upstream's two queries, in that order."""
    with store.read() as conn:
        rows = conn.execute(
            "SELECT * FROM mcp_servers WHERE enabled = 1 AND scope_organization_id = ?"
            " AND (scope_user_id IS NULL OR scope_user_id = ?) ORDER BY rowid",
            (organization_id, user_id),
        ).fetchall()
        if include_platform:
            rows += conn.execute(
                "SELECT * FROM mcp_servers WHERE enabled = 1 AND scope_organization_id IS NULL ORDER BY rowid"
            ).fetchall()
    try:
        return {"items": [_to_json(r) for r in rows]}
    except UnreadableEntryError:
        raise UnreadableEntryError(
            "an MCP server listed here has an empty name, which upstream stores but cannot read"
            " back (it answers 500 for the whole list). Give it a name with PUT /atoms/mcp/{id},"
            " or delete it."
        ) from None


def update(
    store: Store, mcp_id: str, body: MCPUpdateRequest, *, actor: str | None, is_admin: bool
) -> dict[str, Any]:
    changes = body.model_dump(exclude_none=True, exclude={"bearer_token"})
    with store.write() as conn:
        row = _fetch(conn, mcp_id)
        if row is None:
            raise MCPNotFoundError(mcp_id)
        if not is_admin and _is_platform(row):
            raise AdminRequiredError
        columns = {
            "name": changes.get("name", row["name"]),
            "type": changes.get("type", row["type"]),
            "endpoint": str(body.endpoint) if body.endpoint is not None else row["endpoint"],
            "auth_type": changes.get("auth_type", row["auth_type"]),
            "oauth_provider": changes.get("oauth_provider", row["oauth_provider"]),
            "enabled": int(changes.get("enabled", row["enabled"])),
            "metadata": body.metadata.model_dump_json() if body.metadata is not None else row["metadata"],
        }
        assignments = ", ".join(f"{name} = ?" for name in columns)
        conn.execute(f"UPDATE mcp_servers SET {assignments} WHERE id = ?", [*columns.values(), mcp_id])
        changed = sorted({*changes, *(["bearer_token"] if body.bearer_token else [])})
        audit.record(
            conn,
            action="mcp_server.updated",
            actor=actor,
            resource="mcp_server",
            resource_id=mcp_id,
            org_id=row["scope_organization_id"],
            metadata={"fields": changed},
        )
        updated = _fetch(conn, mcp_id)
    assert updated is not None
    return _to_json(updated)


def delete(store: Store, mcp_id: str, *, actor: str | None, is_admin: bool) -> None:
    """Deleting an id that is not there succeeds, as upstream's filtered delete does."""
    with store.write() as conn:
        row = _fetch(conn, mcp_id)
        if row is None:
            return
        if not is_admin and _is_platform(row):
            raise AdminRequiredError
        conn.execute("DELETE FROM mcp_servers WHERE id = ?", (mcp_id,))
        audit.record(
            conn,
            action="mcp_server.deleted",
            actor=actor,
            resource="mcp_server",
            resource_id=mcp_id,
            org_id=row["scope_organization_id"],
            metadata={"name": row["name"]},
        )
