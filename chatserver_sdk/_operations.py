"""Every ChatServer request, described once.

A builder here turns a method's arguments into an :class:`Operation`: the
HTTP method, the path (relative to the server root), query, body, files,
how to read the result and the caller's per-call options. ``ENDPOINTS`` lists
the builders and where users find them (``client.sessions.list``, and the
earlier flat name ``list_sessions``); :mod:`._codegen` writes the resources,
the clients and ``api.md`` from it (checked in), and the clients only execute
operations, so sync, async, raw and streaming calls have one behaviour by
construction.

A builder refuses, before anything is sent, arguments the real server would
fail on (a ``user`` that is not a UUID), and sends the working form where
there is one (a UUID session id when history is on and none was given; text
instead of content parts when history is on).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import IO, Any, Generic, Literal, TypeVar, Union
from urllib.parse import quote

import httpx2
import openai
from pydantic import BaseModel

from ._history import USER_RULE, require_uuid
from ._messages import MessageLike, to_wire_messages
from ._response import RAW_RESPONSE_HEADER, ResponseMode, response_mode
from .types.agent import AgentMessagesResponse, AgentStatus, SendMessageResponse, UploadResponse
from .types.chat import ChatCompletionResponse
from .types.mcp import MCPListResponse, MCPMetadata, MCPScope, MCPServer
from .types.models import ModelsResponse
from .types.platform import AdminListResponse, AdminResponse, AuditLogResponse, PlatformStats, SystemHealth
from .types.sessions import ChatSessionDetailResponse, ChatSessionListResponse

__all__ = [
    "ENDPOINTS",
    "HELPERS",
    "Body",
    "Endpoint",
    "FileContent",
    "Headers",
    "Helper",
    "Operation",
    "Query",
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
class Settle(Generic[_T]):
    """How a creating call whose answer was lost finds out whether it took effect: one request that
    lists what is stored, and the match of what the call created (``None``: not there)."""

    lookup: Callable[[], Operation[Any]]
    match: Callable[[Any, float], _T | None]
    """``match(listing, started)``: the stored result, given the listing and when the call started."""
    resend: bool = True
    """Whether a call found not to have taken effect is sent once more."""


@dataclass(frozen=True)
class Operation(Generic[_T]):
    """One request: what to send, and how to read the answer."""

    method: str
    path: str
    parse: Callable[[httpx2.Response], _T]
    params: Mapping[str, Any] | None = None
    body: Mapping[str, Any] | None = None
    files: Sequence[tuple[str, tuple[str, FileContent, str]]] | None = None
    stream: bool = False
    """Whether the answer is an event stream, read by the client rather than ``parse``."""
    # openai's per-call options, for this request only.
    extra_headers: Headers | None = None
    extra_query: Query | None = None
    extra_body: Body | None = None
    timeout: Timeout = openai.NOT_GIVEN
    deadline: float | None = None
    """Seconds for the whole call (:mod:`._limits`)."""
    idle_timeout: float | None = None
    """Seconds a stream may go without an event."""
    mode: ResponseMode = "parsed"
    """What the caller gets: the parsed result, or the raw or streaming view (:mod:`._response`)."""
    settle: Settle[_T] | None = None
    """For a creating call: how to find out, after a lost answer, whether it took effect."""

    def customized(
        self,
        *,
        extra_headers: Headers | None,
        extra_query: Query | None,
        extra_body: Body | None,
        timeout: Timeout,
        deadline: float | None = None,
        idle_timeout: float | None = None,
    ) -> Operation[_T]:
        """This operation with the caller's per-call options (the view header taken off: it stays here)."""
        if deadline is not None or idle_timeout is not None:
            self = replace(self, deadline=deadline, idle_timeout=idle_timeout)
        if extra_headers is None and extra_query is None and extra_body is None and not _given(timeout):
            return self
        mode = response_mode(extra_headers)
        if mode != "parsed":
            assert extra_headers is not None
            extra_headers = {k: v for k, v in extra_headers.items() if k != RAW_RESPONSE_HEADER}
        return replace(
            self,
            extra_headers=extra_headers or None,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            mode=mode,
        )

    def parsed_as(self, cls: type[_ModelT]) -> Operation[_ModelT]:
        """This operation, its answer read as ``cls`` (a page class of the same listing)."""
        return replace(self, parse=_model(cls))  # type: ignore[arg-type,return-value]

    def with_params(self, **params: Any) -> Operation[_T]:
        """The same request with some query parameters changed (the next page), parsed: a page
        got through a raw view still walks to pages, not to raw responses."""
        return replace(self, params={**(self.params or {}), **params}, mode="parsed")


def _given(timeout: Timeout) -> bool:
    return not isinstance(timeout, openai.NotGiven)


@dataclass(frozen=True)
class Endpoint:
    """How one operation appears to users: a resource method, its earlier flat name, its views.

    ``resource`` is the attribute path on the client (``"platform.admins"``), or ``""`` for a
    method of the client itself. ``flat`` is the client-level name kept from the earlier SDK
    (a one-line delegate to the resource method). In the resource method, the builder's
    parameters after the first ``positional`` are keyword-only, as openai's are.
    """

    build: Callable[..., Operation[Any]]
    route: str
    """``METHOD /path/{param}``, for the reference (``api.md``); a test holds builders to it."""
    resource: str = ""
    method: str = ""
    flat: str = ""
    positional: int = 99
    stream: Literal["never", "always", "when-asked"] = "never"
    item: str = ""
    """The type of a stream's items (the generated annotation)."""
    decoder: str = ""
    """The :mod:`._streaming` decoder that turns the stream's events into items."""
    page: tuple[str, str] | None = None
    """The sync and async page classes (:mod:`._pagination`) of a list method."""
    limits: bool = False
    """Whether the method takes ``deadline=`` and ``idle_timeout=`` (an agent turn, a stream)."""

    @property
    def name(self) -> str:
        return self.build.__name__


@dataclass(frozen=True)
class Helper:
    """A method built on the endpoints (waits, walks, conversations): ``module:function`` for the
    sync and the async client, the first parameter being the client. Named by string, so that the
    helpers' modules are imported when a helper is first called, not with the client."""

    sync: str
    asynchronous: str
    resource: str = ""
    method: str = ""
    flat: str = ""


def _model(cls: type[_ModelT]) -> Callable[[httpx2.Response], _ModelT]:
    def parse(response: httpx2.Response) -> _ModelT:
        return cls.model_validate_json(response.content)

    return parse


def _nothing(response: httpx2.Response) -> None:
    return None


MAX_URL_PART = 2048
"""Longest path segment or query value sent (percent-encoded): servers and proxies refuse far
less than httpx2's 64 KiB URL limit, and no id or email comes near it."""


def path_segment(value: object, field: str) -> str:
    """``value`` as exactly one percent-encoded path segment, or an error naming ``field``.

    ``quote`` leaves dots alone, so ``.`` and ``..`` would be resolved away as
    relative segments by URL normalisation; encoding them keeps them literal.
    """
    if value is None or isinstance(value, (bytes, Mapping, list, tuple, set)):
        raise TypeError(f"{field}: expected a string, got {type(value).__name__} ({_short(value)})")
    text = str(value)
    if not text:
        raise ValueError(f"{field}: must not be empty")
    encoded = quote(text, safe="")
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    _fits_a_url(encoded, text, field)
    return encoded


def query_value(value: object, field: str) -> str:
    """A string query parameter, or an error naming ``field`` (the server would refuse it)."""
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected a string, got {type(value).__name__} ({_short(value)})")
    _fits_a_url(quote(value, safe=""), value, field)
    return value


def _fits_a_url(encoded: str, text: str, field: str) -> None:
    if len(encoded) > MAX_URL_PART:
        raise ValueError(
            f"{field}: {len(text)} characters ({len(encoded)} once encoded) do not fit in a URL; "
            f"the most this SDK sends is {MAX_URL_PART} encoded characters. Is it the right value?"
        )


def bounded_int(value: object, field: str, low: int, high: int | None = None) -> int:
    """``value`` if it is an int within the server's bounds, or an error naming ``field`` and the bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{field}: expected an int, got {type(value).__name__} ({_short(value)})")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{field}: {value} is not {bounds} (the server's bounds)")
    return value


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "…"


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
    # The rules every completion body follows (history, parameters, resuming a stored session) apply
    # where every completion is sent, openai's own included: see _completions.py.
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


def health() -> Operation[SystemHealth]:
    """Whether the server is up (``status``); needs no key."""
    return Operation("GET", "health", _model(SystemHealth))


# --- sessions ----------------------------------------------------------------

MAX_SESSIONS_PAGE_SIZE = 100
MAX_AUDIT_PAGE_SIZE = 200
_BIGINT = 2**63 - 1  # the database's OFFSET: a page beyond it overflows upstream's query


def list_sessions(user_id: str, page: int = 1, page_size: int = 20) -> Operation[ChatSessionListResponse]:
    """One page of a user's stored chat sessions, most recently active first.

    ``page`` counts from 1; ``page_size`` is 1-100. Iterating the page walks
    every later page too, a request at a time.
    """
    user_id = require_uuid(user_id, "user_id", "the ChatServer stores sessions under UUID user ids")
    bounded_int(page_size, "page_size", 1, MAX_SESSIONS_PAGE_SIZE)
    bounded_int(page, "page", 1, _BIGINT // page_size + 1)
    params = {"user_id": user_id, "page": page, "page_size": page_size}
    return Operation("GET", "atoms/chat/sessions", _model(ChatSessionListResponse), params=params)


def get_session(session_id: str, *, user_id: str) -> Operation[ChatSessionDetailResponse]:
    """A stored session with its whole transcript; ``NotFoundError`` if it is not this user's."""
    user_id = require_uuid(user_id, "user_id", "the ChatServer stores sessions under UUID user ids")
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


def add_admin(workos_id: str, email: str, name: str | None = None) -> Operation[AdminResponse]:
    """Make someone a platform administrator (``name`` is optional)."""
    _refuse_slash(email, "could not be removed again (its remove route cannot address it)")
    email = query_value(email, "email")
    local, _, domain = email.partition("@")
    if not local or not domain:
        raise ValueError(f"email: {email!r} is not an email address (a name, '@', a domain)")
    body = _without_none(workos_id=query_value(workos_id, "workos_id"), email=email, name=name)
    settle: Settle[AdminResponse] = Settle(list_admins, functools.partial(_admin_added, email))
    return Operation("POST", "api/v1/platform/admins", _model(AdminResponse), body=body, settle=settle)


def _admin_added(email: str, admins: AdminListResponse, started: float) -> AdminResponse | None:
    for admin in admins.admins:
        if admin.email.lower() == email.lower():
            return AdminResponse(status="success", email=admin.email)
    return None


def remove_admin(email: str) -> Operation[AdminResponse]:
    """Remove a platform administrator (removing one who is not there succeeds too)."""
    _refuse_slash(email, "cannot be removed through its route (it answers 404 and the admin stays)")
    path = f"api/v1/platform/admins/{path_segment(email, 'email')}"
    return Operation("DELETE", path, _model(AdminResponse))


def get_audit_log(limit: int = 50, offset: int = 0) -> Operation[AuditLogResponse]:
    """One page of the audit log, newest first (``limit`` 1-200, ``offset`` from 0).

    ``count`` is the number of entries in this page. Iterating the page walks
    the rest of the log too, each entry once even while new ones arrive.
    """
    params = {
        "limit": bounded_int(limit, "limit", 1, MAX_AUDIT_PAGE_SIZE),
        "offset": bounded_int(offset, "offset", 0, _BIGINT),
    }
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


_ORG_RULE = "the ChatServer's MCP routes take UUIDs"
_AUTH_TYPES = ("none", "bearer", "oauth", "api_key")


def _auth(auth_type: str | None, bearer_token: str | None, oauth_provider: str | None) -> None:
    if auth_type is None:
        return
    kind = auth_type.value if isinstance(auth_type, Enum) else auth_type
    if kind not in _AUTH_TYPES:
        raise ValueError(f"auth_type: {auth_type!r} is not one of {', '.join(_AUTH_TYPES)}")
    if kind == "bearer" and not bearer_token:
        raise ValueError("bearer_token: auth_type='bearer' needs the token the agent sends to the MCP server")
    if kind == "oauth" and not oauth_provider:
        raise ValueError("oauth_provider: auth_type='oauth' needs the provider's name, e.g. 'github'")


def list_mcp_servers(
    organization_id: str, *, user_id: str | None = None, include_platform: bool = True
) -> Operation[MCPListResponse]:
    """MCP servers visible to an organisation (and a user, if given); enabled ones only."""
    params = _without_none(
        organization_id=require_uuid(organization_id, "organization_id", _ORG_RULE),
        user_id=None if user_id is None else require_uuid(user_id, "user_id", _ORG_RULE),
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
    _auth(auth_type, bearer_token, oauth_provider)
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
    checked = body["scope"]
    lookup = functools.partial(
        list_mcp_servers,
        checked.get("organization_id") or _NIL_UUID,
        user_id=checked.get("user_id"),
        include_platform=True,
    )
    # Listings hold enabled servers only: a disabled one cannot be looked up, so it is not resent.
    settle = Settle(lookup, functools.partial(_mcp_created, name, endpoint), resend=enabled)
    return Operation("POST", "atoms/mcp", _model(MCPServer), body=body, settle=settle)


_NIL_UUID = "00000000-0000-0000-0000-000000000000"
_CLOCK_SKEW = 120.0


def _mcp_created(name: str, endpoint: str, listing: MCPListResponse, started: float) -> MCPServer | None:
    """The newest server of this name and endpoint created since the call started (clock skew allowed)."""
    candidates = []
    for server in listing.items:
        if server.name != name or server.endpoint.rstrip("/") != endpoint.rstrip("/"):
            continue
        created = server.created_at
        if isinstance(created, datetime) and created.timestamp() < started - _CLOCK_SKEW:
            continue  # an older one of the same name: not this call's
        candidates.append(server)
    return max(candidates, key=_created_at, default=None)


def _created_at(server: MCPServer) -> float:
    return server.created_at.timestamp() if isinstance(server.created_at, datetime) else 0.0


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
    _auth(auth_type, bearer_token, oauth_provider)
    body = _without_none(
        name=name,
        endpoint=endpoint,
        auth_type=auth_type,
        bearer_token=bearer_token,
        oauth_provider=oauth_provider,
        enabled=enabled,
        metadata=_dump(metadata, "metadata"),
    )
    path = f"atoms/mcp/{path_segment(require_uuid(mcp_id, 'mcp_id', _ORG_RULE), 'mcp_id')}"
    return Operation("PUT", path, _model(MCPServer), body=body)


def delete_mcp_server(mcp_id: str) -> Operation[None]:
    """Remove an MCP server from the registry (removing one that is not there succeeds too)."""
    path = f"atoms/mcp/{path_segment(require_uuid(mcp_id, 'mcp_id', _ORG_RULE), 'mcp_id')}"
    return Operation("DELETE", path, _nothing)


# --- agent control ----------------------------------------------------------------


def get_agent_status() -> Operation[AgentStatus]:
    """Whether the agent is ``running`` or ``stable`` (idle), and its ``transport``."""
    return Operation("GET", "status", _model(AgentStatus))


def get_agent_messages() -> Operation[AgentMessagesResponse]:
    """The agent conversation so far."""
    return Operation("GET", "messages", _model(AgentMessagesResponse))


def send_agent_message(content: str, type: str = "user") -> Operation[SendMessageResponse]:
    """Send the agent a ``user`` message (refused while it is ``running``), or ``raw`` keystrokes."""
    if type not in ("user", "raw"):
        raise ValueError(f"type: {type!r} is not one of 'user', 'raw'")
    if not isinstance(content, str):
        raise TypeError(f"content: expected a string, got {content.__class__.__name__} ({_short(content)})")
    body = {"content": content, "type": type}
    return Operation("POST", "message", _model(SendMessageResponse), body=body)


AGENT_INTERRUPT = "\x1b"
"""What agentapi's own web UI sends, as a ``raw`` message, to interrupt a running agent (ESC)."""


def interrupt_agent() -> Operation[SendMessageResponse]:
    """Interrupt a running agent: ESC as ``raw`` keystrokes, as agentapi's web UI sends it."""
    body = {"content": AGENT_INTERRUPT, "type": "raw"}
    return Operation("POST", "message", _model(SendMessageResponse), body=body)


def upload_file(filename: str, content: FileContent) -> Operation[UploadResponse]:
    """Upload a file to the agent's workspace (agentapi takes up to 10 MB)."""
    files = [("file", (filename, content, "application/octet-stream"))]
    return Operation("POST", "upload", _model(UploadResponse), files=files)


def stream_agent_events() -> Operation[None]:
    """Agent events as they happen; the current state (messages, status, recent errors) comes first."""
    return Operation("GET", "events", _nothing, stream=True)


_COMPLETION = "CompletionDecoder"
_SESSIONS_PAGE = ("SyncSessionPage", "AsyncSessionPage")
_AUDIT_PAGE = ("SyncAuditPage", "AsyncAuditPage")
_ADMINS_PAGE = ("SyncAdminPage", "AsyncAdminPage")
_MCP_PAGE = ("SyncMCPServerPage", "AsyncMCPServerPage")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        create_completion,
        "POST /v1/chat/completions",
        stream="when-asked",
        item="str",
        decoder=_COMPLETION,
        limits=True,
    ),
    Endpoint(list_models, "GET /v1/models"),
    Endpoint(health, "GET /health"),
    Endpoint(
        list_sessions, "GET /atoms/chat/sessions", "sessions", "list", "list_sessions", 1, page=_SESSIONS_PAGE
    ),
    Endpoint(get_session, "GET /atoms/chat/sessions/{session_id}", "sessions", "retrieve", "get_session", 1),
    Endpoint(get_platform_stats, "GET /api/v1/platform/stats", "platform", "stats", "get_platform_stats"),
    Endpoint(
        list_admins,
        "GET /api/v1/platform/admins",
        "platform.admins",
        "list",
        "list_admins",
        page=_ADMINS_PAGE,
    ),
    Endpoint(add_admin, "POST /api/v1/platform/admins", "platform.admins", "add", "add_admin", 2),
    Endpoint(
        remove_admin, "DELETE /api/v1/platform/admins/{email}", "platform.admins", "remove", "remove_admin"
    ),
    Endpoint(
        get_audit_log,
        "GET /api/v1/platform/audit",
        "platform.audit",
        "list",
        "get_audit_log",
        page=_AUDIT_PAGE,
    ),
    Endpoint(list_mcp_servers, "GET /atoms/mcp", "mcp_servers", "list", "list_mcp_servers", page=_MCP_PAGE),
    Endpoint(create_mcp_server, "POST /atoms/mcp", "mcp_servers", "create", "create_mcp_server"),
    Endpoint(update_mcp_server, "PUT /atoms/mcp/{mcp_id}", "mcp_servers", "update", "update_mcp_server"),
    Endpoint(delete_mcp_server, "DELETE /atoms/mcp/{mcp_id}", "mcp_servers", "delete", "delete_mcp_server"),
    Endpoint(get_agent_status, "GET /status", "agent", "status", "get_agent_status"),
    Endpoint(get_agent_messages, "GET /messages", "agent", "messages", "get_agent_messages"),
    Endpoint(send_agent_message, "POST /message", "agent", "send", "send_agent_message", 1),
    Endpoint(interrupt_agent, "POST /message", "agent", "interrupt", "interrupt_agent"),
    Endpoint(upload_file, "POST /upload", "agent", "upload", "upload_file"),
    Endpoint(
        stream_agent_events,
        "GET /events",
        "agent",
        "events",
        "stream_agent_events",
        stream="always",
        item="AgentEvent",
        decoder="EventDecoder",
        limits=True,
    ),
)
"""Every ChatServer request the clients send, and the methods that send it."""

HELPERS: tuple[Helper, ...] = (
    Helper(
        "._agent_helpers:follow_events",
        "._agent_helpers:afollow_events",
        "agent",
        "follow",
        "iter_agent_events",
    ),
    Helper(
        "._agent_helpers:wait_for_agent", "._agent_helpers:await_for_agent", "agent", "wait", "wait_for_agent"
    ),
    Helper("._agent_helpers:ask_agent", "._agent_helpers:aask_agent", "agent", "ask", "ask_agent"),
    Helper("._pagination:iter_sessions", "._pagination:aiter_sessions", flat="iter_sessions"),
    Helper("._pagination:iter_audit_log", "._pagination:aiter_audit_log", flat="iter_audit_log"),
    Helper("._conversation:conversation", "._conversation:aconversation", flat="conversation"),
)
"""The methods built on the endpoints, generated as delegates like the endpoints' own."""
