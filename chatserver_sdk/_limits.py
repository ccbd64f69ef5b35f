"""Bounds that fit an agent: a deadline for a whole call, and a watchdog on a silent stream.

openai's ``timeout`` bounds each read, not a call: an agent turn can stream for
minutes, or be silent for minutes, within it. So a call may also carry

* ``deadline``: seconds for the whole call, retries, connecting and every read of a
  stream included; past it, :class:`DeadlineExceededError`;
* ``idle_timeout``: seconds a stream may go without an event; past it,
  :class:`IdleTimeoutError` naming the silence (off by default).

Both travel with the call (a context variable set by the method that was called,
or the client's own defaults from ``with_options``), bound each attempt's
timeouts as it is sent, and then go with the response to whichever stream reads
it. A sync stream is watched by a timer that shuts the connection down when a
bound is reached (a blocked read cannot be interrupted otherwise); an async one
waits for each event within what is left.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2

from .exceptions import DeadlineExceededError, IdleTimeoutError

__all__ = ["LIMITS", "CallLimits", "Watchdog", "checked_seconds", "current", "limited"]

LIMITS = "chatserver_sdk.limits"
"""The response extension under which a call's limits go to the stream that reads it."""


def checked_seconds(value: object, name: str, *, zero: bool = False) -> float | None:
    """``value`` as seconds (> 0, or >= 0 with ``zero``; finite), ``None`` for no limit."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not zero)
    ):
        bound = ">= 0" if zero else "> 0"
        raise ValueError(f"{name}: expected a number of seconds {bound}, or None for no limit; got {value!r}")
    return float(value)


@dataclass(frozen=True)
class CallLimits:
    deadline: float | None = None
    """Seconds allowed for the whole call."""
    idle_timeout: float | None = None
    ends: float | None = None
    """``time.monotonic()`` at which the call's deadline passes."""

    @classmethod
    def start(cls, deadline: float | None, idle_timeout: float | None) -> CallLimits | None:
        deadline = checked_seconds(deadline, "deadline")
        idle_timeout = checked_seconds(idle_timeout, "idle_timeout")
        if deadline is None and idle_timeout is None:
            return None
        ends = None if deadline is None else time.monotonic() + deadline
        return cls(deadline, idle_timeout, ends)

    def remaining(self) -> float | None:
        return None if self.ends is None else self.ends - time.monotonic()

    def passed(self) -> bool:
        remaining = self.remaining()
        return remaining is not None and remaining <= 0

    def timeouts(self, timeout: dict[str, float | None], *, stream: bool) -> dict[str, float | None]:
        """httpx2's per-phase timeouts of one attempt, none longer than what is left (or the idle bound)."""
        bounds = [b for b in (self.remaining(), self.idle_timeout if stream else None) if b is not None]
        if not bounds:
            return timeout
        bound = max(0.001, min(bounds))
        return {phase: bound if value is None else min(value, bound) for phase, value in timeout.items()}

    def deadline_error(self, request: httpx2.Request, what: str) -> DeadlineExceededError:
        return DeadlineExceededError(
            request,
            deadline=self.deadline or 0.0,
            message=f"{what}: the deadline of {self.deadline:g} s for the whole call passed. The server "
            "may still be working on it (a completion's agent runs on).",
        )

    def idle_error(self, request: httpx2.Request, what: str) -> IdleTimeoutError:
        return IdleTimeoutError(
            request,
            idle_timeout=self.idle_timeout or 0.0,
            message=f"{what}: no event for {self.idle_timeout:g} s (idle_timeout); the stream went silent.",
        )


_CURRENT: contextvars.ContextVar[CallLimits | None] = contextvars.ContextVar(
    "chatserver_limits", default=None
)


def current() -> CallLimits | None:
    return _CURRENT.get()


@contextlib.contextmanager
def limited(limits: CallLimits | None) -> Iterator[None]:
    """The calls made inside carry ``limits``."""
    token = _CURRENT.set(limits)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def _socket_of(response: httpx2.Response) -> socket.socket | None:
    stream: Any = response.extensions.get("network_stream")
    if stream is None:
        return None
    sock = stream.get_extra_info("socket")
    return sock if isinstance(sock, socket.socket) else None


class Watchdog:
    """Shuts a sync stream's connection down when its deadline passes or it is silent too long.

    ``fired`` then says which, so the stream raises that instead of a broken connection.
    """

    def __init__(self, response: httpx2.Response, limits: CallLimits) -> None:
        self.limits = limits
        self.fired: str | None = None
        self._sock = _socket_of(response)
        self._last_event = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self._sock is not None:
            self._thread = threading.Thread(
                target=self._watch, name="chatserver-stream-watchdog", daemon=True
            )
            self._thread.start()

    def event(self) -> None:
        self._last_event = time.monotonic()

    def due(self) -> str | None:
        """Which bound has been reached, if any."""
        now = time.monotonic()
        if self.limits.ends is not None and now >= self.limits.ends:
            return "deadline"
        if self.limits.idle_timeout is not None and now >= self._last_event + self.limits.idle_timeout:
            return "idle"
        return None

    def _next_check(self) -> float:
        now = time.monotonic()
        times = []
        if self.limits.ends is not None:
            times.append(self.limits.ends - now)
        if self.limits.idle_timeout is not None:
            times.append(self._last_event + self.limits.idle_timeout - now)
        return max(0.01, min(times)) if times else 3600.0

    def _watch(self) -> None:
        while not self._stop.wait(self._next_check()):
            reason = self.due()
            if reason is not None:
                self.fired = reason
                with contextlib.suppress(OSError):
                    assert self._sock is not None
                    self._sock.shutdown(socket.SHUT_RDWR)
                return

    def error(self, request: httpx2.Request, what: str) -> Exception | None:
        reason = self.fired or self.due()
        if reason == "deadline":
            return self.limits.deadline_error(request, what)
        if reason == "idle":
            return self.limits.idle_error(request, what)
        return None

    def stop(self) -> None:
        self._stop.set()
