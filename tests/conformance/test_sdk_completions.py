"""Through the SDK: completions and streams — ``create_completion``, openai's own
``chat.completions.create`` on the same client, and the async client — and what each
raises when the server or its agent fails.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest

from chatserver_sdk import (
    AsyncChatServerClient,
    ChatCompletionResponse,
    ChatServerClient,
    MessageRole,
    ModelsResponse,
    UsageInfo,
)
from chatserver_sdk.exceptions import (
    APIConnectionError,
    BadRequestError,
    ChatServerError,
    IncompleteStreamError,
    InternalServerError,
    StreamError,
    UnprocessableEntityError,
)

from .targets import Fault, Target
from .wire import COMPLETION_ID

# Every scenario runs against live servers (upstream's and the emulator).
pytestmark = pytest.mark.slow


def assert_response(response: ChatCompletionResponse, target: Target) -> None:
    assert isinstance(response, ChatCompletionResponse)
    assert COMPLETION_ID.fullmatch(response.id)
    assert response.model == target.model
    [choice] = response.choices
    assert choice.message.role == MessageRole.ASSISTANT
    assert isinstance(choice.message.content, str) and choice.message.content
    assert choice.finish_reason == "stop"
    usage = response.usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0
    assert response.system_fingerprint


def test_sdk_models(sdk: ChatServerClient, target: Target) -> None:
    models = sdk.list_models()
    assert isinstance(models, ModelsResponse) and models.object == "list"
    ids = [model.id for model in models.data]
    assert target.model in ids
    assert all(model.object == "model" for model in models.data)
    # openai's own listing on the same client sees the same models.
    assert [model.id for model in sdk.models.list()] == ids


def test_sdk_completion(sdk: ChatServerClient, target: Target) -> None:
    assert_response(sdk.create_completion(model=target.model, messages=["Hello!"]), target)


def test_sdk_completion_with_every_kind_of_message(sdk: ChatServerClient, target: Target) -> None:
    first = sdk.create_completion(
        model=target.model,
        messages=[{"role": "system", "content": "You are terse."}, "What is recursion?"],
        system_prompt="Answer briefly.",
        temperature=0.2,
        max_tokens=200,
        top_p=0.9,
    )
    assert_response(first, target)
    # A conversation grown from its own replies.
    second = sdk.create_completion(
        model=target.model,
        messages=[
            "What is recursion?",
            first.choices[0].message,
            {"role": "user", "content": [{"type": "text", "text": "Give me an example."}]},
        ],
    )
    assert_response(second, target)


def test_openai_native_completion(sdk: ChatServerClient, target: Target) -> None:
    completion = sdk.chat.completions.create(
        model=target.model, messages=[{"role": "user", "content": "Hello!"}]
    )
    assert completion.object == "chat.completion"
    assert completion.model == target.model
    assert completion.choices[0].message.role == "assistant" and completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (
        completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert completion.system_fingerprint


def test_sdk_stream(sdk: ChatServerClient, target: Target) -> None:
    with sdk.create_completion(model=target.model, messages=["Tell me a story"], stream=True) as stream:
        deltas = list(stream)
    assert deltas and all(isinstance(delta, str) and delta for delta in deltas)
    metadata = stream.metadata
    assert metadata["system_fingerprint"]
    assert COMPLETION_ID.fullmatch(metadata["id"])
    assert (metadata["model"], metadata["finish_reason"]) == (target.model, "stop")
    usage = metadata["usage"]
    assert isinstance(usage, UsageInfo)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0


def test_sdk_stream_left_early_releases_the_connection(sdk: ChatServerClient, target: Target) -> None:
    with sdk.create_completion(model=target.model, messages=["Tell me a story"], stream=True) as stream:
        first = next(iter(stream))
    assert isinstance(first, str) and first
    assert stream.metadata["system_fingerprint"]
    assert_response(sdk.create_completion(model=target.model, messages=["Still there?"]), target)


def test_openai_native_stream(sdk: ChatServerClient, target: Target) -> None:
    chunks = list(
        sdk.chat.completions.create(
            model=target.model, messages=[{"role": "user", "content": "Count to 3"}], stream=True
        )
    )
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert len({chunk.system_fingerprint for chunk in chunks}) == 1
    assert len({chunk.id for chunk in chunks}) == 1
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.usage is not None and last.usage.total_tokens > 0


async def test_async_sdk_completion_and_stream(asdk: AsyncChatServerClient, target: Target) -> None:
    response = await asdk.create_completion(model=target.model, messages=["Hello!"])
    assert_response(response, target)
    stream = await asdk.create_completion(model=target.model, messages=["Story?"], stream=True)
    async with stream:
        deltas = [text async for text in stream]
    assert deltas and stream.metadata["finish_reason"] == "stop"
    native = await asdk.chat.completions.create(
        model=target.model, messages=[{"role": "user", "content": "Hi"}]
    )
    assert native.choices[0].message.content


# --- errors the server reports ----------------------------------------------------------------------------


def test_sdk_empty_messages(sdk: ChatServerClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        sdk.create_completion(model="", messages=[])
    error = caught.value
    assert (error.status_code, error.message) == (400, "messages array must include at least one message")
    assert isinstance(error, ChatServerError) and isinstance(error, openai.BadRequestError)
    assert error.body == {"detail": "messages array must include at least one message"}


def test_sdk_empty_model(sdk: ChatServerClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        sdk.create_completion(model="", messages=["hi"])
    assert caught.value.message == "model field is required - fetch available models from /v1/models endpoint"


def test_openai_native_validation_error(sdk: ChatServerClient, target: Target) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        sdk.chat.completions.create(
            model=target.model, messages=[{"role": "user", "content": "hi"}], temperature=3
        )
    error = caught.value
    assert isinstance(error, openai.UnprocessableEntityError) and error.status_code == 422
    # FastAPI's list, each field and its problem.
    assert "body.temperature" in error.message and "less than or equal to 2" in error.message


# --- the agent fails ----------------------------------------------------------------------------------------


def stream_with_sdk(
    sdk: ChatServerClient,
    target: Target,
    messages: list[dict[str, Any]],
    metadata: dict[str, Any],
    received: list[str],
) -> None:
    with sdk.create_completion(
        model=target.model, messages=messages, stream=True, metadata=metadata or None
    ) as stream:
        for text in stream:
            received.append(text)


def stream_with_openai(
    sdk: ChatServerClient,
    target: Target,
    messages: list[dict[str, Any]],
    metadata: dict[str, Any],
    received: list[str],
) -> None:
    extra = {"metadata": metadata} if metadata else None
    for chunk in sdk.chat.completions.create(
        model=target.model,
        messages=messages,  # type: ignore[call-overload]
        stream=True,
        extra_body=extra,
    ):
        if chunk.choices and chunk.choices[0].delta.content:
            received.append(chunk.choices[0].delta.content)


STREAMERS = {"sdk": stream_with_sdk, "openai": stream_with_openai}


def failing(target: Target, fault: Fault) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    injection = target.inject(fault)
    return injection.messages([{"role": "user", "content": "Tell me a story"}]), dict(injection.metadata)


@pytest.mark.needs("faults")
@pytest.mark.parametrize("via", sorted(STREAMERS))
@pytest.mark.parametrize("fault", [Fault.REJECTED, Fault.FAILED], ids=["rejected", "failed"])
def test_error_mid_stream_raises_stream_error(
    sdk: ChatServerClient, target: Target, via: str, fault: Fault
) -> None:
    messages, metadata = failing(target, fault)
    received: list[str] = []
    with pytest.raises(StreamError) as caught:
        STREAMERS[via](sdk, target, messages, metadata, received)
    assert received, "the error came after some text"
    assert caught.value.message
    assert isinstance(caught.value, openai.APIError)
    assert not isinstance(caught.value, IncompleteStreamError)


@pytest.mark.needs("faults")
@pytest.mark.parametrize("via", sorted(STREAMERS))
def test_error_before_any_text_raises_stream_error(sdk: ChatServerClient, target: Target, via: str) -> None:
    messages, metadata = failing(target, Fault.UNAVAILABLE)
    received: list[str] = []
    with pytest.raises(StreamError):
        STREAMERS[via](sdk, target, messages, metadata, received)
    assert received == []


@pytest.mark.needs("faults")
@pytest.mark.parametrize("via", sorted(STREAMERS))
def test_stream_cut_off_raises_a_connection_error(sdk: ChatServerClient, target: Target, via: str) -> None:
    # The body stops without an error event or [DONE]: the answer is incomplete, and says so.
    messages, metadata = failing(target, Fault.CRASHED)
    received: list[str] = []
    with pytest.raises(APIConnectionError) as caught:
        STREAMERS[via](sdk, target, messages, metadata, received)
    assert isinstance(caught.value, openai.APIConnectionError)
    assert not isinstance(caught.value, StreamError)
    assert received, "the cut came after some text"


@pytest.mark.needs("faults")
async def test_async_error_mid_stream(asdk: AsyncChatServerClient, target: Target) -> None:
    messages, metadata = failing(target, Fault.FAILED)
    received: list[str] = []
    with pytest.raises(StreamError):
        stream = await asdk.create_completion(
            model=target.model, messages=messages, stream=True, metadata=metadata
        )
        async with stream:
            async for text in stream:
                received.append(text)
    assert received


@pytest.mark.needs("faults")
@pytest.mark.parametrize(
    ("fault", "error_type", "status"),
    [
        (Fault.REJECTED, BadRequestError, 400),
        (Fault.FAILED, InternalServerError, 503),
        (Fault.UNAVAILABLE, InternalServerError, 503),
        (Fault.CRASHED, InternalServerError, 500),
    ],
    ids=["rejected", "failed", "unavailable", "crashed"],
)
def test_agent_failure_without_streaming(
    sdk: ChatServerClient, target: Target, fault: Fault, error_type: type[ChatServerError], status: int
) -> None:
    messages, metadata = failing(target, fault)
    with pytest.raises(error_type) as caught:
        sdk.create_completion(model=target.model, messages=messages, metadata=metadata or None)
    error = caught.value
    assert isinstance(error, BadRequestError | InternalServerError)
    assert error.status_code == status and error.message
    if fault is Fault.CRASHED:
        # Not JSON: the status and the text.
        assert "Internal Server Error" in error.message
