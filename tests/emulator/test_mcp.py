"""The MCP server registry."""

from __future__ import annotations

import uuid
from typing import Any

import httpx2
import pytest

from .conftest import ORG, OTHER_USER, USER

# Every test here starts an emulator (or a process).
pytestmark = pytest.mark.slow


def create(client: httpx2.Client, scope: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"name": "search", "endpoint": "https://mcp.example.com/search", "scope": scope, **fields}
    response = client.post("/atoms/mcp", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_create_defaults(client: httpx2.Client) -> None:
    server = create(client, {"type": "organization", "organization_id": ORG})
    uuid.UUID(server["id"])
    assert server["type"] == "http" and server["auth_type"] == "none" and server["enabled"] is True
    assert server["endpoint"] == "https://mcp.example.com/search"
    assert server["metadata"] == {"args": [], "env": {}}
    assert server["bearer_token_id"] is None and server["created_at"]
    assert server["scope"] == {"type": "organization", "organization_id": ORG, "user_id": None}


def test_bearer_token_is_never_echoed(client: httpx2.Client) -> None:
    server = create(
        client,
        {"type": "user", "organization_id": ORG, "user_id": USER},
        auth_type="bearer",
        bearer_token="s3cr3t-token",
        oauth_provider="github",
    )
    # Upstream returns neither a token id nor the provider.
    assert server["bearer_token_id"] is None and server["oauth_provider"] is None
    listing = client.get("/atoms/mcp", params={"organization_id": ORG, "user_id": USER})
    assert "s3cr3t-token" not in listing.text and server["id"] in listing.text
    audit = client.get("/api/v1/platform/audit")
    assert "s3cr3t-token" not in audit.text


def test_list_follows_upstreams_two_queries(client: httpx2.Client) -> None:
    other_org = str(uuid.uuid4())
    create(client, {"type": "platform"}, name="platform")
    create(client, {"type": "organization", "organization_id": ORG}, name="org")
    create(client, {"type": "organization", "organization_id": other_org}, name="other-org")
    create(client, {"type": "user", "organization_id": ORG, "user_id": USER}, name="mine")
    create(client, {"type": "user", "organization_id": ORG, "user_id": OTHER_USER}, name="theirs")
    create(client, {"type": "organization", "organization_id": ORG}, name="off", enabled=False)
    # A user scope without an organization has no org id, so upstream lists it with the platform ones.
    create(client, {"type": "user", "user_id": USER}, name="user-no-org")

    def names(**params: Any) -> list[str]:
        response = client.get("/atoms/mcp", params={"organization_id": ORG, **params})
        return [item["name"] for item in response.json()["items"]]

    # The organization's entries first, then every entry without an organization; disabled ones never.
    assert names() == ["org", "platform", "user-no-org"]
    assert names(user_id=USER) == ["org", "mine", "platform", "user-no-org"]
    assert names(user_id=USER, include_platform="false") == ["org", "mine"]


@pytest.mark.parametrize(
    ("scope", "read_back"),
    [
        ({"type": "organization"}, {"type": "platform", "organization_id": None, "user_id": None}),
        ({"type": "user"}, {"type": "platform", "organization_id": None, "user_id": None}),
        (
            {"type": "platform", "organization_id": ORG},
            {"type": "platform", "organization_id": None, "user_id": None},
        ),
        ({"type": "user", "user_id": USER}, {"type": "user", "organization_id": None, "user_id": USER}),
    ],
)
def test_scope_is_rebuilt_from_stored_ids_as_upstream(
    shared_client: httpx2.Client, scope: dict[str, Any], read_back: dict[str, Any]
) -> None:
    assert create(shared_client, scope)["scope"] == read_back


def test_auth_fields_are_not_cross_checked(shared_client: httpx2.Client) -> None:
    # Upstream also accepts "api_key", which its published spec does not list (so the spec check would fail).
    for auth_type in ("bearer", "oauth"):
        assert create(shared_client, {"type": "platform"}, auth_type=auth_type)["auth_type"] == auth_type


def test_update_is_partial(client: httpx2.Client) -> None:
    server = create(client, {"type": "organization", "organization_id": ORG}, metadata={"args": ["-v"]})
    response = client.put(f"/atoms/mcp/{server['id']}", json={"name": "renamed", "enabled": False})
    assert response.status_code == 200
    updated = response.json()
    assert (updated["name"], updated["enabled"]) == ("renamed", False)
    unchanged = {k: v for k, v in updated.items() if k not in ("name", "enabled")}
    assert unchanged == {k: v for k, v in server.items() if k not in ("name", "enabled")}
    response = client.put(f"/atoms/mcp/{server['id']}", json={"auth_type": "bearer", "metadata": {"env": {}}})
    assert response.json()["auth_type"] == "bearer" and response.json()["metadata"] == {"args": [], "env": {}}
    assert client.put(f"/atoms/mcp/{server['id']}", json={}).json() == response.json()


def test_delete_is_204_and_unknown_ids_too(client: httpx2.Client) -> None:
    server = create(client, {"type": "organization", "organization_id": ORG})
    response = client.delete(f"/atoms/mcp/{server['id']}")
    assert response.status_code == 204 and response.content == b""
    assert client.get("/atoms/mcp", params={"organization_id": ORG}).json() == {"items": []}
    again = client.delete(f"/atoms/mcp/{server['id']}")
    assert again.status_code == 204 and again.content == b""


def test_update_of_an_unknown_id_is_upstreams_500_with_a_detail(shared_client: httpx2.Client) -> None:
    missing = str(uuid.uuid4())
    response = shared_client.put(f"/atoms/mcp/{missing}", json={"name": "x"})
    assert response.status_code == 500
    assert missing in response.json()["detail"] and "List the servers" in response.json()["detail"]


@pytest.mark.parametrize(
    "patch",
    [
        {"endpoint": "not a url"},
        {"endpoint": ""},
        {"auth_type": "basic"},
        {"metadata": {"args": "not-a-list"}},
        {"type": "stdio"},
        {"scope": {"type": "galaxy"}},
        {"scope": {"type": "organization", "organization_id": "acme"}},
        {"name": None},
    ],
    ids=str,
)
def test_create_validation_422(shared_client: httpx2.Client, patch: dict[str, Any]) -> None:
    body = {"name": "x", "endpoint": "https://x.example.com", "scope": {"type": "platform"}, **patch}
    assert shared_client.post("/atoms/mcp", json=body).status_code == 422


def test_route_validation_422(shared_client: httpx2.Client) -> None:
    assert shared_client.get("/atoms/mcp").status_code == 422
    assert shared_client.get("/atoms/mcp", params={"organization_id": "acme"}).status_code == 422
    assert (
        shared_client.get("/atoms/mcp", params={"organization_id": ORG, "user_id": "bob"}).status_code == 422
    )
    assert shared_client.put("/atoms/mcp/not-a-uuid", json={}).status_code == 422
    assert shared_client.delete("/atoms/mcp/not-a-uuid").status_code == 422
