"""Raw HTTP: ``POST /v1/chat/completions`` without streaming — the answer, its errors, its faults."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from .targets import Fault, Target, new_id
from .wire import (
    CHOICE_KEYS,
    COMPLETION_ID,
    COMPLETION_KEYS,
    DEFAULT_SESSION_ID,
    MESSAGE_KEYS,
    USAGE_KEYS,
    assert_internal_error,
    assert_server_error,
    completion_body,
    detail,
    json_body,
    user,
    validation_errors,
)

# Every scenario runs against live servers (upstream's and the emulator).
pytestmark = pytest.mark.slow

EMPTY_MESSAGES = "messages array must include at least one message"
EMPTY_MODEL = "model field is required - fetch available models from /v1/models endpoint"


def complete(
    raw: httpx2.Client, target: Target, messages: list[dict[str, Any]], **fields: Any
) -> httpx2.Response:
    return raw.post("/v1/chat/completions", json=completion_body(messages, target.model, **fields))


def assert_completion(body: dict[str, Any], model: str) -> str:
    """Checks an answer's shape; returns the reply text."""
    assert set(body) == COMPLETION_KEYS, body
    assert COMPLETION_ID.fullmatch(body["id"]), body["id"]
    assert body["object"] == "chat.completion"
    assert isinstance(body["created"], int)
    assert body["model"] == model
    [choice] = body["choices"]
    assert set(choice) == CHOICE_KEYS
    assert choice["index"] == 0
    # Upstream's route always says "stop", whatever cut the reply short.
    assert choice["finish_reason"] == "stop"
    message = choice["message"]
    assert set(message) == MESSAGE_KEYS
    assert (message["role"], message["name"]) == ("assistant", None)
    assert isinstance(message["content"], str) and message["content"]
    usage = body["usage"]
    assert set(usage) == USAGE_KEYS
    assert all(isinstance(usage[key], int) and usage[key] >= 0 for key in USAGE_KEYS)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["completion_tokens"] > 0
    return str(message["content"])


def test_completion(raw: httpx2.Client, target: Target) -> None:
    body = json_body(complete(raw, target, [user("Hello!")]), 200)
    assert_completion(body, target.model)
    # No session id given: upstream makes one up, and it is not a UUID.
    assert DEFAULT_SESSION_ID.fullmatch(body["system_fingerprint"]), body["system_fingerprint"]


def test_each_completion_without_a_session_id_is_its_own_session(raw: httpx2.Client, target: Target) -> None:
    first = json_body(complete(raw, target, [user("One")]), 200)
    second = json_body(complete(raw, target, [user("Two")]), 200)
    assert first["system_fingerprint"] != second["system_fingerprint"]
    assert first["id"] != second["id"]


@pytest.mark.parametrize("session_id", ["my-own-session", "00000000-0000-0000-0000-00000000c0de"])
def test_session_id_comes_back_as_system_fingerprint(
    raw: httpx2.Client, target: Target, session_id: str
) -> None:
    # Without a user id nothing is stored, so any string serves as a session id.
    body = json_body(complete(raw, target, [user("Hi")], metadata={"session_id": session_id}), 200)
    assert body["system_fingerprint"] == session_id


def test_conversation_with_every_role_and_content_parts(raw: httpx2.Client, target: Target) -> None:
    messages = [
        {"role": "system", "content": "You are terse."},
        user([{"type": "text", "text": "What is 2 + 2?"}]),
        {"role": "assistant", "content": "4", "name": "calculator"},
        {"role": "tool", "content": "ok"},
        user(["A bare string part", {"type": "text", "text": "and a text part"}]),
    ]
    assert_completion(
        json_body(complete(raw, target, messages, system_prompt="Answer briefly."), 200), target.model
    )


def test_finish_reason_is_stop_even_when_max_tokens_is_tiny(raw: httpx2.Client, target: Target) -> None:
    body = json_body(complete(raw, target, [user("Write a long essay about the sea")], max_tokens=1), 200)
    assert body["choices"][0]["finish_reason"] == "stop"


def test_fields_the_server_does_not_know_are_ignored(raw: httpx2.Client, target: Target) -> None:
    # tools, n, stop, response_format ... are not part of upstream's request model: silently dropped.
    extra = {"tools": [{"type": "function", "function": {"name": "f"}}], "n": 3, "stop": ["\n"]}
    body = json_body(complete(raw, target, [user("Hi")], **extra), 200)
    assert len(body["choices"]) == 1


@pytest.mark.parametrize("stream", [False, True])
def test_empty_messages(raw: httpx2.Client, stream: bool) -> None:
    # Checked before the model, and answered as JSON even when a stream was asked for.
    response = raw.post("/v1/chat/completions", json={"model": "", "messages": [], "stream": stream})
    assert detail(response, 400) == EMPTY_MESSAGES


@pytest.mark.parametrize("stream", [False, True])
def test_empty_model(raw: httpx2.Client, stream: bool) -> None:
    response = raw.post(
        "/v1/chat/completions", json={"model": "", "messages": [user("hi")], "stream": stream}
    )
    assert detail(response, 400) == EMPTY_MODEL


VALID = {"model": "any-model", "messages": [user("hi")]}

INVALID_BODIES: list[tuple[str, Any, tuple[Any, ...], str]] = [
    ("temperature above 2", {**VALID, "temperature": 2.5}, ("body", "temperature"), "less_than_equal"),
    ("temperature below 0", {**VALID, "temperature": -0.1}, ("body", "temperature"), "greater_than_equal"),
    ("temperature not a number", {**VALID, "temperature": "hot"}, ("body", "temperature"), "float_parsing"),
    ("max_tokens 0", {**VALID, "max_tokens": 0}, ("body", "max_tokens"), "greater_than_equal"),
    ("max_tokens above 4000", {**VALID, "max_tokens": 4001}, ("body", "max_tokens"), "less_than_equal"),
    ("top_p above 1", {**VALID, "top_p": 1.1}, ("body", "top_p"), "less_than_equal"),
    ("top_p below 0", {**VALID, "top_p": -0.5}, ("body", "top_p"), "greater_than_equal"),
    ("no model", {"messages": [user("hi")]}, ("body", "model"), "missing"),
    ("no messages", {"model": "m"}, ("body", "messages"), "missing"),
    ("messages not a list", {"model": "m", "messages": user("hi")}, ("body", "messages"), "list_type"),
    (
        "unknown role",
        {"model": "m", "messages": [{"role": "robot", "content": "hi"}]},
        ("body", "messages", 0, "role"),
        "literal_error",
    ),
    (
        "message without content",
        {"model": "m", "messages": [{"role": "user"}]},
        ("body", "messages", 0, "content"),
        "missing",
    ),
    (
        "content a number",
        {"model": "m", "messages": [user(5)]},
        ("body", "messages", 0, "content", "str"),
        "string_type",
    ),
    ("user not a string", {**VALID, "user": 5}, ("body", "user"), "string_type"),
    ("metadata not an object", {**VALID, "metadata": "x"}, ("body", "metadata"), "dict_type"),
    ("body a list", [1, 2], ("body",), "model_attributes_type"),
]


@pytest.mark.parametrize(
    ("body", "location", "error_type"),
    [pytest.param(body, location, kind, id=name) for name, body, location, kind in INVALID_BODIES],
)
def test_invalid_request_body(
    raw: httpx2.Client, body: Any, location: tuple[Any, ...], error_type: str
) -> None:
    errors = validation_errors(raw.post("/v1/chat/completions", json=body))
    assert (location, error_type) in [(tuple(error["loc"]), error["type"]) for error in errors], errors


def test_body_that_is_not_json(raw: httpx2.Client) -> None:
    response = raw.post(
        "/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"}
    )
    [error] = validation_errors(response)
    assert (error["type"], error["loc"][0]) == ("json_invalid", "body")


def test_empty_body(raw: httpx2.Client) -> None:
    [error] = validation_errors(raw.post("/v1/chat/completions"))
    assert (error["type"], error["loc"]) == ("missing", ["body"])


# --- the agent fails ----------------------------------------------------------------------------------


@pytest.mark.needs("faults")
@pytest.mark.parametrize(
    ("fault", "status"),
    [(Fault.REJECTED, 400), (Fault.FAILED, 503), (Fault.UNAVAILABLE, 503)],
    ids=["rejected", "failed", "unavailable"],
)
def test_agent_failure(raw: httpx2.Client, target: Target, fault: Fault, status: int) -> None:
    injection = target.inject(fault)
    messages = injection.messages([user("Tell me a story")])
    response = complete(raw, target, messages, metadata=dict(injection.metadata))
    # The agent's own words, as FastAPI's {"detail"}.
    assert detail(response, status)


@pytest.mark.needs("faults")
def test_agent_crash_is_a_plain_text_500(raw: httpx2.Client, target: Target) -> None:
    injection = target.inject(Fault.CRASHED)
    response = complete(
        raw, target, injection.messages([user("Tell me a story")]), metadata=dict(injection.metadata)
    )
    assert_internal_error(response)


@pytest.mark.parametrize("field", ["user_id", "organization_id"])
def test_non_uuid_ids_in_metadata_are_a_500(raw: httpx2.Client, target: Target, field: str) -> None:
    metadata = {"user_id": new_id(), "session_id": new_id(), field: "not-a-uuid"}
    assert_server_error(complete(raw, target, [user("Hi")], metadata=metadata))
