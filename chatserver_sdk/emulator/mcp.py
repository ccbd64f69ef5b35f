"""The MCP server registry.

Bearer tokens are never stored or returned: a registry entry only carries the id
of the (here imaginary) secret, which is all upstream ever hands back.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from . import audit
from .schemas import MCPCreateRequest, MCPScope, MCPUpdateRequest
from .store import Store
from .util import new_uuid, now_iso


class InvalidMCPError(Exception):
    """A request the registry rejects with 400; the message is the response detail."""


class MCPNotFoundError(Exception):
    pass


class AdminRequiredError(Exception):
    """Platform-wide entries may only be managed by platform admins."""


def _check_scope(scope: MCPScope) -> None:
    if scope.type == "platform" and (scope.organization_id or scope.user_id):
        raise InvalidMCPError("Invalid scope: platform scope must not set organization_id or user_id")
    if scope.type == "organization" and scope.organization_id is None:
        raise InvalidMCPError("Invalid scope: organization scope requires organization_id")
    if scope.type == "user" and scope.user_id is None:
        raise InvalidMCPError("Invalid scope: user scope requires user_id")


def _check_auth(auth_type: str, has_token: bool, oauth_provider: str | None) -> None:
    if auth_type == "bearer" and not has_token:
        raise InvalidMCPError("bearer_token is required when auth_type is 'bearer'")
    if auth_type == "oauth" and not oauth_provider:
        raise InvalidMCPError("oauth_provider is required when auth_type is 'oauth'")


def _to_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "type": row["type"],
        "endpoint": row["endpoint"],
        "auth_type": row["auth_type"],
        "bearer_token_id": row["bearer_token_id"],
        "oauth_provider": row["oauth_provider"],
        "enabled": bool(row["enabled"]),
        "metadata": json.loads(row["metadata"]),
        "created_at": row["created_at"],
        "scope": {
            "type": row["scope_type"],
            "organization_id": row["scope_organization_id"],
            "user_id": row["scope_user_id"],
        },
    }


def _fetch(conn: sqlite3.Connection, mcp_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute("SELECT * FROM mcp_servers WHERE id = ?", (mcp_id,)).fetchone()
    if row is None:
        raise MCPNotFoundError(mcp_id)
    return row


def create(store: Store, body: MCPCreateRequest, *, actor: str | None, is_admin: bool) -> dict[str, Any]:
    _check_scope(body.scope)
    if body.scope.type == "platform" and not is_admin:
        raise AdminRequiredError
    _check_auth(body.auth_type, bool(body.bearer_token), body.oauth_provider)
    mcp_id = new_uuid()
    org_id = str(body.scope.organization_id) if body.scope.organization_id else None
    user_id = str(body.scope.user_id) if body.scope.user_id else None
    with store.write() as conn:
        conn.execute(
            "INSERT INTO mcp_servers (id, name, type, endpoint, auth_type, bearer_token_id, oauth_provider,"
            " enabled, metadata, created_at, scope_type, scope_organization_id, scope_user_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                mcp_id,
                body.name,
                body.type,
                str(body.endpoint),
                body.auth_type,
                new_uuid() if body.auth_type == "bearer" else None,
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
        return _to_json(_fetch(conn, mcp_id))


def list_servers(
    store: Store, *, organization_id: str, user_id: str | None, include_platform: bool
) -> dict[str, Any]:
    clauses = ["(scope_type = 'organization' AND scope_organization_id = ?)"]
    args: list[object] = [organization_id]
    if user_id is not None:
        clauses.append("(scope_type = 'user' AND scope_user_id = ?)")
        args.append(user_id)
    if include_platform:
        clauses.append("scope_type = 'platform'")
    with store.read() as conn:
        rows = conn.execute(
            f"SELECT * FROM mcp_servers WHERE {' OR '.join(clauses)} ORDER BY created_at, id", args
        ).fetchall()
    return {"items": [_to_json(r) for r in rows]}


def update(
    store: Store, mcp_id: str, body: MCPUpdateRequest, *, actor: str | None, is_admin: bool
) -> dict[str, Any]:
    changes = body.model_dump(exclude_none=True, exclude={"bearer_token"})
    with store.write() as conn:
        row = _fetch(conn, mcp_id)
        if row["scope_type"] == "platform" and not is_admin:
            raise AdminRequiredError
        auth_type = changes.get("auth_type", row["auth_type"])
        token_id = row["bearer_token_id"]
        if body.bearer_token:
            token_id = new_uuid()
        if auth_type != "bearer":
            token_id = None
        _check_auth(auth_type, token_id is not None, changes.get("oauth_provider", row["oauth_provider"]))
        columns = {
            "name": changes.get("name", row["name"]),
            "type": changes.get("type", row["type"]),
            "endpoint": str(body.endpoint) if body.endpoint is not None else row["endpoint"],
            "auth_type": auth_type,
            "bearer_token_id": token_id,
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
        return _to_json(_fetch(conn, mcp_id))


def delete(store: Store, mcp_id: str, *, actor: str | None, is_admin: bool) -> None:
    with store.write() as conn:
        row = _fetch(conn, mcp_id)
        if row["scope_type"] == "platform" and not is_admin:
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
