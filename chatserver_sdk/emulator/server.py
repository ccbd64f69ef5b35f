"""Serving the emulator: the uvicorn server both ``run_emulator`` and ``chatserver emulator`` run.

``run_emulator`` serves it on a background thread, for tests and notebooks. Both listen on
127.0.0.1 unless told otherwise, and refuse to listen where other machines can reach the
emulator while it has no API key (every route open, every caller a platform admin) unless
the caller says so (``allow_open_access``, ``--allow-open-access``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
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
from .http11 import EmulatorH11Protocol
from .lifecycle import Closing

STARTUP_TIMEOUT = 15.0
# How often a thread that keeps the interpreter busy hands it over, in seconds (Python's default: 0.005).
# Work on a huge request runs in worker threads a slice at a time; every other request waits for the
# interpreter at each step of its way (the event loop, a worker, the loop again), up to this long each
# time. A millisecond keeps those waits short (measured by benchmarks/emulator_latency.py). It is a
# setting of the whole process: the command line, which owns its process, sets it; run_emulator leaves
# the caller's alone.
SWITCH_INTERVAL = 0.001
# How long a stopping server waits for responses still in progress (streams end at once when told).
GRACEFUL_SHUTDOWN_SECONDS = 2


def emulator_config(app: FastAPI, *, log_level: str) -> uvicorn.Config:
    """How the emulator is served: uvicorn on the emulator's HTTP/1.1 protocol (see :mod:`.http11`)."""
    return uvicorn.Config(
        app,
        http=EmulatorH11Protocol,
        log_level=log_level,
        # Requests are logged by the app itself, which redacts credentials in query strings.
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    if host in ("", "*"):
        return [ipaddress.ip_address("0.0.0.0")]
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []  # binding fails with its own message
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or a name) is reachable from this machine only."""
    addresses = _addresses(host)
    return bool(addresses) and all(address.is_loopback for address in addresses)


def is_wildcard(host: str) -> bool:
    """Whether ``host`` means every interface (``0.0.0.0``, ``::``)."""
    return any(address.is_unspecified for address in _addresses(host))


def open_access_problem(
    host: str, *, open_access: bool, allowed: bool, spelled: dict[str, str]
) -> str | None:
    """Why serving an emulator without API keys on ``host`` is refused, or None.

    ``spelled`` names the options as the caller knows them: ``host``, ``api_keys``, ``allow``.
    """
    # A name that does not resolve is left to the bind, which says so.
    if not open_access or allowed or is_loopback(host) or not _addresses(host):
        return None
    return (
        f"{spelled['host']} {host!r} lets other machines reach the emulator, and with no API key every route"
        f" is open and every caller is a platform admin: give one with {spelled['api_keys']}, or pass"
        f" {spelled['allow']} if that is what you mean."
    )


def coherent_allowed_hosts(host: str, allowed_hosts: Sequence[str]) -> tuple[str, ...]:
    """The default ``allowed_hosts`` plus a specific address or name the server is bound to, so that the
    URL it is reached by is served; anything else as given."""
    allowed = tuple(allowed_hosts)
    if allowed != DEFAULT_ALLOWED_HOSTS or is_loopback(host) or is_wildcard(host) or not _addresses(host):
        return allowed
    return (*allowed, f"[{host}]" if ":" in host else host)


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
        # A signal (Ctrl-C, SIGTERM): uvicorn's own handling, plus the streams and an immediate wake-up.
        super().handle_exit(sig, frame)
        self._tell_the_app()
        self._wake()

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
        self._wake()

    def _wake(self) -> None:
        loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None:
            with contextlib.suppress(RuntimeError):  # the loop may already be closed
                loop.call_soon_threadsafe(wakeup.set)


def base_url_of(sock: socket.socket) -> str:
    """The URL a client on this machine reaches the socket by (a wildcard bind is reached by loopback)."""
    host, port = sock.getsockname()[:2]
    if ipaddress.ip_address(host.split("%")[0]).is_unspecified:
        host = "::1" if ":" in host else "127.0.0.1"
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
    allow_open_access: bool = False,
) -> Iterator[str]:
    """Serve a fresh emulator and yield its base URL, e.g. ``"http://127.0.0.1:54321"``.

    ``app`` serves an app you built with :func:`create_app` instead (then the
    other options are that call's), for tests that reach into ``app.state``.
    ``allowed_hosts``, ``allowed_origins``, ``max_body_bytes``, ``max_upload_bytes`` and
    ``agent_delay`` are :func:`create_app`'s.

    A ``host`` other machines can reach is refused while the emulator has no API key (every
    route would be open to them, every caller an admin), unless ``allow_open_access=True``.
    Bound to a specific address or name, the emulator also answers requests for that host (the
    default ``allowed_hosts`` plus it); bound to every interface (``0.0.0.0``), name the hosts
    clients will use in ``allowed_hosts``. The yielded URL is one this machine can use.
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
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port must be a number from 0 to 65535 (0 picks a free one), got {port!r}")
    if app is not None and (db_path is not None or api_keys or admin_keys or options != defaults):
        raise ValueError("run_emulator: pass the server's options to create_app when giving app")
    open_access = not api_keys if app is None else bool(getattr(app.state, "open_access", True))
    spelled = {"host": "host", "api_keys": "api_keys=[...]", "allow": "allow_open_access=True"}
    problem = open_access_problem(host, open_access=open_access, allowed=allow_open_access, spelled=spelled)
    if problem is not None:
        raise ValueError(problem)
    if app is None:
        options["allowed_hosts"] = coherent_allowed_hosts(host, allowed_hosts)
        app = create_app(db_path=db_path, api_keys=api_keys, admin_keys=admin_keys, **options)  # type: ignore[arg-type]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on connections of a socket whose proto
    # says TCP, and without it every keep-alive response whose body is sent after its headers waits
    # for the client's delayed ACK (~40 ms a request).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise OSError(err.errno, f"cannot listen on {host}:{port}: {err.strerror or err}") from err
    server = EmulatorServer(emulator_config(app, log_level="warning"))
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
        yield base_url_of(sock)
    finally:
        server.stop()
        thread.join(timeout=10)
        sock.close()
