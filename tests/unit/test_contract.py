"""Every client method, held to the upstream server's OpenAPI file: one case table for every endpoint.

Each case is one endpoint (or openai's own ``chat.completions.create`` and
``models.list`` on the same client) with one variant of its arguments. It runs
through four views -- the sync client, the async client, and each one's
``with_raw_response`` -- against the shared fake server (``tests/conftest.py``)
given the contract (``tests/spec.py``). For every request the fake server

1. matches the raw (still percent-encoded) path to one ``(method, path template)`` of
   ``chatserver-openapi.json``, and checks that openapi-core's path finder agrees;
2. validates the whole request (path, query, headers, body) with openapi-core and records
   every error;
3. answers with a hand-written response for that operation, which is itself validated
   against the spec's response schema, so these fixtures cannot drift from the contract.

A case then asserts that the SDK sent a valid request to the right operation
(after the requests it must send first, such as the stored-session lookup of a
resume), with the arguments it was given, and returned the right type with the
right values. The last tests assert that the cases together reach every
operation of the spec and every entry of ``_operations.ENDPOINTS``.

Server behaviours the spec does not state (stream chunks, session ids in
``system_fingerprint``, history rules, ...) follow ``tests/upstream/NOTES.md``
and were checked on upstream's own server; the answers below follow it
(e.g. the MCP registry never returns a token id; a completion without a
session id is recorded under ``atoms_session_<hex>``).
"""

from __future__ import annotations

import inspect
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage
from openapi_core.datatypes import RequestParameters

import chatserver_sdk
from chatserver_sdk import AsyncChatServerClient, ChatServerClient
from chatserver_sdk._operations import ENDPOINTS, HELPERS
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

from ..conftest import Exchange, FakeServer, client_for
from ..spec import SPEC_ENV_VAR, Contract, SpecUnavailableError, WireRequest, load_contract, spec_path

BASE_URL = "http://chatserver.test:3284"
KEY = "sk-contract"

MODEL = "claude-sonnet-4-5@20250929"
USER_ID = "3f0b6c9e-2d4a-4c1e-9a57-0d2f8e6b1a11"
ORG_ID = "a7c2e4f1-5b3d-4e8a-b6c9-1d0e2f3a4b5c"
SESSION_ID = "5e8d1c2b-7a6f-4b3e-8d9c-0a1b2c3d4e5f"  # a stored session (see STORED)
NEW_SESSION_ID = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"  # a session the caller starts with its own id
DEFAULT_SESSION_ID = "atoms_session_4b1d9c0e7a2f4e3c8d5b6a7f9e0c1d2b"  # upstream's id when none is sent
MCP_ID = "9b8a7c6d-5e4f-4a3b-8c1d-0e9f8a7b6c5d"
PLATFORM_MCP_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
WORKOS_ID = "user_01HZX4Q8M2T5V7W9Y0A1B3C5D7"
NOW = "2025-06-01T12:00:00Z"
NOW_DT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
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


def contract() -> Contract:
    """The contract, loaded once per spec file.

    Called from inside each test rather than from a fixture, so that a missing spec makes
    the tests FAIL (a fixture would make them ERROR), with a message saying where it looked.
    """
    try:
        return load_contract()
    except SpecUnavailableError as err:
        problem = str(err)
    pytest.fail(problem, pytrace=False)


# --- schema-valid answers, one per operation -----------------------------------------------------------

Responder = Callable[[Exchange], httpx2.Response]


def json_reply(status: int, payload: Any) -> httpx2.Response:
    return httpx2.Response(status, json=payload)


@dataclass
class SSEEvent:
    data: Any
    event: str | None = None
    id: int | None = None


def sse_reply(events: list[SSEEvent], *, done_marker: bool = False) -> httpx2.Response:
    """An event stream; chat streams end with ``data: [DONE]``."""
    blocks = []
    for event in events:
        lines = [f"event: {event.event}"] if event.event else []
        lines += [f"id: {event.id}"] if event.id is not None else []
        lines.append(f"data: {json.dumps(event.data)}")
        blocks.append("\n".join(lines) + "\n\n")
    if done_marker:
        blocks.append("data: [DONE]\n\n")
    return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content="".join(blocks))


# The one stored session: what the server holds for SESSION_ID.
STORED = [
    {"role": "user", "content": "Plan the release"},
    {"role": "assistant", "content": "Freeze on Monday, ship on Thursday."},
]


def _completion_reply(exchange: Exchange) -> httpx2.Response:
    body = exchange.json
    session = (body.get("metadata") or {}).get("session_id") or DEFAULT_SESSION_ID
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
        return sse_reply(events, done_marker=True)
    message = {"role": "assistant", "content": "Hello, world"}
    choices = [{"index": 0, "message": message, "finish_reason": "stop"}]
    return json_reply(200, {**common, "object": "chat.completion", "choices": choices, "usage": usage})


def _models_reply(exchange: Exchange) -> httpx2.Response:
    models = [
        {
            "id": MODEL,
            "object": "model",
            "owned_by": "anthropic",
            "created": 1748779200,
            "description": "Claude Sonnet 4.5",
            "context_length": 1048576,
            "provider": "vertexai",
            "capabilities": ["chat.completion"],
        },
        {"id": "gemini-2.5-pro@001", "owned_by": "google"},
    ]
    return json_reply(200, {"data": models, "object": "list"})


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


def _sessions_reply(exchange: Exchange) -> httpx2.Response:
    page = exchange.typed_query.get("page", 1)
    page_size = exchange.typed_query.get("page_size", 20)
    sessions = [_session_summary(SESSION_ID, exchange.query_dict["user_id"])]
    has_more = (page - 1) * page_size + len(sessions) < SESSIONS_TOTAL
    return json_reply(
        200,
        {
            "sessions": sessions,
            "total": SESSIONS_TOTAL,
            "page": page,
            "page_size": page_size,
            "has_more": has_more,
        },
    )


def _session_reply(exchange: Exchange) -> httpx2.Response:
    if exchange.path_params["session_id"] != SESSION_ID:
        return json_reply(404, {"detail": "chat session not found"})
    ids = ["6f1e2d3c-4b5a-4987-8654-3210fedcba98", "7a2b3c4d-5e6f-4a1b-9c2d-3e4f5a6b7c8d"]
    messages = [
        {
            "id": ids[0],
            "message_index": 0,
            **STORED[0],
            "metadata": {},
            "tokens": None,
            "created_at": NOW,
            "updated_at": None,
        },
        {
            "id": ids[1],
            "message_index": 1,
            **STORED[1],
            "metadata": {"model": MODEL},
            "tokens": 3,
            "created_at": NOW,
            "updated_at": NOW,
        },
    ]
    session = _session_summary(SESSION_ID, exchange.query_dict["user_id"])
    return json_reply(200, {"session": session, "messages": messages})


def _stats_reply(exchange: Exchange) -> httpx2.Response:
    return json_reply(
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


def _admins_reply(exchange: Exchange) -> httpx2.Response:
    admins = [
        {"id": "adm-1", "email": "root@example.com", "name": "Root", "created_at": NOW, "created_by": None},
        {"id": "adm-2", "email": "ops@example.com", "name": None, "created_at": NOW, "created_by": "adm-1"},
    ]
    return json_reply(200, {"admins": admins, "count": len(admins)})


def _add_admin_reply(exchange: Exchange) -> httpx2.Response:
    return json_reply(201, {"status": "success", "email": exchange.json["email"]})


def _remove_admin_reply(exchange: Exchange) -> httpx2.Response:
    return json_reply(200, {"status": "success", "email": exchange.path_params["email"]})


def _audit_reply(exchange: Exchange) -> httpx2.Response:
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
    return json_reply(200, {"entries": entries, "count": len(entries), "limit": limit, "offset": offset})


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


def _mcp_list_reply(exchange: Exchange) -> httpx2.Response:
    items = [_mcp_config(name="org-docs")]
    if exchange.typed_query.get("include_platform", True):
        items.insert(0, _mcp_config(name="platform-search", id=PLATFORM_MCP_ID, scope={"type": "platform"}))
    if "user_id" in exchange.typed_query:
        user = str(exchange.typed_query["user_id"])
        items.append(
            _mcp_config(name="mine", scope={"type": "user", "organization_id": None, "user_id": user})
        )
    return json_reply(200, {"items": items})


def _mcp_stored(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Request fields as upstream answers them: it stores the bearer token and the OAuth provider
    but returns neither (``bearer_token_id`` and ``oauth_provider`` stay null)."""
    return {key: value for key, value in fields.items() if key not in ("bearer_token", "oauth_provider")}


def _mcp_create_reply(exchange: Exchange) -> httpx2.Response:
    return json_reply(201, _mcp_config(**_mcp_stored(exchange.json)))


def _mcp_update_reply(exchange: Exchange) -> httpx2.Response:
    changes = {key: value for key, value in _mcp_stored(exchange.json).items() if value is not None}
    return json_reply(200, _mcp_config(**changes, id=exchange.path_params["mcp_id"]))


def _mcp_delete_reply(exchange: Exchange) -> httpx2.Response:
    return httpx2.Response(204)


def _status_reply(exchange: Exchange) -> httpx2.Response:
    return json_reply(200, {"agent_type": "claude", "status": "stable"})


def _messages_reply(exchange: Exchange) -> httpx2.Response:
    messages = [
        {"id": 0, "role": "user", "content": "Fix the failing test", "time": NOW},
        {"id": 1, "role": "agent", "content": "Fixed: the fixture was stale.", "time": NOW},
    ]
    return json_reply(200, {"messages": messages})


def _message_reply(exchange: Exchange) -> httpx2.Response:
    return json_reply(200, {"ok": True})


def _upload_reply(exchange: Exchange) -> httpx2.Response:
    names = [part.filename for part in exchange.parts if part.name == "file"]
    return json_reply(200, {"ok": True, "filePath": f"/home/agent/uploads/{names[0] if names else 'upload'}"})


def _events_reply(exchange: Exchange) -> httpx2.Response:
    events = [
        SSEEvent({"agent_type": "claude", "status": "running"}, "status_change", 1),
        SSEEvent(
            {"id": 0, "role": "user", "message": "Fix the failing test", "time": NOW}, "message_update", 2
        ),
        SSEEvent({"id": 1, "role": "agent", "message": "Fixed.", "time": NOW}, "message_update", 3),
        SSEEvent({"agent_type": "claude", "status": "stable"}, "status_change", 4),
    ]
    return sse_reply(events)


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


def contract_server() -> FakeServer:
    """The shared fake server, holding requests and answers to the contract, answering every operation."""
    server = FakeServer(contract=contract())
    for (method, template), responder in RESPONDERS.items():
        server.on(method, template, lambda request, answer=responder: answer(server.exchange_of(request)))
    return server


# --- the cases -------------------------------------------------------------------------------------


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
    before: tuple[tuple[str, str], ...] = ()
    """Operations the SDK must send first (a resume reads the stored session)."""
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
# With history on, content parts are sent as text (upstream stores text only; parts fail with 500).
MIXED_WIRE_AS_TEXT = [
    {"role": "system", "content": "Answer in one line."},
    {"role": "user", "content": "Plan the \nrelease", "name": "ada"},
    {"role": "assistant", "content": "Freeze on Monday."},
    {"role": "user", "content": "And \nshipping?"},
    {"role": "user", "content": "Thanks"},
]
EXTENSIONS: dict[str, Any] = {
    "session_id": NEW_SESSION_ID,
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
    "session_id": NEW_SESSION_ID,
    "organization_id": ORG_ID,
    "workflow": "release-planning",
    "variables": {"ticket": 42, "team": "core"},
    "allowed_tools": ["Read", "Grep"],
    "setting_sources": ["project", "user"],
    "mcp_servers": {"docs": {"type": "http", "url": "https://mcp.example.com/docs"}},
    "user_id": USER_ID,
}
USAGE = UsageInfo(prompt_tokens=7, completion_tokens=3, total_tokens=10)


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
    assert result.system_fingerprint == DEFAULT_SESSION_ID
    assert result.usage == USAGE


def check_parts_without_history(result: Any, exchange: Exchange) -> None:
    assert exchange.json["messages"] == MIXED_WIRE
    assert "metadata" not in exchange.json and "user" not in exchange.json
    assert isinstance(result, ChatCompletionResponse)
    assert result.system_fingerprint == DEFAULT_SESSION_ID


def _check_full_completion_body(exchange: Exchange, *, stream: bool) -> None:
    assert exchange.json == {
        "model": MODEL,
        "messages": MIXED_WIRE_AS_TEXT,
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
    assert result.system_fingerprint == NEW_SESSION_ID


def check_streamed_completion(result: Any, exchange: Exchange) -> None:
    _check_full_completion_body(exchange, stream=True)
    assert exchange.headers["accept"] == "text/event-stream"
    assert isinstance(result, Drained)
    assert isinstance(result.stream, (chatserver_sdk.Stream, chatserver_sdk.AsyncStream))
    assert result.items == ["Hello", ", world"]
    metadata = result.stream.metadata
    assert metadata["system_fingerprint"] == NEW_SESSION_ID
    assert metadata["finish_reason"] == "stop"
    assert metadata["usage"] == USAGE


# model, messages, temperature, max_tokens, top_p, stream, user, system_prompt: the earlier SDK's order.
POSITIONAL_COMPLETION = (
    MODEL, [{"role": "user", "content": "Hi"}], 0.2, 100, 0.9, False, USER_ID, "Be brief."
)  # fmt: skip


def check_positional_completion(result: Any, exchange: Exchange) -> None:
    sent = exchange.json
    assert sent["model"] == MODEL
    assert sent["messages"] == [{"role": "user", "content": "Hi"}]
    assert (sent["temperature"], sent["max_tokens"], sent["top_p"], sent["stream"]) == (0.2, 100, 0.9, False)
    assert sent["user"] == USER_ID and sent["system_prompt"] == "Be brief."
    assert sent["metadata"] == {"trace": "t-1", "session_id": NEW_SESSION_ID, "user_id": USER_ID}
    assert isinstance(result, ChatCompletionResponse)
    assert result.system_fingerprint == NEW_SESSION_ID
    assert result.usage.total_tokens == 10


def check_history_gets_a_uuid_session(result: Any, exchange: Exchange) -> None:
    metadata = exchange.json["metadata"]
    assert set(metadata) == {"user_id", "session_id"} and metadata["user_id"] == USER_ID
    # Upstream's own default (atoms_session_<hex>) would break this user's session routes.
    assert str(uuid.UUID(metadata["session_id"])) == metadata["session_id"]
    assert isinstance(result, ChatCompletionResponse)
    assert result.system_fingerprint == metadata["session_id"]


NEW_TURN = {"role": "user", "content": "And shipping?"}


def _resume_checker(*, stream: bool) -> Check:
    def check(result: Any, exchange: Exchange) -> None:
        # The server appends only the messages beyond those it holds: the stored ones go first.
        assert exchange.json["messages"] == [*STORED, NEW_TURN]
        assert exchange.json["metadata"] == {"session_id": SESSION_ID, "user_id": USER_ID}
        if stream:
            assert isinstance(result, Drained) and result.items == ["Hello", ", world"]
            assert result.stream.metadata["system_fingerprint"] == SESSION_ID
        else:
            assert isinstance(result, ChatCompletionResponse)
            assert result.system_fingerprint == SESSION_ID

    return check


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
    # The same resume as create_completion's: what the session holds goes first.
    assert body["messages"] == [*STORED, *OPENAI_NATIVE_KWARGS["messages"]]
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
    assert [model.id for model in result.data] == [MODEL, "gemini-2.5-pro@001"]
    first = result.data[0]
    assert (first.owned_by, first.context_length, first.provider) == ("anthropic", 1048576, "vertexai")
    assert first.capabilities == ["chat.completion"]
    assert result.data[1].capabilities == []


def check_openai_models(result: Any, exchange: Exchange) -> None:
    assert isinstance(result, (openai.pagination.SyncPage, openai.pagination.AsyncPage))
    assert [model.id for model in result.data] == [MODEL, "gemini-2.5-pro@001"]
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
    assert result["admins"][0].email == "root@example.com"
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
        # One path segment, every reserved character (and a lone "." or "..") percent-encoded,
        # decoded back to exactly the address.
        prefix = "/api/v1/platform/admins/"
        encoded = quote(email_address, safe="")
        if encoded in (".", ".."):
            encoded = encoded.replace(".", "%2E")
        assert exchange.raw_path == prefix + encoded
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


def _mcp_create_checker(expected_body: dict[str, Any]) -> Check:
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
        # Upstream keeps a bearer token and an OAuth provider but returns neither.
        assert result.bearer_token_id is None and result.oauth_provider is None
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
            elif key in ("bearer_token", "oauth_provider"):
                assert getattr(result, "bearer_token_id" if key == "bearer_token" else key) is None
            else:
                assert getattr(result, key) == value, key

    return check


def check_mcp_delete(result: Any, exchange: Exchange) -> None:
    assert exchange.path_params == {"mcp_id": MCP_ID}
    assert exchange.body == b""
    assert exchange.response is not None and exchange.response.status_code == 204
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
AWKWARD_EMAIL = "ops+team?x=1#frag%20&more=a;b@example.com"  # every character a URL treats specially
LOOKUP = (SESSION,)  # a completion with user and session_id first reads the stored session

CASES: list[Case] = [
    # chat completions and models
    Case("create_completion[minimal]", "create_completion", COMPLETIONS,
         check_minimal_completion, (MODEL, ["Hello"])),
    Case("create_completion[parts-without-history]", "create_completion", COMPLETIONS,
         check_parts_without_history, (MODEL, MIXED_MESSAGES)),
    Case("create_completion[every-kwarg]", "create_completion", COMPLETIONS,
         check_full_completion, (MODEL, MIXED_MESSAGES), EVERY_COMPLETION_KWARG, before=LOOKUP),
    Case("create_completion[stream-every-kwarg]", "create_completion", COMPLETIONS,
         check_streamed_completion, (MODEL, MIXED_MESSAGES), {**EVERY_COMPLETION_KWARG, "stream": True},
         before=LOOKUP),
    Case("create_completion[positional]", "create_completion", COMPLETIONS,
         check_positional_completion, POSITIONAL_COMPLETION,
         {"session_id": NEW_SESSION_ID, "metadata": {"trace": "t-1"}}, before=LOOKUP),
    Case("create_completion[history-new-session]", "create_completion", COMPLETIONS,
         check_history_gets_a_uuid_session, (MODEL, ["Hello"]), {"user": USER_ID}),
    Case("create_completion[resume-only-new]", "create_completion", COMPLETIONS,
         _resume_checker(stream=False), (MODEL, ["And shipping?"]),
         {"user": USER_ID, "session_id": SESSION_ID}, before=LOOKUP),
    Case("create_completion[resume-whole]", "create_completion", COMPLETIONS,
         _resume_checker(stream=False), (MODEL, [*STORED, NEW_TURN]),
         {"user": USER_ID, "session_id": SESSION_ID}, before=LOOKUP),
    Case("create_completion[resume-stream-only-new]", "create_completion", COMPLETIONS,
         _resume_checker(stream=True), (MODEL, ["And shipping?"]),
         {"user": USER_ID, "session_id": SESSION_ID, "stream": True}, before=LOOKUP),
    Case("chat.completions.create[openai]", "chat.completions.create", COMPLETIONS,
         check_openai_completion, (), OPENAI_NATIVE_KWARGS, before=LOOKUP),
    Case("chat.completions.create[openai-stream]", "chat.completions.create", COMPLETIONS,
         check_openai_stream, (), {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}],
                                   "stream": True, "metadata": {"session_id": SESSION_ID}}),
    Case("list_models", "list_models", MODELS, check_models),
    Case("models.list[openai]", "models.list", MODELS, check_openai_models),
    # sessions
    Case("list_sessions[defaults]", "list_sessions", SESSIONS, _sessions_checker(1, 20), (USER_ID,)),
    Case("list_sessions[page-positional]", "list_sessions", SESSIONS,
         _sessions_checker(2, 5), (USER_ID, 2, 5)),
    Case("list_sessions[page-keywords]", "list_sessions", SESSIONS,
         _sessions_checker(3, 7), (USER_ID,), {"page": 3, "page_size": 7}),
    Case("get_session", "get_session", SESSION, check_session, (SESSION_ID,), {"user_id": USER_ID}),
    # platform administration
    Case("get_platform_stats", "get_platform_stats", STATS, check_stats),
    Case("list_admins", "list_admins", ADMINS, check_admins),
    Case("add_admin", "add_admin", ADD_ADMIN,
         _add_admin_checker({"workos_id": WORKOS_ID, "email": "new.admin@example.com", "name": "New Admin"}),
         (WORKOS_ID, "new.admin@example.com", "New Admin")),
    Case("add_admin[default-name]", "add_admin", ADD_ADMIN,
         # No name: none is sent (upstream would store an empty one).
         _add_admin_checker({"workos_id": WORKOS_ID, "email": "a@example.com"}),
         (WORKOS_ID, "a@example.com")),
    Case("add_admin[no-name]", "add_admin", ADD_ADMIN,
         _add_admin_checker({"workos_id": WORKOS_ID, "email": "a@example.com"}),
         (WORKOS_ID, "a@example.com"), {"name": None}),
    Case("remove_admin[plain]", "remove_admin", REMOVE_ADMIN,
         _remove_admin_checker("old.admin@example.com"), ("old.admin@example.com",)),
    Case("remove_admin[plus-query-hash-percent]", "remove_admin", REMOVE_ADMIN,
         _remove_admin_checker(AWKWARD_EMAIL), (AWKWARD_EMAIL,)),
    Case("remove_admin[dot-dot]", "remove_admin", REMOVE_ADMIN, _remove_admin_checker(".."), ("..",)),
    Case("remove_admin[dot]", "remove_admin", REMOVE_ADMIN, _remove_admin_checker("."), (".",)),
    Case("remove_admin[dots]", "remove_admin", REMOVE_ADMIN,
         _remove_admin_checker("first..last@example.com"), ("first..last@example.com",)),
    Case("get_audit_log[defaults]", "get_audit_log", AUDIT, _audit_checker(50, 0)),
    Case("get_audit_log[page-keywords]", "get_audit_log", AUDIT,
         _audit_checker(25, 50), (), {"limit": 25, "offset": 50}),
    Case("get_audit_log[page-positional]", "get_audit_log", AUDIT, _audit_checker(20, 40), (20, 40)),
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
                              "scope": {"type": "user", "user_id": USER_ID}}),
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
         _mcp_update_checker({"name": "docs", "endpoint": "https://mcp.example.com/v2",
                              "auth_type": "bearer", "bearer_token": "t0k3n",
                              "enabled": True, "metadata": FULL_METADATA}),
         (MCP_ID,), {"name": "docs", "endpoint": "https://mcp.example.com/v2",
                     "auth_type": "bearer", "bearer_token": "t0k3n", "oauth_provider": None, "enabled": True,
                     "metadata": MCPMetadata(args=["--read-only"], env={"LOG_LEVEL": "debug"})}),
    Case("update_mcp_server[oauth]", "update_mcp_server", MCP_UPDATE,
         _mcp_update_checker({"auth_type": "oauth", "oauth_provider": "github"}),
         (MCP_ID,), {"auth_type": "oauth", "oauth_provider": "github"}),
    Case("delete_mcp_server", "delete_mcp_server", MCP_DELETE, check_mcp_delete, (MCP_ID,)),
    # agent control
    Case("get_agent_status", "get_agent_status", STATUS, check_status),
    Case("get_agent_messages", "get_agent_messages", MESSAGES, check_agent_messages),
    Case("send_agent_message[user]", "send_agent_message", MESSAGE,
         _send_message_checker("Fix the failing test", "user"), ("Fix the failing test",)),
    Case("send_agent_message[raw]", "send_agent_message", MESSAGE,
         _send_message_checker("\x1b[A\r", "raw"), ("\x1b[A\r",), {"type": "raw"}),
    Case("interrupt_agent", "interrupt_agent", MESSAGE, _send_message_checker("\x1b", "raw")),
    Case("upload_file[bytes]", "upload_file", UPLOAD,
         _upload_checker("notes.txt", b"hello\n"), ("notes.txt", b"hello\n")),
    Case("upload_file[binary-file-object]", "upload_file", UPLOAD,
         _upload_checker("blob.bin", BINARY), ("blob.bin", Fresh(lambda: BytesIO(BINARY)))),
    Case("stream_agent_events", "stream_agent_events", EVENTS, check_events),
]  # fmt: skip


# --- running a case -----------------------------------------------------------------------------------


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


def _raw_parsed(raw: Any, server: FakeServer) -> Any:
    """A raw view's result, checked to be the HTTP response the server gave, then parsed."""
    answer = server.exchanges[-1].response
    assert answer is not None
    http_response = raw.http_response
    assert isinstance(http_response, httpx2.Response)
    assert raw.status_code == answer.status_code
    assert raw.headers.get("content-type") == answer.headers.get("content-type")
    return raw.parse()


def _verify(case: Case, server: FakeServer, result: Any) -> None:
    sent = [exchange.describe() for exchange in server.exchanges]
    assert [exchange.operation for exchange in server.exchanges] == [*case.before, case.operation], sent
    for exchange in server.exchanges:
        where = exchange.describe()
        assert not exchange.response_errors, f"fixture for {where} drifted from the spec:\n" + "\n".join(
            exchange.response_errors
        )
        assert not exchange.routing_errors, "\n".join(exchange.routing_errors)
        assert exchange.headers["authorization"] == f"Bearer {KEY}"
        if exchange.request_errors:
            raise RequestContractViolation(
                f"{case.sdk_method} sent a request the spec rejects: {where}\n"
                f"body: {exchange.body[:500]!r}\n" + "\n".join(exchange.request_errors)
            )
    *lookups, exchange = server.exchanges
    for lookup in lookups:  # the stored session of the session and user the completion names
        metadata = exchange.json["metadata"]
        assert lookup.path_params == {"session_id": metadata["session_id"]}
        assert lookup.query_dict == {"user_id": metadata["user_id"]}
    case.check(result, exchange)


def sync_client(server: FakeServer) -> ChatServerClient:
    return client_for(server, api_key=KEY, base_url=BASE_URL)


def async_client(server: FakeServer) -> AsyncChatServerClient:
    return client_for(server, asynchronous=True, api_key=KEY, base_url=BASE_URL)


# --- the tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [False, True], ids=["plain", "raw"])
@pytest.mark.parametrize("case", _params(CASES))
def test_sync(case: Case, raw: bool) -> None:
    server = contract_server()
    with sync_client(server) as client:
        if raw:
            result = _drain(_raw_parsed(case.call(client.with_raw_response), server))
        else:
            result = _drain(case.call(client))
    _verify(case, server, result)


@pytest.mark.parametrize("raw", [False, True], ids=["plain", "raw"])
@pytest.mark.parametrize("case", _params(CASES))
async def test_async(case: Case, raw: bool) -> None:
    server = contract_server()
    async with async_client(server) as client:
        if raw:
            result = await _adrain(_raw_parsed(await case.call(client.with_raw_response), server))
        else:
            result = await _adrain(case.call(client))
    _verify(case, server, result)


REFUSED: list[tuple[str, tuple[Any, ...], dict[str, Any], str]] = [
    ("remove_admin", ("",), {}, "email: must not be empty"),
    # The ChatServer decodes %2F before routing: no request can address such an email.
    ("remove_admin", ("ops/team@example.com",), {}, "email: 'ops/team@example.com' contains '/'"),
    ("remove_admin", ("first..last@example.com/../x",), {}, "contains '/'"),
    ("delete_mcp_server", ("",), {}, "mcp_id: '' is not a UUID"),
    ("get_session", ("",), {"user_id": USER_ID}, "session_id: must not be empty"),
    ("send_agent_message", ("hi",), {"type": "shout"}, "type: 'shout' is not one of 'user', 'raw'"),
    ("create_completion", (MODEL, ["hi"]), {"user": "bob"}, "user: 'bob' is not a UUID"),
    ("create_completion", (MODEL, ["hi"]), {"user": USER_ID, "session_id": "s-1"},
     "session_id: 's-1' is not a UUID"),
    ("create_completion", (MODEL, ["hi"]), {"organization_id": "acme"},
     "metadata.organization_id: 'acme' is not a UUID"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "args", "kwargs", "error"), REFUSED, ids=lambda value: str(value)[:40])
async def test_arguments_the_server_fails_on_are_refused_before_sending(
    method: str, args: tuple[Any, ...], kwargs: dict[str, Any], error: str
) -> None:
    server = contract_server()
    with sync_client(server) as client, pytest.raises(ValueError, match=error):
        getattr(client, method)(*args, **kwargs)
    async with async_client(server) as aclient:
        with pytest.raises(ValueError, match=error):
            await getattr(aclient, method)(*args, **kwargs)
    assert server.exchanges == []


@pytest.mark.parametrize(
    "metadata",
    [{"user_id": USER_ID}, {"user_id": "bob"}, {"user_id": USER_ID, "session_id": "my-chat"}],
    ids=["no-session-id", "user-not-a-uuid", "session-not-a-uuid"],
)
def test_native_history_never_sends_ids_the_session_routes_fail_on(metadata: dict[str, str]) -> None:
    server = contract_server()
    with sync_client(server) as client:
        try:
            client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "Hi"}], extra_body={"metadata": metadata}
            )
        except ValueError:
            assert server.exchanges == []  # refused before sending: fine
            return
    sent = server.exchanges[-1].json["metadata"]
    assert str(uuid.UUID(sent["user_id"])) == sent["user_id"]
    assert str(uuid.UUID(sent["session_id"])) == sent["session_id"]


OUTSIDE_THE_SPEC = {
    # Upstream serves GET /health (atomsAgent/api/__init__.py), without a key; its OpenAPI file omits it.
    "health": ("GET", "/health"),
}


def test_health_is_what_upstream_serves_outside_its_spec() -> None:
    assert contract().match(*OUTSIDE_THE_SPEC["health"])[0] is None, "the spec has /health now: add a Case"
    server = FakeServer()
    server.on("GET", "/health", {"status": "healthy", "circuit_breaker_status": None, "active_agents": []})
    with sync_client(server) as client:
        health = client.health()
    assert (health.status, health.active_agents) == ("healthy", [])
    assert server.last.url.path == "/health"


def test_every_spec_operation_and_every_endpoint_is_exercised() -> None:
    spec = contract()
    server = contract_server()
    with sync_client(server) as client:
        for case in CASES:
            _drain(case.call(client))
    hit = {exchange.operation for exchange in server.exchanges}
    assert None not in hit, [e.raw_path for e in server.exchanges if e.operation is None]
    missing = sorted(spec.operations - hit)
    assert not missing, f"operations in the spec that no SDK call reaches: {missing}"
    assert {case.operation for case in CASES} == spec.operations
    assert set(RESPONDERS) == spec.operations, "one fixture answer per spec operation"
    endpoints = {endpoint.name for endpoint in ENDPOINTS} - set(OUTSIDE_THE_SPEC)
    cased = {case.sdk_method for case in CASES}
    assert endpoints <= cased, f"ENDPOINTS without a case: {sorted(endpoints - cased)}"
    assert cased - endpoints == {"chat.completions.create", "models.list"}


@pytest.mark.parametrize(
    ("client_cls", "base"), [(ChatServerClient, openai.OpenAI), (AsyncChatServerClient, openai.AsyncOpenAI)]
)
def test_every_sdk_method_is_in_the_operations_table(client_cls: type[Any], base: type[Any]) -> None:
    """The client's own methods are the client-level endpoints, the earlier flat names and the
    helpers, all from the operations table; each resource method is there too, with its views."""
    sdk_methods = {
        name
        for name in dir(client_cls)
        if not name.startswith("_")
        and name not in dir(base)
        and inspect.isfunction(getattr(client_cls, name))
    }
    assert sdk_methods, "no SDK methods found: has the client changed shape?"
    expected = {e.name for e in ENDPOINTS if not e.resource} | {e.flat for e in ENDPOINTS if e.flat}
    expected |= {h.flat for h in HELPERS if h.flat}
    assert sdk_methods == expected
    client = client_cls(base_url=BASE_URL)
    for endpoint in ENDPOINTS:
        if not endpoint.resource:
            continue
        for view in (client, client.with_raw_response, client.with_streaming_response):
            target = view
            for part in endpoint.resource.split("."):
                target = getattr(target, part)
            assert callable(getattr(target, endpoint.method)), (endpoint.resource, endpoint.method)
        if endpoint.flat:
            assert callable(getattr(client.with_raw_response, endpoint.flat)), endpoint.flat


def test_validator_rejects_requests_the_spec_forbids() -> None:
    """The harness has teeth: requests outside the contract are caught, with the reason."""
    server = contract_server()
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
    spec = contract()
    wire = WireRequest(
        host_url=BASE_URL,
        path="/api/v1/platform/admins/a%40b.c",
        method="delete",
        parameters=RequestParameters(),
        content_type="",
        body=None,
    )
    ok = json.dumps({"status": "success", "email": "a@b.c"}).encode()
    assert spec.response_errors(wire, 200, "application/json", ok) == []
    missing = json.dumps({"status": "success"}).encode()
    assert "'email' is a required property" in "\n".join(
        spec.response_errors(wire, 200, "application/json", missing)
    )
    # A status the operation does not declare needs upstream's {"detail": "..."}.
    assert spec.response_errors(wire, 404, "application/json", b'{"detail": "not found"}') == []
    assert spec.response_errors(wire, 500, "text/plain", b"Internal Server Error")
    events = [{"event": "status_change", "data": {"agent_type": "claude", "status": "busy"}}]
    assert spec.stream_errors(EVENTS, 200, events)


def test_missing_spec_fails_rather_than_skips(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    absent = tmp_path / "nowhere" / "chatserver-openapi.json"
    monkeypatch.setenv(SPEC_ENV_VAR, str(absent))
    assert spec_path() == absent
    with pytest.raises(pytest.fail.Exception) as failure:
        contract()
    message = str(failure.value)
    assert str(absent) in message and SPEC_ENV_VAR in message
    assert "not found" in message
