"""What upstream's answers look like on the wire, read off its code and checked on it.

Raw-HTTP scenarios use these to pin statuses, bodies and framing; the field sets are
upstream's response models (``schemas/``) as FastAPI serialises them.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import httpx2

COMPLETION_ID = re.compile(r"chatcmpl-[0-9a-f]{32}")
DEFAULT_SESSION_ID = re.compile(r"atoms_session_[0-9a-f]{32}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

COMPLETION_KEYS = {"id", "object", "created", "model", "choices", "usage", "system_fingerprint"}
CHOICE_KEYS = {"index", "message", "finish_reason"}
MESSAGE_KEYS = {"role", "content", "name"}
USAGE_KEYS = {"prompt_tokens", "completion_tokens", "total_tokens"}
CHUNK_KEYS = {"id", "object", "created", "model", "choices", "system_fingerprint"}
CHUNK_CHOICE_KEYS = {"index", "delta", "finish_reason"}
MODEL_KEYS = {
    "id",
    "object",
    "owned_by",
    "created",
    "description",
    "context_length",
    "provider",
    "capabilities",
}
SESSION_KEYS = {
    "id",
    "user_id",
    "organization_id",
    "title",
    "model",
    "agent_type",
    "created_at",
    "updated_at",
    "last_message_at",
    "message_count",
    "tokens_in",
    "tokens_out",
    "tokens_total",
    "metadata",
    "archived",
}
SESSION_LIST_KEYS = {"sessions", "total", "page", "page_size", "has_more"}
RECORD_KEYS = {"id", "message_index", "role", "content", "metadata", "tokens", "created_at", "updated_at"}
HEALTH_KEYS = {"status", "circuit_breaker_status", "active_agents"}
STATS_KEYS = {
    "total_users",
    "active_users",
    "total_organizations",
    "total_requests",
    "requests_today",
    "total_tokens",
    "tokens_today",
    "total_mcp_servers",
    "system_health",
}
ADMIN_KEYS = {"id", "email", "name", "created_at", "created_by"}
ADMIN_LIST_KEYS = {"admins", "count"}
AUDIT_KEYS = {"entries", "count", "limit", "offset"}
AUDIT_ENTRY_KEYS = {"id", "timestamp", "user_id", "org_id", "action", "resource", "resource_id", "metadata"}
MCP_KEYS = {
    "id",
    "name",
    "type",
    "endpoint",
    "auth_type",
    "bearer_token_id",
    "oauth_provider",
    "enabled",
    "metadata",
    "created_at",
    "scope",
}
MCP_SCOPE_KEYS = {"type", "organization_id", "user_id"}
VALIDATION_ITEM_KEYS = {"type", "loc", "msg", "input"}

INTERNAL_SERVER_ERROR = "Internal Server Error"


def json_body(response: httpx2.Response, status: int) -> Any:
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"] == "application/json", response.headers.get("content-type")
    return response.json()


def detail(response: httpx2.Response, status: int) -> str:
    """The text of a FastAPI ``{"detail": "..."}`` error, which must be the whole body."""
    body = json_body(response, status)
    assert set(body) == {"detail"} and isinstance(body["detail"], str) and body["detail"], body
    return str(body["detail"])


def validation_errors(response: httpx2.Response) -> list[dict[str, Any]]:
    """FastAPI's 422 list: ``{"detail": [{"type", "loc", "msg", "input", ("ctx")}, ...]}``."""
    body = json_body(response, 422)
    assert set(body) == {"detail"} and isinstance(body["detail"], list) and body["detail"], body
    for item in body["detail"]:
        assert VALIDATION_ITEM_KEYS <= set(item) <= VALIDATION_ITEM_KEYS | {"ctx"}, item
        assert isinstance(item["loc"], list) and item["msg"] and item["type"], item
    items: list[dict[str, Any]] = body["detail"]
    return items


def invalid_locations(response: httpx2.Response) -> list[tuple[Any, ...]]:
    return [tuple(item["loc"]) for item in validation_errors(response)]


def assert_server_error(response: httpx2.Response) -> None:
    """A 500, whatever its body (``test_server_errors.py`` pins the body: plain text)."""
    assert response.status_code == 500, (response.status_code, response.text[:500])


def assert_internal_error(response: httpx2.Response) -> None:
    """Upstream's answer to an exception it does not handle: Starlette's plain-text 500."""
    assert_server_error(response)
    assert response.headers["content-type"] == "text/plain; charset=utf-8", response.headers.get(
        "content-type"
    )
    assert response.text == INTERNAL_SERVER_ERROR


def assert_not_found_route(response: httpx2.Response) -> None:
    """No route matched (as opposed to a handler's own 404)."""
    assert detail(response, 404) == "Not Found"


def assert_iso_timestamp(value: Any) -> datetime:
    assert isinstance(value, str), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- event streams ------------------------------------------------------------------------------------


def sse_data(text: str) -> list[str]:
    """The ``data:`` payloads of a completion stream, checking its framing on the way.

    Upstream writes each event as exactly ``data: <payload>\\n\\n``: no event names, ids or
    comments, one line per event, and nothing after ``data: [DONE]``.
    """
    assert text.endswith("\n\n"), text[-200:]
    blocks = text[:-2].split("\n\n")
    payloads = []
    for block in blocks:
        assert "\n" not in block, f"an event of more than one line: {block[:200]!r}"
        assert block.startswith("data: "), f"not a data line: {block[:200]!r}"
        payloads.append(block[len("data: ") :])
    assert payloads and payloads[-1] == "[DONE]", payloads[-3:]
    assert "[DONE]" not in payloads[:-1]
    return payloads[:-1]


def sse_events(response: httpx2.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, (response.status_code, response.text[:500])
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    return [json.loads(payload) for payload in sse_data(response.text)]


def completion_body(messages: list[dict[str, Any]], model: str, **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": messages, **fields}


def user(content: Any) -> dict[str, Any]:
    return {"role": "user", "content": content}


def assistant(content: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": content}
