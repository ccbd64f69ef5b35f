"""Bearer-key authentication and the platform-admin gate, as one ASGI middleware.

Doing this ahead of routing means a caller without a valid key gets 401 before
any body parsing or validation, like upstream's auth layer. Keys are held only as
SHA-256 digests; callers are identified by a prefix of that digest, so neither
the audit log nor the access log can ever contain a raw key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

AGENT_CONTROL_PATHS = frozenset({"/status", "/messages", "/message", "/events", "/upload"})
PLATFORM_PREFIX = "/api/v1/platform/"
# Interactive docs stay reachable without a key, as they do upstream, and so does the health check
# (what a load balancer or a readiness loop asks, with no key to give).
_PUBLIC_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json", "/health"})


@dataclass(frozen=True)
class Caller:
    actor: str | None
    is_admin: bool


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _actor(digest: str) -> str:
    return f"key_{digest[:16]}"


def actor_for_key(key: str) -> str:
    """The id under which requests made with ``key`` are audited."""
    return _actor(_digest(key))


@dataclass(frozen=True)
class _Denied:
    status: int
    detail: str


class AuthPolicy:
    def __init__(self, api_keys: Iterable[str], admin_keys: Iterable[str]) -> None:
        self._admin = frozenset(_digest(k) for k in admin_keys)
        self._user = frozenset(_digest(k) for k in api_keys)
        # Admin keys are API keys too: an admin must be able to call every route.
        self._known = self._user | self._admin

    def check(self, path: str, key: str | None) -> Caller | _Denied:
        digest = _digest(key) if key else None
        actor = _actor(digest) if digest else None
        is_admin = not self._admin or digest in self._admin
        if self._user:
            if digest is None:
                return _Denied(401, "Missing API key")
            if digest not in self._known:
                return _Denied(401, "Invalid API key")
        if path.startswith(PLATFORM_PREFIX) and not is_admin:
            if digest is None:
                return _Denied(401, "Missing API key")
            return _Denied(403, "Platform admin access required")
        return Caller(actor=actor, is_admin=is_admin)


def _bearer(scope: Scope) -> str | None:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    # Browsers' EventSource cannot set headers, so agentapi also takes the key as a query parameter.
    if scope.get("path") == "/events":
        query: bytes = scope.get("query_string", b"")
        values = parse_qs(query.decode("latin-1")).get("api_key")
        if values:
            return values[0]
    return None


def problem_body(
    status: int, title: str, detail: str, errors: list[dict[str, object]] | None = None
) -> bytes:
    body: dict[str, object] = {"title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return json.dumps(body).encode()


class AuthMiddleware:
    def __init__(self, app: ASGIApp, policy: AuthPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        outcome = self.policy.check(scope["path"], _bearer(scope))
        if isinstance(outcome, Caller):
            scope.setdefault("state", {})["caller"] = outcome
            await self.app(scope, receive, send)
            return
        if scope["path"] in AGENT_CONTROL_PATHS:
            title = "Unauthorized" if outcome.status == 401 else "Forbidden"
            body = problem_body(outcome.status, title, outcome.detail)
            content_type = b"application/problem+json"
        else:
            body = json.dumps({"detail": outcome.detail}).encode()
            content_type = b"application/json"
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        if outcome.status == 401:
            headers.append((b"www-authenticate", b"Bearer"))
        await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def caller_of(request: Request) -> Caller:
    caller = request.state.caller if hasattr(request.state, "caller") else None
    return caller if isinstance(caller, Caller) else Caller(actor=None, is_admin=True)
