"""Platform administration (``/api/v1/platform``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import Model, NullableList, Timestamp

__all__ = [
    "AdminInfo",
    "AdminListResponse",
    "AdminResponse",
    "AuditLogEntry",
    "AuditLogResponse",
    "PlatformStats",
    "SystemHealth",
]


class SystemHealth(Model):
    status: str = "healthy"
    circuit_breaker_status: str | None = None
    active_agents: NullableList[str] = Field(default_factory=list)


class PlatformStats(Model):
    total_users: int = 0
    active_users: int = 0
    total_organizations: int = 0
    total_requests: int = 0
    requests_today: int = 0
    total_tokens: int = 0
    tokens_today: int = 0
    total_mcp_servers: int = 0
    system_health: SystemHealth = Field(default_factory=SystemHealth)


class AdminInfo(Model):
    id: str = ""
    email: str
    name: str | None = None
    created_at: Timestamp | None = None
    created_by: str | None = None


class AdminListResponse(Model):
    """Subscriptable like the earlier SDK's dict: ``admins['count']`` still works."""

    admins: NullableList[AdminInfo] = Field(default_factory=list)
    count: int = 0


class AdminResponse(Model):
    status: str = "success"
    email: str


class AuditLogEntry(Model):
    id: str
    timestamp: Timestamp | None = None
    user_id: str | None = None
    org_id: str | None = None
    action: str = ""
    resource: str | None = None
    resource_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class AuditLogResponse(Model):
    entries: NullableList[AuditLogEntry] = Field(default_factory=list)
    count: int = 0
    """Entries in this page, not the total."""
    limit: int = 50
    offset: int = 0
