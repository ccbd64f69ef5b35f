"""Platform administration routes; the admin gate itself lives in the auth middleware."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from . import paging, platform
from .api_validation import out_of_range
from .auth import caller_of
from .schemas import AddAdminRequest
from .store import Store


def build_router(store: Store) -> APIRouter:
    router = APIRouter(prefix="/api/v1/platform", tags=["platform"])

    @router.get("/stats")
    def get_platform_stats() -> Response:
        return JSONResponse(platform.stats(store))

    @router.get("/admins")
    def list_platform_admins() -> Response:
        return JSONResponse(platform.list_admins(store))

    @router.post("/admins", status_code=201)
    def create_platform_admin(body: AddAdminRequest, request: Request) -> Response:
        if not body.email or not body.workos_id:
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
            # Upstream's database refuses the duplicate and it answers a bare 500.
            raise HTTPException(
                500,
                f"a platform admin with email {body.email!r} already exists (upstream answers 500)."
                " List the admins first, or remove that one before adding it again.",
            ) from None
        return JSONResponse({"status": "success", "email": body.email}, status_code=201)

    # A plain segment, as upstream: an email with an encoded '/' then matches no route (404).
    @router.delete("/admins/{email}")
    def delete_platform_admin(email: str, request: Request) -> Response:
        platform.remove_admin(store, email=email, actor=caller_of(request).actor)
        return JSONResponse({"status": "success", "email": email})

    @router.get("/audit")
    def get_audit_logs(
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        try:
            return JSONResponse(platform.audit_page(store, limit=limit, offset=offset))
        except paging.OutOfRangeError as exc:
            raise out_of_range(exc) from None

    return router
