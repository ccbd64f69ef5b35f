"""Run the emulator on a background thread, for tests and notebooks."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Sequence

import uvicorn
from fastapi import FastAPI

from .agentctl import AgentController
from .app import create_app
from .guard import (
    DEFAULT_ALLOWED_HOSTS,
    DEFAULT_ALLOWED_ORIGINS,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_UPLOAD_BYTES,
)

STARTUP_TIMEOUT = 15.0


class _Server(uvicorn.Server):
    """A uvicorn server that can be told to stop without waiting for its next 100 ms tick.

    Tests start and stop an emulator per test, so that tick would otherwise add up.
    """

    _wakeup: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), 0.1)

    def stop(self) -> None:
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
) -> Iterator[str]:
    """Serve a fresh emulator and yield its base URL, e.g. ``"http://127.0.0.1:54321"``.

    ``app`` serves an app you built with :func:`create_app` instead (then the
    other options are that call's), for tests that reach into ``app.state``.
    ``allowed_hosts``, ``allowed_origins``, ``max_body_bytes`` and ``max_upload_bytes``
    are :func:`create_app`'s. Binding another ``host`` than loopback does not widen
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
    }
    defaults = {
        "allowed_hosts": DEFAULT_ALLOWED_HOSTS,
        "allowed_origins": DEFAULT_ALLOWED_ORIGINS,
        "max_body_bytes": DEFAULT_MAX_BODY_BYTES,
        "max_upload_bytes": DEFAULT_MAX_UPLOAD_BYTES,
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
    server = _Server(config)
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
        controller = app.state.agent
        if isinstance(controller, AgentController):
            controller.close_streams_threadsafe()
        server.stop()
        thread.join(timeout=10)
        sock.close()
