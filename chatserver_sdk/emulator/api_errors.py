"""Answers to failures of the emulator itself rather than of the request: a full disk.

A write that fails because the database, or the disk under it, is full is answered 507
Insufficient Storage with a body that names the cause, in the shape of the route's other
errors (``{"detail"}``, or problem+json on agent control), rather than Starlette's bare
text/plain 500.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .auth import AGENT_CONTROL_PATHS, problem_body

INSUFFICIENT_STORAGE = 507


def storage_full(path: str, detail: str) -> Response:
    if path in AGENT_CONTROL_PATHS:
        return Response(
            problem_body(INSUFFICIENT_STORAGE, "Insufficient Storage", detail),
            status_code=INSUFFICIENT_STORAGE,
            media_type="application/problem+json",
        )
    return JSONResponse({"detail": detail}, status_code=INSUFFICIENT_STORAGE)


async def storage_full_handler(request: Request, exc: Exception) -> Response:
    return storage_full(request.url.path, str(exc))
