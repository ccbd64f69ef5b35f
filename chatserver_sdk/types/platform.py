"""Platform administration (``/api/v1/platform``)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from ._base import Model, NullableList, Timestamp

__all__ = [
    "AdminInfo",
    "AdminListResponse",
    "AdminRequest",
    "AdminResponse",
    "AuditEntry",
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
    _positional: ClassVar[tuple[str, ...]] = (
        "total_users",
        "active_users",
        "total_organizations",
        "total_requests",
        "requests_today",
        "total_tokens",
        "tokens_today",
        "system_health",
    )

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
    _positional: ClassVar[tuple[str, ...]] = ("id", "email", "name", "created_at", "created_by")

    id: str = ""
    email: str
    name: str | None = None
    created_at: Timestamp | None = None
    created_by: str | None = None


class AdminListResponse(Model):
    """Subscriptable like the earlier SDK's dict: ``admins['count']`` still works."""

    admins: NullableList[AdminInfo] = Field(default_factory=list)
    count: int = 0


class AdminRequest(Model):
    """The body of ``POST /api/v1/platform/admins`` (``add_admin`` builds it for you)."""

    _positional: ClassVar[tuple[str, ...]] = ("workos_id", "email", "name")
    _to_dict_omits_none: ClassVar[bool] = True

    workos_id: str
    email: str
    name: str | None = ""


class AdminResponse(Model):
    _positional: ClassVar[tuple[str, ...]] = ("status", "email")

    status: str = "success"
    email: str = ""


class AuditLogEntry(Model):
    _positional: ClassVar[tuple[str, ...]] = (
        "id",
        "timestamp",
        "user_id",
        "org_id",
        "action",
        "resource",
        "resource_id",
        "metadata",
    )

    id: str
    timestamp: Timestamp | None = None
    user_id: str | None = None
    org_id: str | None = None
    action: str = ""
    resource: str | None = None
    resource_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


AuditEntry = AuditLogEntry
"""The earlier SDK's name for :class:`AuditLogEntry`."""


class AuditLogResponse(Model):
    _positional: ClassVar[tuple[str, ...]] = ("entries", "count", "limit", "offset")

    entries: NullableList[AuditLogEntry] = Field(default_factory=list)
    count: int = 0
    """Entries in this page, not the total."""
    limit: int = 50
    offset: int = 0
