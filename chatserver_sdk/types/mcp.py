"""The MCP server registry (``/atoms/mcp``)."""

from enum import Enum
from typing import Literal

from ._base import Default, Model, OpenEnum, Recoverable, Timestamp

__all__ = ["MCPAuthType", "MCPListResponse", "MCPMetadata", "MCPScope", "MCPScopeType", "MCPServer"]


class MCPScopeType(str, Enum):
    PLATFORM = "platform"
    ORGANIZATION = "organization"
    USER = "user"

    # The value, as MessageRole: the field holding a member may also hold a plain string
    # the SDK did not know, and both then print alike.
    def __str__(self) -> str:
        return self.value


class MCPAuthType(str, Enum):
    NONE = "none"
    BEARER = "bearer"
    OAUTH = "oauth"

    def __str__(self) -> str:
        return self.value


class MCPScope(Model):
    type: OpenEnum[MCPScopeType]
    """An :class:`MCPScopeType`; a scope the SDK does not know stays a string."""
    organization_id: str | None = None
    user_id: str | None = None


class MCPMetadata(Model):
    args: list[str] = Default(factory=list)
    env: dict[str, str] = Default(factory=dict)


class MCPServer(Recoverable):
    """One registered MCP server (the spec's ``MCPConfiguration``)."""

    id: str
    name: str = Default("")
    type: OpenEnum[Literal["http"]] = Default("http")
    endpoint: str = Default("")
    auth_type: OpenEnum[MCPAuthType] = Default(MCPAuthType.NONE)
    """An :class:`MCPAuthType`; one the SDK does not know stays a string."""
    bearer_token_id: str | None = None
    oauth_provider: str | None = None
    enabled: bool = Default(True)
    metadata: MCPMetadata = Default(factory=MCPMetadata)
    created_at: Timestamp | None = None
    scope: MCPScope | None = None


class MCPListResponse(Model):
    items: list[MCPServer] = Default(factory=list)
