"""Agent control on top of ``/events``: a stream that survives dropped connections, and waits.

``/events`` (coder/agentapi) replays the whole state on every connect: each
message, then the status. A reader that reconnects after a dropped connection
therefore receives everything again; :class:`EventFilter` lets through only
what changes what the reader knows (a message that is new or whose text
changed, a status that differs from the last one), so the reconnecting stream
yields no duplicates and nothing the agent did while it was disconnected is
lost: the replay carries it.

The waits are driven by those events, not by polling. One case needs a check:
after a reconnect, a status that did not change (stable, then stable again)
is filtered out, so when a reply has appeared since the last status event,
the wait confirms the status with one ``GET /status`` rather than wait for an
event that will not come.

Sync waits read events on a helper thread so that the timeout holds even
while the connection is silent; after a timeout that thread lets go of its
connection at the next event, or when the client's read timeout ends the read.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import queue
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import TYPE_CHECKING, TypeVar, Union

from .exceptions import APIConnectionError
from .types.agent import AgentEvent, AgentMessage, AgentStatus, StatusChangeEvent

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
"""Failed reconnections in a row (each after the client's own retries) before giving up."""
RECONNECT_DELAY = 0.5
MAX_RECONNECT_DELAY = 10.0

_T = TypeVar("_T")


class EventFilter:
    """Remembers what a reader has seen; ``is_new(event)`` is False for a repeat of it."""

    def __init__(self) -> None:
        # Per message id a digest of its role and text: bounded per message, whatever its length.
        self._messages: dict[int, bytes] = {}
        self._status: tuple[str, str] | None = None

    def is_new(self, event: AgentEvent) -> bool:
        if isinstance(event, StatusChangeEvent):
            status = (event.agent_type, event.status)
            if status == self._status:
                return False
            self._status = status
            return True
        digest = hashlib.blake2b(f"{event.role}\0{event.message}".encode(), digest_size=16).digest()
        if self._messages.get(event.id) == digest:
            return False
        self._messages[event.id] = digest
        return True


def _reconnect_delay(failures: int) -> float:
    # The first reconnection after a drop is immediate; failed ones back off.
    return 0.0 if failures == 0 else min(RECONNECT_DELAY * 2 ** (failures - 1), MAX_RECONNECT_DELAY)


def follow_events(client: SyncAPI, *, max_reconnects: int = MAX_RECONNECTS) -> Iterator[AgentEvent]:
    """Agent events as they happen, reconnecting after a dropped connection, never repeating one.

    The current state comes first (each message, then the status), as with
    ``events()``. Gives up after ``max_reconnects`` failed reconnections in a row.
    """
    return _follow_events(client, max_reconnects=max_reconnects)


def _follow_events(
    client: SyncAPI, *, max_reconnects: int = MAX_RECONNECTS, stopped: Callable[[], bool] = lambda: False
) -> Generator[AgentEvent, None, None]:
    seen = EventFilter()
    failures = 0
    while not stopped():
        received = False
        try:
            with client.agent.events() as stream:
                for event in stream:
                    received = True
                    if seen.is_new(event):
                        yield event
            log.info("agent events: the server ended the stream; reconnecting")
        except APIConnectionError as err:
            if not received:
                failures += 1
                if failures > max_reconnects:
                    raise
            log.info("agent events: connection lost (%s); reconnecting", err)
        if received:
            failures = 0
        elif failures == 0:
            failures = 1  # a connection that ends before the replay: do not spin on it
        time.sleep(_reconnect_delay(failures))


def afollow_events(client: AsyncAPI, *, max_reconnects: int = MAX_RECONNECTS) -> AsyncIterator[AgentEvent]:
    """Agent events (``async for``), reconnecting after a dropped connection, never repeating one."""
    return _afollow_events(client, max_reconnects=max_reconnects)


async def _afollow_events(
    client: AsyncAPI, *, max_reconnects: int = MAX_RECONNECTS
) -> AsyncGenerator[AgentEvent, None]:
    seen = EventFilter()
    failures = 0
    while True:
        received = False
        try:
            stream = await client.agent.events()
            async with stream:
                async for event in stream:
                    received = True
                    if seen.is_new(event):
                        yield event
            log.info("agent events: the server ended the stream; reconnecting")
        except APIConnectionError as err:
            if not received:
                failures += 1
                if failures > max_reconnects:
                    raise
            log.info("agent events: connection lost (%s); reconnecting", err)
        if received:
            failures = 0
        elif failures == 0:
            failures = 1
        await asyncio.sleep(_reconnect_delay(failures))


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


def _timeout_error(what: str, timeout: float | None, watch: _Watch) -> TimeoutError:
    return TimeoutError(f"{what}: the agent was not done within {timeout} s (status: {watch.describe()})")


def _check_timeout(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"timeout: expected a number of seconds > 0 or None, got {timeout!r}")
    return float(timeout)


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
        events = _follow_events(client, stopped=self._stop.is_set)
        try:
            for event in events:
                if self._stop.is_set():
                    break
                self._queue.put((event, None))
        except BaseException as err:
            self._queue.put((None, err))
        finally:
            events.close()

    def next(self, deadline: float | None) -> AgentEvent | None:
        """The next event, or ``None`` once ``deadline`` (``time.monotonic()``) has passed."""
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return None
        try:
            event, error = self._queue.get(timeout=remaining)
        except queue.Empty:
            return None
        if error is not None:
            raise error
        return event

    def stop(self) -> None:
        self._stop.set()


def _deadline(timeout: float | None) -> float | None:
    return None if timeout is None else time.monotonic() + timeout


def _follow(client: SyncAPI, pump: _EventPump, watch: _Watch, deadline: float | None) -> bool:
    """Feed ``watch`` until it is done (True) or ``deadline`` passes (False)."""
    while not watch.done:
        if watch.needs_check:
            watch.checked(client.agent.status())
            continue
        event = pump.next(deadline)
        if event is None:
            return False
        watch.feed(event)
    return True


def wait_for_agent(client: SyncAPI, timeout: float | None = DEFAULT_AGENT_TIMEOUT) -> AgentStatus:
    """Wait until the agent is idle (``stable``); ``TimeoutError`` after ``timeout`` seconds."""
    timeout = _check_timeout(timeout)
    watch = _Watch()
    pump = _EventPump(client)
    try:
        if not _follow(client, pump, watch, _deadline(timeout)):
            raise _timeout_error("wait_for_agent", timeout, watch)
    finally:
        pump.stop()
    return _status(watch)


def ask_agent(
    client: SyncAPI, content: str, timeout: float | None = DEFAULT_AGENT_TIMEOUT
) -> list[AgentMessage]:
    """Wait until the agent is stable, send ``content``, wait for its answer; the agent's new messages.

    ``timeout`` covers the whole exchange. The message is sent once, never again.
    """
    timeout = _check_timeout(timeout)
    deadline = _deadline(timeout)
    pump = _EventPump(client)
    try:
        ready = _Watch()
        if not _follow(client, pump, ready, deadline):
            raise _timeout_error("ask_agent (before sending)", timeout, ready)
        after = _last_id(client.agent.messages().messages)
        client.agent.send(content)
        answer = _Watch(after, status=ready.status)
        if not _follow(client, pump, answer, deadline):
            raise _timeout_error("ask_agent", timeout, answer)
    finally:
        pump.stop()
    return _replies(client.agent.messages().messages, after)


# --- async waits -------------------------------------------------------------------------------


async def _afollow(client: AsyncAPI, events: AsyncIterator[AgentEvent], watch: _Watch) -> None:
    while not watch.done:
        if watch.needs_check:
            watch.checked(await client.agent.status())
            continue
        watch.feed(await events.__anext__())


async def _within(what: str, timeout: float | None, watch: Callable[[], _Watch], work: Awaitable[_T]) -> _T:
    try:
        return await asyncio.wait_for(work, timeout)
    except TimeoutError:  # not TimeoutError itself before Python 3.11
        raise _timeout_error(what, timeout, watch()) from None


async def await_for_agent(client: AsyncAPI, timeout: float | None = DEFAULT_AGENT_TIMEOUT) -> AgentStatus:
    """Wait until the agent is idle (``stable``); ``TimeoutError`` after ``timeout`` seconds."""
    timeout = _check_timeout(timeout)
    watch = _Watch()

    async def work() -> AgentStatus:
        async with contextlib.aclosing(_afollow_events(client)) as events:
            await _afollow(client, events, watch)
        return _status(watch)

    return await _within("wait_for_agent", timeout, lambda: watch, work())


async def aask_agent(
    client: AsyncAPI, content: str, timeout: float | None = DEFAULT_AGENT_TIMEOUT
) -> list[AgentMessage]:
    """Wait until the agent is stable, send ``content``, wait for its answer; the agent's new messages.

    ``timeout`` covers the whole exchange. The message is sent once, never again.
    """
    timeout = _check_timeout(timeout)
    watch = _Watch()

    async def work() -> list[AgentMessage]:
        nonlocal watch
        async with contextlib.aclosing(_afollow_events(client)) as events:
            await _afollow(client, events, watch)
            after = _last_id((await client.agent.messages()).messages)
            await client.agent.send(content)
            watch = _Watch(after, status=watch.status)
            await _afollow(client, events, watch)
        return _replies((await client.agent.messages()).messages, after)

    return await _within("ask_agent", timeout, lambda: watch, work())
