"""Every endpoint the SDK covers that the README scenarios do not: sessions,
the MCP registry, agent control, openai's own API on this client, raw responses
and validation errors, replayed from cassettes recorded against upstream's server
(agent control and the API key check against the emulator: upstream's Python
server serves neither)."""

from __future__ import annotations

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
    BadRequestError,
    IncompleteStreamError,
    InternalServerError,
    NotFoundError,
    StreamError,
    UnauthorizedError,
    UnprocessableEntityError,
)

from ..conformance.targets import Fault
from .conftest import ChatServer

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]

# A model upstream's server lists (its Vertex listing is stubbed with a fixed set).
MODEL = "claude-sonnet-4-5@20250929"
AGENT_CONTROL = "agent control: coder/agentapi's routes, which upstream's Python server does not serve"
SESSION_ID = "00000000-0000-0000-0000-0000000000c1"
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
    sonnet = next(model for model in models.data if model.id == MODEL)
    assert sonnet.object == "model"
    assert sonnet.provider == "vertexai"
    assert sonnet.context_length and sonnet.context_length > 0
    assert sonnet.capabilities and all(isinstance(capability, str) for capability in sonnet.capabilities)


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
    assert first.total == second.total == 3
    assert len(second.sessions) == 1 and not second.has_more
    # Newest first.
    assert ids == started[::-1]
    assert [session.title for session in first.sessions] == ["Topic 3", "Topic 2"]


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
    # Upstream does not cut the reply at max_tokens, and says "stop" whatever happened.
    assert response.choices[0].finish_reason == "stop"
    detail = client.get_session(response.system_fingerprint, user_id=USER_ID)
    assert detail.session.organization_id == ORG_ID
    assert detail.session.metadata == {"workflow": "code-review", "variables": {"repo": "chatserver"}}
    assert detail.messages[-1].content == response.choices[0].message.content


def test_stream_error_mid_stream(client: ChatServerClient, chatserver: ChatServer) -> None:
    # The recording server's agent was told to fail after its first message (upstream: a prompt marker).
    messages, metadata = chatserver.failing(Fault.FAILED, [{"role": "user", "content": "Tell me a story"}])
    received = []
    with pytest.raises(StreamError) as caught:  # noqa: SIM117 - the stream is the thing under test
        with client.create_completion(
            model=MODEL, messages=messages, stream=True, metadata=metadata
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
    # Upstream's server writes no audit entries itself: the recording put three in its database.
    for n in range(3):
        chatserver.seed(
            "audit_logs",
            {
                "action": "platform_admin.added",
                "resource_type": "platform_admin",
                "resource_id": f"paging{n}@example.com",
                "details": {"user_id": USER_ID, "organization_id": ORG_ID, "email": f"paging{n}@example.com"},
                "success": True,
            },
        )
    everything = client.get_audit_log(limit=200)
    assert everything.count == 3
    page = client.get_audit_log(limit=2, offset=1)
    assert (page.limit, page.offset) == (2, 1)
    assert page.count == len(page.entries) == 2
    # Newest first; offset 1 skips the last one written.
    assert [entry.resource_id for entry in page.entries] == ["paging1@example.com", "paging0@example.com"]
    assert [entry.id for entry in page.entries] == [entry.id for entry in everything.entries[1:3]]
    first = page.entries[0]
    assert (first.action, first.resource, first.user_id, first.org_id) == (
        "platform_admin.added",
        "platform_admin",
        USER_ID,
        ORG_ID,
    )
    assert first.metadata == {"user_id": USER_ID, "organization_id": ORG_ID, "email": "paging1@example.com"}


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
    # The registry keeps the token to itself: it is never sent back, nor any reference to it.
    assert server.bearer_token_id is None
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
    # Upstream: deleting again is fine, updating what is gone is a 500.
    assert client.delete_mcp_server(server.id) is None
    with pytest.raises(InternalServerError):
        client.update_mcp_server(server.id, enabled=True)


# --- agent control ---------------------------------------------------------------------------


@pytest.mark.recorded_against_emulator(AGENT_CONTROL)
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
    assert [(m.id, m.role, m.content) for m in new] == [
        (0, "user", "Run the tests"),
        (1, "agent", "Echo (turn 1): Run the tests"),
    ]

    # Raw keystrokes are acknowledged and never join the conversation.
    assert client.send_agent_message("\x1b", type="raw").ok is True
    assert len(client.get_agent_messages().messages) == len(messages)


@pytest.mark.recorded_against_emulator(AGENT_CONTROL)
def test_upload_file(client: ChatServerClient) -> None:
    uploaded = client.upload_file("notes.txt", b"hello from the cassette suite\n")
    assert uploaded.ok is True
    assert uploaded.file_path.endswith("notes.txt")


@pytest.mark.recorded_against_emulator(AGENT_CONTROL)
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
    assert completion.choices[0].message.content


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
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0


def test_openai_models_list(client: ChatServerClient) -> None:
    ids = [model.id for model in client.models.list()]
    assert MODEL in ids
    assert ids == [model.id for model in client.list_models().data]


def test_openai_extra_body_resumes_a_session(client: ChatServerClient) -> None:
    # openai's own API sends what it is given: the session id, and on resuming the whole conversation.
    first = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Start the review"}],
        extra_body={
            "system_prompt": "Be terse.",
            "metadata": {"user_id": USER_ID, "session_id": SESSION_ID, "workflow": "code-review"},
        },
    )
    assert first.system_fingerprint == SESSION_ID
    second = client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "user", "content": "Start the review"},
            {"role": "assistant", "content": first.choices[0].message.content or ""},
            {"role": "user", "content": "Continue the review"},
        ],
        extra_body={"metadata": {"user_id": USER_ID, "session_id": SESSION_ID}},
    )
    assert second.system_fingerprint == SESSION_ID
    detail = client.get_session(SESSION_ID, user_id=USER_ID)
    assert [record.content for record in detail.messages if record.role == "user"] == [
        "Start the review",
        "Continue the review",
    ]
    assert detail.messages[-1].content == second.choices[0].message.content


def test_openai_status_error(client: ChatServerClient) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model=MODEL, messages=[])
    assert caught.value.status_code == 400
    assert isinstance(caught.value, BadRequestError)
    assert caught.value.message == "messages array must include at least one message"


@pytest.mark.recorded_against_emulator("authentication: upstream's Python server checks no API key")
def test_unauthorized(chatserver: ChatServer) -> None:
    with (
        ChatServerClient(
            api_key="sk-not-a-valid-key", base_url=chatserver.base_url, max_retries=0
        ) as stranger,
        pytest.raises(UnauthorizedError) as denied,
    ):
        stranger.create_completion(model=MODEL, messages=["hi"])
    assert denied.value.status_code == 401
    assert isinstance(denied.value, openai.AuthenticationError)
    assert "sk-not-a-valid-key" not in str(denied.value)
