"""Through the SDK: history, resuming a session, and the session routes.

``create_completion(user=...)`` is how the SDK turns history on. Upstream needs the whole
transcript resent, a UUID session id and plain-text content; the SDK's public API lets a
caller send only the new message and leave the session id out, and must make that work
against upstream's server (``test_sessions.py`` pins what the server itself does).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from chatserver_sdk import (
    AsyncChatServerClient,
    ChatServerClient,
    ChatSessionDetailResponse,
    ChatSessionListResponse,
    Message,
    MessageRole,
)
from chatserver_sdk.exceptions import NotFoundError, UnprocessableEntityError

from .conftest import SdkFactory
from .targets import Target, new_id
from .wire import UUID

# Every scenario runs against live servers (upstream's and the emulator).
pytestmark = pytest.mark.slow


def test_sdk_history_resumed_with_only_the_new_message(
    sdk: ChatServerClient, target: Target, user_id: str
) -> None:
    # The README's example, as written.
    first = sdk.create_completion(
        model=target.model, messages=["Draft a project update email."], user=user_id
    )
    session_id = first.system_fingerprint
    assert session_id and UUID.fullmatch(session_id), "the SDK gives a history session a UUID"
    more = sdk.create_completion(
        model=target.model, messages=["Add a bullet list of risks."], user=user_id, session_id=session_id
    )
    assert more.system_fingerprint == session_id

    page = sdk.list_sessions(user_id, page=1, page_size=20)
    assert isinstance(page, ChatSessionListResponse)
    assert (page.total, page.page, page.page_size, page.has_more) == (1, 1, 20, False)
    [summary] = page.sessions
    assert (summary.id, summary.user_id, summary.title) == (
        session_id,
        user_id,
        "Draft a project update email.",
    )
    assert summary.message_count == 4
    assert summary.tokens_total == first.usage.total_tokens + more.usage.total_tokens

    detail = sdk.get_session(session_id, user_id=user_id)
    assert isinstance(detail, ChatSessionDetailResponse)
    assert [(r.message_index, r.role, r.content) for r in detail.messages] == [
        (0, "user", "Draft a project update email."),
        (1, "assistant", first.choices[0].message.content),
        (2, "user", "Add a bullet list of risks."),
        (3, "assistant", more.choices[0].message.content),
    ]


def test_sdk_history_resumed_with_the_whole_conversation(
    sdk: ChatServerClient, target: Target, user_id: str
) -> None:
    conversation: list[Message | str] = [Message(role=MessageRole.USER, content="What is recursion?")]
    first = sdk.create_completion(model=target.model, messages=conversation, user=user_id)
    conversation += [first.choices[0].message, "Can you give me an example?"]
    second = sdk.create_completion(
        model=target.model, messages=conversation, user=user_id, session_id=first.system_fingerprint
    )
    detail = sdk.get_session(first.system_fingerprint, user_id=user_id)
    assert [r.content for r in detail.messages] == [
        "What is recursion?",
        first.choices[0].message.content,
        "Can you give me an example?",
        second.choices[0].message.content,
    ]


def test_sdk_streamed_resume(sdk: ChatServerClient, target: Target, user_id: str) -> None:
    first = sdk.create_completion(model=target.model, messages=["Story?"], user=user_id)
    with sdk.create_completion(
        model=target.model,
        messages=["And then?"],
        stream=True,
        user=user_id,
        session_id=first.system_fingerprint,
    ) as stream:
        streamed = "".join(stream)
    assert stream.metadata["system_fingerprint"] == first.system_fingerprint
    detail = sdk.get_session(first.system_fingerprint, user_id=user_id)
    assert [(r.role, r.content) for r in detail.messages][2:] == [
        ("user", "And then?"),
        ("assistant", streamed),
    ]
    assert detail.messages[3].tokens == stream.metadata["usage"].total_tokens


async def test_async_sdk_history(asdk: AsyncChatServerClient, target: Target, user_id: str) -> None:
    first = await asdk.create_completion(model=target.model, messages=["Story?"], user=user_id)
    stream = await asdk.create_completion(
        model=target.model,
        messages=["And then?"],
        stream=True,
        user=user_id,
        session_id=first.system_fingerprint,
    )
    async with stream:
        deltas = [text async for text in stream]
    page = await asdk.list_sessions(user_id)
    assert [summary.id for summary in page.sessions] == [first.system_fingerprint]
    detail = await asdk.get_session(first.system_fingerprint, user_id=user_id)
    assert [r.role for r in detail.messages] == ["user", "assistant", "user", "assistant"]
    assert detail.messages[-1].content == "".join(deltas)


def test_sdk_content_parts_with_history(sdk: ChatServerClient, target: Target, user_id: str) -> None:
    # Upstream cannot store parts (a 500); the SDK sends them as text when history is on, one
    # line per part, as upstream's agent reads them.
    response = sdk.create_completion(
        model=target.model,
        messages=[
            {
                "role": "user",
                "content": [{"type": "text", "text": "Hello "}, {"type": "text", "text": "parts"}],
            }
        ],
        user=user_id,
    )
    detail = sdk.get_session(response.system_fingerprint, user_id=user_id)
    assert detail.messages[0].content == "Hello \nparts"


@pytest.fixture
def counted_sdk(make_sdk: SdkFactory) -> Iterator[tuple[ChatServerClient, list[httpx2.Request]]]:
    sent: list[httpx2.Request] = []
    with httpx2.Client(event_hooks={"request": [sent.append]}) as http_client:
        yield make_sdk(http_client=http_client), sent


@pytest.mark.parametrize("bad_user", ["bob", "user_01H8ZQ", "00000000-0000-0000-0000-00000000000"])
def test_sdk_refuses_a_user_id_that_is_not_a_uuid_before_sending(
    counted_sdk: tuple[ChatServerClient, list[httpx2.Request]], target: Target, bad_user: str
) -> None:
    # Upstream answers a non-UUID metadata.user_id with a 500, after running nothing useful.
    client, sent = counted_sdk
    with pytest.raises(ValueError, match="user") as caught:
        client.create_completion(model=target.model, messages=["Hi"], user=bad_user)
    assert bad_user in str(caught.value)
    assert sent == []


def test_openai_native_resume_completes_from_the_stored_transcript(
    sdk: ChatServerClient, make_sdk: SdkFactory, target: Target, user_id: str
) -> None:
    # openai's own API sends what it is given; the ChatServer extensions go in extra_body.
    session_id = new_id()
    metadata = {"user_id": user_id, "session_id": session_id}
    first = sdk.chat.completions.create(
        model=target.model,
        messages=[{"role": "user", "content": "Start the review"}],
        extra_body={"system_prompt": "Be terse.", "metadata": metadata},
    )
    assert first.system_fingerprint == session_id
    reply = first.choices[0].message.content or ""
    second = sdk.chat.completions.create(
        model=target.model,
        messages=[
            {"role": "user", "content": "Start the review"},
            {"role": "assistant", "content": reply},
            {"role": "user", "content": "Continue the review"},
        ],
        extra_body={"metadata": metadata},
    )
    assert second.system_fingerprint == session_id
    # Only the new message, as create_completion allows: the same rule completes it from the session
    # (upstream alone would answer 500: the raw scenarios pin that).
    third = make_sdk().chat.completions.create(
        model=target.model,
        messages=[{"role": "user", "content": "Only this"}],
        extra_body={"metadata": metadata},
    )
    assert third.system_fingerprint == session_id
    stored = [
        r.content for r in make_sdk().get_session(session_id, user_id=user_id).messages if r.role == "user"
    ]
    assert stored == ["Start the review", "Continue the review", "Only this"]


def test_sdk_session_pages(sdk: ChatServerClient, target: Target, user_id: str) -> None:
    started = [
        sdk.create_completion(model=target.model, messages=[f"Topic {n}"], user=user_id).system_fingerprint
        for n in (1, 2, 3)
    ]
    first = sdk.list_sessions(user_id, page=1, page_size=2)
    second = sdk.list_sessions(user_id, page=2, page_size=2)
    assert (first.total, len(first.sessions), first.has_more) == (3, 2, True)
    assert (second.total, len(second.sessions), second.has_more) == (3, 1, False)
    assert [s.id for s in first.sessions + second.sessions] == started[::-1]
    assert [s.title for s in first.sessions] == ["Topic 3", "Topic 2"]


def test_sdk_session_errors(sdk: ChatServerClient, target: Target, user_id: str, other_user_id: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        sdk.get_session(new_id(), user_id=user_id)
    assert (caught.value.status_code, caught.value.message) == (404, "chat session not found")

    mine = sdk.create_completion(model=target.model, messages=["Private"], user=user_id).system_fingerprint
    with pytest.raises(NotFoundError):
        sdk.get_session(mine, user_id=other_user_id)

    with pytest.raises(ValueError, match="user_id: 'bob' is not a UUID"):
        sdk.list_sessions("bob")  # refused before sending
    with pytest.raises(UnprocessableEntityError) as invalid:
        sdk.list_sessions(user_id, extra_query={"user_id": "bob"})
    assert "user_id" in invalid.value.message
