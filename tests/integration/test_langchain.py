"""LangChain's OpenAI chat model against a ChatServer, with a session id and user passed through.

A ChatServer stores the transcript it is sent, so a recorded LangChain conversation
sends all its messages on every turn; calls that belong to no conversation (a batch)
go without a user and are recorded nowhere. Live servers: the module is ``slow``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import openai
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_openai import ChatOpenAI

from chatserver_sdk import ChatServerClient
from chatserver_sdk.emulator import run_emulator

pytestmark = pytest.mark.slow

USER = "00000000-0000-0000-0000-000000000001"
MODEL = "claude-sonnet-4-5@20250929"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with run_emulator() as url:
        yield url


def chat_model(base_url: str, **metadata: str) -> ChatOpenAI:
    return ChatOpenAI(
        model=MODEL,
        base_url=f"{base_url}/v1",
        api_key="not-needed",  # type: ignore[arg-type]
        max_retries=0,
        # The ChatServer extensions ride in the request body's metadata.
        extra_body={"metadata": metadata} if metadata else None,
    )


def test_invoke_and_stream_one_stored_conversation_then_batch(base_url: str) -> None:
    session_id = str(uuid.uuid4())
    llm = chat_model(base_url, session_id=session_id, user_id=USER)

    conversation: list[BaseMessage] = [HumanMessage("Hello from LangChain")]
    reply = llm.invoke(conversation)
    assert reply.content == "Echo (turn 1): Hello from LangChain"
    assert reply.response_metadata["system_fingerprint"] == session_id
    conversation += [reply, HumanMessage("Stream this")]

    streamed = list(llm.stream(conversation))
    assert len(streamed) > 2
    text = "".join(str(chunk.content) for chunk in streamed)
    assert text == "Echo (turn 2): Stream this"
    conversation.append(AIMessage(text))

    # Independent questions at once: no user, so no history to keep in order.
    batch = chat_model(base_url).batch(["first", "second"])
    assert [str(message.content) for message in batch] == ["Echo (turn 1): first", "Echo (turn 1): second"]

    history = ChatServerClient(base_url=base_url).get_session(session_id, user_id=USER)
    assert [record.message_index for record in history.messages] == list(range(4))
    assert [(record.role, record.content) for record in history.messages] == [
        ("user", "Hello from LangChain"),
        ("assistant", "Echo (turn 1): Hello from LangChain"),
        ("user", "Stream this"),
        ("assistant", "Echo (turn 2): Stream this"),
    ]
    assert history.session.message_count == 4


def test_only_the_new_message_in_a_stored_session_is_the_servers_500_naming_the_fix(base_url: str) -> None:
    """What a LangChain user meets who sends one message per turn: upstream's 500, and here its cause."""
    session_id = str(uuid.uuid4())
    llm = chat_model(base_url, session_id=session_id, user_id=USER)
    llm.invoke("first turn")
    with pytest.raises(openai.InternalServerError) as caught:
        llm.invoke("second turn, sent alone")
    assert "Resend the whole conversation" in str(caught.value.body)


def test_errors_reach_langchain_as_openai_errors(base_url: str) -> None:
    llm = ChatOpenAI(model=MODEL, base_url=f"{base_url}/v1", api_key="x", max_retries=0, temperature=5)  # type: ignore[arg-type]
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        llm.invoke("hi")
    assert caught.value.body is not None and "temperature" in str(caught.value.body)
