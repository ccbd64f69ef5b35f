"""Every endpoint the SDK covers that the README scenarios do not: sessions,
the MCP registry, agent control, openai's own API on this client, raw responses
and validation errors, replayed from cassettes."""

from __future__ import annotations

import re

import openai
import pytest

from chatserver_sdk import (
    AgentStatus,
    ChatServerClient,
    MCPListResponse,
    MCPScope,
    MCPServer,
    MessageUpdateEvent,
    PlatformStats,
    StatusChangeEvent,
)
from chatserver_sdk.exceptions import (
    IncompleteStreamError,
    NotFoundError,
    StreamError,
    UnprocessableEntityError,
)

from .conftest import ChatServer

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]

MODEL = "claude-3-haiku"
USER_ID = "00000000-0000-0000-0000-000000000001"
PAGING_USER_ID = "00000000-0000-0000-0000-0000000000b2"
ORG_ID = "00000000-0000-0000-0000-0000000000aa"
MISSING_SESSION_ID = "00000000-0000-0000-0000-00000000dead"


def wait_until_stable(client: ChatServerClient, chatserver: ChatServer) -> list[str]:
    """Poll the agent's status until it is idle; returns the statuses seen (replay sees the recorded ones)."""
    seen = []
    for _ in range(200):
        status = client.get_agent_status()
        assert isinstance(status, AgentStatus)
        seen.append(status.status)
        if status.status == "stable":
            return seen
        chatserver.pause(0.05)
    pytest.fail(f"the agent never became stable: {seen[-5:]}")


# --- models and sessions ---------------------------------------------------------------


def test_list_models_details(client: ChatServerClient, chatserver: ChatServer) -> None:
    models = client.list_models()
    assert models.object == "list"
    haiku = next(model for model in models.data if model.id == MODEL)
    assert haiku.object == "model"
    if chatserver.emulator:
        assert haiku.provider == "claude"
        assert haiku.context_length and haiku.context_length > 0
        assert haiku.capabilities and all(isinstance(capability, str) for capability in haiku.capabilities)


def test_get_session_not_found(client: ChatServerClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.get_session(MISSING_SESSION_ID, user_id=USER_ID)
    assert caught.value.status_code == 404
    assert caught.value.message == "chat session not found"
    assert isinstance(caught.value, openai.NotFoundError)


def test_list_sessions_pages(client: ChatServerClient, chatserver: ChatServer) -> None:
    started = [
        client.create_completion(model=MODEL, messages=[f"Topic {n}"], user=PAGING_USER_ID).system_fingerprint
        for n in (1, 2, 3)
    ]
    assert len(set(started)) == 3

    first = client.list_sessions(PAGING_USER_ID, page=1, page_size=2)
    second = client.list_sessions(PAGING_USER_ID, page=2, page_size=2)
    assert (first.page, first.page_size, len(first.sessions)) == (1, 2, 2)
    assert first.has_more
    assert second.page == 2
    ids = [session.id for session in first.sessions + second.sessions]
    assert set(started) <= set(ids)
    if chatserver.emulator:
        assert first.total == second.total == 3
        assert len(second.sessions) == 1 and not second.has_more
        # Newest first.
        assert ids == started[::-1]
        assert [session.title for session in first.sessions] == ["Topic 3", "Topic 2"]


def test_session_validation_error(client: ChatServerClient) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.list_sessions("bob")
    assert caught.value.status_code == 422
    assert "user_id" in caught.value.message


def test_completion_validation_error(client: ChatServerClient) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.create_completion(model=MODEL, messages=["hi"], temperature=3)
    assert caught.value.status_code == 422
    assert "body.temperature" in caught.value.message


def test_completion_with_extensions(client: ChatServerClient, chatserver: ChatServer) -> None:
    response = client.create_completion(
        model=MODEL,
        messages=["Review this diff"],
        system_prompt="Be terse.",
        max_tokens=3,
        user=USER_ID,
        organization_id=ORG_ID,
        workflow="code-review",
        allowed_tools=["Read", "Grep"],
        variables={"repo": "chatserver"},
    )
    assert response.system_fingerprint
    assert response.usage.completion_tokens <= 3
    if chatserver.emulator:
        assert response.choices[0].message.content == "Echo (turn 1):"
        assert response.choices[0].finish_reason == "length"
    detail = client.get_session(response.system_fingerprint, user_id=USER_ID)
    assert detail.session.organization_id == ORG_ID
    assert detail.messages[-1].content == response.choices[0].message.content


@pytest.mark.emulator_only
def test_stream_error_mid_stream(client: ChatServerClient) -> None:
    # emulator_fault makes the emulator fail the way upstream does when its agent breaks mid-stream.
    received = []
    with pytest.raises(StreamError) as caught:  # noqa: SIM117 - the stream is the thing under test
        with client.create_completion(
            model=MODEL,
            messages=["Tell me a story"],
            stream=True,
            metadata={"emulator_fault": "stream_error"},
        ) as stream:
            received.extend(stream)
    assert received, "the error came after some text"
    assert caught.value.message
    assert not isinstance(caught.value, IncompleteStreamError)


# --- platform ------------------------------------------------------------------------------


def test_raw_response(client: ChatServerClient) -> None:
    raw = client.with_raw_response.get_platform_stats()
    assert raw.status_code == 200
    assert raw.headers["content-type"].startswith("application/json")
    assert raw.request.url.path == "/api/v1/platform/stats"
    stats = raw.parse()
    assert isinstance(stats, PlatformStats)
    assert stats.system_health.status


def test_audit_log_paging(client: ChatServerClient, chatserver: ChatServer) -> None:
    for n in range(3):
        client.add_admin(workos_id=f"user_paging_{n}", email=f"paging{n}@example.com", name=f"Paging {n}")
    page = client.get_audit_log(limit=2, offset=1)
    assert (page.limit, page.offset) == (2, 1)
    assert page.count == len(page.entries) == 2
    if chatserver.emulator:
        # Newest first; offset 1 skips the third addition.
        assert [entry.resource_id for entry in page.entries] == ["paging1@example.com", "paging0@example.com"]
        assert all(entry.action == "platform_admin.added" for entry in page.entries)
        assert page.entries[0].metadata == {"email": "paging1@example.com", "workos_id": "user_paging_1"}


# --- MCP registry ------------------------------------------------------------------------------


def test_mcp_server_registry(client: ChatServerClient, chatserver: ChatServer) -> None:
    server = client.create_mcp_server(
        name="docs",
        endpoint="https://mcp.example.com/",
        scope={"type": "organization", "organization_id": ORG_ID},
        auth_type="bearer",
        bearer_token="super-secret-token",
        metadata={"args": ["--verbose"], "env": {"LOG_LEVEL": "debug"}},
    )
    assert isinstance(server, MCPServer)
    assert (server.name, server.endpoint, server.auth_type, server.enabled) == (
        "docs",
        "https://mcp.example.com/",
        "bearer",
        True,
    )
    assert server.scope == MCPScope(type="organization", organization_id=ORG_ID)
    # The registry keeps a reference to the token, never the token.
    assert server.bearer_token_id
    assert "super-secret-token" not in server.model_dump_json()

    listed = client.list_mcp_servers(ORG_ID, include_platform=True)
    assert isinstance(listed, MCPListResponse)
    assert server.id in [item.id for item in listed.items]

    updated = client.update_mcp_server(server.id, enabled=False, name="docs-v2")
    assert updated.id == server.id
    assert (updated.name, updated.enabled, updated.endpoint) == ("docs-v2", False, server.endpoint)
    assert updated.metadata.args == ["--verbose"]

    assert client.delete_mcp_server(server.id) is None
    assert server.id not in [item.id for item in client.list_mcp_servers(ORG_ID).items]
    with pytest.raises(NotFoundError):
        client.update_mcp_server(server.id, enabled=True)


# --- agent control ---------------------------------------------------------------------------


def test_agent_control(client: ChatServerClient, chatserver: ChatServer) -> None:
    assert client.get_agent_status().status == "stable"
    before = client.get_agent_messages().messages

    sent = client.send_agent_message("Run the tests")
    assert sent.ok is True
    statuses = wait_until_stable(client, chatserver)
    assert statuses[-1] == "stable"

    messages = client.get_agent_messages().messages
    new = messages[len(before) :]
    assert (new[0].role, new[0].content) == ("user", "Run the tests")
    assert new[-1].role == "agent" and new[-1].content
    assert [message.id for message in messages] == sorted(message.id for message in messages)
    if chatserver.emulator:
        assert [(m.id, m.role, m.content) for m in new] == [
            (0, "user", "Run the tests"),
            (1, "agent", "Echo (turn 1): Run the tests"),
        ]

    # Raw keystrokes are acknowledged and never join the conversation.
    assert client.send_agent_message("\x1b", type="raw").ok is True
    assert len(client.get_agent_messages().messages) == len(messages)


def test_upload_file(client: ChatServerClient) -> None:
    uploaded = client.upload_file("notes.txt", b"hello from the cassette suite\n")
    assert uploaded.ok is True
    assert uploaded.file_path.endswith("notes.txt")


@pytest.mark.emulator_only
def test_stream_agent_events(client: ChatServerClient, chatserver: ChatServer) -> None:
    assert client.send_agent_message("Summarise the repository").ok
    events = []
    with chatserver.ending_agent_event_streams(), client.stream_agent_events() as stream:
        for event in stream:
            events.append(event)
            if event.event == "status_change" and event.status == "stable":
                break

    assert all(isinstance(event, (MessageUpdateEvent, StatusChangeEvent)) for event in events)
    # The current state comes first: the user's message ...
    first = events[0]
    assert isinstance(first, MessageUpdateEvent)
    assert (first.id, first.role, first.message) == (0, "user", "Summarise the repository")
    # ... then the agent's reply, complete by the time the agent is stable.
    replies = [event for event in events if isinstance(event, MessageUpdateEvent) and event.role == "agent"]
    assert replies and replies[-1].id == 1
    assert replies[-1].message == "Echo (turn 1): Summarise the repository"
    last = events[-1]
    assert isinstance(last, StatusChangeEvent) and last.status == "stable" and last.agent_type


# --- openai's own API on this client -------------------------------------------------------------


def test_openai_chat_completions(client: ChatServerClient, chatserver: ChatServer) -> None:
    completion = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hello!"}])
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert completion.usage is not None and completion.usage.total_tokens > 0
    assert completion.system_fingerprint
    if chatserver.emulator:
        assert completion.choices[0].message.content == "Echo (turn 1): Hello!"


def test_openai_chat_completions_stream(client: ChatServerClient, chatserver: ChatServer) -> None:
    chunks = list(
        client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "Count to 3"}], stream=True
        )
    )
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text
    assert len({chunk.system_fingerprint for chunk in chunks}) == 1
    finishes = [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices]
    assert finishes[-1] == "stop"
    if chatserver.emulator:
        assert text == "Echo (turn 1): Count to 3"
        assert chunks[0].choices[0].delta.role == "assistant"


def test_openai_models_list(client: ChatServerClient) -> None:
    ids = [model.id for model in client.models.list()]
    assert MODEL in ids
    assert ids == [model.id for model in client.list_models().data]


def test_openai_extra_body_resumes_a_session(client: ChatServerClient, chatserver: ChatServer) -> None:
    first = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Start the review"}],
        extra_body={
            "system_prompt": "Be terse.",
            "metadata": {"user_id": USER_ID, "workflow": "code-review"},
        },
    )
    session_id = first.system_fingerprint
    assert session_id and re.fullmatch(r"[0-9a-f-]{36}", session_id)
    second = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Continue the review"}],
        extra_body={"metadata": {"user_id": USER_ID, "session_id": session_id}},
    )
    assert second.system_fingerprint == session_id
    if chatserver.emulator:
        assert second.choices[0].message.content == "Echo (turn 2): Continue the review"
    detail = client.get_session(session_id, user_id=USER_ID)
    assert [record.content for record in detail.messages if record.role == "user"] == [
        "Start the review",
        "Continue the review",
    ]


def test_openai_status_error(client: ChatServerClient) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 400
    assert "no-such-model" in caught.value.message
