"""The earlier SDK's README, scenario by scenario, replayed from cassettes recorded against
upstream's server.

Each test follows its README example (quick start, context manager, streaming,
multi-turn, session history and resume, platform administration, error
handling, message formats) and checks what the recorded answers say. The
replies are upstream's agent's, so no test predicts their words.
"""

from __future__ import annotations

import re

import openai
import pytest

from chatserver_sdk import (
    ChatCompletionResponse,
    ChatServerClient,
    Message,
    MessageRole,
    ModelsResponse,
    UsageInfo,
)
from chatserver_sdk.exceptions import BadRequestError, ChatServerError

from .conftest import ChatServer

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]

# The earlier README's model. Upstream's server passes any model name to its agent.
MODEL = "claude-3-haiku"
USER_ID = "00000000-0000-0000-0000-000000000001"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def assert_completion(response: ChatCompletionResponse) -> str:
    """The checks every completion passes; returns the reply text."""
    assert isinstance(response, ChatCompletionResponse)
    assert response.object == "chat.completion"
    assert response.id.startswith("chatcmpl-")
    assert response.model == MODEL
    choice = response.choices[0]
    assert choice.message.role == MessageRole.ASSISTANT
    assert choice.finish_reason == "stop"
    usage = response.usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0
    assert response.system_fingerprint
    text = choice.message.content
    assert isinstance(text, str) and text
    return text


def assert_models(models: ModelsResponse) -> None:
    assert isinstance(models, ModelsResponse) and models.object == "list"
    ids = [model.id for model in models.data]
    assert ids and len(ids) == len(set(ids))


def test_quick_start(client: ChatServerClient) -> None:
    assert_models(client.list_models())
    response = client.create_completion(
        model=MODEL,
        messages=[
            Message(role=MessageRole.SYSTEM, content="You are a helpful assistant."),
            Message(role=MessageRole.USER, content="Write a hello world function in Python."),
        ],
    )
    assert_completion(response)


def test_context_manager(chatserver: ChatServer) -> None:
    with ChatServerClient(api_key=chatserver.api_key, base_url=chatserver.base_url, max_retries=0) as client:
        assert_completion(client.create_completion(model=MODEL, messages=["Hello!"]))
        assert not client.is_closed()
    assert client.is_closed()

    # The earlier SDK's style: construct, use, close().
    client = ChatServerClient(api_key=chatserver.api_key, base_url=chatserver.base_url, max_retries=0)
    try:
        assert_models(client.list_models())
    finally:
        client.close()
    assert client.is_closed()


def test_configured_from_environment(chatserver: ChatServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATSERVER_BASE_URL", chatserver.base_url)
    monkeypatch.setenv("CHATSERVER_API_KEY", chatserver.api_key)
    with ChatServerClient(max_retries=0) as client:
        assert str(client.base_url).startswith(chatserver.base_url.rstrip("/"))
        assert_models(client.list_models())


def test_streaming(client: ChatServerClient) -> None:
    messages = [{"role": "user", "content": "Tell me a story"}]
    stream = client.create_completion(model=MODEL, messages=messages, stream=True)
    deltas = list(stream)

    assert deltas and all(isinstance(delta, str) and delta for delta in deltas)
    metadata = stream.metadata
    # No history, so the session id is the server's own.
    assert metadata.get("system_fingerprint")
    assert metadata["id"].startswith("chatcmpl-")
    assert metadata["model"] == MODEL
    assert metadata["finish_reason"] == "stop"
    usage = metadata["usage"]
    assert isinstance(usage, UsageInfo)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0


def test_streaming_with_statement_and_early_exit(client: ChatServerClient) -> None:
    with client.create_completion(model=MODEL, messages=["Tell me a story"], stream=True) as stream:
        first = next(iter(stream))
    assert isinstance(first, str) and first
    assert stream.response.is_closed
    assert stream.metadata["system_fingerprint"]
    # Breaking out released the connection: the client keeps working.
    assert_completion(client.create_completion(model=MODEL, messages=["Still there?"]))


def test_multi_turn_conversation(client: ChatServerClient) -> None:
    conversation: list[Message] = [Message(role=MessageRole.USER, content="What is recursion?")]
    response1 = client.create_completion(model=MODEL, messages=conversation)
    assert_completion(response1)

    conversation.append(response1.choices[0].message)
    conversation.append(Message(role=MessageRole.USER, content="Can you give me an example?"))
    response2 = client.create_completion(model=MODEL, messages=conversation)
    assert_completion(response2)
    # No session_id was sent, so each call is its own session; the second saw the whole transcript.
    assert response2.system_fingerprint != response1.system_fingerprint
    assert response2.usage.prompt_tokens > response1.usage.prompt_tokens


def test_session_history_and_resume(client: ChatServerClient) -> None:
    # As the earlier README wrote it: the resume sends only the new message.
    first = client.create_completion(
        model=MODEL,
        messages=[Message(role=MessageRole.USER, content="Draft a project update email.")],
        user=USER_ID,
    )
    assert_completion(first)
    session_id = first.system_fingerprint
    assert session_id and UUID.match(session_id)

    stream = client.create_completion(
        model=MODEL,
        messages=[{"role": "user", "content": "Add a bullet list of risks."}],
        stream=True,
        user=USER_ID,
        session_id=session_id,
    )
    streamed = "".join(stream)
    assert stream.metadata.get("system_fingerprint") == session_id

    sessions = client.list_sessions(USER_ID)
    assert sessions.page == 1 and sessions.page_size == 20
    assert sessions.total == 1 and not sessions.has_more
    latest = sessions.sessions[0]
    assert latest.id == session_id
    assert latest.user_id == USER_ID
    assert latest.title == "Draft a project update email."
    assert latest.message_count == 4
    assert latest.tokens_total == first.usage.total_tokens + stream.metadata["usage"].total_tokens

    detail = client.get_session(latest.id, user_id=USER_ID)
    assert detail.session.id == session_id
    assert [(record.message_index, record.role) for record in detail.messages] == [
        (0, "user"),
        (1, "assistant"),
        (2, "user"),
        (3, "assistant"),
    ]
    assert detail.messages[0].content == "Draft a project update email."
    assert detail.messages[1].content == first.choices[0].message.content
    assert detail.messages[2].content == "Add a bullet list of risks."
    assert detail.messages[3].content == streamed


def test_platform_administration(client: ChatServerClient) -> None:
    stats = client.get_platform_stats()
    for count in (stats.total_users, stats.active_users, stats.total_requests, stats.total_tokens):
        assert isinstance(count, int) and count >= 0
    assert stats.system_health.status == "healthy"

    before = client.list_admins()
    assert before["count"] == before.count == len(before.admins)

    # Characters that must be percent-encoded in a path segment (a "/" cannot be: upstream
    # decodes it before routing, so no route matches).
    email = "ops+team?x#y%z@example.com"
    added = client.add_admin(workos_id="user_01HOPS", email=email, name="Ops Team")
    assert added.status == "success" and added.email == email
    admins = client.list_admins()
    assert admins["count"] == before.count + 1
    assert email in [admin.email for admin in admins.admins]

    # The email travels as one percent-encoded path segment.
    raw = client.with_raw_response.remove_admin(email)
    assert raw.status_code == 200
    assert raw.request.url.raw_path.decode().endswith("/admins/ops%2Bteam%3Fx%23y%25z%40example.com")
    removed = raw.parse()
    assert removed.status == "success" and removed.email == email
    assert email not in [admin.email for admin in client.list_admins().admins]

    audit_log = client.get_audit_log(limit=20)
    assert audit_log.limit == 20 and audit_log.offset == 0
    # Upstream's server writes no audit entries of its own.
    assert audit_log.count == len(audit_log.entries) == 0


def test_error_handling(client: ChatServerClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        client.create_completion(model="", messages=[])
    error = caught.value
    assert error.status_code == 400
    assert error.message == "messages array must include at least one message"
    assert isinstance(error, ChatServerError) and isinstance(error, openai.BadRequestError)

    with pytest.raises(BadRequestError) as caught:
        client.create_completion(model="", messages=["hi"])
    assert caught.value.message.startswith("model field is required")


def test_message_formats(client: ChatServerClient) -> None:
    as_objects = [
        Message(role=MessageRole.SYSTEM, content="You are helpful."),
        Message(role=MessageRole.USER, content="Hello!"),
    ]
    as_dicts = [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Hello!"}]
    as_strings = ["Hello!", "How are you?"]

    objects = client.create_completion(model=MODEL, messages=as_objects)
    dicts = client.create_completion(model=MODEL, messages=as_dicts)
    strings = client.create_completion(model=MODEL, messages=as_strings)

    # Objects and dicts are the same request, so the same answer.
    assert assert_completion(objects) == assert_completion(dicts)
    assert objects.usage == dicts.usage
    assert_completion(strings)
