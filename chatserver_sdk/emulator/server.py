"""Serving the emulator: the uvicorn server both ``run_emulator`` and ``chatserver emulator`` run.

``run_emulator`` serves it on a background thread, for tests and notebooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from types import FrameType

import uvicorn
from fastapi import FastAPI

from .app import create_app
from .guard import (
    DEFAULT_ALLOWED_HOSTS,
    DEFAULT_ALLOWED_ORIGINS,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_UPLOAD_BYTES,
)
from .lifecycle import Closing

STARTUP_TIMEOUT = 15.0


class EmulatorServer(uvicorn.Server):
    """uvicorn's server, told to stop promptly: it wakes at once instead of at its next 100 ms tick
    (tests start and stop an emulator per test, so that tick would add up), and it tells the app
    it is stopping, so that open event and completion streams end instead of holding shutdown up."""

    _wakeup: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    def _tell_the_app(self) -> None:
        app = self.config.app
        closing = getattr(getattr(app, "state", None), "closing", None)
        if isinstance(closing, Closing):
            closing.set_threadsafe()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # A signal (Ctrl-C, SIGTERM): uvicorn's own handling, plus the streams.
        super().handle_exit(sig, frame)
        self._tell_the_app()

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), 0.1)

    def stop(self) -> None:
        """Stop from another thread."""
        self._tell_the_app()
        self.should_exit = True
        loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None:
            with contextlib.suppress(RuntimeError):  # the loop may already be closed
                loop.call_soon_threadsafe(wakeup.set)


def _base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextlib.contextmanager
def run_emulator(
    *,
    db_path: str | None = None,
    api_keys: Sequence[str] = (),
    admin_keys: Sequence[str] = (),
    host: str = "127.0.0.1",
    port: int = 0,
    app: FastAPI | None = None,
    allowed_hosts: Sequence[str] = DEFAULT_ALLOWED_HOSTS,
    allowed_origins: Sequence[str] = DEFAULT_ALLOWED_ORIGINS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    agent_delay: float = 0.0,
) -> Iterator[str]:
    """Serve a fresh emulator and yield its base URL, e.g. ``"http://127.0.0.1:54321"``.

    ``app`` serves an app you built with :func:`create_app` instead (then the
    other options are that call's), for tests that reach into ``app.state``.
    ``allowed_hosts``, ``allowed_origins``, ``max_body_bytes``, ``max_upload_bytes`` and
    ``agent_delay`` are :func:`create_app`'s. Binding another ``host`` than loopback does not widen
    ``allowed_hosts``: name the host clients will use (or ``["*"]``).
    The socket is bound here rather than by uvicorn so that ``port=0`` yields the
    real port before the server starts. The URL is yielded only once the server
    accepts connections; leaving the block stops it and waits for the thread.
    """
    options = {
        "allowed_hosts": tuple(allowed_hosts),
        "allowed_origins": tuple(allowed_origins),
        "max_body_bytes": max_body_bytes,
        "max_upload_bytes": max_upload_bytes,
        "agent_delay": agent_delay,
    }
    defaults = {
        "allowed_hosts": DEFAULT_ALLOWED_HOSTS,
        "allowed_origins": DEFAULT_ALLOWED_ORIGINS,
        "max_body_bytes": DEFAULT_MAX_BODY_BYTES,
        "max_upload_bytes": DEFAULT_MAX_UPLOAD_BYTES,
        "agent_delay": 0.0,
    }
    if app is None:
        app = create_app(db_path=db_path, api_keys=api_keys, admin_keys=admin_keys, **options)  # type: ignore[arg-type]
    elif db_path is not None or api_keys or admin_keys or options != defaults:
        raise ValueError("run_emulator: pass the server's options to create_app when giving app")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on connections of a socket whose proto
    # says TCP, and without it every keep-alive response whose body is sent after its headers waits
    # for the client's delayed ACK (~40 ms a request).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        # Bounds how long shutdown waits on a client that keeps a stream open.
        timeout_graceful_shutdown=2,
    )
    server = EmulatorServer(config)
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # surfaced to the caller's thread below
            errors.append(exc)

    thread = threading.Thread(target=serve, name="chatserver-emulator", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if errors or not thread.is_alive():
                raise RuntimeError("ChatServer emulator failed to start") from (errors[0] if errors else None)
            if time.monotonic() > deadline:
                raise TimeoutError("ChatServer emulator did not start in time")
            time.sleep(0.01)
        yield _base_url(sock)
    finally:
        server.stop()
        thread.join(timeout=10)
        sock.close()
