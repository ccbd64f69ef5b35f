"""Every ChatServer request, described once.

A builder here turns a method's arguments into an :class:`Operation`: the
HTTP method, the path (relative to the server root), query, body, files and
how to read the result. The sync and async clients only execute operations,
so both have one behaviour by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, Generic, TypeVar, Union
from urllib.parse import quote

import httpx2
from pydantic import BaseModel

from ._messages import MessageLike, to_wire_messages
from .types.agent import AgentMessagesResponse, AgentStatus, SendMessageResponse, UploadResponse
from .types.chat import ChatCompletionResponse
from .types.mcp import MCPListResponse, MCPMetadata, MCPScope, MCPServer
from .types.models import ModelsResponse
from .types.platform import AdminListResponse, AdminResponse, AuditLogResponse, PlatformStats
from .types.sessions import ChatSessionDetailResponse, ChatSessionListResponse

__all__ = ["Operation", "path_segment"]

_T = TypeVar("_T")
_ModelT = TypeVar("_ModelT", bound=BaseModel)

FileContent = Union[bytes, IO[bytes]]


@dataclass(frozen=True)
class Operation(Generic[_T]):
    method: str
    path: str
    parse: Callable[[httpx2.Response], _T]
    params: Mapping[str, Any] | None = None
    body: Mapping[str, Any] | None = None
    files: Sequence[tuple[str, tuple[str, FileContent, str]]] | None = None
    stream: bool = False
    """Whether the answer is an event stream, read by the client rather than ``parse``."""


def _model(cls: type[_ModelT]) -> Callable[[httpx2.Response], _ModelT]:
    def parse(response: httpx2.Response) -> _ModelT:
        return cls.model_validate_json(response.content)

    return parse


def _nothing(response: httpx2.Response) -> None:
    return None


def path_segment(value: object, field: str) -> str:
    """``value`` as exactly one percent-encoded path segment.

    ``quote`` leaves dots alone, so ``.`` and ``..`` would be resolved away as
    relative segments by URL normalisation; encoding them keeps them literal.
    """
    if value is None or isinstance(value, (bytes, Mapping, list, tuple, set)):
        raise TypeError(f"{field}: expected a string, got {type(value).__name__} ({value!r})")
    text = str(value)
    if not text:
        raise ValueError(f"{field}: must not be empty")
    encoded = quote(text, safe="")
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    return encoded


def _without_none(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


# --- chat completions and models --------------------------------------------


def create_completion(
    model: str,
    messages: Iterable[MessageLike],
    temperature: float = 0.7,
    max_tokens: int = 4000,
    top_p: float = 1.0,
    stream: bool = False,
    user: str | None = None,
    system_prompt: str | None = None,
    *,
    session_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    organization_id: str | None = None,
    workflow: str | None = None,
    variables: Mapping[str, Any] | None = None,
    allowed_tools: Sequence[str] | None = None,
    setting_sources: Sequence[str] | None = None,
    mcp_servers: Any = None,
) -> Operation[ChatCompletionResponse]:
    """``POST /v1/chat/completions`` with the ChatServer extensions in ``metadata``."""
    merged = dict(metadata) if metadata else {}
    extensions = {
        "session_id": session_id,
        "organization_id": organization_id,
        "workflow": workflow,
        "variables": variables,
        "allowed_tools": allowed_tools,
        "setting_sources": setting_sources,
        "mcp_servers": mcp_servers,
    }
    merged.update((key, value) for key, value in extensions.items() if value is not None)
    if user is not None:
        # History is recorded only when metadata.user_id is set.
        merged.setdefault("user_id", user)
    body: dict[str, Any] = {
        "model": model,
        "messages": to_wire_messages(messages),
        "temperature": temperature,
        "max_tokens": max_tokens,
        "top_p": top_p,
        "stream": stream,
    }
    if user is not None:
        body["user"] = user
    if system_prompt is not None:
        body["system_prompt"] = system_prompt
    if merged:
        body["metadata"] = merged
    return Operation("POST", "v1/chat/completions", _model(ChatCompletionResponse), body=body, stream=stream)


def list_models() -> Operation[ModelsResponse]:
    """The models the server offers, with provider, capabilities and context length."""
    return Operation("GET", "v1/models", _model(ModelsResponse))


# --- sessions ----------------------------------------------------------------


def list_sessions(user_id: str, page: int = 1, page_size: int = 20) -> Operation[ChatSessionListResponse]:
    """One page of a user's stored chat sessions, newest first."""
    params = {"user_id": user_id, "page": page, "page_size": page_size}
    return Operation("GET", "atoms/chat/sessions", _model(ChatSessionListResponse), params=params)


def get_session(session_id: str, *, user_id: str) -> Operation[ChatSessionDetailResponse]:
    """A stored session with its whole transcript."""
    path = f"atoms/chat/sessions/{path_segment(session_id, 'session_id')}"
    return Operation("GET", path, _model(ChatSessionDetailResponse), params={"user_id": user_id})


# --- platform administration --------------------------------------------------


def get_platform_stats() -> Operation[PlatformStats]:
    """Usage totals and system health (platform admins only)."""
    return Operation("GET", "api/v1/platform/stats", _model(PlatformStats))


def list_admins() -> Operation[AdminListResponse]:
    """Platform administrators; ``result['admins']`` and ``result['count']`` work too."""
    return Operation("GET", "api/v1/platform/admins", _model(AdminListResponse))


def add_admin(workos_id: str, email: str, name: str | None = "") -> Operation[AdminResponse]:
    """Make someone a platform administrator."""
    body = _without_none(workos_id=workos_id, email=email, name=name)
    return Operation("POST", "api/v1/platform/admins", _model(AdminResponse), body=body)


def remove_admin(email: str) -> Operation[AdminResponse]:
    """Remove a platform administrator; any email is safe, it is sent as one path segment."""
    path = f"api/v1/platform/admins/{path_segment(email, 'email')}"
    return Operation("DELETE", path, _model(AdminResponse))


def get_audit_log(limit: int = 50, offset: int = 0) -> Operation[AuditLogResponse]:
    """One page of the audit log; ``count`` is the entries in this page."""
    params = {"limit": limit, "offset": offset}
    return Operation("GET", "api/v1/platform/audit", _model(AuditLogResponse), params=params)


# --- MCP registry ---------------------------------------------------------------


def _dump(value: BaseModel | Mapping[str, Any] | None, field: str) -> Any:
    if value is None:
        return None
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True, by_alias=True)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{field}: expected a mapping or model, got {type(value).__name__} ({value!r})")


def list_mcp_servers(
    organization_id: str, *, user_id: str | None = None, include_platform: bool = True
) -> Operation[MCPListResponse]:
    """MCP servers visible to an organisation (and a user, if given)."""
    params = _without_none(
        organization_id=organization_id,
        user_id=user_id,
        include_platform="true" if include_platform else "false",
    )
    return Operation("GET", "atoms/mcp", _model(MCPListResponse), params=params)


def create_mcp_server(
    name: str,
    endpoint: str,
    scope: MCPScope | Mapping[str, Any],
    *,
    auth_type: str = "none",
    bearer_token: str | None = None,
    oauth_provider: str | None = None,
    enabled: bool = True,
    metadata: MCPMetadata | Mapping[str, Any] | None = None,
) -> Operation[MCPServer]:
    """Register an MCP server at platform, organisation or user scope."""
    body = _without_none(
        name=name,
        type="http",
        endpoint=endpoint,
        auth_type=auth_type,
        bearer_token=bearer_token,
        oauth_provider=oauth_provider,
        enabled=enabled,
        metadata=_dump(metadata, "metadata"),
        scope=_dump(scope, "scope"),
    )
    return Operation("POST", "atoms/mcp", _model(MCPServer), body=body)


def update_mcp_server(mcp_id: str, **changes: Any) -> Operation[MCPServer]:
    """Change only the given fields (``name``, ``endpoint``, ``enabled`` ...)."""
    body = {k: _dump(v, k) if isinstance(v, BaseModel) else v for k, v in changes.items()}
    path = f"atoms/mcp/{path_segment(mcp_id, 'mcp_id')}"
    return Operation("PUT", path, _model(MCPServer), body=body)


def delete_mcp_server(mcp_id: str) -> Operation[None]:
    """Remove an MCP server from the registry."""
    return Operation("DELETE", f"atoms/mcp/{path_segment(mcp_id, 'mcp_id')}", _nothing)


# --- agent control ----------------------------------------------------------------


def get_agent_status() -> Operation[AgentStatus]:
    """Whether the agent is ``running`` or ``stable`` (idle)."""
    return Operation("GET", "status", _model(AgentStatus))


def get_agent_messages() -> Operation[AgentMessagesResponse]:
    """The agent conversation so far."""
    return Operation("GET", "messages", _model(AgentMessagesResponse))


def send_agent_message(content: str, type: str = "user") -> Operation[SendMessageResponse]:
    """Send the agent a ``user`` message, or ``raw`` keystrokes."""
    if type not in ("user", "raw"):
        raise ValueError(f"type: {type!r} is not one of 'user', 'raw'")
    body = {"content": content, "type": type}
    return Operation("POST", "message", _model(SendMessageResponse), body=body)


def upload_file(filename: str, content: FileContent) -> Operation[UploadResponse]:
    """Upload a file to the agent's workspace."""
    files = [("file", (filename, content, "application/octet-stream"))]
    return Operation("POST", "upload", _model(UploadResponse), files=files)


def stream_agent_events() -> Operation[None]:
    """Agent events as they happen; the current state is replayed first."""
    return Operation("GET", "events", _nothing, stream=True)
