"""Chat parameters a ChatServer would ignore are refused or translated, on every code path."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from chatserver_sdk import AsyncChatServerClient, ChatServerClient
from chatserver_sdk._parameters import READ_BY_SERVER, REFUSED, UnsupportedParameterError

from ..conftest import FakeServer, client_for, completion

UPSTREAM_REQUEST_MODEL = {
    "model",
    "messages",
    "temperature",
    "max_tokens",
    "top_p",
    "stream",
    "user",
    "system_prompt",
    "metadata",
}


def test_the_fields_read_are_upstreams_request_model() -> None:
    # atomsAgent/schemas/openai.py: ChatCompletionRequest. Everything else is dropped by pydantic.
    assert READ_BY_SERVER == UPSTREAM_REQUEST_MODEL


@pytest.fixture
def answering(server: FakeServer) -> FakeServer:
    server.on("POST", "/v1/chat/completions", httpx2.Response(200, json=completion()))
    return server


def native(client: ChatServerClient, **params: Any) -> Any:
    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], **params)


def sdk(client: ChatServerClient, **params: Any) -> Any:
    return client.create_completion("m", ["hi"], extra_body=params)


PATHS = {"native": native, "create_completion(extra_body=...)": sdk}


@pytest.mark.parametrize("path", PATHS)
def test_max_completion_tokens_is_sent_as_max_tokens(
    path: str, client: ChatServerClient, answering: FakeServer
) -> None:
    if path == "native":
        native(client, max_completion_tokens=321)
    else:
        client.create_completion("m", ["hi"], max_tokens=None, extra_body={"max_completion_tokens": 321})  # type: ignore[arg-type]
    sent = answering.last_json()
    assert sent["max_tokens"] == 321 and "max_completion_tokens" not in sent


def test_both_token_limits_is_a_clear_error(client: ChatServerClient, answering: FakeServer) -> None:
    with pytest.raises(UnsupportedParameterError, match="only one of max_tokens and max_completion_tokens"):
        native(client, max_tokens=100, max_completion_tokens=200)
    assert answering.requests == []


REFUSALS = {
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
    "tool_choice": "auto",
    "response_format": {"type": "json_object"},
    "n": 3,
    "stop": ["\n"],
    "logprobs": True,
    "seed": 7,
    "presence_penalty": 0.5,
    "parallel_tool_calls": False,
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", REFUSALS)
def test_ignored_parameters_are_refused_before_sending(
    path: str, name: str, client: ChatServerClient, answering: FakeServer
) -> None:
    with pytest.raises(UnsupportedParameterError) as caught:
        PATHS[path](client, **{name: REFUSALS[name]})
    assert answering.requests == []
    message = str(caught.value)
    assert message.startswith(name) and "a ChatServer does not read it and would ignore it" in message
    assert REFUSED[name] in message and "send_unsupported_params=True" in message
    assert len(message) < 300
    assert isinstance(caught.value, ValueError)


def test_tools_point_to_allowed_tools(client: ChatServerClient, answering: FakeServer) -> None:
    with pytest.raises(UnsupportedParameterError, match="allowed_tools"):
        native(client, tools=REFUSALS["tools"])


@pytest.mark.parametrize(
    "params",
    [{"n": 1}, {"stream_options": {"include_usage": True}}, {"presence_penalty": 0}, {"logprobs": False}],
    ids=lambda p: next(iter(p)),
)
def test_values_that_change_nothing_are_left_out(
    params: dict[str, Any], client: ChatServerClient, answering: FakeServer
) -> None:
    if "stream_options" in params:
        answering.on(
            "POST",
            "/v1/chat/completions",
            httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=b"data: [DONE]\n\n"),
        )
        list(native(client, stream=True, **params))
    else:
        native(client, **params)
    assert set(answering.last_json()) <= UPSTREAM_REQUEST_MODEL


def test_send_unsupported_params_sends_the_body_unchanged(server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", httpx2.Response(200, json=completion()))
    client = client_for(server, api_key=None, send_unsupported_params=True)
    native(client, tools=REFUSALS["tools"], max_completion_tokens=9)
    sent = server.last_json()
    assert sent["tools"] == REFUSALS["tools"] and sent["max_completion_tokens"] == 9
    assert client.with_options(send_unsupported_params=False).send_unsupported_params is False


async def test_async_client_refuses_too(aclient: AsyncChatServerClient, server: FakeServer) -> None:
    with pytest.raises(UnsupportedParameterError, match="response_format"):
        await aclient.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], response_format={"type": "json_object"}
        )
    assert server.requests == []


def test_langchain_given_our_client_gets_the_clear_error(
    client: ChatServerClient, answering: FakeServer
) -> None:
    @tool
    def lookup(city: str) -> str:
        """Weather in a city."""
        return "sunny"

    model = ChatOpenAI(model="m", api_key="unused", root_client=client, client=client.chat.completions)  # type: ignore[arg-type]
    model.invoke("plain chat works")
    assert json.loads(answering.last.content)["messages"][-1]["content"] == "plain chat works"
    with pytest.raises(UnsupportedParameterError, match="tools"):
        model.bind_tools([lookup]).invoke("what is the weather in Paris?")


# --- messages a ChatServer cannot read (issue 18) ---------------------------------------------


def with_messages(path: str, client: ChatServerClient, messages: list[dict[str, Any]]) -> Any:
    if path == "native":
        return client.chat.completions.create(model="m", messages=messages)  # type: ignore[arg-type]
    return client.create_completion("m", messages)


@pytest.mark.parametrize("path", PATHS)
def test_the_developer_role_is_sent_as_system(
    path: str, client: ChatServerClient, answering: FakeServer
) -> None:
    with_messages(
        path, client, [{"role": "developer", "content": "Be terse."}, {"role": "user", "content": "hi"}]
    )
    assert [m["role"] for m in json.loads(answering.last.content)["messages"]] == ["system", "user"]


IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
AUDIO = {"type": "input_audio", "input_audio": {"data": "UklGR", "format": "wav"}}
TOOL_CALL = [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("messages", "named"),
    [
        (
            [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, IMAGE]}],
            r"messages\[0\]\.content\[1\]",
        ),
        (
            [{"role": "user", "content": "hi"}, {"role": "user", "content": [AUDIO]}],
            r"messages\[1\]\.content\[0\]",
        ),
        (
            [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": None, "tool_calls": TOOL_CALL},
            ],
            r"messages\[1\]\.tool_calls",
        ),
    ],
    ids=["image part", "audio part", "assistant tool calls"],
)
def test_what_a_chatserver_cannot_read_is_refused_naming_the_message_and_part(
    path: str, messages: list[dict[str, Any]], named: str, client: ChatServerClient, answering: FakeServer
) -> None:
    with pytest.raises(UnsupportedParameterError, match=named) as caught:
        with_messages(path, client, messages)
    assert answering.requests == [] and len(str(caught.value)) < 300
