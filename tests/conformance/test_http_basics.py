"""Raw HTTP: health, the model list, and what a path or method no route serves gets."""

from __future__ import annotations

import httpx2
import pytest

from .targets import Target
from .wire import HEALTH_KEYS, MODEL_KEYS, assert_not_found_route, detail, json_body

# Every scenario runs against live servers (upstream's and the emulator).
pytestmark = pytest.mark.slow


def test_health(raw: httpx2.Client) -> None:
    # Upstream's /health returns a fresh SystemHealth: only the status is set.
    assert json_body(raw.get("/health"), 200) == {
        "status": "healthy",
        "circuit_breaker_status": None,
        "active_agents": [],
    }
    assert {"status", "circuit_breaker_status", "active_agents"} == HEALTH_KEYS


def test_models_list(raw: httpx2.Client, target: Target) -> None:
    body = json_body(raw.get("/v1/models"), 200)
    assert set(body) == {"data", "object"} and body["object"] == "list"
    assert body["data"], "the server lists no model"
    for model in body["data"]:
        assert set(model) == MODEL_KEYS, model
        assert model["object"] == "model"
        assert isinstance(model["id"], str) and model["id"]
        assert isinstance(model["owned_by"], str)
        assert isinstance(model["created"], int)
        assert model["context_length"] is None or isinstance(model["context_length"], int)
        assert isinstance(model["capabilities"], list)
        assert all(isinstance(capability, str) for capability in model["capabilities"])
    ids = [model["id"] for model in body["data"]]
    assert len(ids) == len(set(ids))
    assert target.model in ids


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/no/such/route"),
        ("GET", "/v1/chat/completions/extra"),
        ("POST", "/atoms/chat/sessions/00000000-0000-0000-0000-000000000001/messages"),
    ],
)
def test_unknown_path(raw: httpx2.Client, method: str, path: str) -> None:
    assert_not_found_route(raw.request(method, path))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/v1/models"),
        ("GET", "/v1/chat/completions"),
        ("DELETE", "/atoms/chat/sessions"),
        ("POST", "/api/v1/platform/stats"),
        ("GET", "/atoms/mcp/00000000-0000-0000-0000-000000000001"),
        ("GET", "/api/v1/platform/admins/someone@example.com"),
    ],
)
def test_method_not_allowed(raw: httpx2.Client, method: str, path: str) -> None:
    response = raw.request(method, path)
    assert detail(response, 405) == "Method Not Allowed"
    # Starlette names the methods of the first route whose path matched.
    assert method not in response.headers["allow"].split(", ")


@pytest.mark.needs("no_agent_control")
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/status"), ("GET", "/messages"), ("POST", "/message"), ("GET", "/events"), ("POST", "/upload")],
)
def test_agent_control_is_not_served_by_the_python_server(raw: httpx2.Client, method: str, path: str) -> None:
    # coder/agentapi serves these beside the Python server in a deployment; alone it has none.
    assert_not_found_route(raw.request(method, path))
