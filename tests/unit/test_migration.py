"""Code written against the earlier ChatServer SDK runs on this one.

The earlier SDK (its source is ``shared/spec/earlier-sdk``) is the migration
contract: every public module, class, function, method, attribute and
constructor signature it had. The tables below name each of them once, and a
test per row proves it still works; where it cannot (``client.session``), the
test proves the error says what to use. ``test_tables_cover_the_earlier_sdk``
reads the earlier source itself, so a name the tables miss fails the suite
rather than going unchecked.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest

import chatserver_sdk
from chatserver_sdk import ChatServerClient
from chatserver_sdk.client import create_client
from chatserver_sdk.exceptions import (
    BadRequestError,
    ChatServerError,
    ForbiddenError,
    InternalServerError,
    NotFoundError,
    UnauthorizedError,
)
from chatserver_sdk.models import (
    AdminInfo,
    AdminRequest,
    AdminResponse,
    AuditEntry,
    AuditLogResponse,
    ChatCompletionChoice,
    ChatCompletionRequest,
    ChatCompletionResponse,
    ChatMessageRecord,
    ChatSessionDetailResponse,
    ChatSessionListResponse,
    ChatSessionSummary,
    Message,
    MessageRole,
    ModelInfo,
    ModelsResponse,
    PlatformStats,
    UsageInfo,
)
from chatserver_sdk.types._base import Model

from ..conftest import BASE_URL, FakeServer, chunk, completion, sse_body

EARLIER_SDK = Path(__file__).resolve().parents[3] / "shared" / "spec" / "earlier-sdk"

USER = "00000000-0000-0000-0000-000000000001"
SESSION = "11111111-1111-1111-1111-111111111111"
ORG = "22222222-2222-2222-2222-222222222222"
WHEN = "2024-05-01T12:00:00Z"
WHEN_PARSED = datetime(2024, 5, 1, 12, tzinfo=UTC)
SSE = {"content-type": "text/event-stream"}

# --- the inventory: every public name of the earlier SDK ----------------------------------

EARLIER_MODULES: dict[str, list[str]] = {
    "chatserver_sdk": [
        "ChatServerClient",
        "Message",
        "MessageRole",
        "ChatCompletionRequest",
        "ChatCompletionResponse",
        "ChatCompletionChoice",
        "UsageInfo",
        "ModelInfo",
        "PlatformStats",
        "AdminInfo",
        "AuditEntry",
        "AdminRequest",
        "ChatSessionSummary",
        "ChatSessionListResponse",
        "ChatSessionDetailResponse",
        "ChatMessageRecord",
        "ChatServerError",
        "BadRequestError",
        "UnauthorizedError",
        "ForbiddenError",
        "NotFoundError",
        "InternalServerError",
        "__version__",
    ],
    "chatserver_sdk.client": [
        "ChatServerClient",
        "create_client",
        # The models the earlier client module imported, which code imported from it too.
        "Message",
        "MessageRole",
        "ChatCompletionRequest",
        "ChatCompletionResponse",
        "ModelsResponse",
        "ModelInfo",
        "PlatformStats",
        "AdminRequest",
        "AdminResponse",
        "AuditLogResponse",
        "UsageInfo",
        "ChatSessionListResponse",
        "ChatSessionDetailResponse",
    ],
    "chatserver_sdk.models": [
        "MessageRole",
        "Message",
        "UsageInfo",
        "ChatCompletionChoice",
        "ChatCompletionResponse",
        "ChatCompletionRequest",
        "ModelInfo",
        "ModelsResponse",
        "PlatformStats",
        "ChatSessionSummary",
        "ChatMessageRecord",
        "ChatSessionListResponse",
        "ChatSessionDetailResponse",
        "AdminInfo",
        "AdminRequest",
        "AdminResponse",
        "AuditEntry",
        "AuditLogResponse",
    ],
    "chatserver_sdk.exceptions": [
        "ChatServerError",
        "BadRequestError",
        "UnauthorizedError",
        "ForbiddenError",
        "NotFoundError",
        "InternalServerError",
    ],
}

SUMMARY = {
    "id": SESSION,
    "user_id": USER,
    "organization_id": None,
    "title": "Plan",
    "model": "claude-3-haiku",
    "agent_type": "claude",
    "created_at": WHEN,
    "updated_at": WHEN,
    "last_message_at": WHEN,
    "message_count": 2,
    "tokens_in": 3,
    "tokens_out": 4,
    "tokens_total": 7,
    "metadata": {"k": "v"},
    "archived": False,
}
RECORD = {
    "id": "m-1",
    "session_id": SESSION,
    "message_index": 0,
    "role": "user",
    "content": "Plan",
    "metadata": {},
    "tokens": 3,
    "created_at": WHEN,
    "updated_at": None,
}
AUDIT = {
    "id": "a-1",
    "timestamp": WHEN,
    "user_id": USER,
    "org_id": "org-1",
    "action": "platform_admin.added",
    "resource": "platform_admin",
    "resource_id": "ada@example.com",
    "metadata": {"by": "test"},
}
ASSISTANT = {"role": "assistant", "content": "Hello!"}

# Each earlier dataclass: its fields in the earlier (positional) order, with a value for each
# as the server sends it, and the methods it had.
EARLIER_MODELS: dict[type[Model], tuple[dict[str, Any], set[str]]] = {
    Message: ({"role": "user", "content": "Hi"}, {"from_dict", "to_dict"}),
    UsageInfo: ({"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}, {"from_dict", "to_dict"}),
    ChatCompletionChoice: ({"index": 0, "message": ASSISTANT, "finish_reason": "stop"}, {"from_dict"}),
    ChatCompletionResponse: (
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1700000000,
            "model": "claude-3-haiku",
            "choices": [{"index": 0, "message": ASSISTANT, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
            "system_fingerprint": SESSION,
        },
        {"from_dict"},
    ),
    ChatCompletionRequest: (
        {
            "model": "claude-3-haiku",
            "messages": [{"role": "user", "content": "Hi"}],
            "temperature": 0.5,
            "max_tokens": 100,
            "top_p": 0.9,
            "stream": False,
            "user": USER,
            "system_prompt": "Be terse.",
            "metadata": {"session_id": SESSION},
        },
        {"to_dict"},
    ),
    ModelInfo: (
        {
            "id": "claude-3-haiku",
            "object": "model",
            "created": 1700000000,
            "owned_by": "anthropic",
            "provider": "claude",
            "capabilities": ["chat.completion"],
        },
        {"from_dict"},
    ),
    ModelsResponse: ({"object": "list", "data": [{"id": "claude-3-haiku", "owned_by": "x"}]}, {"from_dict"}),
    PlatformStats: (
        {
            "total_users": 1,
            "active_users": 2,
            "total_organizations": 3,
            "total_requests": 4,
            "requests_today": 5,
            "total_tokens": 6,
            "tokens_today": 7,
            "system_health": {"status": "healthy", "active_agents": ["claude"]},
        },
        {"from_dict"},
    ),
    ChatSessionSummary: (SUMMARY, {"from_dict"}),
    ChatMessageRecord: (RECORD, {"from_dict"}),
    ChatSessionListResponse: (
        {"sessions": [SUMMARY], "total": 1, "page": 1, "page_size": 20, "has_more": False},
        {"from_dict"},
    ),
    ChatSessionDetailResponse: ({"session": SUMMARY, "messages": [RECORD]}, {"from_dict"}),
    AdminInfo: (
        {"id": "adm-1", "email": "ada@example.com", "name": "Ada", "created_at": WHEN, "created_by": "root"},
        {"from_dict"},
    ),
    AdminRequest: ({"workos_id": "user_01", "email": "ada@example.com", "name": "Ada"}, {"to_dict"}),
    AdminResponse: ({"status": "success", "email": "ada@example.com"}, {"from_dict"}),
    AuditEntry: (AUDIT, {"from_dict"}),
    AuditLogResponse: ({"entries": [AUDIT], "count": 1, "limit": 50, "offset": 0}, {"from_dict"}),
}


class EarlierClient:
    """The earlier client's public signatures (names and defaults only), to hold ours to."""

    def __init__(self, api_key: Any = None, base_url: Any = "http://localhost:3284", timeout: Any = 30): ...
    def create_completion(
        self,
        model: Any,
        messages: Any,
        temperature: Any = 0.7,
        max_tokens: Any = 4000,
        top_p: Any = 1.0,
        stream: Any = False,
        user: Any = None,
        system_prompt: Any = None,
        *,
        session_id: Any = None,
        metadata: Any = None,
        organization_id: Any = None,
        workflow: Any = None,
        variables: Any = None,
        allowed_tools: Any = None,
        setting_sources: Any = None,
        mcp_servers: Any = None,
    ) -> Any: ...
    def list_models(self) -> Any: ...
    def list_sessions(self, user_id: Any, *, page: Any = 1, page_size: Any = 20) -> Any: ...
    def get_session(self, session_id: Any, *, user_id: Any) -> Any: ...
    def get_platform_stats(self) -> Any: ...
    def list_admins(self) -> Any: ...
    def add_admin(self, workos_id: Any, email: Any, name: Any = "") -> Any: ...
    def remove_admin(self, email: Any) -> Any: ...
    def get_audit_log(self, limit: Any = 50, offset: Any = 0) -> Any: ...
    def close(self) -> Any: ...
    def __enter__(self) -> Any: ...
    # The with statement passes these positionally: their names were never part of the contract.
    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any, /) -> Any: ...


def earlier_create_client(
    api_key: Any = None, base_url: Any = "http://localhost:3284", timeout: Any = 30
) -> Any:
    """The earlier ``create_client``'s signature."""


# The earlier client's instance attributes, and what each is here.
EARLIER_CLIENT_ATTRIBUTES = {
    "base_url": "openai's httpx2.URL ending in /v1/; the earlier value (server root) is client.server_url",
    "api_key": "works as is, and setting it changes the key later requests send",
    "timeout": "works as is (openai's; a number or an httpx2.Timeout)",
    "session": "refused: AttributeError saying what to use",
}

# Defaults that differ on purpose: (function, parameter) -> why.
CHANGED_DEFAULTS = {
    ("__init__", "base_url"): "None: $CHATSERVER_BASE_URL, else http://localhost:3284 as before",
    ("__init__", "timeout"): "the client's own default: a completion runs an agent for minutes",
    ("create_client", "base_url"): "None: as ChatServerClient",
    ("create_client", "timeout"): "not given: as ChatServerClient",
    ("add_admin", "name"): "None: no name is sent (upstream stored the earlier default '' as an empty name)",
}


# --- modules and names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "name"), [(module, name) for module, names in EARLIER_MODULES.items() for name in names]
)
def test_earlier_name_imports(module: str, name: str) -> None:
    assert hasattr(importlib.import_module(module), name), f"{module}.{name} is gone"


def test_earlier_names_are_the_same_objects_everywhere() -> None:
    for module in EARLIER_MODULES:
        for name in EARLIER_MODULES[module]:
            if name != "__version__" and hasattr(chatserver_sdk, name):
                assert getattr(importlib.import_module(module), name) is getattr(chatserver_sdk, name)
    assert AuditEntry is chatserver_sdk.AuditLogEntry


def test_earlier_names_are_in_the_package_all() -> None:
    exported = set(chatserver_sdk.__all__)
    assert set(EARLIER_MODULES["chatserver_sdk"]) <= exported
    assert set(EARLIER_MODULES["chatserver_sdk.models"]) <= exported


def test_message_role_members() -> None:
    assert [MessageRole.SYSTEM.value, MessageRole.USER.value, MessageRole.ASSISTANT.value] == [
        "system",
        "user",
        "assistant",
    ]
    assert MessageRole("user") is MessageRole.USER and MessageRole.USER == "user"


# --- models: the earlier dataclasses -------------------------------------------------------


def _model_id(cls: type[Model]) -> str:
    return cls.__name__


@pytest.mark.parametrize("cls", list(EARLIER_MODELS), ids=_model_id)
def test_model_builds_positionally_in_the_earlier_field_order(cls: type[Model]) -> None:
    wire, _ = EARLIER_MODELS[cls]
    positional = cls(*wire.values())
    assert positional == cls(**wire) == cls.from_dict(wire)
    for name in wire:
        assert name in positional, name


@pytest.mark.parametrize("cls", list(EARLIER_MODELS), ids=_model_id)
def test_model_from_dict_and_to_dict_round_trip(cls: type[Model]) -> None:
    wire, methods = EARLIER_MODELS[cls]
    assert {"from_dict", "to_dict"} >= methods
    model = cls.from_dict(wire)
    as_dict = model.to_dict()
    json.dumps(as_dict)  # JSON-ready, as the earlier to_dict was
    assert cls.from_dict(as_dict) == model
    for name, value in wire.items():
        if isinstance(value, (str, int, float, bool)) and name not in ("created_at", "timestamp"):
            assert as_dict[name] == value, name


@pytest.mark.parametrize("cls", list(EARLIER_MODELS), ids=_model_id)
def test_model_reads_like_the_dict_it_came_from(cls: type[Model]) -> None:
    wire, _ = EARLIER_MODELS[cls]
    model = cls.from_dict(wire)
    for name in wire:
        assert name in model
        assert model[name] == getattr(model, name) == model.get(name, "absent")
    assert "no_such_field" not in model
    assert model.get("no_such_field", "absent") == "absent"
    with pytest.raises(KeyError):
        model["no_such_field"]
    with pytest.raises(KeyError):
        model["to_dict"]  # methods are not keys


def test_earlier_to_dict_shapes() -> None:
    assert Message(MessageRole.USER, "Hi").to_dict() == {"role": "user", "content": "Hi"}
    assert UsageInfo(1, 2, 3).to_dict() == {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    assert AdminRequest("user_01", "ada@example.com").to_dict() == {
        "workos_id": "user_01",
        "email": "ada@example.com",
        "name": "",
    }
    # Unset options are left out, and None leaves a setting to the server, as before.
    request = ChatCompletionRequest("claude-3-haiku", [Message(MessageRole.USER, "Hi")], temperature=None)
    assert request.to_dict() == {
        "model": "claude-3-haiku",
        "messages": [{"role": "user", "content": "Hi"}],
        "max_tokens": 4000,
        "top_p": 1.0,
        "stream": False,
    }


def test_earlier_defaults_of_the_dataclasses() -> None:
    assert UsageInfo() == UsageInfo(0, 0, 0)
    assert ChatCompletionResponse("x").object == "chat.completion"
    assert ModelsResponse().object == "list" and ModelsResponse().data == []
    assert PlatformStats().total_users == 0
    assert ChatSessionListResponse().page == 1 and ChatSessionListResponse().page_size == 20
    assert AdminResponse().status == "success" and AdminResponse().email == ""
    assert AuditLogResponse().limit == 50 and AuditLogResponse().offset == 0
    assert AdminRequest("w", "e").name == ""


def test_timestamps_parse_to_datetimes_as_before() -> None:
    assert AuditEntry.from_dict(AUDIT).timestamp == WHEN_PARSED
    assert AdminInfo.from_dict(EARLIER_MODELS[AdminInfo][0]).created_at == WHEN_PARSED
    assert ChatSessionSummary.from_dict(SUMMARY).last_message_at == WHEN_PARSED


def test_stored_messages_know_their_session() -> None:
    # Upstream's records leave session_id out; the earlier SDK's had it.
    record = {key: value for key, value in RECORD.items() if key != "session_id"}
    detail = ChatSessionDetailResponse.from_dict({"session": SUMMARY, "messages": [record]})
    assert detail.messages[0].session_id == SESSION
    assert detail.messages[0]["session_id"] == SESSION


def test_positional_misuse_is_a_clear_type_error() -> None:
    expected = r"^Message\(\) takes at most 2 positional arguments \(role, content\), got 3$"
    with pytest.raises(TypeError, match=expected):
        Message("user", "Hi", "extra")
    with pytest.raises(TypeError, match="multiple values for argument 'role'"):
        Message("user", role="user")
    with pytest.raises(TypeError, match=r"SystemHealth\(\) takes keyword arguments only"):
        chatserver_sdk.SystemHealth("healthy")


def test_what_the_earlier_sdk_returned_as_dicts_reads_as_dicts() -> None:
    # system_health was a dict, list_admins() a dict of dicts.
    stats = PlatformStats.from_dict(EARLIER_MODELS[PlatformStats][0])
    assert stats.system_health.get("status") == "healthy"
    assert stats.system_health.get("active_agents", []) == ["claude"]
    assert stats.system_health["status"] == "healthy"
    admins = chatserver_sdk.AdminListResponse.from_dict(
        {"admins": [{"id": "1", "email": "ada@example.com", "name": None, "created_at": WHEN}], "count": 1}
    )
    assert admins["count"] == 1 and "admins" in admins
    admin = admins.get("admins", [])[0]
    assert admin["email"] == "ada@example.com"
    # As dict.get: a key the server sent as null gives None, one it left out gives the default.
    assert admin.get("name", "Unknown") is None
    assert admin.get("created_by", "nobody") == "nobody"


# --- the client ------------------------------------------------------------------------------


def _parameters(function: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    params = dict(inspect.signature(function).parameters)
    params.pop("self", None)
    return params


def _check_accepts(earlier: Callable[..., Any], ours: Callable[..., Any], function: str) -> None:
    """Every call the earlier signature allowed binds the same way to ours."""
    earlier_params = _parameters(earlier)
    ours_params = _parameters(ours)
    positional_kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ours_positional = [name for name, p in ours_params.items() if p.kind in positional_kinds]
    for index, (name, param) in enumerate(earlier_params.items()):
        if param.kind is param.POSITIONAL_ONLY:
            assert len(ours_positional) > index, f"{function}: takes fewer positional arguments"
            continue
        assert name in ours_params, f"{function}: parameter {name!r} is gone"
        mine = ours_params[name]
        if param.kind is param.POSITIONAL_OR_KEYWORD:
            assert ours_positional[index : index + 1] == [name], f"{function}: {name!r} moved from {index}"
        else:
            assert mine.kind in (mine.KEYWORD_ONLY, mine.POSITIONAL_OR_KEYWORD), f"{function}: {name!r}"
        if param.default is not param.empty:
            assert mine.default is not mine.empty, f"{function}: {name!r} lost its default"
            if (function, name) not in CHANGED_DEFAULTS:
                assert mine.default == param.default, f"{function}: {name!r} default changed"
    for name, param in ours_params.items():
        if name not in earlier_params and name not in ours_positional[: len(earlier_params)]:
            variadic = param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD)
            optional = param.default is not param.empty or variadic
            assert optional, f"{function}: new required parameter {name!r}"


EARLIER_METHODS = [name for name, _ in inspect.getmembers(EarlierClient, inspect.isfunction)]


@pytest.mark.parametrize("name", EARLIER_METHODS)
def test_client_method_signature(name: str) -> None:
    _check_accepts(getattr(EarlierClient, name), getattr(ChatServerClient, name), name)


def test_create_client_signature() -> None:
    _check_accepts(earlier_create_client, create_client, "create_client")


def test_constructor_positional_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHATSERVER_BASE_URL", raising=False)
    client = ChatServerClient("sk-test-secret", "http://chatserver.test:3284/", 12)
    assert client.api_key == "sk-test-secret"
    assert client.server_url == "http://chatserver.test:3284"
    assert str(client.base_url) == "http://chatserver.test:3284/v1/"
    assert client.timeout == 12
    default = ChatServerClient()
    assert default.server_url == "http://localhost:3284"
    client.base_url = "http://elsewhere.test:3284"  # type: ignore[assignment]  # the earlier attribute held the root
    assert client.server_url == "http://elsewhere.test:3284"
    assert str(client.base_url) == "http://elsewhere.test:3284/v1/"


@pytest.mark.parametrize("factory", [create_client, ChatServerClient])
def test_create_client_and_constructor_keywords(factory: Callable[..., ChatServerClient]) -> None:
    client = factory(api_key="sk-test-secret", base_url="http://chatserver.test", timeout=7)
    assert isinstance(client, ChatServerClient)
    assert (client.api_key, client.server_url) == ("sk-test-secret", "http://chatserver.test")
    assert client.timeout == 7
    assert create_client(timeout=None).timeout is None  # no timeout, as requests took it


def test_client_attributes_are_accounted_for() -> None:
    client = ChatServerClient(base_url=BASE_URL)
    for name in EARLIER_CLIENT_ATTRIBUTES:
        if name != "session":
            assert hasattr(client, name), name


def test_client_session_is_refused_with_what_to_use() -> None:
    client = ChatServerClient(base_url=BASE_URL)
    expected = r"requests\.Session.*default_headers.*http_client=httpx2\.Client"
    with pytest.raises(AttributeError, match=expected):
        client.session  # noqa: B018
    with pytest.raises(AttributeError, match="default_headers"):
        client.session = object()  # type: ignore[misc, assignment]
    assert not hasattr(client, "session")


def _models_route(server: FakeServer) -> None:
    server.on("GET", "/v1/models", {"object": "list", "data": [EARLIER_MODELS[ModelInfo][0]]})


def test_setting_api_key_changes_what_later_requests_send(
    client: ChatServerClient, server: FakeServer
) -> None:
    _models_route(server)
    client.api_key = "sk-other-key"
    client.list_models()
    assert server.last.headers["Authorization"] == "Bearer sk-other-key"
    client.api_key = None  # type: ignore[assignment]  # os.getenv(...) of an unset variable, as the earlier example does
    client.list_models()
    assert "Authorization" not in server.last.headers


def test_create_completion_with_every_earlier_argument(client: ChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", completion("Done", session=SESSION))
    response = client.create_completion(
        "claude-3-haiku",
        [Message(MessageRole.SYSTEM, "Be terse."), {"role": "user", "content": "Hi"}],
        0.5,
        100,
        0.9,
        False,
        USER,
        "Prompt",
        session_id=SESSION,
        metadata={"extra": 1},
        organization_id=ORG,
        workflow="review",
        variables={"x": 1},
        allowed_tools=["Read"],
        setting_sources=["project"],
        mcp_servers={"docs": {}},
    )
    assert isinstance(response, ChatCompletionResponse)
    assert response.choices[0].message.content == "Done" and response.system_fingerprint == SESSION
    body = server.last_json()
    assert body["messages"] == [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi"}]
    assert (body["model"], body["temperature"], body["max_tokens"], body["top_p"]) == (
        "claude-3-haiku",
        0.5,
        100,
        0.9,
    )
    assert body["stream"] is False and body["user"] == USER and body["system_prompt"] == "Prompt"
    assert body["metadata"] == {
        "extra": 1,
        "session_id": SESSION,
        "organization_id": ORG,
        "workflow": "review",
        "variables": {"x": 1},
        "allowed_tools": ["Read"],
        "setting_sources": ["project"],
        "mcp_servers": {"docs": {}},
        "user_id": USER,
    }


def test_create_completion_earlier_defaults_and_string_messages(
    client: ChatServerClient, server: FakeServer
) -> None:
    server.on("POST", "/v1/chat/completions", completion())
    client.create_completion(model="claude-3-haiku", messages=["What is recursion?"])
    body = server.last_json()
    assert body["messages"] == [{"role": "user", "content": "What is recursion?"}]
    assert (body["temperature"], body["max_tokens"], body["top_p"], body["stream"]) == (0.7, 4000, 1.0, False)


def test_a_reply_message_goes_back_into_the_conversation(
    client: ChatServerClient, server: FakeServer
) -> None:
    server.on("POST", "/v1/chat/completions", completion("Recursion is..."))
    conversation = [Message(role=MessageRole.USER, content="What is recursion?")]
    conversation.append(client.create_completion(model="m", messages=conversation).choices[0].message)
    conversation.append(Message(role=MessageRole.USER, content="An example?"))
    client.create_completion(model="m", messages=conversation)
    assert [m["role"] for m in server.last_json()["messages"]] == ["user", "assistant", "user"]


def test_streaming_yields_text_with_metadata(client: ChatServerClient, server: FakeServer) -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    body = sse_body(chunk("Hel", session=SESSION), chunk("lo", session=SESSION, finish="stop", usage=usage))
    server.on("POST", "/v1/chat/completions", httpx2.Response(200, content=body, headers=SSE))
    stream = client.create_completion(model="m", messages=[{"role": "user", "content": "Hi"}], stream=True)
    assert next(stream) == "Hel"
    assert list(stream) == ["lo"]
    assert stream.metadata["system_fingerprint"] == SESSION
    assert stream.metadata["usage"] == UsageInfo(3, 2, 5)


def test_list_models(client: ChatServerClient, server: FakeServer) -> None:
    _models_route(server)
    models = client.list_models()
    assert isinstance(models, ModelsResponse)
    assert models.data[0].id == "claude-3-haiku" and models.data[0].provider == "claude"


def test_sessions(client: ChatServerClient, server: FakeServer) -> None:
    server.on("GET", "/atoms/chat/sessions", EARLIER_MODELS[ChatSessionListResponse][0])
    listing = client.list_sessions(USER, page=2, page_size=5)
    assert isinstance(listing, ChatSessionListResponse) and listing.sessions[0].id == SESSION
    assert dict(server.last.url.params) == {"user_id": USER, "page": "2", "page_size": "5"}
    server.on("GET", f"/atoms/chat/sessions/{SESSION}", {"session": SUMMARY, "messages": [RECORD]})
    detail = client.get_session(SESSION, user_id=USER)
    assert isinstance(detail, ChatSessionDetailResponse)
    assert detail.messages[0].session_id == SESSION and detail.session.created_at == WHEN_PARSED


def test_platform_administration(client: ChatServerClient, server: FakeServer) -> None:
    server.on("GET", "/api/v1/platform/stats", EARLIER_MODELS[PlatformStats][0])
    stats = client.get_platform_stats()
    assert isinstance(stats, PlatformStats) and stats.system_health.get("status") == "healthy"

    server.on("GET", "/api/v1/platform/admins", {"admins": [EARLIER_MODELS[AdminInfo][0]], "count": 1})
    admins = client.list_admins()
    assert admins["count"] == 1
    assert [admin["email"] for admin in admins.get("admins", [])] == ["ada@example.com"]
    assert admins["admins"][0].get("name", "Unknown") == "Ada"

    server.on("POST", "/api/v1/platform/admins", {"status": "success", "email": "ada@example.com"})
    added = client.add_admin("user_01", "ada@example.com", "Ada")
    assert isinstance(added, AdminResponse) and added.email == "ada@example.com"
    assert server.last_json() == AdminRequest("user_01", "ada@example.com", "Ada").to_dict()

    server.on("DELETE", "/api/v1/platform/admins/ada%40example.com", {"status": "success", "email": "x"})
    assert client.remove_admin("ada@example.com").status == "success"

    server.on("GET", "/api/v1/platform/audit", {"entries": [AUDIT], "count": 1, "limit": 10, "offset": 5})
    audit = client.get_audit_log(10, 5)
    assert isinstance(audit, AuditLogResponse) and isinstance(audit.entries[0], AuditEntry)
    assert audit.entries[0].timestamp == WHEN_PARSED
    assert dict(server.last.url.params) == {"limit": "10", "offset": "5"}


def test_close_and_context_manager(server: FakeServer) -> None:
    transport = httpx2.Client(transport=httpx2.MockTransport(server))
    with ChatServerClient(base_url=BASE_URL, http_client=transport) as client:
        assert isinstance(client, ChatServerClient)
    assert transport.is_closed
    other = ChatServerClient(base_url=BASE_URL)
    other.close()
    assert other.is_closed()


# --- exceptions --------------------------------------------------------------------------------

EARLIER_ERRORS = [
    (BadRequestError, 400),
    (UnauthorizedError, 401),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (InternalServerError, 500),
]


def _response(status: int) -> httpx2.Response:
    request = httpx2.Request("GET", f"{BASE_URL}/v1/models")
    return httpx2.Response(status, json={"detail": "boom"}, request=request)


@pytest.mark.parametrize(("cls", "status"), EARLIER_ERRORS, ids=lambda value: getattr(value, "__name__", ""))
def test_error_earlier_constructor(cls: type[ChatServerError], status: int) -> None:
    response = _response(status)
    error = cls("boom", status, response)  # type: ignore[call-arg, arg-type]
    assert isinstance(error, ChatServerError)
    assert (error.message, error.status_code) == ("boom", status)  # type: ignore[attr-defined]
    assert error.response.status_code == status  # type: ignore[attr-defined]
    assert str(error).startswith("boom") or "boom" in str(error)


def test_bare_chat_server_error_has_the_earlier_attributes() -> None:
    error = ChatServerError("boom")
    assert (error.message, error.status_code, error.response) == ("boom", None, None)  # type: ignore[attr-defined]
    with_status = ChatServerError("boom", 418, _response(418))  # type: ignore[call-arg]
    assert with_status.status_code == 418  # type: ignore[attr-defined]


@pytest.mark.parametrize(("cls", "status"), [*EARLIER_ERRORS, (InternalServerError, 503)])
def test_errors_raised_by_the_client_have_the_earlier_attributes(
    client: ChatServerClient, server: FakeServer, cls: type[ChatServerError], status: int
) -> None:
    server.on("GET", "/v1/models", httpx2.Response(status, json={"detail": "went wrong"}))
    with pytest.raises(cls) as caught:
        client.list_models()
    error = caught.value
    assert isinstance(error, ChatServerError)
    assert error.message == "went wrong"  # type: ignore[attr-defined]
    assert error.status_code == status  # type: ignore[attr-defined]
    assert error.response.status_code == status  # type: ignore[attr-defined]
    assert error.response.json() == {"detail": "went wrong"}  # type: ignore[attr-defined]


# --- the tables cover the earlier SDK ------------------------------------------------------------


def _earlier_source(name: str) -> ast.Module:
    path = EARLIER_SDK / name
    if not path.is_file():
        reason = f"the earlier SDK's source is not at {EARLIER_SDK}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must check the inventory against it", pytrace=False)
        pytest.skip(reason)
    return ast.parse(path.read_text(encoding="utf-8"))


def _public(name: str) -> bool:
    return not name.startswith("_") or name in ("__init__", "__enter__", "__exit__")


def test_tables_cover_the_earlier_sdk() -> None:
    package = _earlier_source("__init__.py")
    exported = next(
        ast.literal_eval(node.value)
        for node in package.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__"
    )
    assert set(EARLIER_MODULES["chatserver_sdk"]) == {*exported, "__version__"}

    for module in ("client", "models", "exceptions"):
        tree = _earlier_source(f"{module}.py")
        defined = {
            node.name
            for node in tree.body
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and _public(node.name)
        }
        assert defined <= set(EARLIER_MODULES[f"chatserver_sdk.{module}"]), module

    models = {node.name: node for node in _earlier_source("models.py").body if isinstance(node, ast.ClassDef)}
    ours = {"AuditEntry" if cls is AuditEntry else cls.__name__: row for cls, row in EARLIER_MODELS.items()}
    for name, node in models.items():
        if name == "MessageRole":
            members = [t.id for n in node.body if isinstance(n, ast.Assign) for t in n.targets]  # type: ignore[attr-defined]
            assert all(hasattr(MessageRole, member) for member in members)
            continue
        fields = [n.target.id for n in node.body if isinstance(n, ast.AnnAssign)]  # type: ignore[attr-defined]
        methods = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        wire, our_methods = ours[name]
        assert list(wire) == fields, f"{name}: fields or their order differ from the earlier dataclass"
        assert methods == our_methods, f"{name}: methods differ from the earlier dataclass"

    client_class = next(
        node
        for node in _earlier_source("client.py").body
        if isinstance(node, ast.ClassDef) and node.name == "ChatServerClient"
    )
    methods = {n.name: n for n in client_class.body if isinstance(n, ast.FunctionDef) and _public(n.name)}
    ours_methods = {name for name, _ in inspect.getmembers(EarlierClient, inspect.isfunction)}
    assert set(methods) == ours_methods
    for name, node in methods.items():
        earlier_params = [a.arg for a in (*node.args.args, *node.args.kwonlyargs)]
        assert earlier_params == list(inspect.signature(getattr(EarlierClient, name)).parameters), name
    create = next(
        node
        for node in _earlier_source("client.py").body
        if isinstance(node, ast.FunctionDef) and node.name == "create_client"
    )
    assert [a.arg for a in create.args.args] == list(_parameters(earlier_create_client))
    assert {name for name in models if name != "MessageRole"} == set(ours)

    attributes = {
        target.attr
        for node in ast.walk(methods["__init__"])
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute) and getattr(target.value, "id", "") == "self"
    }
    assert attributes == set(EARLIER_CLIENT_ATTRIBUTES)


def test_stream_metadata_has_the_earlier_keys_before_they_arrive(
    client: ChatServerClient, server: FakeServer
) -> None:
    body = sse_body(chunk("Hi"))
    server.on("POST", "/v1/chat/completions", httpx2.Response(200, content=body, headers=SSE))
    stream = client.create_completion(model="m", messages=["Hi"], stream=True)
    assert stream.metadata["usage"] is None
    assert list(stream) == ["Hi"]
    assert stream.metadata["usage"] is None
