"""Contract test: every request the SDK can send, held to the upstream server's OpenAPI file.

A fake ChatServer sits behind ``httpx2.MockTransport``. For each request it

1. matches the raw (still percent-encoded) path to one ``(method, path template)`` of
   ``chatserver-openapi.json``, and checks that openapi-core's path finder agrees;
2. validates the whole request (path, query, headers, body) with openapi-core and records
   every error;
3. answers with a hand-written response for that operation, which is itself validated
   against the spec's response schema, so these fixtures cannot drift from the contract.

Each SDK method (sync and async client, and openai's own ``chat.completions.create`` and
``models.list`` on the same client) is then asserted to send a valid request to the right
operation, and to return the right type with the right values. A last test asserts that
the calls together reach every operation the spec declares.

Two things about the spec file shape how it is validated:

* It says ``openapi: 3.0.3``, but its schemas are JSON Schema 2020-12 as FastAPI and Huma
  emit them (``{"type": "null"}`` in ``anyOf``, ``const``), which a 3.0 validator rejects
  (openapi-spec-validator refuses the file) or misreads. It is validated as 3.1.
* Under 3.1, openapi-schema-validator does not accept Python ``bytes`` as ``type: string``,
  so the ``file`` part of ``POST /upload`` (``format: binary``, sent as
  ``application/octet-stream``) is handed to it as Latin-1 text: same octets, same length.

Server behaviours the spec does not state (stream chunks, session ids in
``system_fingerprint``, ...) follow ``shared/spec/NOTES.md``.
"""

from __future__ import annotations

import email.parser
import email.policy
import functools
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.validation.schemas import (
    oas30_read_schema_validators_factory,
    oas31_schema_validators_factory,
)
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from werkzeug.datastructures import Headers, ImmutableMultiDict

import chatserver_sdk
from chatserver_sdk import AsyncChatServerClient, ChatServerClient
from chatserver_sdk.types import (
    AdminListResponse,
    AdminResponse,
    AgentMessagesResponse,
    AgentStatus,
    AuditLogResponse,
    ChatCompletionResponse,
    ChatSessionDetailResponse,
    ChatSessionListResponse,
    ContentPart,
    MCPListResponse,
    MCPMetadata,
    MCPScope,
    MCPScopeType,
    MCPServer,
    Message,
    MessageRole,
    MessageUpdateEvent,
    ModelsResponse,
    PlatformStats,
    SendMessageResponse,
    StatusChangeEvent,
    UploadResponse,
    UsageInfo,
)

from .spec import SPEC_ENV_VAR, SpecUnavailableError, load_spec_document, spec_path

BASE_URL = "http://chatserver.test:3284"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

MODEL = "claude-sonnet-4"
USER_ID = "3f0b6c9e-2d4a-4c1e-9a57-0d2f8e6b1a11"
ORG_ID = "a7c2e4f1-5b3d-4e8a-b6c9-1d0e2f3a4b5c"
SESSION_ID = "5e8d1c2b-7a6f-4b3e-8d9c-0a1b2c3d4e5f"
NEW_SESSION_ID = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"  # what the server assigns when none is sent
MCP_ID = "9b8a7c6d-5e4f-4a3b-8c1d-0e9f8a7b6c5d"
TOKEN_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
WORKOS_ID = "user_01HZX4Q8M2T5V7W9Y0A1B3C5D7"
NOW = "2025-06-01T12:00:00Z"
NOW_DT = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
SESSIONS_TOTAL = 41
BINARY = bytes(range(256)) + b"\r\n--not-a-boundary\r\n\x00\xff"

# The spec's operations, as (method, path template).
COMPLETIONS = ("POST", "/v1/chat/completions")
MODELS = ("GET", "/v1/models")
SESSIONS = ("GET", "/atoms/chat/sessions")
SESSION = ("GET", "/atoms/chat/sessions/{session_id}")
STATS = ("GET", "/api/v1/platform/stats")
ADMINS = ("GET", "/api/v1/platform/admins")
ADD_ADMIN = ("POST", "/api/v1/platform/admins")
REMOVE_ADMIN = ("DELETE", "/api/v1/platform/admins/{email}")
AUDIT = ("GET", "/api/v1/platform/audit")
MCP_LIST = ("GET", "/atoms/mcp")
MCP_CREATE = ("POST", "/atoms/mcp")
MCP_UPDATE = ("PUT", "/atoms/mcp/{mcp_id}")
MCP_DELETE = ("DELETE", "/atoms/mcp/{mcp_id}")
STATUS = ("GET", "/status")
MESSAGES = ("GET", "/messages")
MESSAGE = ("POST", "/message")
UPLOAD = ("POST", "/upload")
EVENTS = ("GET", "/events")


# --- the spec ---------------------------------------------------------------------------------------


def _binary_as_text(value: bytes, **parameters: str) -> str:
    # See the module docstring: lossless, and a ``str`` is what the 3.1 validator can check.
    return value.decode("latin-1")


def _uses_31_schemas(node: Any) -> bool:
    if isinstance(node, dict):
        if node.get("type") == "null" or "const" in node:
            return True
        return any(_uses_31_schemas(value) for value in node.values())
    if isinstance(node, list):
        return any(_uses_31_schemas(value) for value in node)
    return False


def _describe(error: BaseException) -> str:
    """An openapi-core error with the JSON Schema errors behind it, each with its location."""
    headline = f"{type(error).__name__}: {error}".splitlines()[0]
    lines = [headline if len(headline) <= 200 else headline[:200] + "..."]
    cause: BaseException | None = error if isinstance(error, InvalidSchemaValue) else error.__cause__
    for schema_error in getattr(cause, "schema_errors", None) or ():
        where = "/".join(str(part) for part in schema_error.absolute_path) or "(whole value)"
        lines.append(f"    at {where}: {schema_error.message}")
    return "\n".join(lines)


@dataclass
class WireRequest:
    """An ``httpx2.Request`` as openapi-core's ``Request`` protocol sees it."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    content_type: str
    body: bytes | None

    @classmethod
    def from_httpx(cls, request: httpx2.Request) -> WireRequest:
        url = request.url
        query = parse_qsl(url.query.decode("ascii"), keep_blank_values=True)
        return cls(
            host_url=f"{url.scheme}://{url.netloc.decode('ascii')}",
            path=url.raw_path.split(b"?", 1)[0].decode("ascii"),
            method=request.method.lower(),
            parameters=RequestParameters(
                query=ImmutableMultiDict(query),
                header=Headers(list(request.headers.multi_items())),
                cookie=ImmutableMultiDict(),
            ),
            content_type=request.headers.get("content-type", "").lower(),
            body=request.content or None,
        )


@dataclass
class WireResponse:
    """A fixture response as openapi-core's ``Response`` protocol sees it."""

    status_code: int
    content_type: str
    headers: Headers
    data: bytes | None


@dataclass
class SSEEvent:
    data: Any
    event: str | None = None
    id: int | None = None


@dataclass
class Reply:
    """What the fake server answers: a JSON document, an event stream, or nothing."""

    status: int = 200
    payload: Any = None
    events: list[SSEEvent] | None = None
    done_marker: bool = False  # chat streams end with ``data: [DONE]``

    @property
    def content_type(self) -> str:
        if self.events is not None:
            return "text/event-stream"
        return "" if self.payload is None else "application/json"

    @property
    def content(self) -> bytes:
        if self.events is not None:
            blocks = []
            for event in self.events:
                lines = [f"event: {event.event}"] if event.event else []
                lines += [f"id: {event.id}"] if event.id is not None else []
                lines.append(f"data: {json.dumps(event.data)}")
                blocks.append("\n".join(lines) + "\n\n")
            if self.done_marker:
                blocks.append("data: [DONE]\n\n")
            return "".join(blocks).encode()
        return b"" if self.payload is None else json.dumps(self.payload).encode()


class Contract:
    """The OpenAPI document, openapi-core loaded with it, and the operations it declares."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.declared_version = str(document["openapi"])
        if self.declared_version.startswith("3.0") and _uses_31_schemas(document):
            document = {**document, "openapi": "3.1.0"}
        self.document = document
        self.is_31 = str(document["openapi"]).startswith("3.1")
        self.api = OpenAPI.from_dict(
            document,
            config=Config(extra_media_type_deserializers={"application/octet-stream": _binary_as_text}),
        )
        self._schema_validators = (
            oas31_schema_validators_factory if self.is_31 else oas30_read_schema_validators_factory
        )
        self._finder = APICallPathFinder(self.api.spec)
        self.operations: frozenset[tuple[str, str]] = frozenset(
            (method.upper(), template)
            for template, item in document["paths"].items()
            for method in item
            if method in HTTP_METHODS
        )

    def match(self, method: str, raw_path: str) -> tuple[tuple[str, str] | None, dict[str, str]]:
        """The operation a raw path is for, with its path parameters percent-decoded.

        A template parameter stands for exactly one non-empty segment; literal segments
        must be equal; with several matches the one with fewer parameters wins.
        """
        segments = raw_path.split("/")
        found: list[tuple[int, str, dict[str, str]]] = []
        for template in self.document["paths"]:
            if (method.upper(), template) not in self.operations:
                continue
            parts = template.split("/")
            if len(parts) != len(segments):
                continue
            params: dict[str, str] = {}
            for part, segment in zip(parts, segments, strict=True):
                if part.startswith("{") and part.endswith("}"):
                    if not segment:
                        break
                    params[part[1:-1]] = unquote(segment)
                elif part != segment:
                    break
            else:
                found.append((len(params), template, params))
        if not found:
            return None, {}
        _, template, params = min(found)
        return (method.upper(), template), params

    def finder_match(self, wire: WireRequest) -> tuple[str, dict[str, str]] | None:
        """Which template openapi-core itself routes the request to, and its raw parameters."""
        try:
            found = self._finder.find(wire.method, wire.host_url + wire.path)
        except PathError:
            return None
        return found.path_result.pattern, dict(found.path_result.variables or {})

    def request_errors(self, wire: WireRequest) -> tuple[list[str], Mapping[str, Any]]:
        result = self.api.unmarshal_request(wire)
        return [_describe(error) for error in result.errors], dict(result.parameters.query)

    def response_errors(self, wire: WireRequest, reply: Reply) -> list[str]:
        response = WireResponse(
            status_code=reply.status,
            content_type=reply.content_type,
            headers=Headers({"Content-Type": reply.content_type} if reply.content_type else {}),
            data=reply.content or None,
        )
        return [_describe(error) for error in self.api.iter_response_errors(wire, response)]

    def schema_errors(self, pointer: tuple[str, ...], value: Any) -> list[str]:
        """Errors of ``value`` against the schema at ``pointer`` inside the document."""
        schema = self.api.spec
        for key in pointer:
            schema = schema / key
        try:
            self._schema_validators.create(self.api.spec, schema).validate(value)
        except InvalidSchemaValue as err:
            return [_describe(err)]
        return []

    def stream_errors(self, operation: tuple[str, str], reply: Reply) -> list[str]:
        method, template = operation
        responses = ("paths", template, method.lower(), "responses", str(reply.status))
        content = self.document["paths"][template][method.lower()]["responses"][str(reply.status)].get(
            "content", {}
        )
        assert reply.events is not None
        if "text/event-stream" in content:
            # The spec describes the stream as the JSON array of its events.
            events = [
                {"event": e.event, "data": e.data, **({} if e.id is None else {"id": e.id})}
                for e in reply.events
            ]
            return self.schema_errors((*responses, "content", "text/event-stream", "schema"), events)
        # Chat completion streams are not in the spec (NOTES.md describes them): the usage
        # they end with is the spec's UsageInfo.
        errors: list[str] = []
        for event in reply.events:
            if "usage" in event.data:
                errors += self.schema_errors(("components", "schemas", "UsageInfo"), event.data["usage"])
        return errors


@functools.lru_cache(maxsize=4)
def _contract_at(path: Path) -> Contract:
    return Contract(load_spec_document(path))


def load_contract() -> Contract:
    """The contract, loaded once per spec file.

    Called from inside each test rather than from a fixture, so that a missing spec makes
    the tests FAIL (a fixture would make them ERROR), with a message saying where it looked.
    """
    try:
        return _contract_at(spec_path())
    except SpecUnavailableError as err:
        problem = str(err)
    pytest.fail(problem, pytrace=False)


# --- the fake server ----------------------------------------------------------------------------------


@dataclass
class Part:
    name: str | None
    filename: str | None
    content_type: str
    payload: bytes


@dataclass
class Exchange:
    """One request the SDK sent, what the spec says of it, and the answer it got."""

    method: str
    raw_path: str
    operation: tuple[str, str] | None
    path_params: dict[str, str]
    query: list[tuple[str, str]]
    headers: httpx2.Headers
    body: bytes
    typed_query: Mapping[str, Any] = field(default_factory=dict)
    routing_errors: list[str] = field(default_factory=list)
    request_errors: list[str] = field(default_factory=list)
    response_errors: list[str] = field(default_factory=list)
    reply: Reply | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def query_dict(self) -> dict[str, str]:
        names = [name for name, _ in self.query]
        assert len(names) == len(set(names)), f"repeated query parameters: {self.query}"
        return dict(self.query)

    @property
    def parts(self) -> list[Part]:
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + self.body)
        assert message.is_multipart(), f"not a multipart body: {self.body[:200]!r}"
        return [
            Part(
                name=part.get_param("name", header="content-disposition"),
                filename=part.get_filename(),
                content_type=part.get_content_type(),
                payload=part.get_payload(decode=True),
            )
            for part in message.iter_parts()
        ]


Responder = Callable[[Exchange], Reply]


class ContractServer:
    """The ``MockTransport`` handler: validates each request, answers from the fixtures below."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.exchanges: list[Exchange] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        wire = WireRequest.from_httpx(request)
        operation, path_params = self.contract.match(wire.method, wire.path)
        exchange = Exchange(
            method=request.method,
            raw_path=wire.path,
            operation=operation,
            path_params=path_params,
            query=list(wire.parameters.query.items(multi=True)),
            headers=request.headers,
            body=request.content,
        )
        self.exchanges.append(exchange)

        routed = self.contract.finder_match(wire)
        if operation is None:
            exchange.routing_errors.append(f"{request.method} {wire.path} is no operation of the spec")
        elif routed is None or routed[0] != operation[1]:
            exchange.routing_errors.append(f"openapi-core routes {wire.path} to {routed}, not {operation[1]}")
        elif {name: unquote(value) for name, value in routed[1].items()} != path_params:
            exchange.routing_errors.append(
                f"openapi-core reads path parameters {routed[1]}, not {path_params}"
            )
        exchange.request_errors, exchange.typed_query = self.contract.request_errors(wire)

        if operation is None:
            reply = Reply(404, {"detail": "Not Found"})
        else:
            reply = RESPONDERS[operation](exchange)
            if reply.events is not None:
                exchange.response_errors = self.contract.stream_errors(operation, reply)
            else:
                exchange.response_errors = self.contract.response_errors(wire, reply)
        exchange.reply = reply
        headers = {"content-type": reply.content_type} if reply.content_type else {}
        return httpx2.Response(reply.status, headers=headers, content=reply.content)


# --- schema-valid answers, one per operation -----------------------------------------------------------


def _completion_reply(exchange: Exchange) -> Reply:
    body = exchange.json
    session = (body.get("metadata") or {}).get("session_id") or NEW_SESSION_ID
    common = {
        "id": "chatcmpl-7f3a",
        "created": 1748779200,
        "model": body["model"],
        "system_fingerprint": session,
    }
    usage = {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    if body.get("stream"):
        chunk = {**common, "object": "chat.completion.chunk"}

        def delta(content: dict[str, Any], finish: str | None = None, **extra: Any) -> SSEEvent:
            choice = {"index": 0, "delta": content, "finish_reason": finish}
            return SSEEvent({**chunk, "choices": [choice], **extra})

        events = [
            delta({"role": "assistant", "content": "Hello"}),
            delta({"content": ", world"}),
            delta({}, "stop", usage=usage),
        ]
        return Reply(200, events=events, done_marker=True)
    message = {"role": "assistant", "content": "Hello, world"}
    choices = [{"index": 0, "message": message, "finish_reason": "stop"}]
    return Reply(200, {**common, "object": "chat.completion", "choices": choices, "usage": usage})


def _models_reply(exchange: Exchange) -> Reply:
    models = [
        {
            "id": MODEL,
            "object": "model",
            "owned_by": "anthropic",
            "created": 1748779200,
            "description": "Balanced model",
            "context_length": 200000,
            "provider": "anthropic",
            "capabilities": ["chat", "tools"],
        },
        {"id": "gemini-2.5-pro", "owned_by": "google"},
    ]
    return Reply(200, {"data": models, "object": "list"})


def _session_summary(session_id: str, user_id: str) -> dict[str, Any]:
    return {
        "id": session_id,
        "user_id": user_id,
        "organization_id": ORG_ID,
        "title": "Plan the release",
        "model": MODEL,
        "agent_type": "claude",
        "created_at": NOW,
        "updated_at": NOW,
        "last_message_at": NOW,
        "message_count": 2,
        "tokens_in": 7,
        "tokens_out": 3,
        "tokens_total": 10,
        "metadata": {"workflow": "release"},
        "archived": False,
    }


def _sessions_reply(exchange: Exchange) -> Reply:
    page = exchange.typed_query.get("page", 1)
    page_size = exchange.typed_query.get("page_size", 20)
    sessions = [_session_summary(SESSION_ID, exchange.query_dict["user_id"])]
    has_more = (page - 1) * page_size + len(sessions) < SESSIONS_TOTAL
    return Reply(
        200,
        {
            "sessions": sessions,
            "total": SESSIONS_TOTAL,
            "page": page,
            "page_size": page_size,
            "has_more": has_more,
        },
    )


def _session_reply(exchange: Exchange) -> Reply:
    messages = [
        {
            "id": "6f1e2d3c-4b5a-4987-8654-3210fedcba98",
            "message_index": 0,
            "role": "user",
            "content": "Plan the release",
            "metadata": {},
            "tokens": None,
            "created_at": NOW,
            "updated_at": None,
        },
        {
            "id": "7a2b3c4d-5e6f-4a1b-9c2d-3e4f5a6b7c8d",
            "message_index": 1,
            "role": "assistant",
            "content": "Freeze on Monday, ship on Thursday.",
            "metadata": {"model": MODEL},
            "tokens": 3,
            "created_at": NOW,
            "updated_at": NOW,
        },
    ]
    session = _session_summary(exchange.path_params["session_id"], exchange.query_dict["user_id"])
    return Reply(200, {"session": session, "messages": messages})


def _stats_reply(exchange: Exchange) -> Reply:
    return Reply(
        200,
        {
            "total_users": 120,
            "active_users": 37,
            "total_organizations": 9,
            "total_requests": 15000,
            "requests_today": 420,
            "total_tokens": 9800000,
            "tokens_today": 61000,
            "total_mcp_servers": 14,
            "system_health": {
                "status": "healthy",
                "circuit_breaker_status": "closed",
                "active_agents": ["claude", "codex"],
            },
        },
    )


def _admins_reply(exchange: Exchange) -> Reply:
    admins = [
        {"id": "adm-1", "email": "root@example.com", "name": "Root", "created_at": NOW, "created_by": None},
        {"id": "adm-2", "email": "ops@example.com", "name": None, "created_at": NOW, "created_by": "adm-1"},
    ]
    return Reply(200, {"admins": admins, "count": len(admins)})


def _add_admin_reply(exchange: Exchange) -> Reply:
    return Reply(201, {"status": "success", "email": exchange.json["email"]})


def _remove_admin_reply(exchange: Exchange) -> Reply:
    return Reply(200, {"status": "success", "email": exchange.path_params["email"]})


def _audit_reply(exchange: Exchange) -> Reply:
    entries = [
        {
            "id": "aud-1",
            "timestamp": NOW,
            "user_id": USER_ID,
            "org_id": ORG_ID,
            "action": "admin.add",
            "resource": "platform_admin",
            "resource_id": "adm-2",
            "metadata": {"email": "ops@example.com"},
        },
        {"id": "aud-2", "timestamp": NOW, "user_id": None, "org_id": None, "action": "mcp.delete"},
    ]
    limit = exchange.typed_query.get("limit", 50)
    offset = exchange.typed_query.get("offset", 0)
    return Reply(200, {"entries": entries, "count": len(entries), "limit": limit, "offset": offset})


def _mcp_config(**fields: Any) -> dict[str, Any]:
    return {
        "id": MCP_ID,
        "name": "docs",
        "type": "http",
        "endpoint": "https://mcp.example.com/docs",
        "auth_type": "none",
        "bearer_token_id": None,
        "oauth_provider": None,
        "enabled": True,
        "metadata": {"args": [], "env": {}},
        "created_at": NOW,
        "scope": {"type": "organization", "organization_id": ORG_ID, "user_id": None},
        **fields,
    }


def _mcp_list_reply(exchange: Exchange) -> Reply:
    items = [_mcp_config(name="org-docs")]
    if exchange.typed_query.get("include_platform", True):
        items.insert(0, _mcp_config(name="platform-search", id=TOKEN_ID, scope={"type": "platform"}))
    if "user_id" in exchange.typed_query:
        user = str(exchange.typed_query["user_id"])
        items.append(
            _mcp_config(name="mine", scope={"type": "user", "organization_id": None, "user_id": user})
        )
    return Reply(200, {"items": items})


def _mcp_stored(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Request fields as the server stores them: a bearer token is kept as a token id."""
    stored = {key: value for key, value in fields.items() if key != "bearer_token"}
    if fields.get("bearer_token"):
        stored["bearer_token_id"] = TOKEN_ID
    return stored


def _mcp_create_reply(exchange: Exchange) -> Reply:
    body = exchange.json
    return Reply(201, _mcp_config(**_mcp_stored(body)))


def _mcp_update_reply(exchange: Exchange) -> Reply:
    changes = {key: value for key, value in _mcp_stored(exchange.json).items() if value is not None}
    return Reply(200, _mcp_config(**changes, id=exchange.path_params["mcp_id"]))


def _mcp_delete_reply(exchange: Exchange) -> Reply:
    return Reply(204)


def _status_reply(exchange: Exchange) -> Reply:
    return Reply(200, {"agent_type": "claude", "status": "stable"})


def _messages_reply(exchange: Exchange) -> Reply:
    messages = [
        {"id": 0, "role": "user", "content": "Fix the failing test", "time": NOW},
        {"id": 1, "role": "agent", "content": "Fixed: the fixture was stale.", "time": NOW},
    ]
    return Reply(200, {"messages": messages})


def _message_reply(exchange: Exchange) -> Reply:
    return Reply(200, {"ok": True})


def _upload_reply(exchange: Exchange) -> Reply:
    names = [part.filename for part in exchange.parts if part.name == "file"]
    return Reply(200, {"ok": True, "filePath": f"/home/agent/uploads/{names[0] if names else 'upload'}"})


def _events_reply(exchange: Exchange) -> Reply:
    events = [
        SSEEvent({"agent_type": "claude", "status": "running"}, "status_change", 1),
        SSEEvent(
            {"id": 0, "role": "user", "message": "Fix the failing test", "time": NOW}, "message_update", 2
        ),
        SSEEvent({"id": 1, "role": "agent", "message": "Fixed.", "time": NOW}, "message_update", 3),
        SSEEvent({"agent_type": "claude", "status": "stable"}, "status_change", 4),
    ]
    return Reply(200, events=events)


RESPONDERS: dict[tuple[str, str], Responder] = {
    COMPLETIONS: _completion_reply,
    MODELS: _models_reply,
    SESSIONS: _sessions_reply,
    SESSION: _session_reply,
    STATS: _stats_reply,
    ADMINS: _admins_reply,
    ADD_ADMIN: _add_admin_reply,
    REMOVE_ADMIN: _remove_admin_reply,
    AUDIT: _audit_reply,
    MCP_LIST: _mcp_list_reply,
    MCP_CREATE: _mcp_create_reply,
    MCP_UPDATE: _mcp_update_reply,
    MCP_DELETE: _mcp_delete_reply,
    STATUS: _status_reply,
    MESSAGES: _messages_reply,
    MESSAGE: _message_reply,
    UPLOAD: _upload_reply,
    EVENTS: _events_reply,
}


# --- the SDK calls ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fresh:
    """An argument made anew for every call (a file object can be read only once)."""

    make: Callable[[], Any]


@dataclass
class Drained:
    """A stream the test has read to its end."""

    stream: Any
    items: list[Any]


Check = Callable[[Any, Exchange], None]


@dataclass(frozen=True)
class Case:
    id: str
    sdk_method: str
    """Attribute path on the client: ``"list_models"``, ``"chat.completions.create"``."""
    operation: tuple[str, str]
    check: Check
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    violation: str | None = None
    """Set when the SDK is known to send a request the spec rejects: the case is a strict xfail."""

    def call(self, client: Any) -> Any:
        target = client
        for name in self.sdk_method.split("."):
            target = getattr(target, name)
        args = [arg.make() if isinstance(arg, Fresh) else arg for arg in self.args]
        kwargs = {key: arg.make() if isinstance(arg, Fresh) else arg for key, arg in self.kwargs.items()}
        return target(*args, **kwargs)


# Checks: each asserts the request carried the arguments and the result is the parsed fixture.

MIXED_MESSAGES: list[Any] = [
    Message(role=MessageRole.SYSTEM, content="Answer in one line."),
    {"role": "user", "content": [{"type": "text", "text": "Plan the "}, "release"], "name": "ada"},
    ChatCompletionMessage(role="assistant", content="Freeze on Monday."),
    Message(role=MessageRole.USER, content=[ContentPart(text="And "), "shipping?"]),
    "Thanks",
]
MIXED_WIRE = [
    {"role": "system", "content": "Answer in one line."},
    {"role": "user", "content": [{"type": "text", "text": "Plan the "}, "release"], "name": "ada"},
    {"role": "assistant", "content": "Freeze on Monday."},
    {"role": "user", "content": [{"type": "text", "text": "And "}, "shipping?"]},
    {"role": "user", "content": "Thanks"},
]
EXTENSIONS: dict[str, Any] = {
    "session_id": SESSION_ID,
    "metadata": {"agent_type": "claude", "trace_id": "t-42"},
    "organization_id": ORG_ID,
    "workflow": "release-planning",
    "variables": {"ticket": 42, "team": "core"},
    "allowed_tools": ["Read", "Grep"],
    "setting_sources": ["project", "user"],
    "mcp_servers": {"docs": {"type": "http", "url": "https://mcp.example.com/docs"}},
}
EVERY_COMPLETION_KWARG: dict[str, Any] = {
    "temperature": 0.2,
    "max_tokens": 256,
    "top_p": 0.9,
    "user": USER_ID,
    "system_prompt": "You are terse.",
    **EXTENSIONS,
}
EXPECTED_METADATA = {
    "agent_type": "claude",
    "trace_id": "t-42",
    "session_id": SESSION_ID,
    "organization_id": ORG_ID,
    "workflow": "release-planning",
    "variables": {"ticket": 42, "team": "core"},
    "allowed_tools": ["Read", "Grep"],
    "setting_sources": ["project", "user"],
    "mcp_servers": {"docs": {"type": "http", "url": "https://mcp.example.com/docs"}},
    "user_id": USER_ID,
}


def check_minimal_completion(result: Any, exchange: Exchange) -> None:
    assert exchange.json == {
        "model": MODEL,
        "messages": [{"role": "user", "content": "Hello"}],
        "temperature": 0.7,
        "max_tokens": 4000,
        "top_p": 1.0,
        "stream": False,
    }
    assert isinstance(result, ChatCompletionResponse)
    assert result.choices[0].message.text == "Hello, world"
    assert result.choices[0].message.role == MessageRole.ASSISTANT
    assert result.choices[0].finish_reason == "stop"
    assert result.system_fingerprint == NEW_SESSION_ID
    assert result.usage == UsageInfo(prompt_tokens=7, completion_tokens=3, total_tokens=10)


def _check_full_completion_body(exchange: Exchange, *, stream: bool) -> None:
    assert exchange.json == {
        "model": MODEL,
        "messages": MIXED_WIRE,
        "temperature": 0.2,
        "max_tokens": 256,
        "top_p": 0.9,
        "stream": stream,
        "user": USER_ID,
        "system_prompt": "You are terse.",
        "metadata": EXPECTED_METADATA,
    }


def check_full_completion(result: Any, exchange: Exchange) -> None:
    _check_full_completion_body(exchange, stream=False)
    assert isinstance(result, ChatCompletionResponse)
    assert (result.id, result.model, result.created) == ("chatcmpl-7f3a", MODEL, 1748779200)
    assert result.choices[0].message.text == "Hello, world"
    assert result.system_fingerprint == SESSION_ID


def check_streamed_completion(result: Any, exchange: Exchange) -> None:
    _check_full_completion_body(exchange, stream=True)
    assert exchange.headers["accept"] == "text/event-stream"
    assert isinstance(result, Drained)
    assert isinstance(result.stream, (chatserver_sdk.Stream, chatserver_sdk.AsyncStream))
    assert result.items == ["Hello", ", world"]
    metadata = result.stream.metadata
    assert metadata["system_fingerprint"] == SESSION_ID
    assert metadata["finish_reason"] == "stop"
    assert metadata["usage"] == UsageInfo(prompt_tokens=7, completion_tokens=3, total_tokens=10)


OPENAI_NATIVE_KWARGS: dict[str, Any] = {
    "model": MODEL,
    "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}],
    "temperature": 0.3,
    "max_tokens": 64,
    "top_p": 0.5,
    "user": USER_ID,
    "metadata": {"session_id": SESSION_ID, "user_id": USER_ID},
    "extra_body": {"system_prompt": "You are terse."},
}


def check_openai_completion(result: Any, exchange: Exchange) -> None:
    body = exchange.json
    assert body["model"] == MODEL
    assert body["messages"] == OPENAI_NATIVE_KWARGS["messages"]
    assert (body["temperature"], body["max_tokens"], body["top_p"]) == (0.3, 64, 0.5)
    assert body["metadata"] == {"session_id": SESSION_ID, "user_id": USER_ID}
    assert body["system_prompt"] == "You are terse."
    assert isinstance(result, ChatCompletion)
    assert result.choices[0].message.content == "Hello, world"
    assert result.system_fingerprint == SESSION_ID
    assert result.usage is not None and result.usage.total_tokens == 10


def check_openai_stream(result: Any, exchange: Exchange) -> None:
    assert exchange.json["stream"] is True
    assert isinstance(result, Drained)
    assert isinstance(result.stream, (openai.Stream, openai.AsyncStream))
    assert all(isinstance(chunk, ChatCompletionChunk) for chunk in result.items)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in result.items) == "Hello, world"
    assert {chunk.system_fingerprint for chunk in result.items} == {SESSION_ID}
    assert result.items[-1].choices[0].finish_reason == "stop"
    assert result.items[-1].usage is not None and result.items[-1].usage.total_tokens == 10


def check_models(result: Any, exchange: Exchange) -> None:
    assert isinstance(result, ModelsResponse)
    assert [model.id for model in result.data] == [MODEL, "gemini-2.5-pro"]
    first = result.data[0]
    assert (first.owned_by, first.context_length, first.provider) == ("anthropic", 200000, "anthropic")
    assert first.capabilities == ["chat", "tools"]
    assert result.data[1].capabilities == []


def check_openai_models(result: Any, exchange: Exchange) -> None:
    assert isinstance(result, (openai.pagination.SyncPage, openai.pagination.AsyncPage))
    assert [model.id for model in result.data] == [MODEL, "gemini-2.5-pro"]
    assert isinstance(result.data[0], openai.types.Model)
    assert result.data[0].owned_by == "anthropic"


def _sessions_checker(page: int, page_size: int) -> Check:
    def check(result: Any, exchange: Exchange) -> None:
        assert exchange.query_dict == {"user_id": USER_ID, "page": str(page), "page_size": str(page_size)}
        assert isinstance(result, ChatSessionListResponse)
        assert (result.total, result.page, result.page_size) == (SESSIONS_TOTAL, page, page_size)
        assert result.has_more is ((page - 1) * page_size + 1 < SESSIONS_TOTAL)
        (session,) = result.sessions
        assert (session.id, session.user_id, session.organization_id) == (SESSION_ID, USER_ID, ORG_ID)
        assert session.created_at == NOW_DT
        assert (session.tokens_total, session.metadata) == (10, {"workflow": "release"})

    return check


def check_session(result: Any, exchange: Exchange) -> None:
    assert exchange.path_params == {"session_id": SESSION_ID}
    assert exchange.query_dict == {"user_id": USER_ID}
    assert isinstance(result, ChatSessionDetailResponse)
    assert (result.session.id, result.session.user_id) == (SESSION_ID, USER_ID)
    assert [(m.message_index, m.role) for m in result.messages] == [(0, "user"), (1, "assistant")]
    assert result.messages[0].tokens is None
    assert result.messages[1].content == "Freeze on Monday, ship on Thursday."
    assert result.messages[1].updated_at == NOW_DT


def check_stats(result: Any, exchange: Exchange) -> None:
    assert isinstance(result, PlatformStats)
    assert (result.total_users, result.active_users, result.total_organizations) == (120, 37, 9)
    assert (result.total_requests, result.requests_today) == (15000, 420)
    assert (result.total_tokens, result.tokens_today, result.total_mcp_servers) == (9800000, 61000, 14)
    health = result.system_health
    assert (health.status, health.circuit_breaker_status, health.active_agents) == (
        "healthy",
        "closed",
        ["claude", "codex"],
    )


def check_admins(result: Any, exchange: Exchange) -> None:
    assert isinstance(result, AdminListResponse)
    assert result.count == result["count"] == 2
    assert [admin.email for admin in result.admins] == ["root@example.com", "ops@example.com"]
    assert result.admins[1].created_by == "adm-1"
    assert result.admins[0].created_at == NOW_DT


def _add_admin_checker(expected_body: dict[str, Any]) -> Check:
    def check(result: Any, exchange: Exchange) -> None:
        assert exchange.json == expected_body
        assert isinstance(result, AdminResponse)
        assert (result.status, result.email) == ("success", expected_body["email"])

    return check


def _remove_admin_checker(email_address: str) -> Check:
    def check(result: Any, exchange: Exchange) -> None:
        # One path segment, decoded back to exactly the address.
        prefix = "/api/v1/platform/admins/"
        assert exchange.raw_path.startswith(prefix)
        assert "/" not in exchange.raw_path[len(prefix) :]
        assert exchange.path_params == {"email": email_address}
        assert exchange.query == []
        assert isinstance(result, AdminResponse)
        assert (result.status, result.email) == ("success", email_address)

    return check


def _audit_checker(limit: int, offset: int) -> Check:
    def check(result: Any, exchange: Exchange) -> None:
        assert exchange.query_dict == {"limit": str(limit), "offset": str(offset)}
        assert isinstance(result, AuditLogResponse)
        assert (result.count, result.limit, result.offset) == (2, limit, offset)
        assert [entry.action for entry in result.entries] == ["admin.add", "mcp.delete"]
        assert result.entries[0].metadata == {"email": "ops@example.com"}
        assert result.entries[1].resource is None and result.entries[1].metadata == {}

    return check


def _mcp_list_checker(query: dict[str, str], names: list[str]) -> Check:
    def check(result: Any, exchange: Exchange) -> None:
        assert exchange.query_dict == query
        assert isinstance(result, MCPListResponse)
        assert [server.name for server in result.items] == names
        assert all(isinstance(server, MCPServer) for server in result.items)
        assert result.items[-1].scope is not None

    return check


def _mcp_create_checker(expected_body: dict[str, Any], *, bearer_token_id: str | None = None) -> Check:
    def check(result: Any, exchange: Exchange) -> None:
        assert exchange.json == expected_body
        assert isinstance(result, MCPServer)
        assert (result.id, result.name, result.endpoint) == (
            MCP_ID,
            expected_body["name"],
            expected_body["endpoint"],
        )
        assert result.auth_type == expected_body["auth_type"]
        assert result.enabled is expected_body["enabled"]
        assert result.bearer_token_id == bearer_token_id
        assert result.scope is not None and result.scope.type.value == expected_body["scope"]["type"]
        assert result.created_at == NOW_DT

    return check


def _mcp_update_checker(expected_body: dict[str, Any]) -> Check:
    def check(result: Any, exchange: Exchange) -> None:
        assert exchange.path_params == {"mcp_id": MCP_ID}
        assert exchange.json == expected_body
        assert isinstance(result, MCPServer)
        assert result.id == MCP_ID
        for key, value in expected_body.items():
            if key == "metadata":
                assert result.metadata == MCPMetadata.model_validate(value)
            elif key == "bearer_token":
                assert result.bearer_token_id == TOKEN_ID
            elif value is not None:
                assert getattr(result, key) == value, key

    return check


def check_mcp_delete(result: Any, exchange: Exchange) -> None:
    assert exchange.path_params == {"mcp_id": MCP_ID}
    assert exchange.body == b""
    assert exchange.reply is not None and exchange.reply.status == 204
    assert result is None


def check_status(result: Any, exchange: Exchange) -> None:
    assert isinstance(result, AgentStatus)
    assert (result.agent_type, result.status) == ("claude", "stable")


def check_agent_messages(result: Any, exchange: Exchange) -> None:
    assert isinstance(result, AgentMessagesResponse)
    assert [(m.id, m.role) for m in result.messages] == [(0, "user"), (1, "agent")]
    assert result.messages[1].content == "Fixed: the fixture was stale."
    assert result.messages[0].time == NOW_DT


def _send_message_checker(content: str, kind: str) -> Check:
    def check(result: Any, exchange: Exchange) -> None:
        assert exchange.json == {"content": content, "type": kind}
        assert isinstance(result, SendMessageResponse)
        assert result.ok is True

    return check


def _upload_checker(filename: str, content: bytes) -> Check:
    def check(result: Any, exchange: Exchange) -> None:
        assert exchange.headers["content-type"].startswith("multipart/form-data; boundary=")
        (part,) = exchange.parts
        assert (part.name, part.filename, part.content_type) == ("file", filename, "application/octet-stream")
        assert part.payload == content
        assert isinstance(result, UploadResponse)
        assert result.ok is True
        assert result.file_path == f"/home/agent/uploads/{filename}"

    return check


def check_events(result: Any, exchange: Exchange) -> None:
    assert exchange.headers["accept"] == "text/event-stream"
    assert isinstance(result, Drained)
    assert isinstance(result.stream, (chatserver_sdk.Stream, chatserver_sdk.AsyncStream))
    assert [type(event) for event in result.items] == [
        StatusChangeEvent,
        MessageUpdateEvent,
        MessageUpdateEvent,
        StatusChangeEvent,
    ]
    first, _, update, last = result.items
    assert (first.agent_type, first.status, last.status) == ("claude", "running", "stable")
    assert (update.id, update.role, update.message, update.time) == (1, "agent", "Fixed.", NOW_DT)


ORG_SCOPE_BODY = {"type": "organization", "organization_id": ORG_ID}
FULL_METADATA = {"args": ["--read-only"], "env": {"LOG_LEVEL": "debug"}}
AWKWARD_EMAIL = "ops/team?x=1#frag%20&more@example.com"

CASES: list[Case] = [
    # chat completions and models
    Case("create_completion[minimal]", "create_completion", COMPLETIONS,
         check_minimal_completion, (MODEL, ["Hello"])),
    Case("create_completion[every-kwarg]", "create_completion", COMPLETIONS,
         check_full_completion, (MODEL, MIXED_MESSAGES), EVERY_COMPLETION_KWARG),
    Case("create_completion[stream-every-kwarg]", "create_completion", COMPLETIONS,
         check_streamed_completion, (MODEL, MIXED_MESSAGES), {**EVERY_COMPLETION_KWARG, "stream": True}),
    Case("chat.completions.create[openai]", "chat.completions.create", COMPLETIONS,
         check_openai_completion, (), OPENAI_NATIVE_KWARGS),
    Case("chat.completions.create[openai-stream]", "chat.completions.create", COMPLETIONS,
         check_openai_stream, (), {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}],
                                   "stream": True, "metadata": {"session_id": SESSION_ID}}),
    Case("list_models", "list_models", MODELS, check_models),
    Case("models.list[openai]", "models.list", MODELS, check_openai_models),
    # sessions
    Case("list_sessions[defaults]", "list_sessions", SESSIONS, _sessions_checker(1, 20), (USER_ID,)),
    Case("list_sessions[page]", "list_sessions", SESSIONS,
         _sessions_checker(2, 5), (USER_ID,), {"page": 2, "page_size": 5}),
    Case("get_session", "get_session", SESSION, check_session, (SESSION_ID,), {"user_id": USER_ID}),
    # platform administration
    Case("get_platform_stats", "get_platform_stats", STATS, check_stats),
    Case("list_admins", "list_admins", ADMINS, check_admins),
    Case("add_admin", "add_admin", ADD_ADMIN,
         _add_admin_checker({"workos_id": WORKOS_ID, "email": "new.admin@example.com", "name": "New Admin"}),
         (WORKOS_ID, "new.admin@example.com", "New Admin")),
    Case("add_admin[default-name]", "add_admin", ADD_ADMIN,
         _add_admin_checker({"workos_id": WORKOS_ID, "email": "a@example.com", "name": ""}),
         (WORKOS_ID, "a@example.com")),
    Case("add_admin[no-name]", "add_admin", ADD_ADMIN,
         _add_admin_checker({"workos_id": WORKOS_ID, "email": "a@example.com"}),
         (WORKOS_ID, "a@example.com"), {"name": None}),
    Case("remove_admin[plain]", "remove_admin", REMOVE_ADMIN,
         _remove_admin_checker("old.admin@example.com"), ("old.admin@example.com",)),
    Case("remove_admin[slash-query-hash-percent]", "remove_admin", REMOVE_ADMIN,
         _remove_admin_checker(AWKWARD_EMAIL), (AWKWARD_EMAIL,)),
    Case("remove_admin[dot-dot]", "remove_admin", REMOVE_ADMIN, _remove_admin_checker(".."), ("..",)),
    Case("remove_admin[dot]", "remove_admin", REMOVE_ADMIN, _remove_admin_checker("."), (".",)),
    Case("remove_admin[dots-and-slashes]", "remove_admin", REMOVE_ADMIN,
         _remove_admin_checker("first..last@example.com/../x"), ("first..last@example.com/../x",)),
    Case("get_audit_log[defaults]", "get_audit_log", AUDIT, _audit_checker(50, 0)),
    Case("get_audit_log[page]", "get_audit_log", AUDIT,
         _audit_checker(25, 50), (), {"limit": 25, "offset": 50}),
    # MCP registry
    Case("list_mcp_servers[organization]", "list_mcp_servers", MCP_LIST,
         _mcp_list_checker({"organization_id": ORG_ID, "include_platform": "true"},
                           ["platform-search", "org-docs"]),
         (ORG_ID,)),
    Case("list_mcp_servers[user-without-platform]", "list_mcp_servers", MCP_LIST,
         _mcp_list_checker({"organization_id": ORG_ID, "user_id": USER_ID, "include_platform": "false"},
                           ["org-docs", "mine"]),
         (ORG_ID,), {"user_id": USER_ID, "include_platform": False}),
    Case("create_mcp_server[model-scope-and-metadata]", "create_mcp_server", MCP_CREATE,
         _mcp_create_checker({"name": "docs", "type": "http", "endpoint": "https://mcp.example.com/docs",
                              "auth_type": "none", "enabled": True, "metadata": FULL_METADATA,
                              "scope": ORG_SCOPE_BODY}),
         ("docs", "https://mcp.example.com/docs",
          MCPScope(type=MCPScopeType.ORGANIZATION, organization_id=ORG_ID)),
         {"metadata": MCPMetadata(args=["--read-only"], env={"LOG_LEVEL": "debug"})}),
    Case("create_mcp_server[user-bearer-dict-scope]", "create_mcp_server", MCP_CREATE,
         _mcp_create_checker({"name": "private", "type": "http", "endpoint": "https://mcp.example.com/private",
                              "auth_type": "bearer", "bearer_token": "s3cr3t", "enabled": False,
                              "metadata": {"args": [], "env": {}},
                              "scope": {"type": "user", "user_id": USER_ID}}, bearer_token_id=TOKEN_ID),
         ("private", "https://mcp.example.com/private", {"type": "user", "user_id": USER_ID}),
         {"auth_type": "bearer", "bearer_token": "s3cr3t", "enabled": False,
          "metadata": {"args": [], "env": {}}}),
    Case("create_mcp_server[platform-oauth]", "create_mcp_server", MCP_CREATE,
         _mcp_create_checker({"name": "github", "type": "http", "endpoint": "https://mcp.example.com/github",
                              "auth_type": "oauth", "oauth_provider": "github", "enabled": True,
                              "scope": {"type": "platform"}}),
         ("github", "https://mcp.example.com/github", MCPScope(type=MCPScopeType.PLATFORM)),
         {"auth_type": "oauth", "oauth_provider": "github"}),
    Case("update_mcp_server[partial]", "update_mcp_server", MCP_UPDATE,
         _mcp_update_checker({"name": "docs-v2", "enabled": False}),
         (MCP_ID,), {"name": "docs-v2", "enabled": False}),
    Case("update_mcp_server[every-field]", "update_mcp_server", MCP_UPDATE,
         _mcp_update_checker({"name": "docs", "type": "http", "endpoint": "https://mcp.example.com/v2",
                              "auth_type": "bearer", "bearer_token": "t0k3n", "oauth_provider": None,
                              "enabled": True, "metadata": FULL_METADATA}),
         (MCP_ID,), {"name": "docs", "type": "http", "endpoint": "https://mcp.example.com/v2",
                     "auth_type": "bearer", "bearer_token": "t0k3n", "oauth_provider": None, "enabled": True,
                     "metadata": MCPMetadata(args=["--read-only"], env={"LOG_LEVEL": "debug"})}),
    Case("delete_mcp_server", "delete_mcp_server", MCP_DELETE, check_mcp_delete, (MCP_ID,)),
    # agent control
    Case("get_agent_status", "get_agent_status", STATUS, check_status),
    Case("get_agent_messages", "get_agent_messages", MESSAGES, check_agent_messages),
    Case("send_agent_message[user]", "send_agent_message", MESSAGE,
         _send_message_checker("Fix the failing test", "user"), ("Fix the failing test",)),
    Case("send_agent_message[raw]", "send_agent_message", MESSAGE,
         _send_message_checker("\x1b[A\r", "raw"), ("\x1b[A\r",), {"type": "raw"}),
    Case("upload_file[bytes]", "upload_file", UPLOAD,
         _upload_checker("notes.txt", b"hello\n"), ("notes.txt", b"hello\n")),
    Case("upload_file[binary-file-object]", "upload_file", UPLOAD,
         _upload_checker("blob.bin", BINARY), ("blob.bin", Fresh(lambda: BytesIO(BINARY)))),
    Case("stream_agent_events", "stream_agent_events", EVENTS, check_events),
]  # fmt: skip


class RequestContractViolation(AssertionError):
    """The SDK sent a request that ``chatserver-openapi.json`` does not allow."""


def _params(cases: list[Case]) -> list[Any]:
    """The cases for ``parametrize``; a known violation is a strict xfail, so a fix shows up as XPASS."""
    return [
        pytest.param(
            case,
            id=case.id,
            marks=[pytest.mark.xfail(raises=RequestContractViolation, strict=True, reason=case.violation)]
            if case.violation
            else [],
        )
        for case in cases
    ]


def _drain(result: Any) -> Any:
    if isinstance(result, (chatserver_sdk.Stream, openai.Stream)):
        with result:
            return Drained(result, list(result))
    return result


async def _adrain(result: Any) -> Any:
    if inspect.isawaitable(result):
        result = await result
    if isinstance(result, (chatserver_sdk.AsyncStream, openai.AsyncStream)):
        async with result:
            return Drained(result, [item async for item in result])
    return result


def sync_client(server: ContractServer) -> ChatServerClient:
    return ChatServerClient(
        api_key="sk-contract",
        base_url=BASE_URL,
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(server)),
    )


def async_client(server: ContractServer) -> AsyncChatServerClient:
    return AsyncChatServerClient(
        api_key="sk-contract",
        base_url=BASE_URL,
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(server)),
    )


def _verify(case: Case, server: ContractServer, result: Any) -> None:
    assert len(server.exchanges) == 1, [f"{e.method} {e.raw_path}" for e in server.exchanges]
    (exchange,) = server.exchanges
    where = f"{exchange.method} {exchange.raw_path}"
    assert not exchange.response_errors, f"fixture for {where} drifted from the spec:\n" + "\n".join(
        exchange.response_errors
    )
    assert exchange.operation == case.operation, f"{where} is {exchange.operation}, expected {case.operation}"
    assert not exchange.routing_errors, "\n".join(exchange.routing_errors)
    assert exchange.headers["authorization"] == "Bearer sk-contract"
    if exchange.request_errors:
        raise RequestContractViolation(
            f"{case.sdk_method} sent a request the spec rejects: {where}\n"
            f"body: {exchange.body[:500]!r}\n" + "\n".join(exchange.request_errors)
        )
    case.check(result, exchange)


# --- the tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params(CASES))
def test_sync_request_matches_spec_and_response_parses(case: Case) -> None:
    server = ContractServer(load_contract())
    with sync_client(server) as client:
        result = _drain(case.call(client))
    _verify(case, server, result)


@pytest.mark.parametrize("case", _params(CASES))
async def test_async_request_matches_spec_and_response_parses(case: Case) -> None:
    server = ContractServer(load_contract())
    async with async_client(server) as client:
        result = await _adrain(case.call(client))
    _verify(case, server, result)


def test_every_spec_operation_is_exercised() -> None:
    contract = load_contract()
    server = ContractServer(contract)
    with sync_client(server) as client:
        for case in CASES:
            _drain(case.call(client))
    hit = {exchange.operation for exchange in server.exchanges}
    assert None not in hit, [e.raw_path for e in server.exchanges if e.operation is None]
    missing = sorted(contract.operations - hit)
    assert not missing, f"operations in the spec that no SDK call reaches: {missing}"
    assert {case.operation for case in CASES} == contract.operations
    assert set(RESPONDERS) == contract.operations, "one fixture answer per spec operation"


@pytest.mark.parametrize("client_cls", [ChatServerClient, AsyncChatServerClient])
def test_every_sdk_method_has_a_contract_case(client_cls: type[Any]) -> None:
    base = openai.OpenAI if client_cls is ChatServerClient else openai.AsyncOpenAI
    sdk_methods = {
        name
        for name in dir(client_cls)
        if not name.startswith("_")
        and name not in dir(base)
        and inspect.isfunction(getattr(client_cls, name))
    }
    assert sdk_methods, "no SDK methods found: has the client changed shape?"
    covered = {case.sdk_method for case in CASES}
    assert not sdk_methods - covered, f"SDK methods without a contract case: {sorted(sdk_methods - covered)}"
    assert {"chat.completions.create", "models.list"} <= covered


def test_validator_rejects_requests_the_spec_forbids() -> None:
    """The harness has teeth: requests outside the contract are caught, with the reason."""
    server = ContractServer(load_contract())
    with httpx2.Client(base_url=BASE_URL, transport=httpx2.MockTransport(server)) as http:
        http.get("/atoms/chat/sessions", params={"user_id": "not-a-uuid", "page": 0})
        http.get("/api/v1/platform/audit", params={"limit": 500})
        http.post("/message", json={"content": "hi", "type": "shout"})
        http.post("/v1/chat/completions", json={"model": MODEL, "messages": [], "temperature": 3})
        http.post(
            "/atoms/mcp", json={"name": "x", "type": "stdio", "endpoint": "https://x.test", "scope": {}}
        )
        http.post("/upload", files={"other": ("a.txt", b"a", "application/octet-stream")})
        not_found = http.get("/v1/models/status")
        http.delete("/api/v1/platform/admins/a/b")
    errors = {f"{e.method} {e.raw_path}": "\n".join(e.request_errors) for e in server.exchanges}
    assert "user_id" in errors["GET /atoms/chat/sessions"] and "page" in errors["GET /atoms/chat/sessions"]
    assert "limit" in errors["GET /api/v1/platform/audit"]
    assert "shout" in errors["POST /message"]
    assert "temperature" in errors["POST /v1/chat/completions"]
    assert (
        "'http' was expected" in errors["POST /atoms/mcp"]
        and "'type' is a required" in errors["POST /atoms/mcp"]
    )
    assert "'file' is a required property" in errors["POST /upload"]
    # Paths that only end like an operation's, or split an email into two segments, match nothing.
    assert not_found.status_code == 404
    assert [e.operation for e in server.exchanges[-2:]] == [None, None]
    assert all(e.request_errors and e.routing_errors for e in server.exchanges[-2:])


def test_fixture_check_rejects_responses_the_spec_forbids() -> None:
    """The answers are checked too, so a fixture that drifts from the spec fails loudly."""
    contract = load_contract()
    wire = WireRequest(
        host_url=BASE_URL,
        path="/api/v1/platform/admins/a%40b.c",
        method="delete",
        parameters=RequestParameters(),
        content_type="",
        body=None,
    )
    assert contract.response_errors(wire, Reply(200, {"status": "success", "email": "a@b.c"})) == []
    assert "'email' is a required property" in "\n".join(
        contract.response_errors(wire, Reply(200, {"status": "success"}))
    )
    events = Reply(200, events=[SSEEvent({"agent_type": "claude", "status": "busy"}, "status_change")])
    assert contract.stream_errors(EVENTS, events)


def test_missing_spec_fails_rather_than_skips(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    absent = tmp_path / "nowhere" / "chatserver-openapi.json"
    monkeypatch.setenv(SPEC_ENV_VAR, str(absent))
    assert spec_path() == absent
    with pytest.raises(pytest.fail.Exception) as failure:
        load_contract()
    message = str(failure.value)
    assert str(absent) in message and SPEC_ENV_VAR in message
    assert "not found" in message
