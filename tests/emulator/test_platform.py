"""Platform administration: admins, audit log and statistics."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx2
import pytest

from .conftest import ORG, OTHER_USER, USER, completion_body

AWKWARD_EMAILS = [
    "plain@example.com",
    "slash/in/local@example.com",
    "q?uery#frag@example.com",
    "per%25cent%2Fish@example.com",
    "../../etc@example.com",
    "..",
    "spaces and+plus@example.com",
    "ünïcødé@example.com",
]


def admin_path(email: str) -> str:
    # Dots are unreserved, so clients leave them alone; '..' must still arrive as a segment, not a hop.
    return "/api/v1/platform/admins/" + quote(email, safe="").replace(".", "%2E")


def test_admin_lifecycle(client: httpx2.Client) -> None:
    assert client.get("/api/v1/platform/admins").json() == {"admins": [], "count": 0}
    response = client.post(
        "/api/v1/platform/admins", json={"workos_id": "user_01", "email": "ops@example.com", "name": "Ops"}
    )
    assert response.status_code == 201
    assert response.json() == {"status": "success", "email": "ops@example.com"}
    listing = client.get("/api/v1/platform/admins").json()
    assert listing["count"] == 1
    admin = listing["admins"][0]
    assert (admin["id"], admin["email"], admin["name"]) == ("user_01", "ops@example.com", "Ops")
    assert admin["created_at"]
    response = client.delete(admin_path("ops@example.com"))
    assert response.status_code == 200
    assert response.json() == {"status": "success", "email": "ops@example.com"}
    assert client.get("/api/v1/platform/admins").json()["count"] == 0


@pytest.mark.parametrize("email", AWKWARD_EMAILS)
def test_admin_email_is_one_decoded_path_segment(client: httpx2.Client, email: str) -> None:
    decoy = email.replace("/", "_")
    for address in dict.fromkeys([email, decoy]):
        body = {"workos_id": f"w-{address}", "email": address}
        assert client.post("/api/v1/platform/admins", json=body).status_code == 201
    response = client.delete(admin_path(email))
    assert response.status_code == 200, response.text
    assert response.json()["email"] == email
    remaining = [a["email"] for a in client.get("/api/v1/platform/admins").json()["admins"]]
    assert remaining == ([decoy] if decoy != email else [])


def test_encoded_and_literal_slash_are_different_emails(client: httpx2.Client) -> None:
    client.post("/api/v1/platform/admins", json={"workos_id": "w", "email": "a/b@example.com"})
    # Unencoded, the '/' would be a path separator; the email "a" plus a stray segment is not an admin.
    assert client.delete("/api/v1/platform/admins/a/b@example.com").status_code == 404
    assert client.delete(admin_path("a/b@example.com")).status_code == 200


def test_admin_errors(client: httpx2.Client) -> None:
    response = client.post("/api/v1/platform/admins", json={"workos_id": "", "email": "x@example.com"})
    assert response.status_code == 400
    assert response.json() == {"detail": "email and workos_id required"}
    response = client.post("/api/v1/platform/admins", json={"workos_id": "w", "email": " "})
    assert response.json() == {"detail": "email and workos_id required"}
    assert client.post("/api/v1/platform/admins", json={"email": "x@example.com"}).status_code == 422
    client.post("/api/v1/platform/admins", json={"workos_id": "w", "email": "dup@example.com"})
    duplicate = client.post("/api/v1/platform/admins", json={"workos_id": "w", "email": "dup@example.com"})
    assert duplicate.status_code == 400
    missing = client.delete(admin_path("ghost@example.com"))
    assert missing.status_code == 404 and missing.json() == {"detail": "admin not found"}


def test_audit_records_every_state_change(client: httpx2.Client) -> None:
    session = client.post("/v1/chat/completions", json=completion_body("hello")).json()["system_fingerprint"]
    client.post("/v1/chat/completions", json=completion_body("again", session_id=session))
    client.post("/api/v1/platform/admins", json={"workos_id": "w", "email": "a@example.com"})
    client.delete(admin_path("a@example.com"))
    mcp_body: dict[str, Any] = {
        "name": "tools",
        "endpoint": "https://mcp.example.com/sse",
        "scope": {"type": "organization", "organization_id": ORG},
    }
    mcp_id = client.post("/atoms/mcp", json=mcp_body).json()["id"]
    client.put(f"/atoms/mcp/{mcp_id}", json={"enabled": False})
    client.delete(f"/atoms/mcp/{mcp_id}")

    log = client.get("/api/v1/platform/audit").json()
    assert (log["count"], log["limit"], log["offset"]) == (6, 50, 0)
    entries = log["entries"]
    # Newest first; resuming the session is not a state change of its own.
    assert [e["action"] for e in entries] == [
        "mcp_server.deleted",
        "mcp_server.updated",
        "mcp_server.created",
        "platform_admin.removed",
        "platform_admin.added",
        "chat_session.created",
    ]
    assert [e["metadata"] for e in entries[:2]] == [{"name": "tools"}, {"fields": ["enabled"]}]
    session_entry = entries[-1]
    assert session_entry["action"] == "chat_session.created"
    assert session_entry["resource_id"] == session and session_entry["user_id"] == USER
    assert {e["resource_id"] for e in entries if e["resource"] == "mcp_server"} == {mcp_id}
    assert all(e["org_id"] == ORG for e in entries if e["resource"] == "mcp_server")
    assert all(e["timestamp"].endswith("+00:00") for e in entries)


def test_audit_paging(client: httpx2.Client) -> None:
    for i in range(5):
        client.post("/api/v1/platform/admins", json={"workos_id": f"w{i}", "email": f"{i}@example.com"})
    page = client.get("/api/v1/platform/audit", params={"limit": 2, "offset": 1}).json()
    assert (page["count"], page["limit"], page["offset"]) == (2, 2, 1)
    assert [e["resource_id"] for e in page["entries"]] == ["3@example.com", "2@example.com"]
    tail = client.get("/api/v1/platform/audit", params={"limit": 200, "offset": 4}).json()
    assert tail["count"] == 1


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "many"}], ids=str)
def test_audit_validation(shared_client: httpx2.Client, params: dict[str, Any]) -> None:
    response = shared_client.get("/api/v1/platform/audit", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_stats_are_computed_from_storage(client: httpx2.Client) -> None:
    empty = client.get("/api/v1/platform/stats").json()
    assert {k: v for k, v in empty.items() if k != "system_health"} == {
        "total_users": 0,
        "active_users": 0,
        "total_organizations": 0,
        "total_requests": 0,
        "requests_today": 0,
        "total_tokens": 0,
        "tokens_today": 0,
        "total_mcp_servers": 0,
    }
    health = empty["system_health"]
    assert health["status"] == "healthy" and health["circuit_breaker_status"] == "closed"
    assert set(health["active_agents"]) == {"claude", "droid", "ccrouter"}

    usages = [
        client.post("/v1/chat/completions", json=body).json()["usage"]
        for body in (
            completion_body("one", metadata={"organization_id": ORG}),
            completion_body("two", user_id=OTHER_USER),
            completion_body("three", user_id=None),
        )
    ]
    client.post(
        "/atoms/mcp",
        json={"name": "p", "endpoint": "https://p.example.com", "scope": {"type": "platform"}},
    )
    stats = client.get("/api/v1/platform/stats").json()
    total = sum(u["total_tokens"] for u in usages)
    assert stats["total_users"] == stats["active_users"] == 2
    assert stats["total_organizations"] == 1
    assert stats["total_requests"] == stats["requests_today"] == 3
    assert stats["total_tokens"] == stats["tokens_today"] == total
    assert stats["total_mcp_servers"] == 1
