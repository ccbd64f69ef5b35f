"""Platform administration: admins, audit log and statistics."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
import pytest

from chatserver_sdk.emulator import run_emulator
from chatserver_sdk.emulator.auth import actor_for_key

from .conftest import ORG, OTHER_USER, USER, ClientFactory, completion_body

# Every test here starts an emulator (or a process).
pytestmark = pytest.mark.slow

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
    # Upstream's database assigns the id; the creator recorded is the new admin's own WorkOS id.
    uuid.UUID(admin["id"])
    assert (admin["email"], admin["name"], admin["created_by"]) == ("ops@example.com", "Ops", "user_01")
    assert admin["created_at"].endswith("+00:00")
    response = client.delete(admin_path("ops@example.com"))
    assert response.status_code == 200
    assert response.json() == {"status": "success", "email": "ops@example.com"}
    assert client.get("/api/v1/platform/admins").json()["count"] == 0


@pytest.mark.parametrize("email", [e for e in AWKWARD_EMAILS if "/" not in e])
def test_admin_email_is_one_decoded_path_segment(client: httpx2.Client, email: str) -> None:
    decoy = email + ".decoy"
    for address in (email, decoy):
        assert (
            client.post("/api/v1/platform/admins", json={"workos_id": "w", "email": address}).status_code
            == 201
        )
    response = client.delete(admin_path(email))
    assert response.status_code == 200, response.text
    assert response.json()["email"] == email
    assert [a["email"] for a in client.get("/api/v1/platform/admins").json()["admins"]] == [decoy]


def test_an_email_with_a_slash_matches_no_route_as_upstream(client: httpx2.Client) -> None:
    client.post("/api/v1/platform/admins", json={"workos_id": "w", "email": "a/b@example.com"})
    # The server decodes %2F before routing, so neither spelling reaches the handler: 404.
    assert client.delete("/api/v1/platform/admins/a/b@example.com").status_code == 404
    assert client.delete(admin_path("a/b@example.com")).status_code == 404
    assert client.get("/api/v1/platform/admins").json()["count"] == 1


def test_admin_errors(client: httpx2.Client) -> None:
    response = client.post("/api/v1/platform/admins", json={"workos_id": "", "email": "x@example.com"})
    assert response.status_code == 400
    assert response.json() == {"detail": "email and workos_id required"}
    assert client.post("/api/v1/platform/admins", json={"email": "x@example.com"}).status_code == 422
    client.post("/api/v1/platform/admins", json={"workos_id": "w", "email": "dup@example.com"})
    duplicate = client.post("/api/v1/platform/admins", json={"workos_id": "w", "email": "dup@example.com"})
    # Upstream's database refuses the duplicate and upstream answers 500; the detail says why.
    assert duplicate.status_code == 500 and "already exists" in duplicate.json()["detail"]
    # Removing an email that is not an admin succeeds upstream, with the usual body.
    missing = client.delete(admin_path("ghost@example.com"))
    assert missing.status_code == 200
    assert missing.json() == {"status": "success", "email": "ghost@example.com"}


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
    # Upstream reads an entry's user_id and org_id out of its details, so they are kept there.
    assert [e["metadata"] for e in entries[:2]] == [
        {"name": "tools", "organization_id": ORG},
        {"fields": ["enabled"], "organization_id": ORG},
    ]
    session_entry = entries[-1]
    assert session_entry["action"] == "chat_session.created"
    assert session_entry["resource_id"] == session and session_entry["user_id"] == USER
    assert {e["resource_id"] for e in entries if e["resource"] == "mcp_server"} == {mcp_id}
    assert all(e["org_id"] == ORG for e in entries if e["resource"] == "mcp_server")
    assert all(e["timestamp"].endswith("+00:00") for e in entries)


def test_audit_entries_carry_their_ids_in_their_details(make_client: ClientFactory) -> None:
    with run_emulator(api_keys=["user-key-1"], admin_keys=["admin-key-1"]) as base_url:
        admin = make_client(base_url, api_key="admin-key-1")
        admin.post("/v1/chat/completions", json=completion_body("hi", metadata={"organization_id": ORG}))
        admin.post("/v1/chat/completions", json=completion_body("no org", user_id=OTHER_USER))
        admin.post("/api/v1/platform/admins", json={"workos_id": "w", "email": "a@example.com"})
        admin.delete(admin_path("a@example.com"))
        user_scope = {"type": "user", "user_id": USER, "organization_id": ORG}
        for scope in ({"type": "organization", "organization_id": ORG}, user_scope):
            mcp_id = admin.post(
                "/atoms/mcp", json={"name": "t", "endpoint": "https://m.example.com/", "scope": scope}
            ).json()["id"]
            admin.put(f"/atoms/mcp/{mcp_id}", json={"enabled": False})
            admin.delete(f"/atoms/mcp/{mcp_id}")
        entries = admin.get("/api/v1/platform/audit").json()["entries"]

    assert len(entries) == 10
    for entry in entries:
        # As upstream's route maps them: user_id and org_id are the details' own.
        assert entry["user_id"] == entry["metadata"].get("user_id"), entry
        assert entry["org_id"] == entry["metadata"].get("organization_id"), entry
    actor = actor_for_key("admin-key-1")
    assert [(e["action"], e["user_id"], e["org_id"]) for e in reversed(entries)] == [
        ("chat_session.created", USER, ORG),
        ("chat_session.created", OTHER_USER, None),
        ("platform_admin.added", actor, None),
        ("platform_admin.removed", actor, None),
        *[(f"mcp_server.{change}", actor, ORG) for change in ("created", "updated", "deleted")] * 2,
    ]
    # An id that is not set is left out of the details, as in the rows upstream lists.
    assert "organization_id" not in entries[-2]["metadata"]


def test_audit_entries_of_an_earlier_database_file_show_their_ids(tmp_path: Path) -> None:
    # Earlier emulator versions kept an entry's ids in columns of their own, not in its details.
    db_path = str(tmp_path / "earlier.db")
    with run_emulator(db_path=db_path):
        pass
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO audit_log (id, timestamp, user_id, org_id, action, resource, resource_id, metadata)"
            " VALUES (?, ?, ?, ?, 'mcp_server.created', 'mcp_server', 'm1', '{\"name\": \"t\"}')",
            (str(uuid.uuid4()), "2025-01-01T00:00:00.000000+00:00", USER, ORG),
        )
    conn.close()
    with run_emulator(db_path=db_path) as base_url, httpx2.Client(base_url=base_url) as client:
        [entry] = client.get("/api/v1/platform/audit").json()["entries"]
    assert (entry["user_id"], entry["org_id"]) == (USER, ORG)
    assert entry["metadata"] == {"name": "t", "user_id": USER, "organization_id": ORG}


def test_audit_paging(client: httpx2.Client) -> None:
    for i in range(5):
        client.post("/api/v1/platform/admins", json={"workos_id": f"w{i}", "email": f"{i}@example.com"})
    page = client.get("/api/v1/platform/audit", params={"limit": 2, "offset": 1}).json()
    assert (page["count"], page["limit"], page["offset"]) == (2, 2, 1)
    assert [e["resource_id"] for e in page["entries"]] == ["3@example.com", "2@example.com"]
    tail = client.get("/api/v1/platform/audit", params={"limit": 200, "offset": 4}).json()
    assert tail["count"] == 1


def test_audit_offsets_up_to_a_bigint_are_served(shared_client: httpx2.Client) -> None:
    body = shared_client.get("/api/v1/platform/audit", params={"limit": 200, "offset": 2**63 - 1}).json()
    assert (body["entries"], body["offset"]) == ([], 2**63 - 1)


# Upstream's database cannot skip more rows than a bigint holds (its harness answers an empty page up to
# 2**64 - 1, then 500): a 422 naming the field, the value and the bound.
@pytest.mark.parametrize("offset", [2**63, 2**64 - 1, 2**64, 10**40], ids=str)
def test_audit_offsets_past_a_bigint_are_422(shared_client: httpx2.Client, offset: int) -> None:
    response = shared_client.get("/api/v1/platform/audit", params={"offset": offset})
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"], error["input"], error["ctx"]) == (
        ["query", "offset"],
        "less_than_equal",
        str(offset),
        {"le": 2**63 - 1},
    )
    assert error["msg"].startswith(f"Input should be less than or equal to {2**63 - 1} (")


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "many"}], ids=str)
def test_audit_validation(shared_client: httpx2.Client, params: dict[str, Any]) -> None:
    response = shared_client.get("/api/v1/platform/audit", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_stats_are_upstreams(client: httpx2.Client) -> None:
    empty = client.get("/api/v1/platform/stats").json()
    zeros = {
        "total_users": 0,
        "active_users": 0,
        "total_organizations": 0,
        "total_requests": 0,
        "requests_today": 0,
        "total_tokens": 0,
        "tokens_today": 0,
        "total_mcp_servers": 0,
    }
    assert empty == {
        **zeros,
        "system_health": {
            "status": "healthy",
            "circuit_breaker_status": "healthy",
            "active_agents": ["claude", "gemini"],
        },
    }
    client.post("/v1/chat/completions", json=completion_body("one", metadata={"organization_id": ORG}))
    for enabled in (True, False):
        body = {
            "name": "p",
            "endpoint": "https://p.example.com",
            "scope": {"type": "platform"},
            "enabled": enabled,
        }
        client.post("/atoms/mcp", json=body)
    stats = client.get("/api/v1/platform/stats").json()
    # Upstream counts tables a ChatServer never writes, and reports request and token totals as 0;
    # only the MCP count moves, and it counts disabled servers too.
    assert {k: v for k, v in stats.items() if k != "system_health"} == {**zeros, "total_mcp_servers": 2}
