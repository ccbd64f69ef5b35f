"""The async client against the same recorded servers (upstream's; the emulator for agent
control): scenarios and endpoints, awaited."""

from __future__ import annotations

import pytest

from chatserver_sdk import AsyncChatServerClient, AsyncStream, MessageRole, UsageInfo
from chatserver_sdk.exceptions import BadRequestError, NotFoundError

from .conftest import ChatServer

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]

MODEL = "claude-3-haiku"
AGENT_CONTROL = "agent control: coder/agentapi's routes, which upstream's Python server does not serve"
USER_ID = "00000000-0000-0000-0000-000000000001"
ORG_ID = "00000000-0000-0000-0000-0000000000aa"


async def test_async_quick_start(aclient: AsyncChatServerClient) -> None:
    models = await aclient.list_models()
    assert models.data
    response = await aclient.create_completion(model=MODEL, messages=["Hello!"])
    assert response.choices[0].message.role == MessageRole.ASSISTANT
    assert response.choices[0].message.content
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens
    assert response.system_fingerprint


async def test_async_context_manager(chatserver: ChatServer) -> None:
    async with AsyncChatServerClient(
        api_key=chatserver.api_key, base_url=chatserver.base_url, max_retries=0
    ) as client:
        stats = await client.get_platform_stats()
        assert stats.system_health.status
    assert client.is_closed()


async def test_async_streaming_and_resume(aclient: AsyncChatServerClient) -> None:
    first = await aclient.create_completion(model=MODEL, messages=["Story?"], user=USER_ID)
    session_id = first.system_fingerprint
    assert session_id

    stream = await aclient.create_completion(
        model=MODEL, messages=["And then?"], stream=True, user=USER_ID, session_id=session_id
    )
    assert isinstance(stream, AsyncStream)
    async with stream:
        deltas = [text async for text in stream]
    assert deltas and all(isinstance(delta, str) for delta in deltas)
    assert stream.metadata["system_fingerprint"] == session_id
    assert stream.metadata["finish_reason"] == "stop"
    assert isinstance(stream.metadata["usage"], UsageInfo)

    page = await aclient.list_sessions(USER_ID, page=1, page_size=20)
    assert page.sessions[0].id == session_id
    detail = await aclient.get_session(session_id, user_id=USER_ID)
    assert [record.role for record in detail.messages] == ["user", "assistant", "user", "assistant"]
    assert detail.messages[-1].content == "".join(deltas)


async def test_async_errors(aclient: AsyncChatServerClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        await aclient.create_completion(model="", messages=[])
    assert caught.value.status_code == 400
    assert caught.value.message == "messages array must include at least one message"
    with pytest.raises(NotFoundError):
        await aclient.get_session("00000000-0000-0000-0000-00000000beef", user_id=USER_ID)


async def test_async_platform_and_mcp(aclient: AsyncChatServerClient) -> None:
    email = "async+admin?#%@example.com"
    assert (await aclient.add_admin("user_async", email, "Async")).email == email
    assert email in [admin.email for admin in (await aclient.list_admins()).admins]
    assert (await aclient.remove_admin(email)).status == "success"
    log = await aclient.get_audit_log(limit=5)
    # Upstream's server writes no audit entries of its own.
    assert (log.limit, log.count, log.entries) == (5, 0, [])

    server = await aclient.create_mcp_server(
        name="async-docs",
        endpoint="https://mcp.example.com/async",
        scope={"type": "organization", "organization_id": ORG_ID},
        auth_type="bearer",
        bearer_token="super-secret-token",
    )
    assert server.bearer_token_id is None
    assert server.id in [item.id for item in (await aclient.list_mcp_servers(ORG_ID)).items]
    assert (await aclient.update_mcp_server(server.id, enabled=False)).enabled is False
    assert await aclient.delete_mcp_server(server.id) is None


@pytest.mark.recorded_against_emulator(AGENT_CONTROL)
async def test_async_agent_control(aclient: AsyncChatServerClient, chatserver: ChatServer) -> None:
    before = len((await aclient.get_agent_messages()).messages)
    assert (await aclient.send_agent_message("Async hello")).ok
    for _ in range(200):
        if (await aclient.get_agent_status()).status == "stable":
            break
        await chatserver.apause(0.05)
    else:
        pytest.fail("the agent never became stable")
    new = (await aclient.get_agent_messages()).messages[before:]
    assert (new[0].role, new[0].content) == ("user", "Async hello")
    assert new[-1].role == "agent" and new[-1].content
    assert [(m.id, m.content) for m in new] == [(0, "Async hello"), (1, "Echo (turn 1): Async hello")]
    uploaded = await aclient.upload_file("async.txt", b"async bytes")
    assert uploaded.ok and uploaded.file_path.endswith("async.txt")
