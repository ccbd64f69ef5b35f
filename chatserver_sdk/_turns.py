"""An agent turn on a history session, from its lock to its answer, and what to do when the answer is lost.

A completion runs a coding agent: minutes long, with side effects. Sending it
twice is a second agent run, so the SDK never does so by accident; and when the
answer to a turn that reached the server is lost (the connection broke, a read
timed out, a 5xx came back), the stored session says what happened. With
history on (a user id, hence a session), the turn is **settled** by reading the
session once and looking at what it holds after the transcript the call sent
(:func:`._completions.settle`):

* the reply: it is returned, marked ``recovered`` (an attribute on the
  response, and an INFO log line); a stream cut short ends with the rest of the
  stored reply instead;
* the turn's message but no reply: :class:`TurnOutcomeUnknownError`, with the
  session id and what is stored; the agent may still be running; nothing is resent;
* nothing of the turn: the request never reached the agent, so it is sent once
  more (a WARNING log line says so).

Without history nothing can be read back, and the error says how to turn
history on. ``settle_lost_answers=False`` on the client switches this off.

A :class:`Turn` holds its session's lock from before the body is completed
(resume) until the answer has been read, so within one client two turns on
one session never run at once, and the second sends the transcript as it
stands after the first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable

import httpx2

from ._completions import Outcome, Prepared, Sessions, Transcript, settle
from .exceptions import (
    APIConnectionError,
    APIError,
    IncompleteStreamError,
    InternalServerError,
    TurnOutcomeUnknownError,
)

__all__ = ["Turn", "answer_lost", "unknown_outcome"]

log = logging.getLogger("chatserver_sdk")

# What may have reached the server before the connection failed (a connect-phase failure did not).
_NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)


def answer_lost(error: BaseException) -> bool:
    """Whether ``error`` means the request may have been acted on but its answer is lost."""
    if isinstance(error, InternalServerError):
        return True
    if isinstance(error, IncompleteStreamError):
        return True
    if isinstance(error, APIConnectionError) and not isinstance(error, TurnOutcomeUnknownError):
        return not isinstance(error.__cause__, _NOT_SENT)
    return False


def unknown_outcome(
    error: BaseException, request: httpx2.Request, prepared: Prepared, stored: Transcript
) -> TurnOutcomeUnknownError:
    what = (
        f"answered {error.status_code} after storing the turn's message"
        if isinstance(error, InternalServerError)
        else f"lost its answer ({type(error).__name__})"
    )
    message = (
        f"The turn on session {prepared.session_id} {what}; no reply is stored yet, so the agent may "
        "still be running (or failed). Nothing was sent again: read the session later "
        "(client.sessions.retrieve) to see the reply."
    )
    return TurnOutcomeUnknownError(
        request=request,
        message=message,
        session_id=str(prepared.session_id),
        stored=[{"role": role, "content": content} for role, content in stored],
    )


class Turn:
    """One completion on a history session while it runs: its lock, and how it ended."""

    def __init__(
        self,
        sessions: Sessions,
        prepared: Prepared,
        release: Callable[[], None],
        read: Callable[[], Transcript | None] | None = None,
        aread: Callable[[], Awaitable[Transcript | None]] | None = None,
    ) -> None:
        self.sessions = sessions
        self.prepared = prepared
        self.recovered = False
        self._release = release
        self._released = threading.Event()
        self._ended = False
        self._read = read
        self._aread = aread

    @property
    def session_id(self) -> str:
        return str(self.prepared.session_id)

    def release(self) -> None:
        """Let the next turn on the session go (once, whoever calls it first)."""
        if not self._released.is_set():
            self._released.set()
            self._release()

    def completed(self, reply: str) -> None:
        if not self._ended:
            self._ended = True
            self.sessions.record(self.session_id, [*self.prepared.transcript, ("assistant", reply)])
        self.release()

    def abandoned(self) -> None:
        """Closed before its end, or failed: what is stored is no longer known."""
        if not self._ended:
            self._ended = True
            self.sessions.forget(self.session_id)
        self.release()

    def outcome(self, stored: Transcript | None) -> Outcome:
        if stored is None:  # the session does not exist: nothing of the turn reached it
            return Outcome("not-reached")
        self.sessions.record(self.session_id, stored)
        return settle(self.prepared.transcript, stored)

    def settle_lost(self, error: APIError, stored: Transcript | None) -> Outcome:
        """A lost answer, by what the session holds: the stored reply (``replied``: return it) or
        nothing of the turn (``not-reached``: send it once more); anything else raises."""
        outcome = self.outcome(stored)
        if outcome.kind == "not-reached" and getattr(error, "status_code", None) == 500:
            # The ChatServer refused the turn without storing it (another user's session, fewer
            # messages than it holds) and would refuse it again. A gateway's 502-504 may never
            # have reached it: that turn is sent once more.
            raise error
        if outcome.kind == "not-reached":
            log.warning(
                "session %s: the turn's request never reached the agent (%s); sending it once more",
                self.session_id,
                error,
            )
            return outcome
        if outcome.kind == "replied":
            log.info(
                "session %s: the answer was lost (%s); the reply stored in the session is returned "
                "(recovered)",
                self.session_id,
                error,
            )
            self.recovered = True
            return outcome
        if outcome.kind == "running":
            raise unknown_outcome(error, error.request, self.prepared, stored or []) from error
        raise error

    def settle_cut(self, cut: IncompleteStreamError, received: str) -> str:
        """A stream cut short: the rest of the reply, if the session stored it; else raise."""
        if self._read is None:
            self.abandoned()
            raise cut
        return self._ending(cut, received, self._read())

    async def asettle_cut(self, cut: IncompleteStreamError, received: str) -> str:
        if self._aread is None:
            self.abandoned()
            raise cut
        return self._ending(cut, received, await self._aread())

    def _ending(self, cut: IncompleteStreamError, received: str, stored: Transcript | None) -> str:
        try:
            outcome = self.outcome(stored)
        except BaseException:
            self.abandoned()
            raise
        if outcome.kind == "replied" and outcome.reply.startswith(received):
            self.recovered = True
            log.info(
                "session %s: the stream broke after %d characters; the rest of the reply was read from the "
                "stored session",
                self.session_id,
                len(received),
            )
            self.completed(outcome.reply)
            return outcome.reply[len(received) :]
        self.abandoned()
        if outcome.kind in ("running", "not-reached"):
            raise unknown_outcome(cut, cut.request, self.prepared, stored or []) from cut
        raise cut
