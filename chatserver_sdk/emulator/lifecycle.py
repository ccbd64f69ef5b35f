"""The server's stopping, as the app sees it: open streams end at once instead of holding shutdown up.

A server stops by waiting for every response in progress to finish (uvicorn gives them
``timeout_graceful_shutdown`` seconds, then cancels them mid-write). An event stream or a
slow completion stream would always need that long; told here that the server is stopping,
they finish their response cleanly instead, within a moment.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


class Closing:
    """Set once, from any thread (or a signal handler), when the server begins to stop."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._callbacks: list[Callable[[], None]] = []

    def bind(self) -> None:
        """Attach to the running loop (the app's startup)."""
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()

    def on_close(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the loop when the server begins to stop."""
        self._callbacks.append(callback)

    def is_set(self) -> bool:
        return self._event is not None and self._event.is_set()

    def set_threadsafe(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._set)

    def _set(self) -> None:
        if self._event is None or self._event.is_set():
            return
        self._event.set()
        for callback in self._callbacks:
            callback()

    async def sleep(self, seconds: float, *, or_until: asyncio.Event | None = None) -> bool:
        """Sleep up to ``seconds``, cut short when the server begins to stop (then True) or when
        ``or_until`` is set."""
        waits = [event for event in (self._event, or_until) if event is not None]
        if seconds <= 0 or not waits:
            await asyncio.sleep(max(seconds, 0))
            return self.is_set()
        tasks = [asyncio.ensure_future(event.wait()) for event in waits]
        try:
            await asyncio.wait(tasks, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
        return self.is_set()
