"""The MCP server registry."""

from __future__ import annotations

import uuid
from typing import Any

import httpx2
import pytest

from .conftest import ORG, OTHER_USER, USER


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
        client, {"type": "user", "user_id": USER}, auth_type="bearer", bearer_token="s3cr3t-token"
    )
    uuid.UUID(server["bearer_token_id"])
    listing = client.get("/atoms/mcp", params={"organization_id": ORG, "user_id": USER})
    assert "s3cr3t-token" not in listing.text
    audit = client.get("/api/v1/platform/audit")
    assert "s3cr3t-token" not in audit.text


def test_list_filters_by_scope(client: httpx2.Client) -> None:
    other_org = str(uuid.uuid4())
    platform = create(client, {"type": "platform"}, name="platform")
    org = create(client, {"type": "organization", "organization_id": ORG}, name="org")
    create(client, {"type": "organization", "organization_id": other_org}, name="other-org")
    mine = create(client, {"type": "user", "user_id": USER}, name="mine")
    create(client, {"type": "user", "user_id": OTHER_USER}, name="theirs")

    def names(**params: Any) -> list[str]:
        response = client.get("/atoms/mcp", params={"organization_id": ORG, **params})
        return sorted(item["name"] for item in response.json()["items"])

    assert names() == sorted([platform["name"], org["name"]])
    assert names(user_id=USER) == sorted([platform["name"], org["name"], mine["name"]])
    assert names(user_id=USER, include_platform="false") == sorted([org["name"], mine["name"]])


def test_update_is_partial(client: httpx2.Client) -> None:
    server = create(client, {"type": "organization", "organization_id": ORG}, metadata={"args": ["-v"]})
    response = client.put(f"/atoms/mcp/{server['id']}", json={"name": "renamed", "enabled": False})
    assert response.status_code == 200
    updated = response.json()
    assert (updated["name"], updated["enabled"]) == ("renamed", False)
    unchanged = {k: v for k, v in updated.items() if k not in ("name", "enabled")}
    assert unchanged == {k: v for k, v in server.items() if k not in ("name", "enabled")}
    response = client.put(
        f"/atoms/mcp/{server['id']}",
        json={"auth_type": "bearer", "bearer_token": "t", "metadata": {"env": {}}},
    )
    assert response.json()["bearer_token_id"] and response.json()["metadata"] == {"args": [], "env": {}}
    assert (
        client.put(f"/atoms/mcp/{server['id']}", json={"auth_type": "none"}).json()["bearer_token_id"] is None
    )


def test_delete_is_204_without_body(client: httpx2.Client) -> None:
    server = create(client, {"type": "organization", "organization_id": ORG})
    response = client.delete(f"/atoms/mcp/{server['id']}")
    assert response.status_code == 204 and response.content == b""
    assert client.get("/atoms/mcp", params={"organization_id": ORG}).json() == {"items": []}
    missing = client.delete(f"/atoms/mcp/{server['id']}")
    assert missing.status_code == 404 and missing.json() == {"detail": "MCP server not found"}
    assert client.put(f"/atoms/mcp/{server['id']}", json={"name": "x"}).status_code == 404


@pytest.mark.parametrize(
    "scope",
    [
        {"type": "organization"},
        {"type": "user", "organization_id": ORG},
        {"type": "platform", "organization_id": ORG},
    ],
)
def test_invalid_scope_is_400(shared_client: httpx2.Client, scope: dict[str, Any]) -> None:
    response = shared_client.post(
        "/atoms/mcp", json={"name": "x", "endpoint": "https://x.example.com", "scope": scope}
    )
    assert response.status_code == 400
    assert "scope" in response.json()["detail"]


def test_bearer_without_token_is_400(shared_client: httpx2.Client) -> None:
    body = {
        "name": "x",
        "endpoint": "https://x.example.com",
        "auth_type": "bearer",
        "scope": {"type": "platform"},
    }
    assert shared_client.post("/atoms/mcp", json=body).status_code == 400


@pytest.mark.parametrize(
    "patch",
    [
        {"endpoint": "not a url"},
        {"endpoint": ""},
        {"auth_type": "basic"},
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
