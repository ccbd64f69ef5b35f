"""Request bodies of the FastAPI half of the server, mirroring the upstream pydantic models.

They exist so that ill-typed or out-of-range input is rejected with the same 422
bodies upstream produces; responses are built as plain dicts.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, HttpUrl


class MessageContentText(BaseModel):
    type: Literal["text"] = "text"
    text: str


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool"]
    content: str | list[MessageContentText | str]
    name: str | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "\n".join(part if isinstance(part, str) else part.text for part in self.content)


class ChatCompletionRequest(BaseModel):
    model: str
    messages: list[ChatMessage]
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    max_tokens: int = Field(4000, ge=1, le=4000)
    top_p: float = Field(1.0, ge=0.0, le=1.0)
    stream: bool = False
    user: str | None = None
    system_prompt: str | None = None
    metadata: dict[str, Any] | None = None


class AddAdminRequest(BaseModel):
    workos_id: str
    email: str
    name: str | None = None


AuthType = Literal["none", "bearer", "oauth", "api_key"]


class MCPMetadata(BaseModel):
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)


class MCPScope(BaseModel):
    type: Literal["platform", "organization", "user"]
    organization_id: UUID | None = None
    user_id: UUID | None = None


class MCPCreateRequest(BaseModel):
    name: str
    type: Literal["http"] = "http"
    endpoint: HttpUrl
    auth_type: AuthType = "none"
    bearer_token: str | None = None
    oauth_provider: str | None = None
    enabled: bool = True
    metadata: MCPMetadata = Field(default_factory=MCPMetadata)
    scope: MCPScope


class MCPUpdateRequest(BaseModel):
    name: str | None = None
    type: Literal["http"] | None = None
    endpoint: HttpUrl | None = None
    auth_type: AuthType | None = None
    bearer_token: str | None = None
    oauth_provider: str | None = None
    enabled: bool | None = None
    metadata: MCPMetadata | None = None
