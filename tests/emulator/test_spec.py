"""Every operation of the upstream contract, answered in a shape the contract accepts."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest

from chatserver_sdk.emulator import run_emulator

from .conftest import ORG, USER, completion_body
from .spec import SpecChecker, find_agentapi_spec, find_spec, load_openapi, matches


@pytest.fixture
def checker() -> SpecChecker:
    return SpecChecker(load_openapi(find_spec()), load_openapi(find_agentapi_spec(find_spec())))


def test_spec_is_found_by_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = find_spec()
    monkeypatch.setenv("CHATSERVER_SPEC", str(path.parent))
    assert find_spec() == path
    monkeypatch.setenv("CHATSERVER_SPEC", str(path))
    assert find_spec() == path


@pytest.mark.slow
def test_every_operation_validates(checker: SpecChecker) -> None:
    with (
        run_emulator() as base_url,
        httpx2.Client(base_url=base_url, event_hooks={"response": [checker.hook]}, timeout=10) as client,
    ):
        client.get("/v1/models")
        session_id = client.post("/v1/chat/completions", json=completion_body("hi")).json()[
            "system_fingerprint"
        ]
        client.get("/atoms/chat/sessions", params={"user_id": USER})
        client.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": USER})
        client.post("/v1/chat/completions", json={"model": "claude-sonnet-4-5@20250929", "messages": "nope"})
        mcp = client.post(
            "/atoms/mcp",
            json={
                "name": "m",
                "endpoint": "https://m.example.com/mcp",
                "auth_type": "bearer",
                "bearer_token": "t",
                "metadata": {"args": ["--x"], "env": {"A": "b"}},
                "scope": {"type": "user", "user_id": USER, "organization_id": ORG},
            },
        ).json()
        client.get("/atoms/mcp", params={"organization_id": ORG, "user_id": USER})
        client.put(f"/atoms/mcp/{mcp['id']}", json={"enabled": False})
        client.delete(f"/atoms/mcp/{mcp['id']}")
        client.get("/api/v1/platform/stats")
        client.post(
            "/api/v1/platform/admins", json={"workos_id": "w", "email": "a+b@example.com", "name": None}
        )
        client.get("/api/v1/platform/admins")
        client.delete("/api/v1/platform/admins/a%2Bb%40example.com")
        client.get("/api/v1/platform/audit", params={"limit": 5})
        client.get("/status")
        client.post("/message", json={"content": "hello", "type": "user"})
        client.post("/message", json={"content": "busy", "type": "user"})  # refused: problem+json
        client.get("/messages")
        client.post("/upload", files={"file": ("a.txt", b"data")})
        with client.stream("GET", "/events") as response:
            events = []
            for event in httpx2.EventSource(response):
                events.append({"event": event.event, "data": event.json()})
                if event.event == "status_change":
                    break
            checker.check(response, body=json.dumps(events).encode())

    spec_path = find_spec()
    assert spec_path is not None
    paths = json.loads(spec_path.read_text())["paths"]
    operations = {(method.upper(), template) for template, item in paths.items() for method in item}
    validated = {
        (method, template)
        for method, path, status in checker.checked
        for template in [t for _, t in operations if matches(t, path)]
        if status < 300
    }
    assert operations <= validated, sorted(operations - validated)
    assert any(status == 422 for *_, status in checker.checked)
    assert any(status == 500 and path == "/message" for _, path, status in checker.checked)
