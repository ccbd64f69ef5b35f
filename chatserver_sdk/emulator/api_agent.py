"""Agent-control routes (coder/agentapi, served by Huma upstream).

Huma answers errors with ``application/problem+json`` rather than FastAPI's
``{"detail": ...}``, so these handlers parse their own input and build their own
error bodies instead of relying on FastAPI's validation.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from . import multipart
from .agentctl import AgentBusyError, AgentController, Event, InvalidAgentMessageError
from .auth import problem_body

MAX_UPLOAD_BYTES = 10 << 20
# Idle SSE streams get a comment line this often so dead connections are noticed.
KEEPALIVE_SECONDS = 15.0
_REASONS = {400: "Bad Request", 422: "Unprocessable Entity", 500: "Internal Server Error"}


def problem(status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> Response:
    return Response(
        problem_body(status, _REASONS.get(status, "Error"), detail, errors),
        status_code=status,
        media_type="application/problem+json",
    )


def _unexpected(message: str) -> Response:
    # Huma turns a plain Go error from a handler into this 500 body, keeping the error text in `errors`.
    return problem(500, "unexpected error occurred", [{"message": message}])


def _validate_message_body(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        return [{"location": "body", "message": "expected object", "value": body}]
    errors: list[dict[str, Any]] = []
    for name in ("content", "type"):
        if name not in body:
            errors.append(
                {
                    "location": "body",
                    "message": f"expected required property {name} to be present",
                    "value": body,
                }
            )
    if "content" in body and not isinstance(body["content"], str):
        errors.append({"location": "body.content", "message": "expected string", "value": body["content"]})
    if "type" in body and body["type"] not in ("user", "raw"):
        errors.append(
            {
                "location": "body.type",
                "message": 'expected value to be one of "user, raw"',
                "value": body["type"],
            }
        )
    errors.extend(
        {"location": f"body.{key}", "message": "unexpected property", "value": body[key]}
        for key in body
        if key not in ("content", "type", "$schema")
    )
    return errors


class UploadDir:
    """Where uploads land; a private temp directory, removed at shutdown like upstream's."""

    def __init__(self) -> None:
        self._path: Path | None = None

    def save(self, filename: str, data: bytes) -> str:
        if self._path is None:
            self._path = Path(tempfile.mkdtemp(prefix="chatserver-emulator-uploads-"))
        # A content-addressed subdirectory keeps same-named uploads apart, as agentapi does.
        target_dir = self._path / hashlib.sha256(data).hexdigest()[:16]
        target_dir.mkdir(exist_ok=True)
        target = target_dir / (os.path.basename(filename.replace("\\", "/")) or "upload")
        target.write_bytes(data)
        return str(target)

    def cleanup(self) -> None:
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
            self._path = None


def build_router(controller: AgentController, uploads: UploadDir) -> APIRouter:
    router = APIRouter(tags=["agent"])

    @router.get("/status")
    async def get_status() -> Response:
        return JSONResponse({"agent_type": controller.agent_type, "status": controller.status})

    @router.get("/messages")
    async def get_messages() -> Response:
        messages = [
            {"id": m.id, "role": m.role, "content": m.content, "time": m.time} for m in controller.messages
        ]
        return JSONResponse({"messages": messages})

    @router.post("/message")
    async def post_message(request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError as exc:
            return problem(400, "validation failed", [{"location": "body", "message": str(exc)}])
        if body is None:
            return problem(400, "request body is required")
        errors = _validate_message_body(body)
        if errors:
            return problem(422, "validation failed", errors)
        if body["type"] == "user":
            try:
                await controller.send_user_message(body["content"])
            except (AgentBusyError, InvalidAgentMessageError) as exc:
                return _unexpected(f"failed to send message: {exc}")
        # 'raw' input is keystrokes for the terminal: acknowledged, never part of the history.
        return JSONResponse({"ok": True})

    @router.post("/upload")
    async def post_upload(request: Request) -> Response:
        boundary = multipart.boundary_of(request.headers.get("content-type", ""))
        if boundary is None:
            return problem(400, "expected a multipart/form-data body")
        try:
            parts = multipart.parse(await request.body(), boundary)
        except multipart.MultipartError as exc:
            return problem(400, str(exc))
        upload = next((p for p in parts if p.name == "file" and p.filename is not None), None)
        if upload is None:
            return problem(422, "validation failed", [{"location": "body.file", "message": "File required"}])
        if len(upload.data) > MAX_UPLOAD_BYTES:
            return problem(400, "file size exceeds 10MB limit")
        path = await run_in_threadpool(uploads.save, upload.filename or "upload", upload.data)
        return JSONResponse({"ok": True, "filePath": path})

    @router.get("/events")
    async def subscribe_events() -> Response:
        async def stream() -> AsyncIterator[str]:
            replay, queue = controller.subscribe()
            try:
                for past in replay:
                    yield past.encode()
                while True:
                    try:
                        event: Event | None = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                    except asyncio.TimeoutError:
                        yield ": keepalive\n\n"
                        continue
                    if event is None:  # the server is shutting down
                        return
                    yield event.encode()
            finally:
                controller.unsubscribe(queue)

        headers = {"Cache-Control": "no-cache, no-store, must-revalidate", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    return router
