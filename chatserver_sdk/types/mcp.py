"""The MCP server registry (``/atoms/mcp``)."""

from __future__ import annotations

from enum import Enum

from pydantic import Field

from ._base import Model, NullableList, Timestamp

__all__ = ["MCPAuthType", "MCPListResponse", "MCPMetadata", "MCPScope", "MCPScopeType", "MCPServer"]


class MCPScopeType(str, Enum):
    PLATFORM = "platform"
    ORGANIZATION = "organization"
    USER = "user"


class MCPAuthType(str, Enum):
    NONE = "none"
    BEARER = "bearer"
    OAUTH = "oauth"


class MCPScope(Model):
    type: MCPScopeType
    organization_id: str | None = None
    user_id: str | None = None


class MCPMetadata(Model):
    args: NullableList[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)


class MCPServer(Model):
    """One registered MCP server (the spec's ``MCPConfiguration``)."""

    id: str
    name: str = ""
    type: str = "http"
    endpoint: str = ""
    auth_type: str = "none"
    bearer_token_id: str | None = None
    oauth_provider: str | None = None
    enabled: bool = True
    metadata: MCPMetadata = Field(default_factory=MCPMetadata)
    created_at: Timestamp | None = None
    scope: MCPScope | None = None


class MCPListResponse(Model):
    items: NullableList[MCPServer] = Field(default_factory=list)
