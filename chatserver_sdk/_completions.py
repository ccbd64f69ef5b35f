"""One policy for every chat completion this SDK sends, ``create_completion`` and openai's own alike.

Every body sent to ``/chat/completions`` through a ChatServer client -- by
``create_completion``, by openai's ``chat.completions.create`` (sync, async,
stream, raw), and so by LangChain or any tool handed the client -- passes
these steps once, before openai's retry loop, in this order:

1. **parameters** (:mod:`._parameters`): what the server reads is sent, what it
   would ignore is refused or translated;
2. **history rules** (:mod:`._history`): with ``metadata.user_id`` set, UUID ids,
   a UUID session id when none was given, text instead of content parts;
3. **the session's turn** (:class:`Sessions`): with history on, turns on one
   session run one at a time within a client, and the transcript is completed
   from what is stored when the caller sent less than the session holds
   (**resume**: the one step that reads the server, logged when it does);
4. **after the answer**: what the client now knows is stored, so the next turn
   that extends it needs no lookup (a ``Conversation`` turn is one request);
5. **a lost answer** (:func:`settle`): when the answer to a turn that reached
   the server is lost, the stored session says what happened.

The functions here work on plain bodies and transcripts; the client does the I/O.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from . import _parameters
from ._history import checked_history, flatten_content, resumed_transcript
from .exceptions import UnsupportedParameterError

__all__ = ["Outcome", "Prepared", "Sessions", "Transcript", "is_completion", "prepare", "settle"]

log = logging.getLogger("chatserver_sdk")

Transcript = list[tuple[str, str]]
"""A transcript as the server stores it: ``(role, content)`` per message."""


def is_completion(method: str, url: str) -> bool:
    return method.lower() == "post" and url.rstrip("/").endswith("chat/completions")


def transcript_of(messages: object) -> Transcript:
    if not isinstance(messages, list):
        return []
    result = []
    for message in messages:
        flat = flatten_content(message)
        if isinstance(flat, Mapping):
            result.append((str(flat.get("role")), str(flat.get("content") or "")))
    return result


@dataclass(frozen=True)
class Prepared:
    """A completion body as it will be sent, and the history session it belongs to (if any)."""

    body: dict[str, Any]
    session_id: str | None = None
    user_id: str | None = None
    new_session: bool = False
    """The session id was made here: nothing can be stored under it yet."""

    @property
    def transcript(self) -> Transcript:
        return transcript_of(self.body.get("messages"))


def prepare(body: Mapping[str, Any], extra: Mapping[str, Any] | None, *, send_unsupported: bool) -> Prepared:
    """Steps 1 and 2: the body the server reads, in the form its history records."""
    merged = {**body, **(extra or {})}
    if not send_unsupported:
        merged = _parameters.checked_completion_body(merged)
        merged["messages"] = checked_messages(merged.get("messages"))
    named_session = _session_id(merged) is not None
    checked = checked_history(merged)
    metadata = checked.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("user_id") is None:
        return Prepared(checked)
    return Prepared(
        checked,
        session_id=str(metadata["session_id"]),
        user_id=str(metadata["user_id"]),
        new_session=not named_session,
    )


_TEXT_PARTS = ("text",)
_NO_TOOLS = (
    "A ChatServer's agent runs its own tools and returns no tool calls; send the tool results as text, "
    "or choose the agent's tools with allowed_tools=[...]"
)


def checked_messages(messages: object) -> object:
    """The messages as a ChatServer reads them: ``developer`` is ``system`` (OpenAI's newer name for it);
    what it cannot read (image or audio parts, tool calls) is refused, naming the message and part."""
    if not isinstance(messages, list):
        return messages
    checked = []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            checked.append(message)
            continue
        message = dict(message)
        if message.get("role") == "developer":
            message["role"] = "system"
        for key in ("tool_calls", "function_call"):
            if message.get(key):
                raise UnsupportedParameterError(f"messages[{index}].{key}", message[key], _NO_TOOLS)
            message.pop(key, None)
        content = message.get("content")
        if isinstance(content, list):
            for position, part in enumerate(content):
                kind = part.get("type") if isinstance(part, Mapping) else "text"
                if kind not in _TEXT_PARTS:
                    raise UnsupportedParameterError(
                        f"messages[{index}].content[{position}]",
                        kind,
                        f"A ChatServer takes text parts only, not {kind!r}; describe it in text",
                    )
        checked.append(message)
    return checked


def _session_id(body: Mapping[str, Any]) -> object:
    metadata = body.get("metadata")
    return metadata.get("session_id") if isinstance(metadata, Mapping) else None


def resumed(prepared: Prepared, stored: Transcript) -> Prepared:
    """Step 3: the body continued from what the session holds (unchanged when it already does)."""
    messages = resumed_transcript(stored, prepared.body["messages"])
    if messages is None:
        return prepared
    log.info(
        "resume: session %s holds %d message(s) the request did not repeat; sending them first",
        prepared.session_id,
        len(stored),
    )
    return Prepared({**prepared.body, "messages": messages}, prepared.session_id, prepared.user_id)


# --- what a client knows of its sessions ------------------------------------------------------


def _digest(message: tuple[str, str]) -> bytes:
    role, content = message
    return hashlib.blake2b(f"{role}\0{content}".encode(), digest_size=16).digest()


@dataclass
class _Session:
    stored: list[bytes] | None = None
    """Digests of the transcript this client knows is stored; ``None``: unknown."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    alock: asyncio.Lock | None = None


async def acquire_within(lock: asyncio.Lock, wait: float | None) -> bool:
    """Take ``lock`` within ``wait`` seconds (``None``: however long it takes); whether it was taken."""
    if wait is None:
        await lock.acquire()
        return True
    if wait <= 0:  # asyncio.wait_for(..., 0) gives up even on a free lock before Python 3.12
        if lock.locked():
            return False
        await lock.acquire()
        return True
    try:
        await asyncio.wait_for(lock.acquire(), wait)
    except TimeoutError:
        return False
    return True


class Sessions:
    """Per client (and its copies): one turn at a time per history session, and what is stored.

    Bounded: the least recently used sessions are forgotten first (a forgotten session
    costs one lookup on its next turn, nothing more), but never one whose turn is running.
    """

    MAX_SESSIONS = 4096

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._sessions: OrderedDict[str, _Session] = OrderedDict()

    def _get(self, session_id: str) -> _Session:
        with self._mutex:
            session = self._sessions.get(session_id)
            if session is None:
                session = self._sessions[session_id] = _Session()
                self._trim()
            else:
                self._sessions.move_to_end(session_id)
            return session

    def _trim(self) -> None:
        while len(self._sessions) > self.MAX_SESSIONS:
            oldest_id, oldest = next(iter(self._sessions.items()))
            if oldest.lock.locked() or (oldest.alock is not None and oldest.alock.locked()):
                break
            del self._sessions[oldest_id]

    def lock(self, session_id: str) -> threading.Lock:
        return self._get(session_id).lock

    def alock(self, session_id: str) -> asyncio.Lock:
        session = self._get(session_id)
        if session.alock is None:
            session.alock = asyncio.Lock()
        return session.alock

    def knows_extended_by(self, prepared: Prepared) -> bool:
        """Whether what is stored is known, and the body's transcript starts with all of it."""
        if prepared.session_id is None:
            return True
        if prepared.new_session:
            return True
        stored = self._get(prepared.session_id).stored
        if stored is None:
            return False
        sent = prepared.transcript
        return len(sent) >= len(stored) and [_digest(m) for m in sent[: len(stored)]] == stored

    def record(self, session_id: str, transcript: Sequence[tuple[str, str]]) -> None:
        self._get(session_id).stored = [_digest(message) for message in transcript]

    def forget(self, session_id: str) -> None:
        self._get(session_id).stored = None

    def after_fork(self) -> None:
        """In a child process: locks held by the parent's threads would never be released here."""
        self._mutex = threading.Lock()
        self._sessions = OrderedDict()


# --- settling a lost answer -----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the stored session says of a turn whose answer was lost."""

    kind: Literal["replied", "running", "not-reached", "unknown"]
    reply: str = ""


def settle(sent: Transcript, stored: Transcript) -> Outcome:
    """Read a turn's fate off its session: stored after the transcript the call sent is...

    * the reply: the turn completed (``replied``);
    * nothing: its messages are stored, no reply yet; the agent may still run (``running``);
    * its messages are not stored at all: the request never reached the agent (``not-reached``);
    * anything else (another writer): ``unknown``.
    """
    if stored[: len(sent)] == sent:
        rest = stored[len(sent) :]
        if not rest:
            return Outcome("running")
        if rest[0][0] == "assistant" and len(rest) == 1:
            return Outcome("replied", rest[0][1])
        return Outcome("unknown")
    if len(stored) < len(sent) and sent[: len(stored)] == stored:
        return Outcome("not-reached")
    return Outcome("unknown")
