"""Through the SDK: platform administration and the MCP registry."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import openai
import pytest

from chatserver_sdk import (
    AdminListResponse,
    AdminResponse,
    AsyncChatServerClient,
    AuditLogResponse,
    ChatServerClient,
    MCPListResponse,
    MCPScope,
    MCPServer,
    PlatformStats,
)
from chatserver_sdk.exceptions import (
    BadRequestError,
    InternalServerError,
    UnprocessableEntityError,
)

from .conftest import SdkFactory
from .targets import Target, new_email, new_id

# Every scenario runs against live servers (upstream's and the emulator).
pytestmark = pytest.mark.slow

SECRET = "conformance-bearer-secret"


# Clean-up goes over a fresh connection: after a 500, upstream drops the one it answered on.


@pytest.fixture
def emails(target: Target) -> Iterator[list[str]]:
    added: list[str] = []
    yield added
    with target.raw(admin=True) as raw:
        for email in added:
            raw.delete(f"/api/v1/platform/admins/{quote(email, safe='')}")


@pytest.fixture
def mcp_ids(target: Target) -> Iterator[list[str]]:
    created: list[str] = []
    yield created
    with target.raw() as raw:
        for mcp_id in created:
            raw.delete(f"/atoms/mcp/{mcp_id}")


# --- platform ----------------------------------------------------------------------------------------------


def test_sdk_stats(admin_sdk: ChatServerClient) -> None:
    stats = admin_sdk.get_platform_stats()
    assert isinstance(stats, PlatformStats)
    for count in (
        stats.total_users,
        stats.active_users,
        stats.total_organizations,
        stats.total_requests,
        stats.requests_today,
        stats.total_tokens,
        stats.tokens_today,
        stats.total_mcp_servers,
    ):
        assert isinstance(count, int) and count >= 0
    assert stats.system_health.status == "healthy"
    raw = admin_sdk.with_raw_response.get_platform_stats()
    assert raw.status_code == 200 and raw.request.url.path == "/api/v1/platform/stats"
    assert raw.parse() == stats


def test_sdk_admins(admin_sdk: ChatServerClient, emails: list[str]) -> None:
    before = admin_sdk.list_admins()
    assert isinstance(before, AdminListResponse) and before["count"] == before.count == len(before.admins)
    email = new_email("sdk")
    emails.append(email)
    added = admin_sdk.add_admin(workos_id="user_sdk", email=email, name="SDK Admin")
    assert isinstance(added, AdminResponse) and (added.status, added.email) == ("success", email)
    admins = admin_sdk.list_admins()
    assert admins.count == before.count + 1
    [ours] = [admin for admin in admins.admins if admin.email == email]
    assert (ours.name, ours.created_by) == ("SDK Admin", "user_sdk")
    removed = admin_sdk.remove_admin(email)
    assert (removed.status, removed.email) == ("success", email)
    assert email not in [admin.email for admin in admin_sdk.list_admins().admins]


def test_sdk_remove_admin_with_characters_that_need_encoding(
    admin_sdk: ChatServerClient, emails: list[str]
) -> None:
    email = f"ops?x#y%z+{new_id()[:8]}@example.com"
    emails.append(email)
    admin_sdk.add_admin(workos_id="user_odd", email=email)
    raw = admin_sdk.with_raw_response.remove_admin(email)
    assert raw.status_code == 200 and raw.parse().email == email
    assert email not in [admin.email for admin in admin_sdk.list_admins().admins]


@pytest.mark.needs("disposable")
def test_sdk_refuses_an_admin_email_with_a_slash(admin_sdk: ChatServerClient) -> None:
    # The server decodes %2F before routing, so such an admin could never be removed through the
    # API (the raw scenario pins that): the SDK refuses both calls before sending anything.
    email = f"ops/team-{new_id()[:8]}@example.com"
    with pytest.raises(ValueError, match="contains '/'; such an admin could not be removed again"):
        admin_sdk.add_admin(workos_id="user_slash", email=email)
    with pytest.raises(ValueError, match="contains '/'; such an admin cannot be removed"):
        admin_sdk.remove_admin(email)
    assert email not in [admin.email for admin in admin_sdk.list_admins().admins]


def test_sdk_admin_errors(admin_sdk: ChatServerClient, emails: list[str]) -> None:
    with pytest.raises(ValueError, match="email: '' is not an email address"):
        admin_sdk.add_admin(workos_id="user_x", email="")  # refused before sending
    with pytest.raises(BadRequestError) as caught:
        admin_sdk.add_admin(workos_id="", email=new_email("no-workos"))
    assert caught.value.message == "email and workos_id required"
    email = new_email("twice")
    emails.append(email)
    admin_sdk.add_admin(workos_id="user_twice", email=email)
    with pytest.raises(InternalServerError) as twice:
        admin_sdk.add_admin(workos_id="user_twice", email=email)
    assert twice.value.status_code == 500
    assert isinstance(twice.value, openai.InternalServerError)


def test_sdk_audit_log(admin_sdk: ChatServerClient) -> None:
    log = admin_sdk.get_audit_log(limit=20, offset=0)
    assert isinstance(log, AuditLogResponse)
    assert (log.limit, log.offset) == (20, 0) and log.count == len(log.entries) <= 20
    everything = admin_sdk.get_audit_log(limit=200).entries
    page = admin_sdk.get_audit_log(limit=1, offset=1)
    assert [entry.id for entry in page.entries] == [entry.id for entry in everything[1:2]]
    with pytest.raises(ValueError, match="limit: 201 is not between 1 and 200"):
        admin_sdk.get_audit_log(limit=201)  # refused before sending
    with pytest.raises(UnprocessableEntityError) as caught:
        admin_sdk.get_audit_log(extra_query={"limit": 201})  # what the server says of it
    assert "limit" in caught.value.message


async def test_async_sdk_platform(target: Target, emails: list[str]) -> None:
    key = target.admin_key or target.api_key
    async with AsyncChatServerClient(base_url=target.base_url, api_key=key, max_retries=0) as client:
        email = new_email("async")
        emails.append(email)
        assert (await client.add_admin("user_async", email, "Async")).email == email
        assert email in [admin.email for admin in (await client.list_admins()).admins]
        assert (await client.remove_admin(email)).status == "success"
        assert (await client.get_platform_stats()).system_health.status == "healthy"


# --- MCP registry -------------------------------------------------------------------------------------------


def test_sdk_mcp_registry(sdk: ChatServerClient, org_id: str, mcp_ids: list[str]) -> None:
    server = sdk.create_mcp_server(
        name="docs",
        endpoint="https://mcp.example.com/",
        scope={"type": "organization", "organization_id": org_id},
        auth_type="bearer",
        bearer_token=SECRET,
        metadata={"args": ["--verbose"], "env": {"LOG_LEVEL": "debug"}},
    )
    mcp_ids.append(server.id)
    assert isinstance(server, MCPServer)
    assert (server.name, server.endpoint, server.auth_type, server.enabled) == (
        "docs",
        "https://mcp.example.com/",
        "bearer",
        True,
    )
    assert server.scope == MCPScope(type="organization", organization_id=org_id)
    # The token stays on the server; nothing refers back to it.
    assert server.bearer_token_id is None
    assert SECRET not in server.model_dump_json()

    listed = sdk.list_mcp_servers(org_id, include_platform=True)
    assert isinstance(listed, MCPListResponse) and server.id in [item.id for item in listed.items]

    updated = sdk.update_mcp_server(server.id, enabled=False, name="docs-v2")
    assert (updated.id, updated.name, updated.enabled, updated.endpoint) == (
        server.id,
        "docs-v2",
        False,
        server.endpoint,
    )
    assert updated.metadata.args == ["--verbose"]
    assert server.id not in [item.id for item in sdk.list_mcp_servers(org_id).items]

    assert sdk.delete_mcp_server(server.id) is None
    assert sdk.delete_mcp_server(server.id) is None


def test_sdk_mcp_scope_object_and_platform_listing(
    sdk: ChatServerClient, org_id: str, mcp_ids: list[str]
) -> None:
    platform = sdk.create_mcp_server(
        name="shared", endpoint="https://shared.example.com", scope=MCPScope(type="platform")
    )
    mcp_ids.append(platform.id)
    assert platform.endpoint == "https://shared.example.com/"
    assert platform.id in [item.id for item in sdk.list_mcp_servers(org_id).items]
    assert platform.id not in [item.id for item in sdk.list_mcp_servers(org_id, include_platform=False).items]


def test_sdk_update_of_a_missing_mcp_server(make_sdk: SdkFactory) -> None:
    with pytest.raises(InternalServerError) as caught:
        make_sdk().update_mcp_server(new_id(), enabled=True)
    assert caught.value.status_code == 500


def test_sdk_mcp_validation(sdk: ChatServerClient, org_id: str) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        sdk.create_mcp_server(
            name="x", endpoint="not a url", scope={"type": "organization", "organization_id": org_id}
        )
    assert "body.endpoint" in caught.value.message
    with pytest.raises(ValueError, match="organization_id: 'acme' is not a UUID"):
        sdk.list_mcp_servers("acme")
    with pytest.raises(UnprocessableEntityError):
        sdk.list_mcp_servers(org_id, extra_query={"organization_id": "acme"})
