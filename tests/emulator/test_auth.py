"""API keys (401) and the platform-admin gate (403)."""

from __future__ import annotations

import json

import httpx2
import pytest

from chatserver_sdk.emulator import run_emulator
from chatserver_sdk.emulator.auth import actor_for_key

from .conftest import ClientFactory, completion_body

# Every test here starts an emulator (or a process).
pytestmark = pytest.mark.slow

USER_KEY = "user-key-0123456789"
ADMIN_KEY = "admin-key-9876543210"

OPEN_ROUTES = [("GET", "/v1/models"), ("GET", "/status"), ("GET", "/messages")]
PLATFORM_ROUTES = [
    ("GET", "/api/v1/platform/stats"),
    ("GET", "/api/v1/platform/admins"),
    ("GET", "/api/v1/platform/audit"),
]


@pytest.fixture
def secured() -> object:
    with run_emulator(api_keys=[USER_KEY], admin_keys=[ADMIN_KEY]) as base_url:
        yield base_url


def test_missing_or_wrong_key_is_401(secured: str, make_client: ClientFactory) -> None:
    for key in (None, "wrong-key"):
        client = make_client(secured, api_key=key)
        for method, path in OPEN_ROUTES + PLATFORM_ROUTES:
            response = client.request(method, path)
            assert response.status_code == 401, (key, path)
            assert response.headers["www-authenticate"] == "Bearer"
        response = client.post("/v1/chat/completions", json={"not": "even valid"})
        assert response.status_code == 401  # authentication comes before validation
        assert response.json()["detail"] in ("Missing API key", "Invalid API key")


def test_agent_routes_answer_401_as_problem_json(secured: str, make_client: ClientFactory) -> None:
    response = make_client(secured).get("/status")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"title": "Unauthorized", "status": 401, "detail": "Missing API key"}


def test_non_bearer_scheme_is_401(secured: str, make_client: ClientFactory) -> None:
    client = make_client(secured, headers={"Authorization": f"Basic {USER_KEY}"})
    assert client.get("/v1/models").status_code == 401


def test_user_key_is_403_on_platform_routes(secured: str, make_client: ClientFactory) -> None:
    client = make_client(secured, api_key=USER_KEY)
    for method, path in OPEN_ROUTES:
        assert client.request(method, path).status_code == 200
    for method, path in PLATFORM_ROUTES:
        response = client.request(method, path)
        assert response.status_code == 403
        assert response.json() == {"detail": "Platform admin access required"}
    body = {"workos_id": "w", "email": "x@example.com"}
    assert client.post("/api/v1/platform/admins", json=body).status_code == 403
    assert client.delete("/api/v1/platform/admins/x%40example.com").status_code == 403


def test_admin_key_opens_everything(secured: str, make_client: ClientFactory) -> None:
    client = make_client(secured, api_key=ADMIN_KEY)
    for method, path in OPEN_ROUTES + PLATFORM_ROUTES:
        assert client.request(method, path).status_code == 200


def test_platform_mcp_servers_need_an_admin(secured: str, make_client: ClientFactory) -> None:
    body = {"name": "p", "endpoint": "https://p.example.com", "scope": {"type": "platform"}}
    assert make_client(secured, api_key=USER_KEY).post("/atoms/mcp", json=body).status_code == 403
    created = make_client(secured, api_key=ADMIN_KEY).post("/atoms/mcp", json=body)
    assert created.status_code == 201
    user = make_client(secured, api_key=USER_KEY)
    assert user.delete(f"/atoms/mcp/{created.json()['id']}").status_code == 403
    assert user.put(f"/atoms/mcp/{created.json()['id']}", json={"name": "q"}).status_code == 403


def test_audit_actor_is_derived_from_key_never_the_key(secured: str, make_client: ClientFactory) -> None:
    admin = make_client(secured, api_key=ADMIN_KEY)
    admin.post("/api/v1/platform/admins", json={"workos_id": "w", "email": "x@example.com"})
    admin.post("/v1/chat/completions", json=completion_body("hi"))
    log = admin.get("/api/v1/platform/audit")
    entry = log.json()["entries"][1]
    assert entry["action"] == "platform_admin.added"
    assert entry["user_id"] == actor_for_key(ADMIN_KEY)
    listing = admin.get("/api/v1/platform/admins").json()
    # created_by is upstream's: the new admin's WorkOS id, whoever called.
    assert listing["admins"][0]["created_by"] == "w"
    for key in (USER_KEY, ADMIN_KEY):
        assert key not in log.text and key not in json.dumps(listing)


def test_events_accept_api_key_query_parameter(secured: str) -> None:
    with httpx2.Client(base_url=secured, timeout=5) as client:
        with client.stream("GET", "/events", params={"api_key": USER_KEY}) as response:
            assert response.status_code == 200
            first = next(iter(httpx2.EventSource(response)))
            assert first.event == "status_change"
        assert client.get("/status", params={"api_key": USER_KEY}).status_code == 401


def test_admin_keys_alone_guard_only_platform_routes(make_client: ClientFactory) -> None:
    with run_emulator(admin_keys=[ADMIN_KEY]) as base_url:
        anonymous = make_client(base_url)
        assert anonymous.get("/v1/models").status_code == 200
        assert anonymous.get("/api/v1/platform/stats").status_code == 401
        assert make_client(base_url, api_key="anything").get("/api/v1/platform/stats").status_code == 403
        assert make_client(base_url, api_key=ADMIN_KEY).get("/api/v1/platform/stats").status_code == 200


def test_docs_stay_public(secured: str, make_client: ClientFactory) -> None:
    assert make_client(secured).get("/openapi.json").status_code == 200


def test_the_health_check_needs_no_key(secured: str, make_client: ClientFactory) -> None:
    """What a load balancer or a readiness loop asks, with no key to give (the README says so)."""
    for key in (None, "wrong-key", USER_KEY):
        response = make_client(secured, api_key=key).get("/health")
        assert response.status_code == 200, key
        assert response.json()["status"] == "healthy"
