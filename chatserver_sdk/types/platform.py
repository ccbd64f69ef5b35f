"""Platform administration (``/api/v1/platform``)."""

from typing import Any, ClassVar

from ._base import Default, Model, Recoverable, Timestamp

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
    status: str = Default("healthy")
    circuit_breaker_status: str | None = None
    active_agents: list[str] = Default(factory=list)


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

    total_users: int = Default(0)
    active_users: int = Default(0)
    total_organizations: int = Default(0)
    total_requests: int = Default(0)
    requests_today: int = Default(0)
    total_tokens: int = Default(0)
    tokens_today: int = Default(0)
    total_mcp_servers: int = Default(0)
    system_health: SystemHealth = Default(factory=SystemHealth)


class AdminInfo(Model):
    _positional: ClassVar[tuple[str, ...]] = ("id", "email", "name", "created_at", "created_by")

    id: str = Default("")
    email: str
    name: str | None = None
    created_at: Timestamp | None = None
    created_by: str | None = None


class AdminListResponse(Model):
    """Subscriptable like the earlier SDK's dict: ``admins['count']`` still works."""

    admins: list[AdminInfo] = Default(factory=list)
    count: int = Default(0)


class AdminRequest(Model):
    """The body of ``POST /api/v1/platform/admins`` (``add_admin`` builds it for you)."""

    _positional: ClassVar[tuple[str, ...]] = ("workos_id", "email", "name")
    _to_dict_omits_none: ClassVar[bool] = True

    workos_id: str
    email: str
    name: str | None = ""


class AdminResponse(Recoverable):
    _positional: ClassVar[tuple[str, ...]] = ("status", "email")

    status: str = Default("success")
    email: str = Default("")


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
    action: str = Default("")
    resource: str | None = None
    resource_id: str | None = None
    metadata: dict[str, Any] = Default(factory=dict)


AuditEntry = AuditLogEntry
"""The earlier SDK's name for :class:`AuditLogEntry`."""


class AuditLogResponse(Model):
    _positional: ClassVar[tuple[str, ...]] = ("entries", "count", "limit", "offset")

    entries: list[AuditLogEntry] = Default(factory=list)
    count: int = Default(0)
    """Entries in this page, not the total."""
    limit: int = Default(50)
    offset: int = Default(0)
