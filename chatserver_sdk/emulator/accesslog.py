"""One log line per request, with credentials kept out of it.

Uvicorn's own access log prints the raw query string, and ``/events`` accepts an
``api_key`` query parameter, so the emulator logs requests itself and redacts it.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log: logging.Logger = logging.getLogger("chatserver_sdk.emulator.access")

_SECRET_PARAMS = frozenset({"api_key", "key", "token", "access_token"})


def _redacted_query(query_string: bytes) -> str:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return urlencode([(k, "***" if k.lower() in _SECRET_PARAMS else v) for k, v in pairs])


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            query = _redacted_query(scope.get("query_string", b""))
            target = scope.get("path", "") + (f"?{query}" if query else "")
            client = scope.get("client") or ("-", 0)
            log.info(
                '%s "%s %s" %d %.1fms',
                client[0],
                scope["method"],
                target,
                status,
                (time.perf_counter() - started) * 1000,
            )
