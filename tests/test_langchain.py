"""LangChain's OpenAI chat model against a ChatServer, with a session id passed through."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import openai
import pytest
from langchain_openai import ChatOpenAI

from chatserver_sdk import ChatServerClient
from chatserver_sdk.emulator import run_emulator

USER = "00000000-0000-0000-0000-000000000001"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with run_emulator() as url:
        yield url


def test_invoke_stream_batch_in_one_session(base_url: str) -> None:
    session_id = str(uuid.uuid4())
    llm = ChatOpenAI(
        model="claude-3-haiku",
        base_url=f"{base_url}/v1",
        api_key="not-needed",  # type: ignore[arg-type]
        # The ChatServer extensions ride in the request body's metadata.
        extra_body={"metadata": {"session_id": session_id, "user_id": USER}},
    )

    reply = llm.invoke("Hello from LangChain")
    assert reply.content == "Echo (turn 1): Hello from LangChain"
    assert reply.response_metadata["system_fingerprint"] == session_id

    streamed = list(llm.stream("Stream this"))
    assert len(streamed) > 2
    assert "".join(str(chunk.content) for chunk in streamed) == "Echo (turn 2): Stream this"

    batch = llm.batch(["first", "second"])
    assert sorted(str(message.content).split(": ", 1)[1] for message in batch) == ["first", "second"]

    history = ChatServerClient(base_url=base_url).get_session(session_id, user_id=USER)
    assert [record.message_index for record in history.messages] == list(range(8))
    assert [record.content for record in history.messages if record.role == "user"][:2] == [
        "Hello from LangChain",
        "Stream this",
    ]
    assert {record.content for record in history.messages if record.role == "user"} == {
        "Hello from LangChain",
        "Stream this",
        "first",
        "second",
    }
    assert history.session.message_count == 8


def test_errors_reach_langchain_as_openai_errors(base_url: str) -> None:
    llm = ChatOpenAI(model="no-such-model", base_url=f"{base_url}/v1", api_key="x", max_retries=0)  # type: ignore[arg-type]
    with pytest.raises(openai.BadRequestError) as caught:
        llm.invoke("hi")
    assert caught.value.body is not None and "no-such-model" in str(caught.value.body)
