"""Raw HTTP: platform administration — statistics, admins and the audit log.

Upstream's Python server checks no key on these routes and writes no audit entries; a
deployment puts authentication in front of it (the ``custom`` target sends
``CHATSERVER_CONFORMANCE_ADMIN_KEY`` here).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx2
import pytest

from .targets import Target, new_email, new_id
from .wire import (
    ADMIN_KEYS,
    ADMIN_LIST_KEYS,
    AUDIT_ENTRY_KEYS,
    AUDIT_KEYS,
    HEALTH_KEYS,
    STATS_KEYS,
    UUID,
    assert_iso_timestamp,
    assert_not_found_route,
    assert_server_error,
    detail,
    json_body,
    validation_errors,
)

# Every scenario runs against live servers (upstream's and the emulator).
pytestmark = pytest.mark.slow

ADMINS = "/api/v1/platform/admins"
AUDIT = "/api/v1/platform/audit"
STATS = "/api/v1/platform/stats"


@pytest.fixture
def emails(admin_raw: httpx2.Client) -> Iterator[list[str]]:
    """Emails of admins a scenario adds; whatever is left of them is removed afterwards."""
    added: list[str] = []
    yield added
    for email in added:
        admin_raw.delete(f"{ADMINS}/{quote(email, safe='')}")


def add_admin(admin_raw: httpx2.Client, emails: list[str], label: str, **fields: Any) -> str:
    email = new_email(label)
    emails.append(email)
    response = admin_raw.post(ADMINS, json={"workos_id": f"user_{label}", "email": email, **fields})
    assert json_body(response, 201) == {"status": "success", "email": email}
    return email


def admin_list(admin_raw: httpx2.Client) -> list[dict[str, Any]]:
    body = json_body(admin_raw.get(ADMINS), 200)
    assert set(body) == ADMIN_LIST_KEYS and body["count"] == len(body["admins"])
    admins: list[dict[str, Any]] = body["admins"]
    return admins


def audit(admin_raw: httpx2.Client, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = json_body(admin_raw.get(AUDIT, params=params), 200)
    return body


# --- statistics ----------------------------------------------------------------------------------------


def test_stats(admin_raw: httpx2.Client) -> None:
    stats = json_body(admin_raw.get(STATS), 200)
    assert set(stats) == STATS_KEYS
    for key in STATS_KEYS - {"system_health"}:
        assert isinstance(stats[key], int) and stats[key] >= 0, (key, stats[key])
    health = stats["system_health"]
    assert set(health) == HEALTH_KEYS
    assert health["status"] == "healthy"
    assert health["circuit_breaker_status"] is None or isinstance(health["circuit_breaker_status"], str)
    assert isinstance(health["active_agents"], list)
    assert all(isinstance(agent, str) for agent in health["active_agents"])


def test_stats_count_every_mcp_server(raw: httpx2.Client, admin_raw: httpx2.Client, org_id: str) -> None:
    def count() -> int:
        return int(json_body(admin_raw.get(STATS), 200)["total_mcp_servers"])

    before = count()
    server = json_body(
        raw.post(
            "/atoms/mcp",
            json={
                "name": "counted",
                "endpoint": "https://mcp.example.com/",
                "scope": {"type": "organization", "organization_id": org_id},
            },
        ),
        201,
    )
    assert count() == before + 1
    # Disabled servers are still counted.
    json_body(raw.put(f"/atoms/mcp/{server['id']}", json={"enabled": False}), 200)
    assert count() == before + 1
    assert raw.delete(f"/atoms/mcp/{server['id']}").status_code == 204
    assert count() == before


# --- admins ---------------------------------------------------------------------------------------------


def test_add_and_list_admins(admin_raw: httpx2.Client, emails: list[str]) -> None:
    before = admin_list(admin_raw)
    first = add_admin(admin_raw, emails, "ada", name="Ada")
    second = add_admin(admin_raw, emails, "bob")
    admins = admin_list(admin_raw)
    assert len(admins) == len(before) + 2
    ours = [admin for admin in admins if admin["email"] in (first, second)]
    # Newest first.
    assert [admin["email"] for admin in ours] == [second, first]
    for admin in admins:
        assert set(admin) == ADMIN_KEYS, admin
    newest, older = ours
    assert UUID.fullmatch(newest["id"]) and UUID.fullmatch(older["id"])
    assert (older["name"], older["created_by"]) == ("Ada", "user_ada")
    # No name given: none stored. created_by is the new admin's own WorkOS id.
    assert (newest["name"], newest["created_by"]) == (None, "user_bob")
    assert assert_iso_timestamp(newest["created_at"]) >= assert_iso_timestamp(older["created_at"])


def test_remove_admin(admin_raw: httpx2.Client, emails: list[str]) -> None:
    email = add_admin(admin_raw, emails, "leaving")
    response = admin_raw.delete(f"{ADMINS}/{quote(email, safe='')}")
    assert json_body(response, 200) == {"status": "success", "email": email}
    assert email not in [admin["email"] for admin in admin_list(admin_raw)]
    # Removing an admin who is not there succeeds all the same.
    again = admin_raw.delete(f"{ADMINS}/{quote(email, safe='')}")
    assert json_body(again, 200) == {"status": "success", "email": email}


@pytest.mark.parametrize("local_part", ["ops?x#y%z", "a+b", "sp ace", "dot.", "%2F"])
def test_remove_admin_with_an_email_that_needs_percent_encoding(
    admin_raw: httpx2.Client, emails: list[str], local_part: str
) -> None:
    email = f"{local_part}-{new_id()[:8]}@example.com"
    emails.append(email)
    json_body(admin_raw.post(ADMINS, json={"workos_id": "user_odd", "email": email}), 201)
    assert json_body(admin_raw.delete(f"{ADMINS}/{quote(email, safe='')}"), 200)["email"] == email
    assert email not in [admin["email"] for admin in admin_list(admin_raw)]


@pytest.mark.needs("disposable")
def test_an_admin_whose_email_has_a_slash_cannot_be_removed(admin_raw: httpx2.Client) -> None:
    # The server decodes %2F before routing: no route matches, and the admin stays.
    email = f"ops/team-{new_id()[:8]}@example.com"
    json_body(admin_raw.post(ADMINS, json={"workos_id": "user_slash", "email": email}), 201)
    assert_not_found_route(admin_raw.delete(f"{ADMINS}/{quote(email, safe='')}"))
    assert email in [admin["email"] for admin in admin_list(admin_raw)]


@pytest.mark.parametrize(
    "body",
    [{"workos_id": "user_x", "email": ""}, {"workos_id": "", "email": "x@example.com"}],
    ids=["empty-email", "empty-workos_id"],
)
def test_add_admin_needs_email_and_workos_id(admin_raw: httpx2.Client, body: dict[str, str]) -> None:
    assert detail(admin_raw.post(ADMINS, json=body), 400) == "email and workos_id required"


@pytest.mark.parametrize(
    ("body", "location", "error_type"),
    [
        pytest.param({"workos_id": "user_x"}, ["body", "email"], "missing", id="no-email"),
        pytest.param({"email": "x@example.com"}, ["body", "workos_id"], "missing", id="no-workos_id"),
        pytest.param(
            {"workos_id": "u", "email": "x@example.com", "name": 5},
            ["body", "name"],
            "string_type",
            id="name-not-a-string",
        ),
    ],
)
def test_add_admin_validation(
    admin_raw: httpx2.Client, body: dict[str, Any], location: list[str], error_type: str
) -> None:
    assert (location, error_type) in [
        (e["loc"], e["type"]) for e in validation_errors(admin_raw.post(ADMINS, json=body))
    ]


def test_adding_an_admin_twice_is_a_500(admin_raw: httpx2.Client, emails: list[str]) -> None:
    email = add_admin(admin_raw, emails, "twice")
    assert_server_error(admin_raw.post(ADMINS, json={"workos_id": "user_twice", "email": email}))
    assert [admin["email"] for admin in admin_list(admin_raw)].count(email) == 1


# --- the audit log ---------------------------------------------------------------------------------------


def seed_audit_entries(target: Target) -> None:
    """Upstream's server writes no entries; on its harness, put some in its database."""
    if target.upstream is None:
        return
    for number in range(3):
        target.upstream.seed(
            "audit_logs",
            {
                "action": f"conformance.seeded.{number}",
                "resource_type": "conformance",
                "resource_id": str(number),
                "details": {"user_id": new_id(), "organization_id": new_id(), "number": number},
                "success": True,
            },
        )


def test_audit_log_defaults(admin_raw: httpx2.Client) -> None:
    body = audit(admin_raw)
    assert set(body) == AUDIT_KEYS
    assert (body["limit"], body["offset"]) == (50, 0)
    # count is the size of this page, not a total.
    assert body["count"] == len(body["entries"]) <= 50


def test_audit_log_entries_and_pages(target: Target, admin_raw: httpx2.Client, emails: list[str]) -> None:
    seed_audit_entries(target)
    add_admin(admin_raw, emails, "audited")
    everything = audit(admin_raw, limit=200)["entries"]
    for entry in everything:
        assert set(entry) == AUDIT_ENTRY_KEYS, entry
        assert isinstance(entry["action"], str) and entry["action"]
        assert isinstance(entry["metadata"], dict)
        # user_id and org_id are read out of the entry's details.
        assert entry["user_id"] == entry["metadata"].get("user_id")
        assert entry["org_id"] == entry["metadata"].get("organization_id")
    timestamps = [assert_iso_timestamp(entry["timestamp"]) for entry in everything]
    assert timestamps == sorted(timestamps, reverse=True), "newest first"

    ids = [entry["id"] for entry in everything]
    for limit, offset in ((1, 0), (1, 1), (2, 1), (200, 2)):
        page = audit(admin_raw, limit=limit, offset=offset)
        assert (page["limit"], page["offset"]) == (limit, offset)
        assert [entry["id"] for entry in page["entries"]] == ids[offset : offset + limit]
        assert page["count"] == len(page["entries"])
    past_the_end = audit(admin_raw, limit=5, offset=len(ids) + 10)
    assert (past_the_end["entries"], past_the_end["count"]) == ([], 0)


def test_admin_changes_write_no_audit_entry(admin_raw: httpx2.Client, emails: list[str]) -> None:
    before = audit(admin_raw, limit=200)["entries"]
    email = add_admin(admin_raw, emails, "unaudited")
    admin_raw.delete(f"{ADMINS}/{quote(email, safe='')}").raise_for_status()
    assert audit(admin_raw, limit=200)["entries"] == before


@pytest.mark.parametrize(
    ("params", "location", "error_type"),
    [
        pytest.param({"limit": 0}, "limit", "greater_than_equal", id="limit-0"),
        pytest.param({"limit": 201}, "limit", "less_than_equal", id="limit-201"),
        pytest.param({"limit": "x"}, "limit", "int_parsing", id="limit-not-a-number"),
        pytest.param({"offset": -1}, "offset", "greater_than_equal", id="offset-negative"),
        pytest.param({"offset": "1.5"}, "offset", "int_parsing", id="offset-fraction"),
    ],
)
def test_audit_log_bounds(
    admin_raw: httpx2.Client, params: dict[str, Any], location: str, error_type: str
) -> None:
    [error] = validation_errors(admin_raw.get(AUDIT, params=params))
    assert (error["loc"], error["type"]) == (["query", location], error_type)


@pytest.mark.parametrize(("limit", "offset"), [(1, 0), (200, 0), (50, 100000)])
def test_audit_log_bounds_accepted(admin_raw: httpx2.Client, limit: int, offset: int) -> None:
    body = audit(admin_raw, limit=limit, offset=offset)
    assert (body["limit"], body["offset"]) == (limit, offset)


def test_an_audit_offset_past_a_bigint(admin_raw: httpx2.Client) -> None:
    # As for session pages: upstream's harness answers an empty page, the emulator a 422.
    body = audit(admin_raw, limit=1, offset=2**63)
    assert (body["offset"], body["entries"]) == (2**63, [])
