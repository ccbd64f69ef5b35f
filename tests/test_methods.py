"""Every client method, sync and async: the request it sends and what it returns."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx2
import pytest

from chatserver_sdk import (
    AdminListResponse,
    AdminResponse,
    AgentMessagesResponse,
    AgentStatus,
    AsyncChatServerClient,
    AuditLogResponse,
    ChatCompletionResponse,
    ChatServerClient,
    ChatSessionDetailResponse,
    ChatSessionListResponse,
    MCPListResponse,
    MCPServer,
    ModelsResponse,
    PlatformStats,
    SendMessageResponse,
    UploadResponse,
)
from chatserver_sdk._operations import ENDPOINTS

from .conftest import BASE_URL, FakeServer, completion

USER = "00000000-0000-0000-0000-000000000001"
SESSION = "11111111-1111-1111-1111-111111111111"
ORG = "22222222-2222-2222-2222-222222222222"
MCP_ID = "33333333-3333-3333-3333-333333333333"
WHEN = "2024-05-01T12:00:00Z"

SUMMARY = {
    "id": SESSION,
    "user_id": USER,
    "title": "Draft a project update email.",
    "model": "claude-3-haiku",
    "created_at": WHEN,
    "updated_at": WHEN,
    "message_count": 2,
    "tokens_in": 3,
    "tokens_out": 4,
    "tokens_total": 7,
    "metadata": {},
    "archived": False,
}
MCP = {
    "id": MCP_ID,
    "name": "docs",
    "type": "http",
    "endpoint": "https://mcp.example.com/",
    "auth_type": "none",
    "enabled": True,
    "metadata": {"args": [], "env": {}},
    "scope": {"type": "organization", "organization_id": ORG},
}


class Case:
    def __init__(
        self,
        method: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        route: tuple[str, str],
        response: httpx2.Response,
        check: Callable[[httpx2.Request, Any], None],
    ) -> None:
        self.method, self.args, self.kwargs = method, args, kwargs
        self.route, self.response, self.check = route, response, check

    def __repr__(self) -> str:
        return self.method


def ok(payload: Any, status: int = 200) -> httpx2.Response:
    return httpx2.Response(status, json=payload)


def body(request: httpx2.Request) -> Any:
    return json.loads(request.content)


def check_completion(request: httpx2.Request, result: Any) -> None:
    sent = body(request)
    assert sent["model"] == "claude-3-haiku"
    assert sent["messages"] == [{"role": "user", "content": "Hi"}]
    assert (sent["temperature"], sent["max_tokens"], sent["top_p"], sent["stream"]) == (0.2, 100, 0.9, False)
    assert sent["user"] == USER and sent["system_prompt"] == "Be brief."
    assert sent["metadata"] == {
        "trace": "t-1",
        "session_id": SESSION,
        "organization_id": ORG,
        "workflow": "review",
        "variables": {"lang": "en"},
        "allowed_tools": ["Read"],
        "setting_sources": ["project"],
        "mcp_servers": {"docs": {"url": "https://mcp.example.com/"}},
        "user_id": USER,
    }
    assert isinstance(result, ChatCompletionResponse)
    assert result.system_fingerprint == "sess-1"
    assert result.choices[0].message.content == "Hello!"
    assert result.usage.total_tokens == 5


def check_models(request: httpx2.Request, result: Any) -> None:
    assert isinstance(result, ModelsResponse)
    assert (result.data[0].provider, result.data[0].context_length) == ("claude", 200000)


def check_stats(request: httpx2.Request, result: Any) -> None:
    assert isinstance(result, PlatformStats)
    assert result.total_users == 4 and result.system_health.active_agents == ["claude"]


def check_send_message(request: httpx2.Request, result: Any) -> None:
    assert body(request) == {"content": "hi", "type": "user"}
    assert isinstance(result, SendMessageResponse) and result.ok


def check_nothing(request: httpx2.Request, result: Any) -> None:
    assert result is None


def check_sessions(request: httpx2.Request, result: Any) -> None:
    assert dict(request.url.params) == {"user_id": USER, "page": "2", "page_size": "5"}
    assert isinstance(result, ChatSessionListResponse)
    assert result.sessions[0].created_at == datetime.fromisoformat("2024-05-01T12:00:00+00:00")
    assert result.has_more is True


def check_session(request: httpx2.Request, result: Any) -> None:
    assert request.url.params["user_id"] == USER
    assert isinstance(result, ChatSessionDetailResponse)
    assert [m.message_index for m in result.messages] == [0, 1]


def check_admins(request: httpx2.Request, result: Any) -> None:
    assert isinstance(result, AdminListResponse)
    assert result["count"] == 1 and result["admins"][0].email == "ada@example.com"


def check_add_admin(request: httpx2.Request, result: Any) -> None:
    assert body(request) == {"workos_id": "wos_1", "email": "ada@example.com", "name": "Ada"}
    assert isinstance(result, AdminResponse) and result.email == "ada@example.com"


def check_remove_admin(request: httpx2.Request, result: Any) -> None:
    assert request.url.raw_path == b"/api/v1/platform/admins/a%2Fb%3Fc%23d%25e%40x.com"
    assert isinstance(result, AdminResponse)


def check_audit(request: httpx2.Request, result: Any) -> None:
    assert dict(request.url.params) == {"limit": "20", "offset": "40"}
    assert isinstance(result, AuditLogResponse) and result.entries[0].action == "admin.added"


def check_mcp_list(request: httpx2.Request, result: Any) -> None:
    assert dict(request.url.params) == {"organization_id": ORG, "user_id": USER, "include_platform": "false"}
    assert isinstance(result, MCPListResponse) and result.items[0].id == MCP_ID


def check_mcp_create(request: httpx2.Request, result: Any) -> None:
    assert body(request) == {
        "name": "docs",
        "type": "http",
        "endpoint": "https://mcp.example.com/",
        "auth_type": "bearer",
        "bearer_token": "tok",
        "enabled": True,
        "scope": {"type": "organization", "organization_id": ORG},
    }
    assert isinstance(result, MCPServer) and result.scope is not None and result.scope.organization_id == ORG


def check_mcp_update(request: httpx2.Request, result: Any) -> None:
    assert body(request) == {"enabled": False}
    assert isinstance(result, MCPServer)


def check_upload(request: httpx2.Request, result: Any) -> None:
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="notes.txt"' in request.content and b"hello" in request.content
    assert isinstance(result, UploadResponse) and result.file_path == "/tmp/notes.txt"


def is_a(cls: type) -> Callable[[httpx2.Request, Any], None]:
    def check(request: httpx2.Request, result: Any) -> None:
        assert isinstance(result, cls), result

    return check


CASES = [
    Case(
        "create_completion",
        ("claude-3-haiku", [{"role": "user", "content": "Hi"}], 0.2, 100, 0.9, False, USER, "Be brief."),
        dict(
            session_id=SESSION,
            metadata={"trace": "t-1"},
            organization_id=ORG,
            workflow="review",
            variables={"lang": "en"},
            allowed_tools=["Read"],
            setting_sources=["project"],
            mcp_servers={"docs": {"url": "https://mcp.example.com/"}},
        ),
        ("POST", "/v1/chat/completions"),
        ok(completion()),
        check_completion,
    ),
    Case(
        "list_models",
        (),
        {},
        ("GET", "/v1/models"),
        ok(
            {
                "object": "list",
                "data": [
                    {
                        "id": "claude-3-haiku",
                        "owned_by": "anthropic",
                        "provider": "claude",
                        "capabilities": ["chat"],
                        "context_length": 200000,
                    }
                ],
            }
        ),
        check_models,
    ),
    Case(
        "list_sessions",
        (USER, 2, 5),
        {},
        ("GET", "/atoms/chat/sessions"),
        ok({"sessions": [SUMMARY], "total": 9, "page": 2, "page_size": 5, "has_more": True}),
        check_sessions,
    ),
    Case(
        "get_session",
        (SESSION,),
        {"user_id": USER},
        ("GET", f"/atoms/chat/sessions/{SESSION}"),
        ok(
            {
                "session": SUMMARY,
                "messages": [
                    {"id": SESSION, "message_index": i, "role": r, "content": "x", "created_at": WHEN}
                    for i, r in enumerate(["user", "assistant"])
                ],
            }
        ),
        check_session,
    ),
    Case(
        "get_platform_stats",
        (),
        {},
        ("GET", "/api/v1/platform/stats"),
        ok({"total_users": 4, "system_health": {"status": "healthy", "active_agents": ["claude"]}}),
        check_stats,
    ),
    Case(
        "list_admins",
        (),
        {},
        ("GET", "/api/v1/platform/admins"),
        ok({"admins": [{"id": "1", "email": "ada@example.com", "created_at": WHEN}], "count": 1}),
        check_admins,
    ),
    Case(
        "add_admin",
        ("wos_1", "ada@example.com", "Ada"),
        {},
        ("POST", "/api/v1/platform/admins"),
        ok({"status": "success", "email": "ada@example.com"}, 201),
        check_add_admin,
    ),
    Case(
        "remove_admin",
        ("a/b?c#d%e@x.com",),
        {},
        ("DELETE", "/api/v1/platform/admins/a%2Fb%3Fc%23d%25e%40x.com"),
        ok({"status": "success", "email": "a/b?c#d%e@x.com"}),
        check_remove_admin,
    ),
    Case(
        "get_audit_log",
        (20, 40),
        {},
        ("GET", "/api/v1/platform/audit"),
        ok(
            {
                "entries": [{"id": "1", "timestamp": WHEN, "action": "admin.added", "metadata": {}}],
                "count": 1,
                "limit": 20,
                "offset": 40,
            }
        ),
        check_audit,
    ),
    Case(
        "list_mcp_servers",
        (ORG,),
        {"user_id": USER, "include_platform": False},
        ("GET", "/atoms/mcp"),
        ok({"items": [MCP]}),
        check_mcp_list,
    ),
    Case(
        "create_mcp_server",
        ("docs", "https://mcp.example.com/", {"type": "organization", "organization_id": ORG}),
        {"auth_type": "bearer", "bearer_token": "tok"},
        ("POST", "/atoms/mcp"),
        ok(MCP, 201),
        check_mcp_create,
    ),
    Case(
        "update_mcp_server",
        (MCP_ID,),
        {"enabled": False},
        ("PUT", f"/atoms/mcp/{MCP_ID}"),
        ok({**MCP, "enabled": False}),
        check_mcp_update,
    ),
    Case(
        "delete_mcp_server",
        (MCP_ID,),
        {},
        ("DELETE", f"/atoms/mcp/{MCP_ID}"),
        httpx2.Response(204),
        check_nothing,
    ),
    Case(
        "get_agent_status",
        (),
        {},
        ("GET", "/status"),
        ok({"agent_type": "claude", "status": "stable"}),
        is_a(AgentStatus),
    ),
    Case(
        "get_agent_messages",
        (),
        {},
        ("GET", "/messages"),
        ok({"messages": [{"id": 0, "role": "user", "content": "hi", "time": WHEN}]}),
        is_a(AgentMessagesResponse),
    ),
    Case(
        "send_agent_message",
        ("hi",),
        {},
        ("POST", "/message"),
        ok({"ok": True}),
        check_send_message,
    ),
    Case(
        "upload_file",
        ("notes.txt", b"hello"),
        {},
        ("POST", "/upload"),
        ok({"ok": True, "filePath": "/tmp/notes.txt"}),
        check_upload,
    ),
]


def run_sync(server: FakeServer, method: str, *args: Any, **kwargs: Any) -> Any:
    transport = httpx2.MockTransport(server)
    with ChatServerClient(
        api_key="sk-test-secret",
        base_url=BASE_URL,
        max_retries=0,
        http_client=httpx2.Client(transport=transport),
    ) as client:
        return getattr(client, method)(*args, **kwargs)


def run_async(server: FakeServer, method: str, *args: Any, **kwargs: Any) -> Any:
    async def main() -> Any:
        transport = httpx2.MockTransport(server)
        async with AsyncChatServerClient(
            api_key="sk-test-secret",
            base_url=BASE_URL,
            max_retries=0,
            http_client=httpx2.AsyncClient(transport=transport),
        ) as client:
            return await getattr(client, method)(*args, **kwargs)

    return asyncio.run(main())


@pytest.fixture(params=[run_sync, run_async], ids=["sync", "async"])
def call(request: pytest.FixtureRequest, server: FakeServer) -> Callable[..., Any]:
    runner = request.param
    return lambda method, *args, **kwargs: runner(server, method, *args, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_method(case: Case, call: Callable[..., Any], server: FakeServer) -> None:
    server.on(*case.route, case.response)
    result = call(case.method, *case.args, **case.kwargs)
    assert server.last.method == case.route[0]
    assert server.last.url.raw_path.decode().split("?")[0] == case.route[1]
    assert server.last.headers["authorization"] == "Bearer sk-test-secret"
    case.check(server.last, result)


def test_every_public_method_is_covered() -> None:
    public = {endpoint.name for endpoint in ENDPOINTS}
    covered = {case.method for case in CASES} | {"stream_agent_events"}  # streamed: see test_streaming
    assert public == covered
    for cls in (ChatServerClient, AsyncChatServerClient):
        assert all(callable(getattr(cls, name)) for name in public)


def test_path_segments_cannot_escape(call: Callable[..., Any], server: FakeServer) -> None:
    server.on("DELETE", "/api/v1/platform/admins/%2E%2E", ok({"status": "success", "email": ".."}))
    assert call("remove_admin", "..").email == ".."
    with pytest.raises(ValueError, match="email: must not be empty"):
        call("remove_admin", "")
