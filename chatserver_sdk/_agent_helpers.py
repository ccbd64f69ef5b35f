"""Agent control on top of ``/events``: a stream that survives dropped connections, and waits.

``/events`` (coder/agentapi) replays the state on every connect: each message,
then the status, then the last few agent errors. A reader that reconnects after
a dropped connection therefore receives everything again; :class:`EventFilter`
lets through only what changes what the reader knows (a message that is new or
whose text changed, a status that differs from the last one, an error not seen
yet), so the reconnecting stream yields no duplicates and nothing the agent did
while it was disconnected is lost: the replay carries it.

Reconnecting backs off: a connection that ends quickly without anything new
counts as a failure, each failure waits longer (0.5 s doubling to 10 s, with
jitter), and after ``max_reconnects`` in a row the stream gives up with an
error that says so. A connection that brought something new, or lived a while
(a proxy's idle timeout), resets the count.

The waits (``wait``, ``ask``) are driven by those events, not by polling:

* ``deadline`` bounds the whole call (seconds); ``idle_timeout`` bounds the
  silence between two events (off by default); both raise a ``TimeoutError``
  (also openai's ``APITimeoutError``) naming what ran out;
* an ``agent_error`` event at level ``error`` during the wait raises
  :class:`AgentReportedError`; ``warning`` is logged;
* ``ask(..., interrupt_on_cancel=True)``: when the wait ends without the answer
  (Ctrl-C, task cancellation, the deadline), the agent is interrupted (ESC, as
  agentapi's UI sends it) before the error propagates.

One case needs a check: after a reconnect, a status that did not change (stable,
then stable again) is filtered out, so when a reply has appeared since the last
status event, the wait confirms the status with one ``GET /status``.

Sync waits read events on a helper thread so that the deadline holds even while
the connection is silent; after the wait, that thread lets go of its connection
at the next event, or when the client's read timeout ends the read.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import queue
import random
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator
from typing import TYPE_CHECKING, Union

import httpx2

from ._limits import checked_seconds
from .exceptions import (
    AgentReportedError,
    APIConnectionError,
    DeadlineExceededError,
    IdleTimeoutError,
)
from .types.agent import AgentErrorEvent, AgentEvent, AgentMessage, AgentStatus, StatusChangeEvent

if TYPE_CHECKING:
    from ._client import AsyncChatServerClient as AsyncAPI
    from ._client import ChatServerClient as SyncAPI

__all__ = [
    "DEFAULT_AGENT_TIMEOUT",
    "EventFilter",
    "aask_agent",
    "afollow_events",
    "ask_agent",
    "await_for_agent",
    "follow_events",
    "wait_for_agent",
]

log = logging.getLogger("chatserver_sdk")

DEFAULT_AGENT_TIMEOUT = 600.0
"""Seconds a wait allows by default: an agent's turn can take minutes."""
MAX_RECONNECTS = 5
"""Connections in a row that end without anything new before the event stream gives up."""
RECONNECT_DELAY = 0.5
MAX_RECONNECT_DELAY = 10.0
HEALTHY_CONNECTION = 10.0
"""Seconds after which a connection that ends is no failure, even if it brought nothing new."""
_KEPT_ERRORS = 256


def _digest(*parts: object) -> bytes:
    return hashlib.blake2b("\0".join(str(part) for part in parts).encode(), digest_size=16).digest()


class EventFilter:
    """Remembers what a reader has seen; ``is_new(event)`` is False for a repeat of it."""

    def __init__(self) -> None:
        # Per message id a digest of its role and text: bounded per message, whatever its length.
        self._messages: dict[int, bytes] = {}
        self._status: tuple[str, str] | None = None
        self._errors: OrderedDict[bytes, None] = OrderedDict()

    def is_new(self, event: AgentEvent) -> bool:
        if isinstance(event, StatusChangeEvent):
            status = (event.agent_type, event.status)
            if status == self._status:
                return False
            self._status = status
            return True
        if isinstance(event, AgentErrorEvent):
            digest = _digest(event.level, event.message, event.time)
            if digest in self._errors:
                return False
            self._errors[digest] = None
            while len(self._errors) > _KEPT_ERRORS:
                self._errors.popitem(last=False)
            return True
        digest = _digest(event.role, event.message)
        if self._messages.get(event.id) == digest:
            return False
        self._messages[event.id] = digest
        return True


def _backoff(failures: int) -> float:
    """Seconds before the next connection: none after a healthy one, then doubling, with jitter."""
    if failures == 0:
        return 0.0
    ceiling = min(RECONNECT_DELAY * 2 ** (failures - 1), MAX_RECONNECT_DELAY)
    return random.uniform(ceiling / 2, ceiling)


def _events_request(client: SyncAPI | AsyncAPI) -> httpx2.Request:
    return httpx2.Request("GET", f"{client.server_url}/events")


class _Reconnects:
    """When the event stream reconnects, how long it waits, and when it gives up."""

    def __init__(self, client: SyncAPI | AsyncAPI, max_reconnects: int) -> None:
        if isinstance(max_reconnects, bool) or not isinstance(max_reconnects, int) or max_reconnects < 0:
            raise ValueError(f"max_reconnects: expected an int >= 0, got {max_reconnects!r}")
        self._client = client
        self._max = max_reconnects
        self.failures = 0

    def ended(self, *, brought_news: bool, lasted: float, why: str, error: Exception | None) -> float:
        """The delay before the next connection; raises once the stream should give up."""
        if brought_news or lasted >= HEALTHY_CONNECTION:
            self.failures = 0
        else:
            self.failures += 1
        if self.failures > self._max:
            request = (
                error.request if isinstance(error, APIConnectionError) else _events_request(self._client)
            )
            raise APIConnectionError(
                message=f"Agent events: {self.failures} connections in a row ended without anything new "
                f"(last: {why}); giving up. Is agentapi running at {self._client.server_url}?",
                request=request,
            ) from error
        delay = _backoff(self.failures)
        log.info("agent events: %s; reconnecting in %.1f s", why, delay)
        return delay


def follow_events(client: SyncAPI, *, max_reconnects: int = MAX_RECONNECTS) -> Iterator[AgentEvent]:
    """Agent events as they happen, reconnecting after a dropped connection, never repeating one.

    The current state comes first (each message, the status, recent agent errors),
    as with ``events()``. Reconnections back off, and the stream gives up after
    ``max_reconnects`` connections in a row that end without anything new.
    """
    return _follow(client, _Reconnects(client, max_reconnects), lambda: False)


def _follow(
    client: SyncAPI, reconnects: _Reconnects, stopped: Callable[[], bool]
) -> Generator[AgentEvent, None, None]:
    seen = EventFilter()
    while not stopped():
        started, news, error = time.monotonic(), False, None
        try:
            with client.agent.events() as stream:
                for event in stream:
                    if seen.is_new(event):
                        news = True
                        yield event
            why = "the server ended the stream"
        except APIConnectionError as err:
            why, error = f"connection lost ({err})", err
        time.sleep(
            reconnects.ended(brought_news=news, lasted=time.monotonic() - started, why=why, error=error)
        )


def afollow_events(client: AsyncAPI, *, max_reconnects: int = MAX_RECONNECTS) -> AsyncIterator[AgentEvent]:
    """Agent events (``async for``), reconnecting after a dropped connection, never repeating one."""
    return _afollow(client, _Reconnects(client, max_reconnects))


async def _afollow(client: AsyncAPI, reconnects: _Reconnects) -> AsyncGenerator[AgentEvent, None]:
    seen = EventFilter()
    while True:
        started, news, error = time.monotonic(), False, None
        try:
            stream = await client.agent.events()
            async with stream:
                async for event in stream:
                    if seen.is_new(event):
                        news = True
                        yield event
            why = "the server ended the stream"
        except APIConnectionError as err:
            why, error = f"connection lost ({err})", err
        delay = reconnects.ended(brought_news=news, lasted=time.monotonic() - started, why=why, error=error)
        await asyncio.sleep(delay)


# --- what a wait knows ------------------------------------------------------------------------


class _Watch:
    """The agent's state as the events tell it, and whether a wait is over.

    ``after``: the id of the last message before the wait's own message was
    sent; ``None`` for a plain wait until the agent is stable.
    """

    def __init__(self, after: int | None = None, status: StatusChangeEvent | None = None) -> None:
        self.after = after
        self.status = status
        self.replied = False
        # Whether a status event arrived after the last message of the reply changed.
        self.status_is_current = status is not None

    def feed(self, event: AgentEvent) -> None:
        if isinstance(event, StatusChangeEvent):
            self.status, self.status_is_current = event, True
        elif isinstance(event, AgentErrorEvent):
            if event.level == "error":
                raise AgentReportedError(event.message, level=event.level, event=event)
            log.warning("the agent reported a %s: %s", event.level, event.message)
        elif self.after is not None and event.id > self.after:
            self.replied = self.replied or event.role == "agent"
            self.status_is_current = False

    @property
    def stable(self) -> bool:
        return self.status is not None and self.status.status == "stable"

    @property
    def done(self) -> bool:
        if self.after is None:
            return self.stable
        return self.replied and self.stable and self.status_is_current

    @property
    def needs_check(self) -> bool:
        """A reply appeared while the last status known is ``stable``: ask ``/status`` once."""
        return self.after is not None and self.replied and self.stable and not self.status_is_current

    def checked(self, status: AgentStatus) -> None:
        self.feed(StatusChangeEvent(agent_type=status.agent_type, status=status.status))

    def describe(self) -> str:
        return self.status.status if self.status is not None else "unknown (no status event yet)"


def _status(watch: _Watch) -> AgentStatus:
    assert watch.status is not None
    return AgentStatus(agent_type=watch.status.agent_type, status=watch.status.status)


def _last_id(messages: list[AgentMessage]) -> int:
    return max((message.id for message in messages), default=-1)


def _replies(messages: list[AgentMessage], after: int) -> list[AgentMessage]:
    return [message for message in messages if message.id > after and message.role == "agent"]


class _Limits:
    """A wait's deadline (the whole call) and idle bound (between two events)."""

    def __init__(
        self, what: str, timeout: float | None, deadline: float | None, idle_timeout: float | None
    ) -> None:
        self.what = what
        seconds = checked_seconds(deadline, "deadline")
        if seconds is None:
            seconds = checked_seconds(timeout, "timeout")
        elif timeout is not None and timeout != DEFAULT_AGENT_TIMEOUT:
            raise ValueError("timeout and deadline: give one of them (both bound the whole call)")
        self.seconds = seconds
        self.idle = checked_seconds(idle_timeout, "idle_timeout")
        self.ends = None if seconds is None else time.monotonic() + seconds
        self.last_event = time.monotonic()

    def wait(self) -> float | None:
        """Seconds the next event may take before a bound is reached."""
        now = time.monotonic()
        bounds = []
        if self.ends is not None:
            bounds.append(self.ends - now)
        if self.idle is not None:
            bounds.append(self.last_event + self.idle - now)
        return max(0.0, min(bounds)) if bounds else None

    def event(self) -> None:
        self.last_event = time.monotonic()

    def exceeded(self, client: SyncAPI | AsyncAPI, watch: _Watch) -> Exception:
        request = _events_request(client)
        if self.ends is not None and time.monotonic() >= self.ends - 1e-3:
            return DeadlineExceededError(
                request,
                deadline=self.seconds or 0.0,
                message=f"{self.what}: the agent was not done within the deadline of {self.seconds:g} s "
                f"(status: {watch.describe()})",
            )
        return IdleTimeoutError(
            request,
            idle_timeout=self.idle or 0.0,
            message=f"{self.what}: no agent event for {self.idle:g} s (idle_timeout; "
            f"status: {watch.describe()})",
        )


# --- sync waits ----------------------------------------------------------------------------------


_Item = Union[tuple[AgentEvent, None], tuple[None, BaseException]]


class _EventPump:
    """Reads a client's events on a daemon thread, so the caller can wait with a deadline."""

    def __init__(self, client: SyncAPI) -> None:
        self._queue: queue.Queue[_Item] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(client,), name="chatserver-agent-events")
        self._thread.daemon = True
        self._thread.start()

    def _run(self, client: SyncAPI) -> None:
        events = _follow(client, _Reconnects(client, MAX_RECONNECTS), self._stop.is_set)
        try:
            for event in events:
                if self._stop.is_set():
                    break
                self._queue.put((event, None))
        except BaseException as err:
            self._queue.put((None, err))
        finally:
            events.close()

    def next(self, wait: float | None) -> AgentEvent | None:
        """The next event, or ``None`` when none came within ``wait`` seconds."""
        try:
            event, error = self._queue.get(timeout=wait)
        except queue.Empty:
            return None
        if error is not None:
            raise error
        return event

    def stop(self) -> None:
        self._stop.set()


def _follow_watch(client: SyncAPI, pump: _EventPump, watch: _Watch, limits: _Limits) -> None:
    """Feed ``watch`` until it is done, or raise when a bound of ``limits`` is reached."""
    while not watch.done:
        if watch.needs_check:
            watch.checked(client.agent.status())
            continue
        event = pump.next(limits.wait())
        if event is None:
            raise limits.exceeded(client, watch)
        limits.event()
        watch.feed(event)


def wait_for_agent(
    client: SyncAPI,
    timeout: float | None = DEFAULT_AGENT_TIMEOUT,
    *,
    deadline: float | None = None,
    idle_timeout: float | None = None,
) -> AgentStatus:
    """Wait until the agent is idle (``stable``); its status.

    ``deadline`` (or ``timeout``, the same) bounds the whole wait in seconds and
    ``idle_timeout`` the silence between two events: past either, a
    ``TimeoutError`` names which. An agent error event raises ``AgentReportedError``.
    """
    limits = _Limits("agent.wait", timeout, deadline, idle_timeout)
    watch = _Watch()
    pump = _EventPump(client)
    try:
        _follow_watch(client, pump, watch, limits)
    finally:
        pump.stop()
    return _status(watch)


def ask_agent(
    client: SyncAPI,
    content: str,
    timeout: float | None = DEFAULT_AGENT_TIMEOUT,
    *,
    deadline: float | None = None,
    idle_timeout: float | None = None,
    interrupt_on_cancel: bool = False,
) -> list[AgentMessage]:
    """Wait until the agent is stable, send ``content`` once, wait for its answer; its new messages.

    ``deadline`` (or ``timeout``) bounds the whole exchange, ``idle_timeout`` the
    silence between events. With ``interrupt_on_cancel``, a wait that ends
    without the answer (Ctrl-C, a bound) interrupts the agent before raising.
    """
    limits = _Limits("agent.ask", timeout, deadline, idle_timeout)
    pump = _EventPump(client)
    sent = False
    try:
        ready = _Watch()
        _follow_watch(client, pump, ready, limits)
        after = _last_id(client.agent.messages().messages)
        client.agent.send(content)
        sent = True
        _follow_watch(client, pump, _Watch(after, status=ready.status), limits)
    except BaseException:
        if sent and interrupt_on_cancel:
            _interrupt(client)
        raise
    finally:
        pump.stop()
    return _replies(client.agent.messages().messages, after)


def _interrupt(client: SyncAPI) -> None:
    log.info("ask: interrupting the agent (the wait ended without its answer)")
    try:
        client.agent.interrupt()
    except Exception as err:  # the original error matters more
        log.warning("ask: could not interrupt the agent: %s", err)


# --- async waits -------------------------------------------------------------------------------


async def _afollow_watch(
    client: AsyncAPI, events: AsyncIterator[AgentEvent], watch: _Watch, limits: _Limits
) -> None:
    while not watch.done:
        if watch.needs_check:
            watch.checked(await client.agent.status())
            continue
        try:
            event = await asyncio.wait_for(events.__anext__(), limits.wait())
        except TimeoutError:
            raise limits.exceeded(client, watch) from None
        limits.event()
        watch.feed(event)


async def await_for_agent(
    client: AsyncAPI,
    timeout: float | None = DEFAULT_AGENT_TIMEOUT,
    *,
    deadline: float | None = None,
    idle_timeout: float | None = None,
) -> AgentStatus:
    """Wait until the agent is idle (``stable``); its status (bounds as the sync client's ``wait``)."""
    limits = _Limits("agent.wait", timeout, deadline, idle_timeout)
    watch = _Watch()
    async with contextlib.aclosing(_afollow(client, _Reconnects(client, MAX_RECONNECTS))) as events:
        await _afollow_watch(client, events, watch, limits)
    return _status(watch)


async def aask_agent(
    client: AsyncAPI,
    content: str,
    timeout: float | None = DEFAULT_AGENT_TIMEOUT,
    *,
    deadline: float | None = None,
    idle_timeout: float | None = None,
    interrupt_on_cancel: bool = False,
) -> list[AgentMessage]:
    """Wait until the agent is stable, send ``content`` once, wait for its answer; its new messages.

    Bounds as the sync client's ``ask``; with ``interrupt_on_cancel``, a cancelled
    task (or a bound reached) interrupts the agent before the error propagates.
    """
    limits = _Limits("agent.ask", timeout, deadline, idle_timeout)
    sent = False
    try:
        async with contextlib.aclosing(_afollow(client, _Reconnects(client, MAX_RECONNECTS))) as events:
            ready = _Watch()
            await _afollow_watch(client, events, ready, limits)
            after = _last_id((await client.agent.messages()).messages)
            await client.agent.send(content)
            sent = True
            await _afollow_watch(client, events, _Watch(after, status=ready.status), limits)
    except BaseException:
        if sent and interrupt_on_cancel:
            await asyncio.shield(_ainterrupt(client))
        raise
    return _replies((await client.agent.messages()).messages, after)


async def _ainterrupt(client: AsyncAPI) -> None:
    log.info("ask: interrupting the agent (the wait ended without its answer)")
    try:
        await client.agent.interrupt()
    except Exception as err:
        log.warning("ask: could not interrupt the agent: %s", err)
