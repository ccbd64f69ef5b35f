"""Response models that survive a newer server (issue 17) and agentapi 0.12.1's types (issue 16).

A server that moves first may send a value of an enum the SDK does not know, ``null`` where it
used to send a value, or fields the SDK has never heard of. None of these may fail a whole
response: unknown enum values are kept as the string, ``null`` takes the field's default and
unknown fields are kept. The generic tests below build such "future-shaped" answers for every
model reachable from ``chatserver_sdk.types`` out of the models' own field info, so a model or a
field added later is covered without touching this file.
"""

from __future__ import annotations

import enum
import json
import types
import typing
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Union

import pydantic
import pytest
from pydantic.fields import FieldInfo

import chatserver_sdk.types as types_module
from chatserver_sdk.types import (
    AgentErrorEvent,
    AgentEvent,
    AgentMessage,
    AgentStatus,
    ChatCompletionRequest,
    ChatSessionListResponse,
    ChatSessionSummary,
    ContentPart,
    MCPAuthType,
    MCPScope,
    MCPScopeType,
    MCPServer,
    Message,
    MessageRole,
    MessageUpdateEvent,
    StatusChangeEvent,
)
from chatserver_sdk.types._base import Model

from ..conftest import FakeServer, client_for

UNKNOWN = "x-future-value"
"""An enum value no version of the SDK knows."""
EXTRA = "x_future_field"
EXTRA_VALUE: dict[str, Any] = {"nested": [1, None, {"deeper": "yes"}]}
WHEN = "2031-02-03T04:05:06Z"
AGENTAPI_SPEC = Path(__file__).resolve().parents[1] / "upstream" / "agentapi-openapi.json"

# Literal fields that are the SDK's own tag for a model, not a value the server chooses: the
# event models are picked by the SSE event name and the server's data never carries "event".
TAGS = {
    (MessageUpdateEvent, "event"),
    (StatusChangeEvent, "event"),
    (AgentErrorEvent, "event"),
}

# Request bodies the SDK builds from a caller's arguments: unknown keys are dropped on purpose,
# so that they never reach the server. Every other model keeps them.
EXTRAS_IGNORED = {ChatCompletionRequest}


# --- finding the models ----------------------------------------------------------------------------


def _models_in(tp: Any) -> set[type[Model]]:
    """The Model classes a type (or a type expression such as a Union) names, at any depth."""
    if isinstance(tp, type) and issubclass(tp, Model):
        return {tp}
    found: set[type[Model]] = set()
    for arg in typing.get_args(tp):
        found |= _models_in(arg)
    return found


def reachable_models() -> list[type[Model]]:
    """Every Model exported by ``chatserver_sdk.types`` or named by a field of one, recursively."""
    todo: set[type[Model]] = set()
    for value in vars(types_module).values():
        todo |= _models_in(value)
    seen: set[type[Model]] = set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for info in cls.model_fields.values():
            todo |= _models_in(info.annotation) - seen
    return sorted(seen, key=lambda c: c.__name__)


MODELS = reachable_models()


def _all_subclasses(cls: type) -> set[type]:
    out: set[type] = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _all_subclasses(sub)
    return out


def test_every_model_defined_in_types_is_reachable() -> None:
    # _base holds what the models are built from (Model, Recoverable), not models a server sends.
    defined = {
        c
        for c in _all_subclasses(Model)
        if c.__module__.startswith("chatserver_sdk.types") and c.__module__ != "chatserver_sdk.types._base"
    }
    assert defined <= set(MODELS), sorted(c.__name__ for c in defined - set(MODELS))
    assert len(MODELS) >= 30


# --- generating future-shaped answers from field info ---------------------------------------------


def _is_open_choice(args: tuple[Any, ...]) -> bool:
    """``SomeEnum | str`` or ``Literal[...] | str``: a closed set of names, kept open."""
    closed = [a for a in args if a is not str]
    return (
        str in args
        and bool(closed)
        and all(
            typing.get_origin(a) is Literal or (isinstance(a, type) and issubclass(a, enum.Enum))
            for a in closed
        )
    )


def future_value(tp: Any, *, nulls: bool, depth: int = 0) -> Any:
    """A value of type ``tp`` as a newer server might send it."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        return future_value(args[0], nulls=nulls, depth=depth)
    if origin in (Union, types.UnionType):
        present = tuple(a for a in args if a is not type(None))
        if _is_open_choice(present):
            return UNKNOWN
        if datetime in present:
            return WHEN
        return future_value(present[0], nulls=nulls, depth=depth)
    if origin is Literal or (isinstance(tp, type) and issubclass(tp, enum.Enum)):
        return UNKNOWN  # a closed set: the test fails for it, as a server's new value would
    if isinstance(tp, type) and issubclass(tp, Model):
        return future_answer(tp, nulls=nulls, depth=depth + 1)
    if origin in (list, typing.List, tuple, set) or tp is list:  # noqa: UP006
        item = args[0] if args else Any
        return [future_value(item, nulls=nulls, depth=depth)]
    if origin is dict or tp is dict:
        value_type = args[1] if len(args) == 2 else Any
        return {"k": future_value(value_type, nulls=nulls, depth=depth)}
    simple: dict[Any, Any] = {bool: True, int: 7, float: 0.5, str: "text", datetime: WHEN}
    if tp in simple:
        return simple[tp]
    if tp is Any:
        return {"anything": [1, None]}
    raise AssertionError(f"no future value for {tp!r}: teach future_value this type")


def future_answer(cls: type[Model], *, nulls: bool, depth: int = 0) -> dict[str, Any]:
    """What a newer server might send for ``cls``.

    ``nulls``: every field that has a default is ``null`` (required ones get a value, built the
    same way). Otherwise every field has a value: unknown strings for enums, nested models alike.
    Either way an unknown field is added.
    """
    assert depth < 8, f"{cls.__name__}: models nest too deep"
    answer: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        key = info.alias or name
        if (cls, name) in TAGS:
            answer[key] = None if nulls else typing.get_args(info.annotation)[0]
        elif nulls and not info.is_required():
            answer[key] = None
        else:
            answer[key] = future_value(info.annotation, nulls=nulls, depth=depth)
    answer[EXTRA] = EXTRA_VALUE
    return answer


def check_parsed(model: Any, answer: Any, where: str) -> None:
    """What was parsed keeps every future value and gives defaults for nulls, at every depth."""
    if isinstance(model, Model):
        assert isinstance(answer, dict), where
        if type(model) not in EXTRAS_IGNORED:
            assert model.model_extra is not None and model.model_extra.get(EXTRA) == EXTRA_VALUE, where
        for name, info in type(model).model_fields.items():
            check_field(model, name, info, answer[info.alias or name], f"{where}.{name}")
    elif isinstance(model, list):
        assert isinstance(answer, list) and len(model) == len(answer), where
        for i, (item, sent) in enumerate(zip(model, answer, strict=True)):
            check_parsed(item, sent, f"{where}[{i}]")
    elif isinstance(model, dict):
        assert isinstance(answer, dict) and model.keys() == answer.keys(), where
        for key in model:
            check_parsed(model[key], answer[key], f"{where}[{key!r}]")
    elif isinstance(model, datetime):
        assert model == datetime.fromisoformat(answer.replace("Z", "+00:00")), where
    elif isinstance(model, enum.Enum):
        assert model.value == answer, where
    else:
        assert model == answer and type(model) is type(answer), where


def check_field(model: Model, name: str, info: FieldInfo, sent: Any, where: str) -> None:
    value = getattr(model, name)
    if sent is None and _allows_none(info.annotation):
        assert value is None, f"{where}: null gave {value!r}"  # null is a value of this field
    elif sent is None:
        default = info.get_default(call_default_factory=True)
        assert value == default, f"{where}: null gave {value!r}, not the default {default!r}"
    elif sent == UNKNOWN:
        assert value == UNKNOWN and type(value) is str, f"{where}: unknown value became {value!r}"
    else:
        check_parsed(value, sent, where)


def _allows_none(tp: Any) -> bool:
    return typing.get_origin(tp) in (Union, types.UnionType) and type(None) in typing.get_args(tp)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("nulls", [True, False], ids=["nulls", "values"])
def test_a_future_shaped_answer_parses(cls: type[Model], nulls: bool) -> None:
    answer = future_answer(cls, nulls=nulls)
    from_json = cls.model_validate_json(json.dumps(answer))
    check_parsed(from_json, answer, cls.__name__)
    # The earlier SDK's constructor from a dict takes the same path.
    assert cls.from_dict(answer) == from_json


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_fields_an_older_server_leaves_out_take_their_defaults(cls: type[Model]) -> None:
    answer = {k: v for k, v in future_answer(cls, nulls=True).items() if v is not None}
    model = cls.model_validate_json(json.dumps(answer))
    for name, info in cls.model_fields.items():
        if (info.alias or name) not in answer:
            assert getattr(model, name) == info.get_default(call_default_factory=True), name


def test_the_generator_covers_open_enums_and_nulls() -> None:
    # The generic tests mean something only if the answers hold what they are meant to.
    answer = future_answer(MCPServer, nulls=False)
    assert answer["auth_type"] == UNKNOWN and answer["type"] == UNKNOWN
    assert answer["scope"]["type"] == UNKNOWN and answer["scope"][EXTRA] == EXTRA_VALUE
    assert answer["metadata"]["args"] == ["text"]
    nulls = future_answer(ChatSessionListResponse, nulls=True)
    assert nulls["sessions"] is None and nulls["total"] is None
    assert future_answer(Message, nulls=True)["role"] == UNKNOWN  # required: a value, not null


# --- point 1, as a user meets it ----------------------------------------------------------------

ORG = str(uuid.UUID(int=7))
USER = str(uuid.UUID(int=8))


def _mcp_server(i: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.UUID(int=100 + i)),
        "name": f"srv{i}",
        "type": "http",
        "endpoint": "https://mcp.example.com",
        "auth_type": "none",
        "bearer_token_id": None,
        "oauth_provider": None,
        "enabled": True,
        "metadata": {"args": [], "env": {}},
        "created_at": WHEN,
        "scope": {"type": "platform", "organization_id": None, "user_id": None},
        **fields,
    }


def test_one_server_of_a_kind_the_sdk_does_not_know_does_not_fail_the_listing(server: FakeServer) -> None:
    items = [
        _mcp_server(0),
        _mcp_server(1, auth_type="mtls", type="websocket", scope={"type": "team", "team_id": "t-1"}),
        _mcp_server(2, enabled=None, metadata=None),
    ]
    server.on("GET", "/atoms/mcp", {"items": items})
    with client_for(server) as client:
        listing = client.list_mcp_servers(ORG)
    known, future, nulls = listing.items
    assert known.scope is not None and known.scope.type is MCPScopeType.PLATFORM
    assert known.auth_type is MCPAuthType.NONE
    assert future.auth_type == "mtls" and future.type == "websocket"
    assert future.scope is not None and future.scope.type == "team" and future.scope["team_id"] == "t-1"
    assert nulls.enabled is True and nulls.metadata.args == [] and nulls.metadata.env == {}


def test_nulls_in_a_session_page_take_the_defaults(server: FakeServer) -> None:
    session = {
        "id": str(uuid.UUID(int=1)),
        "user_id": USER,
        "created_at": WHEN,
        "updated_at": WHEN,
        "message_count": None,
        "tokens_in": None,
        "tokens_out": None,
        "tokens_total": None,
        "metadata": None,
        "archived": None,
        "title": None,
    }
    page = {"sessions": [session], "total": None, "page": None, "page_size": None, "has_more": None}
    server.on("GET", "/atoms/chat/sessions", page)
    with client_for(server) as client:
        listing = client.list_sessions(USER)
    (summary,) = listing.sessions
    assert (summary.message_count, summary.tokens_total) == (0, 0)
    assert (summary.metadata, summary.archived) == ({}, False)
    assert (listing.total, listing.page, listing.page_size, listing.has_more) == (0, 1, 20, False)


def test_a_completion_with_a_new_role_null_usage_and_null_content_parses(server: FakeServer) -> None:
    server.on(
        "POST",
        "/v1/chat/completions",
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "developer", "content": None},
                    "finish_reason": "tool_calls",
                },
            ],
            "usage": None,
            "system_fingerprint": "s",
        },
    )
    with client_for(server) as client:
        result = client.create_completion("m", ["hi"])
    message = result.choices[0].message
    assert message.role == "developer" and message.content == "" and message.text == ""
    assert result.usage.total_tokens == 0


def test_known_values_still_parse_to_the_enum_members() -> None:
    assert Message.model_validate_json('{"role": "user", "content": "hi"}').role is MessageRole.USER
    assert MCPScope.model_validate({"type": "organization"}).type is MCPScopeType.ORGANIZATION
    server = MCPServer.model_validate_json(json.dumps(_mcp_server(0, auth_type="oauth")))
    assert server.auth_type is MCPAuthType.OAUTH


def test_enum_members_and_unknown_strings_print_the_same_way() -> None:
    # A caller that prints an open field gets the value whether the SDK knew it or not.
    known = MCPScope(type=MCPScopeType.USER)
    unknown = MCPScope.model_validate({"type": "team"})
    assert [f"{known.type}", str(known.type)] == ["user", "user"]
    assert [f"{unknown.type}", str(unknown.type)] == ["team", "team"]
    assert str(MCPAuthType.BEARER) == "bearer" and f"{MessageRole.TOOL}" == "tool"


def test_unknown_values_round_trip_through_to_dict() -> None:
    sent = _mcp_server(1, auth_type="mtls", scope={"type": "team"})
    server = MCPServer.from_dict(sent)
    assert server.to_dict()["auth_type"] == "mtls" and server.to_dict()["scope"]["type"] == "team"
    assert MCPServer.from_dict(server.to_dict()) == server


def test_a_content_part_of_a_new_kind_is_kept() -> None:
    parts = [{"type": "text", "text": "See "}, {"type": "image_url", "url": "u"}]
    message = Message.model_validate({"role": "assistant", "content": parts})
    assert isinstance(message.content, list)
    _, image = message.content
    assert isinstance(image, ContentPart) and image.type == "image_url" and image["url"] == "u"
    assert message.text == "See "


@pytest.mark.parametrize(
    ("cls", "answer", "field", "bad"),
    [
        (ChatSessionSummary, {"id": "s", "message_count": "many"}, "message_count", "many"),
        (MCPServer, {"id": "x", "enabled": "perhaps"}, "enabled", "perhaps"),
        (AgentStatus, {"status": "stable", "transport": 42}, "transport", "42"),
        (Message, {"role": ["user"], "content": "hi"}, "role", "['user']"),
    ],
)
def test_a_wrong_value_is_still_an_error_naming_the_field_and_the_value(
    cls: type[Model], answer: dict[str, Any], field: str, bad: str
) -> None:
    # Only null takes the default: a value of the wrong kind is not silently replaced.
    with pytest.raises(pydantic.ValidationError) as caught:
        cls.model_validate_json(json.dumps(answer))
    assert field in str(caught.value) and bad in str(caught.value)


def test_a_wrong_value_from_the_server_is_a_response_validation_error(server: FakeServer) -> None:
    from chatserver_sdk import ResponseValidationError

    server.on("GET", "/atoms/chat/sessions", {"sessions": [{"id": "s", "message_count": "many"}]})
    with client_for(server) as client, pytest.raises(ResponseValidationError) as caught:
        client.list_sessions(USER)
    assert "message_count" in caught.value.message and "many" in caught.value.message


def test_request_bounds_stay() -> None:
    with pytest.raises(pydantic.ValidationError, match="temperature"):
        ChatCompletionRequest(model="m", messages=[Message(role="user", content="hi")], temperature=3)
    with pytest.raises(pydantic.ValidationError, match="max_tokens"):
        ChatCompletionRequest(model="m", messages=[], max_tokens=0)


# --- point 3: agentapi 0.12.1 --------------------------------------------------------------------


def _agentapi_schema(name: str) -> dict[str, Any]:
    spec = json.loads(AGENTAPI_SPEC.read_text())
    schema: dict[str, Any] = spec["components"]["schemas"][name]
    return schema


def _named_values(cls: type[Model], field: str) -> set[str]:
    """The values an open field names for its users (the Literal's or the enum's)."""
    annotation = cls.model_fields[field].annotation
    names: set[str] = set()
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is Literal:
            names |= set(typing.get_args(arg))
        elif isinstance(arg, type) and issubclass(arg, enum.Enum):
            names |= {member.value for member in arg}
    assert str in typing.get_args(annotation), f"{cls.__name__}.{field} is not open: {annotation}"
    return names


@pytest.mark.parametrize(
    ("cls", "field", "spec_enum"),
    [
        (AgentStatus, "status", "AgentStatus"),
        (AgentStatus, "transport", "Transport"),
        (StatusChangeEvent, "status", "AgentStatus"),
        (AgentMessage, "role", "ConversationRole"),
        (MessageUpdateEvent, "role", "ConversationRole"),
        (AgentErrorEvent, "level", "ErrorLevel"),
    ],
)
def test_open_fields_name_exactly_the_values_agentapi_lists(
    cls: type[Model], field: str, spec_enum: str
) -> None:
    assert _named_values(cls, field) == set(_agentapi_schema(spec_enum)["enum"])


@pytest.mark.parametrize(
    ("cls", "spec_body"),
    [
        (AgentStatus, "StatusResponseBody"),
        (AgentErrorEvent, "ErrorBody"),
        (MessageUpdateEvent, "MessageUpdateBody"),
        (StatusChangeEvent, "StatusChangeBody"),
        (AgentMessage, "Message"),
    ],
)
def test_agent_models_have_every_field_agentapi_sends(cls: type[Model], spec_body: str) -> None:
    properties = set(_agentapi_schema(spec_body)["properties"]) - {"$schema"}
    names = {info.alias or name for name, info in cls.model_fields.items()}
    assert properties <= names, sorted(properties - names)


@pytest.mark.parametrize("transport", ["pty", "acp", "websocket"])
def test_agent_status_transport(transport: str) -> None:
    status = AgentStatus.model_validate_json(
        json.dumps({"agent_type": "claude", "status": "stable", "transport": transport})
    )
    assert status.transport == transport and type(status.transport) is str


def test_agent_status_from_an_agentapi_before_transport(server: FakeServer) -> None:
    # agentapi before 0.12 sends no transport: it only had the terminal (pty) one.
    server.on("GET", "/status", {"agent_type": "claude", "status": "paused"})
    with client_for(server) as client:
        status = client.get_agent_status()
    assert (status.status, status.transport) == ("paused", "pty")
    assert "transport" not in status  # read like the dict the server sent
    assert AgentStatus.model_validate({"status": "running", "transport": None}).transport == "pty"


def test_agent_error_event_parses_agentapis_body() -> None:
    body = '{"message": "could not load saved state", "level": "warning", "time": "2026-04-10T12:00:00Z"}'
    event = AgentErrorEvent.model_validate_json(body)
    assert event.event == "agent_error"
    assert (event.message, event.level) == ("could not load saved state", "warning")
    assert event.time == datetime(2026, 4, 10, 12, tzinfo=UTC)
    assert AgentErrorEvent.model_validate_json('{"message": "x", "level": "fatal"}').level == "fatal"
    assert AgentErrorEvent.model_validate_json('{"message": "x", "level": null}').level == "error"


def test_agent_error_event_is_an_agent_event_and_exported() -> None:
    assert AgentErrorEvent in typing.get_args(AgentEvent)
    assert "AgentErrorEvent" in types_module.__all__
    assert {MessageUpdateEvent, StatusChangeEvent} < set(typing.get_args(AgentEvent))


# --- point 4: parsing stays in pydantic-core ------------------------------------------------------

# Python validators that run on purpose (once per model, not per field).
PYTHON_VALIDATORS_ALLOWED = {"ChatSessionDetailResponse": 1}


def _python_validators(schema: Any) -> int:
    if isinstance(schema, dict):
        own = 1 if str(schema.get("type", "")).startswith("function-") else 0
        return own + sum(_python_validators(v) for v in schema.values())
    if isinstance(schema, list):
        return sum(_python_validators(v) for v in schema)
    return 0


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_parsing_runs_no_python_validator_per_field(cls: type[Model]) -> None:
    # Tolerance costs little only while pydantic-core does it: a Python validator per field
    # would run for every field of every item of a page (the parse-cost goal).
    cls.model_rebuild()
    count = _python_validators(cls.__pydantic_core_schema__)
    assert count == PYTHON_VALIDATORS_ALLOWED.get(cls.__name__, 0)
