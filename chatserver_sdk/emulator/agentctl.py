"""State of the agent-control half (coder/agentapi): one conversation, a status and an event feed.

All state changes happen on the server's event loop, so the status check and the
switch to ``running`` in :meth:`AgentController.send_user_message` are atomic
without a lock. Messages are persisted (the user's before the request is
acknowledged, the agent's once complete); a reply cut short by a crash is
regenerated when the server starts again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict, dataclass
from typing import Literal

from starlette.concurrency import run_in_threadpool

from .agent import Turn, generate_reply
from .store import Store
from .util import now_iso

log: logging.Logger = logging.getLogger(__name__)

Status = Literal["running", "stable"]


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


@dataclass(frozen=True)
class Event:
    name: Literal["message_update", "status_change"]
    data: dict[str, object]

    def encode(self) -> str:
        return f"event: {self.name}\ndata: {json.dumps(self.data)}\n\n"


class AgentController:
    def __init__(self, store: Store, *, agent_type: str = "claude", chunk_delay: float = 0.02) -> None:
        self.store = store
        self.agent_type = agent_type
        self.chunk_delay = chunk_delay
        self.status: Status = "stable"
        with store.read() as conn:
            rows = conn.execute("SELECT id, role, content, time FROM agent_messages ORDER BY id").fetchall()
        self.messages: list[AgentMessage] = [
            AgentMessage(r["id"], r["role"], r["content"], r["time"]) for r in rows
        ]
        self._subscribers: set[asyncio.Queue[Event | None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle -------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self.messages and self.messages[-1].role == "user":
            self._begin_reply()

    async def stop(self) -> None:
        self._close_streams()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def close_streams_threadsafe(self) -> None:
        """End every open /events stream; lets a server shut down without waiting on idle subscribers."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._close_streams)

    def _close_streams(self) -> None:
        for queue in self._subscribers:
            queue.put_nowait(None)

    # -- events ----------------------------------------------------------

    def _message_event(self, message: AgentMessage) -> Event:
        data = asdict(message)
        data["message"] = data.pop("content")
        return Event("message_update", data)

    def _status_event(self) -> Event:
        return Event("status_change", {"agent_type": self.agent_type, "status": self.status})

    def _emit(self, event: Event) -> None:
        for queue in self._subscribers:
            queue.put_nowait(event)

    def subscribe(self) -> tuple[list[Event], asyncio.Queue[Event | None]]:
        """Return the events that rebuild the current state plus a queue of everything after them."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self._subscribers.add(queue)
        return [*(self._message_event(m) for m in self.messages), self._status_event()], queue

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
        self._begin_reply()

    def _begin_reply(self) -> None:
        self.status = "running"
        reply = AgentMessage(len(self.messages), "agent", "", now_iso())
        self.messages.append(reply)
        self._emit(self._message_event(reply))
        self._task = asyncio.get_running_loop().create_task(self._stream_reply(reply))

    async def _stream_reply(self, message: AgentMessage) -> None:
        transcript = [
            Turn("user" if m.role == "user" else "assistant", m.content) for m in self.messages[:-1]
        ]
        try:
            for chunk in generate_reply(transcript).chunks:
                await asyncio.sleep(self.chunk_delay)
                message.content += chunk
                self._emit(self._message_event(message))
            await run_in_threadpool(self._persist, message)
        except Exception:
            log.exception("agent reply failed")
        finally:
            self.status = "stable"
            self._emit(self._status_event())

    def _persist(self, message: AgentMessage) -> None:
        with self.store.write() as conn:
            conn.execute(
                "INSERT INTO agent_messages (id, role, content, time) VALUES (?, ?, ?, ?)",
                (message.id, message.role, message.content, message.time),
            )
