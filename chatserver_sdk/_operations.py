"""Every ChatServer request, described once.

A builder here turns a method's arguments into an :class:`Operation`: the
HTTP method, the path (relative to the server root), query, body, files,
how to read the result and the caller's per-call options. ``ENDPOINTS`` lists
the builders the clients expose; :mod:`._codegen` writes the clients' methods
from it (``_endpoints.py``, checked in), and the clients only execute
operations, so sync, async and raw calls have one behaviour by construction.

A builder refuses, before anything is sent, arguments the real server would
fail on (a ``user`` that is not a UUID), and sends the working form where
there is one (a UUID session id when history is on and none was given; text
instead of content parts when history is on).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import IO, Any, Generic, Literal, TypeVar, Union
from urllib.parse import quote

import httpx2
import openai
from pydantic import BaseModel

from ._history import SESSION_RULE, USER_RULE, require_uuid
from ._messages import MessageLike, to_wire_messages
from .types.agent import AgentMessagesResponse, AgentStatus, SendMessageResponse, UploadResponse
from .types.chat import ChatCompletionResponse
from .types.mcp import MCPListResponse, MCPMetadata, MCPScope, MCPServer
from .types.models import ModelsResponse
from .types.platform import AdminListResponse, AdminResponse, AuditLogResponse, PlatformStats, SystemHealth
from .types.sessions import ChatSessionDetailResponse, ChatSessionListResponse

__all__ = [
    "ENDPOINTS",
    "Body",
    "Endpoint",
    "FileContent",
    "Headers",
    "Operation",
    "Query",
    "Resume",
    "path_segment",
    "require_uuid",
]

_T = TypeVar("_T")
_ModelT = TypeVar("_ModelT", bound=BaseModel)

FileContent = Union[bytes, IO[bytes]]
Timeout = Union[float, httpx2.Timeout, None, openai.NotGiven]
# openai's per-call option types.
Headers = Mapping[str, str]
Query = Mapping[str, object]
Body = Mapping[str, object]


@dataclass(frozen=True)
class Resume:
    """A completion that continues a stored session: the client first reads what is stored,
    because the server appends only the messages beyond those it holds."""

    session_id: str
    user_id: str


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
    resume: Resume | None = None
    # openai's per-call options, for this request only.
    extra_headers: Headers | None = None
    extra_query: Query | None = None
    extra_body: Body | None = None
    timeout: Timeout = openai.NOT_GIVEN

    def customized(
        self,
        *,
        extra_headers: Headers | None,
        extra_query: Query | None,
        extra_body: Body | None,
        timeout: Timeout,
    ) -> Operation[_T]:
        """This operation with the caller's per-call options."""
        if extra_headers is None and extra_query is None and extra_body is None and not _given(timeout):
            return self
        return replace(
            self, extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body, timeout=timeout
        )


def _given(timeout: Timeout) -> bool:
    return not isinstance(timeout, openai.NotGiven)


@dataclass(frozen=True)
class Endpoint:
    """One client method: its builder, and whether (and how) its answer is an event stream."""

    build: Callable[..., Operation[Any]]
    stream: Literal["never", "always", "when-asked"] = "never"
    item: str = ""
    """The type of a stream's items (the generated annotation)."""
    decoder: str = ""
    """The :mod:`._streaming` decoder that turns the stream's events into items."""

    @property
    def name(self) -> str:
        return self.build.__name__


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
    """A chat completion: the agent answers ``messages``; with ``stream=True``, its text as it comes.

    ``user`` (a UUID) turns history on: the turn is stored under that user,
    in ``session_id`` or, when none is given, in a new session whose id
    comes back as ``system_fingerprint``. To continue a session, pass its
    ``session_id`` with the same ``user``: the whole conversation, or only
    the new messages (the SDK then puts the stored ones in front, since the
    server appends only what it does not hold yet).

    The other keywords are the ChatServer's ``metadata`` extensions:
    ``organization_id`` (a UUID), ``workflow``, ``variables``,
    ``allowed_tools`` (the agent's tools), ``setting_sources`` and
    ``mcp_servers``. The stream's ``metadata`` holds ``system_fingerprint``
    and ``usage``; use it as a context manager to release the connection if
    you stop early.
    """
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
        require_uuid(user, "user", f"it is copied into metadata.user_id, and {USER_RULE}")
        merged.setdefault("user_id", user)
    # The other history rules (UUIDs, a session id, text content) apply to every completion body
    # as it is sent (_history.py); a resume of a session the caller names needs its stored transcript.
    resume: Resume | None = None
    if merged.get("user_id") is not None and merged.get("session_id") is not None:
        user_id = require_uuid(merged["user_id"], "metadata.user_id", USER_RULE)
        resume = Resume(require_uuid(merged["session_id"], "session_id", SESSION_RULE), user_id)

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
    return Operation(
        "POST", "v1/chat/completions", _model(ChatCompletionResponse), body=body, stream=stream, resume=resume
    )


def list_models() -> Operation[ModelsResponse]:
    """The models the server offers, with provider, capabilities and context length."""
    return Operation("GET", "v1/models", _model(ModelsResponse))


def health() -> Operation[SystemHealth]:
    """Whether the server is up (``status``); needs no key."""
    return Operation("GET", "health", _model(SystemHealth))


# --- sessions ----------------------------------------------------------------


def list_sessions(user_id: str, page: int = 1, page_size: int = 20) -> Operation[ChatSessionListResponse]:
    """One page of a user's stored chat sessions, newest first (``page`` from 1, ``page_size`` 1-100)."""
    params = {"user_id": user_id, "page": page, "page_size": page_size}
    return Operation("GET", "atoms/chat/sessions", _model(ChatSessionListResponse), params=params)


def get_session(session_id: str, *, user_id: str) -> Operation[ChatSessionDetailResponse]:
    """A stored session with its whole transcript; ``NotFoundError`` if it is not this user's."""
    path = f"atoms/chat/sessions/{path_segment(session_id, 'session_id')}"
    return Operation("GET", path, _model(ChatSessionDetailResponse), params={"user_id": user_id})


# --- platform administration --------------------------------------------------


def get_platform_stats() -> Operation[PlatformStats]:
    """Usage totals and system health (platform admins only)."""
    return Operation("GET", "api/v1/platform/stats", _model(PlatformStats))


def list_admins() -> Operation[AdminListResponse]:
    """Platform administrators; ``result['admins']`` and ``result['count']`` work too."""
    return Operation("GET", "api/v1/platform/admins", _model(AdminListResponse))


def _refuse_slash(email: object, consequence: str) -> None:
    # The server decodes %2F before routing, so no encoding reaches its /admins/{email} route.
    if isinstance(email, str) and "/" in email:
        raise ValueError(f"email: {email!r} contains '/'; such an admin {consequence}")


def add_admin(workos_id: str, email: str, name: str | None = "") -> Operation[AdminResponse]:
    """Make someone a platform administrator."""
    _refuse_slash(email, "could not be removed again (its remove route cannot address it)")
    body = _without_none(workos_id=workos_id, email=email, name=name)
    return Operation("POST", "api/v1/platform/admins", _model(AdminResponse), body=body)


def remove_admin(email: str) -> Operation[AdminResponse]:
    """Remove a platform administrator (removing one who is not there succeeds too)."""
    _refuse_slash(email, "cannot be removed through its route (it answers 404 and the admin stays)")
    path = f"api/v1/platform/admins/{path_segment(email, 'email')}"
    return Operation("DELETE", path, _model(AdminResponse))


def get_audit_log(limit: int = 50, offset: int = 0) -> Operation[AuditLogResponse]:
    """One page of the audit log, newest first (``limit`` 1-200); ``count`` is the entries in this page."""
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


_SCOPE_IDS = {"platform": (), "organization": ("organization_id",), "user": ("user_id",)}


def _checked_scope(scope: MCPScope | Mapping[str, Any]) -> Any:
    """The scope as sent, or an error: the server stores a scope missing its id as platform-wide."""
    fields = _dump(scope, "scope")
    kind = fields.get("type")
    if isinstance(kind, Enum):
        kind = kind.value
    for name in _SCOPE_IDS.get(kind, ()):  # an unknown type is the server's to refuse (422)
        if fields.get(name) is None:
            raise ValueError(
                f"scope: {fields!r} has no {name}; without it the ChatServer stores the server as "
                "platform-wide, visible to every organisation"
            )
        fields[name] = require_uuid(fields[name], f"scope.{name}", "the ChatServer stores scope ids as UUIDs")
    return fields


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
        scope=_checked_scope(scope),
    )
    return Operation("POST", "atoms/mcp", _model(MCPServer), body=body)


def update_mcp_server(
    mcp_id: str,
    *,
    name: str | None = None,
    endpoint: str | None = None,
    auth_type: str | None = None,
    bearer_token: str | None = None,
    oauth_provider: str | None = None,
    enabled: bool | None = None,
    metadata: MCPMetadata | Mapping[str, Any] | None = None,
) -> Operation[MCPServer]:
    """Change only the fields given; the others keep their values."""
    body = _without_none(
        name=name,
        endpoint=endpoint,
        auth_type=auth_type,
        bearer_token=bearer_token,
        oauth_provider=oauth_provider,
        enabled=enabled,
        metadata=_dump(metadata, "metadata"),
    )
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
    """Send the agent a ``user`` message (refused while it is ``running``), or ``raw`` keystrokes."""
    if type not in ("user", "raw"):
        raise ValueError(f"type: {type!r} is not one of 'user', 'raw'")
    body = {"content": content, "type": type}
    return Operation("POST", "message", _model(SendMessageResponse), body=body)


AGENT_INTERRUPT = "\x1b"
"""What agentapi's own web UI sends, as a ``raw`` message, to interrupt a running agent (ESC)."""


def interrupt_agent() -> Operation[SendMessageResponse]:
    """Interrupt a running agent: send ESC as ``raw`` keystrokes, as agentapi's web UI does."""
    return Operation(
        "POST", "message", _model(SendMessageResponse), body={"content": AGENT_INTERRUPT, "type": "raw"}
    )


def upload_file(filename: str, content: FileContent) -> Operation[UploadResponse]:
    """Upload a file to the agent's workspace."""
    files = [("file", (filename, content, "application/octet-stream"))]
    return Operation("POST", "upload", _model(UploadResponse), files=files)


def stream_agent_events() -> Operation[None]:
    """Agent events as they happen; the current state is replayed first."""
    return Operation("GET", "events", _nothing, stream=True)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(create_completion, stream="when-asked", item="str", decoder="CompletionDecoder"),
    Endpoint(list_models),
    Endpoint(health),
    Endpoint(list_sessions),
    Endpoint(get_session),
    Endpoint(get_platform_stats),
    Endpoint(list_admins),
    Endpoint(add_admin),
    Endpoint(remove_admin),
    Endpoint(get_audit_log),
    Endpoint(list_mcp_servers),
    Endpoint(create_mcp_server),
    Endpoint(update_mcp_server),
    Endpoint(delete_mcp_server),
    Endpoint(get_agent_status),
    Endpoint(get_agent_messages),
    Endpoint(send_agent_message),
    Endpoint(interrupt_agent),
    Endpoint(upload_file),
    Endpoint(stream_agent_events, stream="always", item="AgentEvent", decoder="EventDecoder"),
)
"""The methods of both clients and their raw views, in the order they are generated."""
