"""Agent-control routes (coder/agentapi, served by Huma upstream).

Huma answers errors with ``application/problem+json`` rather than FastAPI's
``{"detail": ...}``, so these handlers parse their own input and build their own
error bodies instead of relying on FastAPI's validation.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, BinaryIO

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from . import jsonpieces, multipart
from .agentctl import AgentBusyError, AgentController, Event, InvalidAgentMessageError
from .api_errors import storage_full
from .api_responses import PiecesResponse
from .auth import problem_body
from .guard import DEFAULT_MAX_UPLOAD_BYTES, PARSED_JSON_STATE, BodyTooLargeError

# Idle SSE streams get a comment line this often so dead connections are noticed.
KEEPALIVE_SECONDS = 15.0
_REASONS = {
    400: "Bad Request",
    413: "Request Entity Too Large",
    422: "Unprocessable Entity",
    500: "Internal Server Error",
    507: "Insufficient Storage",
}


def problem(status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> Response:
    return Response(
        problem_body(status, _REASONS.get(status, "Error"), detail, errors),
        status_code=status,
        media_type="application/problem+json",
    )


def _unexpected(message: str) -> Response:
    # Huma turns a plain Go error from a handler into this 500 body, keeping the error text in `errors`.
    return problem(500, "unexpected error occurred", [{"message": message}])


_NOT_PARSED = object()


async def _encoded(event: Event) -> list[bytes]:
    # A message of megabytes is rendered off the event loop, so that other clients are not kept waiting.
    return await run_in_threadpool(event.encode) if event.is_large else event.encode()


def _disk_full(exc: OSError) -> Response:
    """507 for a disk that is full; any other OS error is not the client's to hear about."""
    if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
        raise exc
    return storage_full(
        "/upload",
        f"the upload could not be stored: the disk holding the emulator's upload directory is full"
        f" ({exc.strerror}). Free disk space and send it again.",
    )


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


_NAME_LIMIT = 255  # bytes, the usual filesystem limit for one path component


def upload_name_problem(filename: str) -> str | None:
    """Why a client's file name cannot be stored, or None. agentapi keeps the base name as sent."""
    if "\x00" in filename:
        return "file name must not contain NUL characters"
    base = os.path.basename(filename.replace("\\", "/"))
    if base in ("", ".", ".."):
        return f"file name {filename!r} does not name a file: send a plain name such as 'notes.txt'"
    if len(base.encode("utf-8", "surrogatepass")) > _NAME_LIMIT:
        return f"file name is longer than {_NAME_LIMIT} bytes: shorten it"
    return None


class UploadDir:
    """Where uploads land; a private temp directory, removed at shutdown like agentapi's."""

    def __init__(self) -> None:
        self._path: Path | None = None

    def root(self) -> Path:
        if self._path is None:
            self._path = Path(tempfile.mkdtemp(prefix="chatserver-emulator-uploads-"))
        return self._path

    def spool(self) -> tuple[BinaryIO, str]:
        """A file in the upload directory to stream an upload into before it is named, and its path."""
        fd, path = tempfile.mkstemp(dir=self.root(), prefix=".incoming-")
        return os.fdopen(fd, "wb"), path

    def place(self, spooled: str, filename: str, digest: str) -> str:
        # A content-addressed subdirectory keeps same-named uploads apart, as agentapi does.
        target_dir = self.root() / digest[:16]
        target_dir.mkdir(exist_ok=True)
        target = target_dir / os.path.basename(filename.replace("\\", "/"))
        os.replace(spooled, target)
        return str(target)

    def cleanup(self) -> None:
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
            self._path = None


def build_router(
    controller: AgentController, uploads: UploadDir, *, max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
) -> APIRouter:
    router = APIRouter(tags=["agent"])

    @router.get("/status")
    async def get_status() -> Response:
        status = {"agent_type": controller.agent_type, "status": controller.status}
        return JSONResponse({**status, "transport": controller.transport})

    @router.get("/messages")
    async def get_messages() -> Response:
        messages = [
            {"id": m.id, "role": m.role, "content": m.content, "time": m.time} for m in controller.messages
        ]
        # Off the event loop and in pieces: a message may be megabytes.
        return PiecesResponse(await run_in_threadpool(jsonpieces.render_parts, {"messages": messages}))

    @router.post("/message")
    async def post_message(request: Request) -> Response:
        raw = await request.body()
        try:
            # Parsed (off the event loop when large) and checked by the body guard already.
            parsed = request.scope.get("state", {}).get(PARSED_JSON_STATE, _NOT_PARSED)
            body = (json.loads(raw) if raw else None) if parsed is _NOT_PARSED else parsed
        except ValueError as exc:
            return problem(400, "validation failed", [{"location": "body", "message": str(exc)}])
        except RecursionError:
            return problem(400, "the JSON body is nested too deeply to parse")
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
        else:
            # Keystrokes for the terminal: never part of the history; ESC interrupts a running reply.
            controller.send_raw(body["content"])
        return JSONResponse({"ok": True})

    @router.post("/upload")
    async def post_upload(request: Request) -> Response:
        boundary = multipart.boundary_of(request.headers.get("content-type", ""))
        if boundary is None:
            return problem(400, "expected a multipart/form-data body")
        try:
            spooled, spooled_name = await run_in_threadpool(uploads.spool)
        except OSError as exc:
            return _disk_full(exc)
        try:
            try:
                received = await multipart.receive_file(
                    request.stream(), boundary, field="file", limit=max_upload_bytes, sink=spooled
                )
            finally:
                spooled.close()
            if received is None:
                return problem(
                    422, "validation failed", [{"location": "body.file", "message": "File required"}]
                )
            name_problem = upload_name_problem(received.filename)
            if name_problem is not None:
                return problem(400, name_problem)
            path = await run_in_threadpool(uploads.place, spooled_name, received.filename, received.sha256)
        except multipart.FileTooLargeError:
            return problem(400, f"file size exceeds {max_upload_bytes >> 20}MB limit")
        except multipart.MultipartError as exc:
            return problem(400, str(exc))
        except BodyTooLargeError as exc:
            return problem(413, str(exc))
        except OSError as exc:
            return _disk_full(exc)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(spooled_name)
        return JSONResponse({"ok": True, "filePath": path})

    @router.get("/events")
    async def subscribe_events() -> Response:
        async def stream() -> AsyncIterator[bytes]:
            replay, queue = controller.subscribe()
            try:
                for past in replay:
                    for part in await _encoded(past):
                        yield part
                        # A subscriber that has gone away is noticed only when the loop runs: without
                        # this, writes to its dead socket pile up (asyncio logs each after the 5th).
                        await asyncio.sleep(0)
                while True:
                    try:
                        event: Event | None = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                    except TimeoutError:
                        yield b": keepalive\n\n"
                        continue
                    if event is None:  # the server is shutting down
                        return
                    for part in await _encoded(event):
                        yield part
                        await asyncio.sleep(0)
            finally:
                controller.unsubscribe(queue)

        headers = {"Cache-Control": "no-cache, no-store, must-revalidate", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    return router
