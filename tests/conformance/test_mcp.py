"""Raw HTTP: the MCP server registry (``/atoms/mcp``).

Read off upstream's ``routes/mcp.py``, ``services/mcp_registry.py`` and ``MCPRepository``,
and measured on its server: the bearer token is stored but never returned (and no
``bearer_token_id`` is ever set), lists hold enabled servers only, and a missing server is
a 500 to update but a 204 to delete.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from .targets import new_id
from .wire import (
    MCP_KEYS,
    MCP_SCOPE_KEYS,
    UUID,
    assert_iso_timestamp,
    assert_server_error,
    detail,
    json_body,
    validation_errors,
)

# Every scenario runs against live servers (upstream's and the emulator).
pytestmark = pytest.mark.slow

MCP = "/atoms/mcp"
SECRET = "conformance-bearer-secret"


@pytest.fixture
def created(raw: httpx2.Client) -> Iterator[list[str]]:
    """Ids of servers a scenario creates; deleted afterwards."""
    ids: list[str] = []
    yield ids
    for mcp_id in ids:
        raw.delete(f"{MCP}/{mcp_id}")


def create(raw: httpx2.Client, created: list[str], scope: dict[str, Any], **fields: Any) -> dict[str, Any]:
    payload = {"name": "docs", "endpoint": "https://mcp.example.com/", "scope": scope, **fields}
    server: dict[str, Any] = json_body(raw.post(MCP, json=payload), 201)
    created.append(server["id"])
    return server


def listed(raw: httpx2.Client, organization_id: str, **params: Any) -> list[str]:
    body = json_body(raw.get(MCP, params={"organization_id": organization_id, **params}), 200)
    assert set(body) == {"items"}
    for item in body["items"]:
        assert set(item) == MCP_KEYS, item
    return [item["id"] for item in body["items"]]


def org_scope(org_id: str) -> dict[str, Any]:
    return {"type": "organization", "organization_id": org_id}


def test_create(raw: httpx2.Client, created: list[str], org_id: str) -> None:
    response = raw.post(
        MCP,
        json={
            "name": "docs",
            "endpoint": "https://mcp.example.com/",
            "scope": org_scope(org_id),
            "auth_type": "bearer",
            "bearer_token": SECRET,
            "metadata": {"args": ["--verbose"], "env": {"LOG_LEVEL": "debug"}},
        },
    )
    server = json_body(response, 201)
    created.append(server["id"])
    assert set(server) == MCP_KEYS
    assert UUID.fullmatch(server["id"])
    assert_iso_timestamp(server["created_at"])
    assert server == {
        **server,
        "name": "docs",
        "type": "http",
        "endpoint": "https://mcp.example.com/",
        "auth_type": "bearer",
        # The token is kept server-side; no reference to it comes back.
        "bearer_token_id": None,
        "oauth_provider": None,
        "enabled": True,
        "metadata": {"args": ["--verbose"], "env": {"LOG_LEVEL": "debug"}},
        "scope": {"type": "organization", "organization_id": org_id, "user_id": None},
    }
    assert SECRET not in response.text
    assert SECRET not in raw.get(MCP, params={"organization_id": org_id}).text


def test_create_defaults_and_url_normalisation(raw: httpx2.Client, created: list[str], org_id: str) -> None:
    server = create(raw, created, org_scope(org_id), endpoint="https://mcp.example.com")
    assert (server["endpoint"], server["auth_type"], server["enabled"], server["metadata"]) == (
        "https://mcp.example.com/",
        "none",
        True,
        {"args": [], "env": {}},
    )


@pytest.mark.parametrize("auth_type", ["none", "bearer", "oauth", "api_key"])
def test_auth_types(raw: httpx2.Client, created: list[str], org_id: str, auth_type: str) -> None:
    assert create(raw, created, org_scope(org_id), auth_type=auth_type)["auth_type"] == auth_type


@pytest.mark.parametrize(
    ("scope", "stored"),
    [
        pytest.param(
            {"type": "platform"},
            {"type": "platform", "organization_id": None, "user_id": None},
            id="platform",
        ),
        pytest.param(
            {"type": "organization", "organization_id": "ORG"},
            {"type": "organization", "organization_id": "ORG", "user_id": None},
            id="organization",
        ),
        pytest.param(
            {"type": "user", "organization_id": "ORG", "user_id": "USER"},
            {"type": "user", "organization_id": "ORG", "user_id": "USER"},
            id="user",
        ),
        # Scopes missing their ids are not refused: they come back as platform scope ...
        pytest.param(
            {"type": "organization"},
            {"type": "platform", "organization_id": None, "user_id": None},
            id="organization-without-id",
        ),
        pytest.param(
            {"type": "user"},
            {"type": "platform", "organization_id": None, "user_id": None},
            id="user-without-ids",
        ),
        # ... and an organization scope naming a user comes back as user scope.
        pytest.param(
            {"type": "organization", "organization_id": "ORG", "user_id": "USER"},
            {"type": "user", "organization_id": "ORG", "user_id": "USER"},
            id="organization-with-user",
        ),
        pytest.param(
            {"type": "platform", "organization_id": "ORG"},
            {"type": "platform", "organization_id": None, "user_id": None},
            id="platform-with-org",
        ),
    ],
)
def test_scopes(
    raw: httpx2.Client,
    created: list[str],
    org_id: str,
    user_id: str,
    scope: dict[str, Any],
    stored: dict[str, Any],
) -> None:
    ids = {"ORG": org_id, "USER": user_id}
    sent = {key: ids.get(value, value) for key, value in scope.items()}
    expected = {key: ids.get(value, value) if value else value for key, value in stored.items()}
    server = create(raw, created, sent)
    assert set(server["scope"]) == MCP_SCOPE_KEYS
    assert server["scope"] == expected


def test_list_follows_scope_and_enabled(
    raw: httpx2.Client, created: list[str], org_id: str, user_id: str
) -> None:
    other_org = new_id()
    org_server = create(raw, created, org_scope(org_id))["id"]
    user_server = create(raw, created, {"type": "user", "organization_id": org_id, "user_id": user_id})["id"]
    platform_server = create(raw, created, {"type": "platform"})["id"]
    other_org_server = create(raw, created, org_scope(other_org))["id"]
    disabled = create(raw, created, org_scope(org_id), enabled=False)["id"]

    default = listed(raw, org_id)
    assert org_server in default and platform_server in default
    assert user_server not in default and other_org_server not in default and disabled not in default
    # Organisation servers come first, then platform ones.
    assert default.index(org_server) < default.index(platform_server)

    with_user = listed(raw, org_id, user_id=user_id)
    assert {org_server, user_server, platform_server} <= set(with_user)
    assert listed(raw, org_id, user_id=new_id()) == default

    without_platform = listed(raw, org_id, include_platform="false")
    assert org_server in without_platform and platform_server not in without_platform


@pytest.mark.parametrize(
    ("params", "location", "error_type"),
    [
        pytest.param({}, ["query", "organization_id"], "missing", id="no-organization"),
        pytest.param(
            {"organization_id": "acme"},
            ["query", "organization_id"],
            "uuid_parsing",
            id="organization-not-uuid",
        ),
        pytest.param(
            {"organization_id": "00000000-0000-0000-0000-0000000000aa", "user_id": "bob"},
            ["query", "user_id"],
            "uuid_parsing",
            id="user-not-uuid",
        ),
        pytest.param(
            {"organization_id": "00000000-0000-0000-0000-0000000000aa", "include_platform": "maybe"},
            ["query", "include_platform"],
            "bool_parsing",
            id="include_platform-not-a-boolean",
        ),
    ],
)
def test_list_validation(
    raw: httpx2.Client, params: dict[str, str], location: list[str], error_type: str
) -> None:
    [error] = validation_errors(raw.get(MCP, params=params))
    assert (error["loc"], error["type"]) == (location, error_type)


@pytest.mark.parametrize(
    ("payload", "location", "error_type"),
    [
        pytest.param(
            {"endpoint": "https://x.example.com", "scope": {"type": "platform"}},
            ["body", "name"],
            "missing",
            id="no-name",
        ),
        pytest.param(
            {"name": "x", "scope": {"type": "platform"}}, ["body", "endpoint"], "missing", id="no-endpoint"
        ),
        pytest.param(
            {"name": "x", "endpoint": "https://x.example.com"}, ["body", "scope"], "missing", id="no-scope"
        ),
        pytest.param(
            {"name": "x", "endpoint": "not a url", "scope": {"type": "platform"}},
            ["body", "endpoint"],
            "url_parsing",
            id="endpoint-not-a-url",
        ),
        pytest.param(
            {"name": "x", "endpoint": "https://x.example.com", "scope": {"type": "galaxy"}},
            ["body", "scope", "type"],
            "literal_error",
            id="unknown-scope",
        ),
        pytest.param(
            {
                "name": "x",
                "endpoint": "https://x.example.com",
                "scope": {"type": "platform"},
                "auth_type": "magic",
            },
            ["body", "auth_type"],
            "literal_error",
            id="unknown-auth_type",
        ),
        pytest.param(
            {
                "name": "x",
                "endpoint": "https://x.example.com",
                "scope": {"type": "platform"},
                "type": "stdio",
            },
            ["body", "type"],
            "literal_error",
            id="type-not-http",
        ),
        pytest.param(
            {
                "name": "x",
                "endpoint": "https://x.example.com",
                "scope": {"type": "organization", "organization_id": "acme"},
            },
            ["body", "scope", "organization_id"],
            "uuid_parsing",
            id="scope-id-not-uuid",
        ),
    ],
)
def test_create_validation(
    raw: httpx2.Client, payload: dict[str, Any], location: list[str], error_type: str
) -> None:
    errors = validation_errors(raw.post(MCP, json=payload))
    assert (location, error_type) in [(error["loc"], error["type"]) for error in errors], errors


@pytest.mark.needs("disposable")
def test_empty_name_is_stored_then_refused_and_breaks_the_list(raw: httpx2.Client, org_id: str) -> None:
    # Upstream inserts the row, then cannot read it back.
    response = raw.post(
        MCP, json={"name": "", "endpoint": "https://x.example.com", "scope": org_scope(org_id)}
    )
    assert detail(response, 400) == "MCP configuration row missing name"
    assert_server_error(raw.get(MCP, params={"organization_id": org_id, "include_platform": "false"}))


def test_update_changes_only_the_fields_given(raw: httpx2.Client, created: list[str], org_id: str) -> None:
    server = create(
        raw,
        created,
        org_scope(org_id),
        metadata={"args": ["-v"], "env": {}},
        auth_type="bearer",
        bearer_token=SECRET,
    )
    updated = json_body(raw.put(f"{MCP}/{server['id']}", json={"name": "docs-v2", "enabled": False}), 200)
    assert updated == {**server, "name": "docs-v2", "enabled": False}
    # Disabled: no longer listed, but still there to update.
    assert server["id"] not in listed(raw, org_id)
    moved = json_body(
        raw.put(
            f"{MCP}/{server['id']}",
            json={"endpoint": "https://new.example.com/x", "metadata": {"args": [], "env": {"A": "1"}}},
        ),
        200,
    )
    assert (moved["endpoint"], moved["metadata"], moved["name"]) == (
        "https://new.example.com/x",
        {"args": [], "env": {"A": "1"}},
        "docs-v2",
    )
    assert json_body(raw.put(f"{MCP}/{server['id']}", json={}), 200) == moved
    enabled = json_body(raw.put(f"{MCP}/{server['id']}", json={"enabled": True}), 200)
    assert enabled["enabled"] is True and server["id"] in listed(raw, org_id)


def test_update_validation(raw: httpx2.Client, created: list[str], org_id: str) -> None:
    server = create(raw, created, org_scope(org_id))
    errors = validation_errors(raw.put(f"{MCP}/{server['id']}", json={"endpoint": "nope"}))
    assert [(error["loc"], error["type"]) for error in errors] == [(["body", "endpoint"], "url_parsing")]
    [error] = validation_errors(raw.put(f"{MCP}/not-a-uuid", json={"enabled": True}))
    assert (error["loc"], error["type"]) == (["path", "mcp_id"], "uuid_parsing")


def test_updating_a_missing_server_is_a_500(raw: httpx2.Client) -> None:
    assert_server_error(raw.put(f"{MCP}/{new_id()}", json={"enabled": True}))


def test_delete(raw: httpx2.Client, created: list[str], org_id: str) -> None:
    server = create(raw, created, org_scope(org_id))
    response = raw.delete(f"{MCP}/{server['id']}")
    assert (response.status_code, response.content) == (204, b"")
    assert server["id"] not in listed(raw, org_id, include_platform="false")
    assert_server_error(raw.put(f"{MCP}/{server['id']}", json={"enabled": True}))
    # Deleting what is not there is not an error.
    again = raw.delete(f"{MCP}/{server['id']}")
    assert (again.status_code, again.content) == (204, b"")


def test_delete_validation(raw: httpx2.Client) -> None:
    [error] = validation_errors(raw.delete(f"{MCP}/not-a-uuid"))
    assert (error["loc"], error["type"]) == (["path", "mcp_id"], "uuid_parsing")
