"""State of the agent-control half (coder/agentapi 0.12.1): one conversation, a status and an event feed.

All state changes happen on the server's event loop, so the status check and the
switch to ``running`` in :meth:`AgentController.send_user_message` are atomic
without a lock. Messages are persisted (the user's before the request is
acknowledged, the agent's once complete or interrupted); a reply cut short by a crash
is regenerated when the server starts again.

As agentapi's terminal agent does, a reply arrives a piece at a time (each piece a
``message_update`` of the whole message so far), and ESC written to the terminal (a
``raw`` message holding ``"\\u001b"``) interrupts it: the reply stays as far as it got
and the agent is ``stable`` again. Errors are ``agent_error`` events; the last
:data:`MAX_STORED_ERRORS` are replayed to every new subscriber after the messages and
the status, as agentapi does. The emulator's agent reports one when a user message
holds the marker ``[[agent_error:LEVEL]]`` or ``[[agent_error:LEVEL:text]]`` (LEVEL
``error`` or ``warning``), after the first piece of its reply; the reply goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

from starlette.concurrency import run_in_threadpool

from . import jsonpieces
from .agent import SLICE, Pace, Reply, Turn, generate_reply
from .store import StorageFullError, Store
from .util import now_iso

log: logging.Logger = logging.getLogger(__name__)
_escape_ascii: Callable[[str], str] = json.encoder.encode_basestring_ascii

Status = Literal["running", "stable"]
ErrorLevel = Literal["error", "warning"]
# agentapi's transport for a terminal agent (the other is "acp").
TRANSPORT = "pty"
ESC = "\x1b"
# agentapi's maxStoredErrors: the errors a new subscriber is told about.
MAX_STORED_ERRORS = 100
# agentapi's subscription buffer: a subscriber this many events behind is dropped (its stream ends once
# it has read them), rather than the server holding ever more events for a client that does not read.
SUBSCRIPTION_BUFFER = 1024
# Without an agent delay a reply takes 20 ms a word, for its first 50 words at most.
DEFAULT_PIECE_SECONDS = 0.02
DEFAULT_PIECES = 50
# Each update carries the whole message so far, so a reply of megabytes arrives in fewer of them: their
# total stays a few times the reply's size instead of 25 times it.
LONG_REPLY_CHARACTERS = 1 << 16
LONG_REPLY_PIECES = 10
AGENT_ERROR_MARKER = re.compile(r"\[\[agent_error:(error|warning)(?::([^\]]*))?\]\]")


class AgentBusyError(Exception):
    """Upstream's screentracker text, which agentapi wraps as 'failed to send message: ...'."""

    def __init__(self) -> None:
        super().__init__("message can only be sent when the agent is waiting for user input")


class InvalidAgentMessageError(Exception):
    pass


@dataclass
class AgentMessage:
    id: int
    role: Literal["user", "agent"]
    content: str
    time: str


@dataclass
class Event:
    name: Literal["message_update", "status_change", "agent_error"]
    data: dict[str, object]
    # Rendered once, however many subscribers send it (or given rendered, as a growing reply's are).
    parts: list[bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def is_large(self) -> bool:
        """Whether rendering it takes long enough to be done off the event loop (a message of megabytes)."""
        return self.parts is None and any(
            isinstance(value, str) and len(value) > jsonpieces.LONG_STRING for value in self.data.values()
        )

    def encode(self) -> list[bytes]:
        """The event as server-sent-event bytes, in pieces; a large one is rendered a slice at a time."""
        if self.parts is None:
            data = jsonpieces.render_parts(self.data, as_json_dumps=True)
            self.parts = [f"event: {self.name}\ndata: ".encode(), *data, b"\n\n"]
        return self.parts


class _GrowingMessage:
    """The JSON string of a reply that only grows, escaped as ``json.dumps`` escapes it, a slice at a time
    and only what was added: each update of a reply of megabytes need not escape it all again."""

    def __init__(self) -> None:
        self.length = 0
        self.escaped: list[bytes] = []

    def update_event(self, message: AgentMessage) -> Event:
        text = message.content
        for start in range(self.length, len(text), SLICE):
            piece = text[start : min(start + SLICE, len(text))]
            self.escaped.append(_escape_ascii(piece)[1:-1].encode())
        self.length = len(text)
        data = _message_data(message)
        # json.dumps(data): the message comes last, so everything before it is rendered as it is.
        head = json.dumps({key: value for key, value in data.items() if key != "message"})[:-1]
        rendered = [f'event: message_update\ndata: {head}, "message": "'.encode(), *self.escaped, b'"}\n\n']
        return Event("message_update", data, rendered)


def _message_data(message: AgentMessage) -> dict[str, object]:
    data = asdict(message)
    data["message"] = data.pop("content")
    return data


@dataclass(frozen=True)
class _RequestedError:
    level: ErrorLevel
    message: str


_MARKER_START = "[[agent_error:"


def _find(text: str, needle: str) -> int:
    """``text.find(needle)``, a slice at a time: one search over megabytes holds the GIL ~50 ms."""
    for start in range(0, len(text), SLICE):
        found = text.find(needle, start, start + SLICE + len(needle) - 1)
        if found >= 0:
            return found
    return -1


def _requested_error(content: str) -> _RequestedError | None:
    start = _find(content, _MARKER_START)
    found = AGENT_ERROR_MARKER.match(content, start, start + 1000) if start >= 0 else None
    if found is None:
        return None
    level: ErrorLevel = "error" if found.group(1) == "error" else "warning"
    return _RequestedError(level, found.group(2) or f"emulated agent {level} (requested by the user message)")


class AgentController:
    def __init__(self, store: Store, *, agent_type: str = "claude", pace: Pace | None = None) -> None:
        self.store = store
        self.agent_type = agent_type
        self.pace: Pace = pace or Pace()
        self.status: Status = "stable"
        self.transport = TRANSPORT
        with store.read() as conn:
            rows = conn.execute("SELECT id, role, content, time FROM agent_messages ORDER BY id").fetchall()
        self.messages: list[AgentMessage] = [
            AgentMessage(r["id"], r["role"], r["content"], r["time"]) for r in rows
        ]
        self.errors: deque[dict[str, object]] = deque(maxlen=MAX_STORED_ERRORS)
        self._subscribers: set[asyncio.Queue[Event | None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._interrupt: asyncio.Event | None = None

    # -- lifecycle -------------------------------------------------------

    async def start(self) -> None:
        if self.messages and self.messages[-1].role == "user":
            self._begin_reply(None)

    async def stop(self) -> None:
        self.close_streams()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def close_streams(self) -> None:
        """End every open /events stream (on the loop): a stopping server need not wait for them."""
        for queue in self._subscribers:
            # Whatever it still holds is dropped: the end mark must get in, and nobody waits for the rest.
            while not queue.empty():
                queue.get_nowait()
            queue.put_nowait(None)
        self._subscribers.clear()

    # -- events ----------------------------------------------------------

    def _message_event(self, message: AgentMessage) -> Event:
        return Event("message_update", _message_data(message))

    def _status_event(self) -> Event:
        return Event("status_change", {"agent_type": self.agent_type, "status": self.status})

    def _emit(self, event: Event) -> None:
        for queue in list(self._subscribers):
            if queue.qsize() >= SUBSCRIPTION_BUFFER:
                # The end mark takes the one slot kept for it: the stream ends after what it holds.
                queue.put_nowait(None)
                self._subscribers.discard(queue)
                log.warning("dropped an /events subscriber %d events behind", SUBSCRIPTION_BUFFER)
                continue
            queue.put_nowait(event)

    def emit_error(self, message: str, level: ErrorLevel) -> None:
        """Report an error to every subscriber, and keep it for those who subscribe later."""
        body: dict[str, object] = {"message": message, "level": level, "time": now_iso()}
        self.errors.append(body)
        self._emit(Event("agent_error", body))

    def subscribe(self) -> tuple[list[Event], asyncio.Queue[Event | None]]:
        """Return the events that rebuild the current state plus a queue of everything after them:
        every message, the status, then the errors kept (agentapi's order)."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue(SUBSCRIPTION_BUFFER + 1)
        self._subscribers.add(queue)
        replay = [
            *(self._message_event(m) for m in self.messages),
            self._status_event(),
            *(Event("agent_error", dict(e)) for e in self.errors),
        ]
        return replay, queue

    def unsubscribe(self, queue: asyncio.Queue[Event | None]) -> None:
        self._subscribers.discard(queue)

    # -- conversation ----------------------------------------------------

    async def send_user_message(self, content: str) -> None:
        if content != content.strip():
            raise InvalidAgentMessageError("message must be trimmed of leading and trailing whitespace")
        if not content:
            raise InvalidAgentMessageError("message must not be empty")
        if self.status != "stable":
            raise AgentBusyError
        self.status = "running"
        message = AgentMessage(len(self.messages), "user", content, now_iso())
        try:
            await run_in_threadpool(self._persist, message)
        except BaseException:
            self.status = "stable"
            raise
        self.messages.append(message)
        self._emit(self._message_event(message))
        self._emit(self._status_event())
        self._begin_reply(_requested_error(content))

    def send_raw(self, content: str) -> None:
        """Keystrokes for the agent's terminal: never part of the history; ESC interrupts a running reply."""
        if ESC in content and self._interrupt is not None:
            self._interrupt.set()

    def _begin_reply(self, error: _RequestedError | None) -> None:
        self.status = "running"
        reply = AgentMessage(len(self.messages), "agent", "", now_iso())
        self.messages.append(reply)
        self._emit(self._message_event(reply))
        self._interrupt = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._stream_reply(reply, self._interrupt, error))

    def _pace_of(self, reply: Reply) -> list[tuple[int, float]]:
        tokens = reply.completion_tokens
        if self.pace.delay > 0:
            return self.pace.groups(tokens)
        most = LONG_REPLY_PIECES if len(reply.text) > LONG_REPLY_CHARACTERS else DEFAULT_PIECES
        pieces = min(tokens, most)
        return Pace(pieces * DEFAULT_PIECE_SECONDS, pieces=most).groups(tokens)

    async def _stream_reply(
        self, message: AgentMessage, interrupt: asyncio.Event, error: _RequestedError | None
    ) -> None:
        transcript = [
            Turn("user" if m.role == "user" else "assistant", m.content) for m in self.messages[:-1]
        ]
        try:
            reply = await run_in_threadpool(generate_reply, transcript)
            groups = self._pace_of(reply)
            # Where each piece ends in the text, found off the event loop: a reply may be millions of words.
            ends = await run_in_threadpool(reply.ends_of, [size for size, _ in groups])
            growing = _GrowingMessage()
            for (_, pause), end in zip(groups, ends, strict=True):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(interrupt.wait(), pause)
                if interrupt.is_set():
                    break  # the reply stays as far as it got, as the terminal shows it
                message.content = reply.text[:end]
                self._emit(growing.update_event(message))
                if error is not None:
                    self.emit_error(error.message, error.level)
                    error = None
            await run_in_threadpool(self._persist, message)
        except StorageFullError as exc:
            # Nobody waits on the reply: subscribers hear of it as agentapi reports errors.
            self.emit_error(f"the agent's reply could not be stored: {exc}", "error")
        except Exception:
            log.exception("agent reply failed")
        finally:
            self._interrupt = None
            self.status = "stable"
            self._emit(self._status_event())

    def _persist(self, message: AgentMessage) -> None:
        with self.store.write() as conn:
            conn.execute(
                "INSERT INTO agent_messages (id, role, content, time) VALUES (?, ?, ?, ?)",
                (message.id, message.role, message.content, message.time),
            )
