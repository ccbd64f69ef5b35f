"""MCP registry routes."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from . import mcp
from .auth import caller_of
from .schemas import MCPCreateRequest, MCPUpdateRequest
from .store import Store

_ADMIN_ONLY = "Platform admin access required to manage platform MCP servers"


def build_router(store: Store) -> APIRouter:
    router = APIRouter(prefix="/atoms/mcp", tags=["mcp"])

    @router.get("")
    def list_mcp_servers(
        organization_id: Annotated[UUID, Query(description="Organization context")],
        user_id: Annotated[UUID | None, Query(description="User context if applicable")] = None,
        include_platform: Annotated[bool, Query(description="Include platform-level MCPs")] = True,
    ) -> Response:
        try:
            servers = mcp.list_servers(
                store,
                organization_id=str(organization_id),
                user_id=str(user_id) if user_id else None,
                include_platform=include_platform,
            )
        except mcp.UnreadableEntryError as exc:
            raise HTTPException(500, str(exc)) from None
        return JSONResponse(servers)

    @router.post("", status_code=201)
    def create_mcp_server(body: MCPCreateRequest, request: Request) -> Response:
        caller = caller_of(request)
        try:
            created = mcp.create(store, body, actor=caller.actor, is_admin=caller.is_admin)
        except mcp.AdminRequiredError:
            raise HTTPException(403, _ADMIN_ONLY) from None
        except mcp.UnreadableEntryError as exc:  # stored all the same, as upstream does
            raise HTTPException(400, str(exc)) from None
        return JSONResponse(created, status_code=201)

    @router.put("/{mcp_id}")
    def update_mcp_server(mcp_id: UUID, body: MCPUpdateRequest, request: Request) -> Response:
        caller = caller_of(request)
        try:
            return JSONResponse(
                mcp.update(store, str(mcp_id), body, actor=caller.actor, is_admin=caller.is_admin)
            )
        except mcp.MCPNotFoundError:
            # Upstream's update finds no row to return and answers a bare 500.
            raise HTTPException(
                500,
                f"no MCP server with id {mcp_id} (upstream answers 500). List the servers to find the id,"
                " or create the server first.",
            ) from None
        except mcp.AdminRequiredError:
            raise HTTPException(403, _ADMIN_ONLY) from None
        except mcp.UnreadableEntryError as exc:
            raise HTTPException(400, str(exc)) from None

    @router.delete("/{mcp_id}", status_code=204)
    def delete_mcp_server(mcp_id: UUID, request: Request) -> Response:
        caller = caller_of(request)
        try:
            mcp.delete(store, str(mcp_id), actor=caller.actor, is_admin=caller.is_admin)
        except mcp.AdminRequiredError:
            raise HTTPException(403, _ADMIN_ONLY) from None
        return Response(status_code=204)

    return router
