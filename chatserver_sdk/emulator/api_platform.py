"""Platform administration routes; the admin gate itself lives in the auth middleware."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from . import catalog, platform
from .auth import caller_of
from .schemas import AddAdminRequest
from .store import Store

_ADMIN_PREFIX = "/api/v1/platform/admins/"


def _email_from_raw_path(request: Request, fallback: str) -> str | None:
    """Recover the email from the one path segment the client sent, or None if it sent several.

    The ASGI ``path`` is already percent-decoded, so there an encoded ``%2F`` and a
    literal ``/`` look alike; the raw path keeps them apart. A literal ``/`` means the
    client did not encode the email, which upstream's router would not match either.
    """
    raw = request.scope.get("raw_path")
    raw_path = raw.decode("latin-1").split("?", 1)[0] if isinstance(raw, bytes) else ""
    start = raw_path.find(_ADMIN_PREFIX)
    if start < 0:  # no raw path from the server, or an oddly encoded prefix: trust the decoded one
        return fallback if "/" not in fallback else None
    segment = raw_path[start + len(_ADMIN_PREFIX) :]
    return unquote(segment, errors="strict") if "/" not in segment else None


def build_router(store: Store) -> APIRouter:
    router = APIRouter(prefix="/api/v1/platform", tags=["platform"])

    @router.get("/stats")
    def get_platform_stats() -> Response:
        return JSONResponse(platform.stats(store, active_agents=catalog.BACKENDS))

    @router.get("/admins")
    def list_platform_admins() -> Response:
        return JSONResponse(platform.list_admins(store))

    @router.post("/admins", status_code=201)
    def create_platform_admin(body: AddAdminRequest, request: Request) -> Response:
        if not body.email.strip() or not body.workos_id.strip():
            raise HTTPException(400, "email and workos_id required")
        try:
            platform.add_admin(
                store,
                workos_id=body.workos_id,
                email=body.email,
                name=body.name,
                actor=caller_of(request).actor,
            )
        except platform.AdminExistsError:
            raise HTTPException(400, f"admin already exists: {body.email}") from None
        return JSONResponse({"status": "success", "email": body.email}, status_code=201)

    # `:path` lets the route match emails whose encoded '/' the server has already decoded.
    @router.delete("/admins/{email:path}")
    def delete_platform_admin(email: str, request: Request) -> Response:
        try:
            decoded = _email_from_raw_path(request, email)
        except UnicodeDecodeError:
            raise HTTPException(400, "email must be UTF-8") from None
        if decoded is None:
            raise HTTPException(404, "Not Found")
        email = decoded
        try:
            platform.remove_admin(store, email=email, actor=caller_of(request).actor)
        except platform.AdminNotFoundError:
            raise HTTPException(404, "admin not found") from None
        return JSONResponse({"status": "success", "email": email})

    @router.get("/audit")
    def get_audit_logs(
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        return JSONResponse(platform.audit_page(store, limit=limit, offset=offset))

    return router
