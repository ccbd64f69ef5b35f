"""A response whose body is sent as the pieces it was rendered in.

A body of megabytes (a session holding a 10 MB message, a completion echoing it) rendered
in pieces (:func:`.jsonpieces.render_parts`) need not be joined into one buffer, nor handed
to the socket in one write, whose buffering alone keeps the event loop ~10 ms: it goes out
in writes of about :data:`WRITE_BYTES`, the loop given back to other clients between them.
"""

from __future__ import annotations

import asyncio

from starlette.background import BackgroundTask
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

WRITE_BYTES = 1 << 18


class PiecesResponse(Response):
    """``Response(b"".join(parts))``, sent a piece at a time."""

    def __init__(
        self, parts: list[bytes], *, status_code: int = 200, media_type: str = "application/json"
    ) -> None:
        self.parts = parts
        self.status_code = status_code
        self.media_type = media_type
        self.background: BackgroundTask | None = None
        self.init_headers({"content-length": str(sum(map(len, parts))), "content-type": media_type})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        pending: list[bytes] = []
        size = 0
        for part in self.parts:
            pending.append(part)
            size += len(part)
            if size >= WRITE_BYTES:
                await send({"type": "http.response.body", "body": b"".join(pending), "more_body": True})
                pending, size = [], 0
                await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b"".join(pending), "more_body": False})
        if self.background is not None:
            await self.background()
