"""Walking every page of a listing, lazily, sync and async.

Both listings the ChatServer pages are ordered newest first, so entries that
appear while a walk is under way are inserted *ahead* of it and push every
later entry down. Plain page-after-page reading would then yield some
entries twice. What each walk guarantees:

* **Audit log** (``limit``/``offset``): each request asks for one entry before
  the new ones, the last entry already yielded (the anchor). Where the anchor
  is found tells how far new entries pushed the log down, and the walk
  resumes right after it. So every entry that was in the log when the walk
  started is yielded exactly once, in order, however many entries are added
  meanwhile; entries added during the walk are not yielded (they are newer
  than its start: ``chatserver audit --follow`` is for those). If the anchor
  itself disappears (a retention job), the walk resumes at the first entry
  older than it, by timestamp, and logs a warning.
* **Sessions** (``page``/``page_size``, ordered by latest activity): pages
  cannot start at an arbitrary offset, so each page is checked against the
  ids of the page before it instead. A session is never yielded twice as long
  as fewer than ``page_size`` sessions are created or updated between two page
  requests, and every session not created or updated during the walk is
  yielded exactly once. A session that gets a new message during the walk
  moves to the top, which the walk has passed: it is not yielded again, and a
  session that moved before the walk reached it is not yielded at all (walk
  again to see the newest activity).

Memory is one page (plus the anchor, or the previous page's ids). The
page logic lives in small pager objects; the sync and async walks only
fetch what a pager asks for and yield what it accepts.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Final

from ._api_protocols import AsyncAPI, SyncAPI
from .types.platform import AuditLogEntry, AuditLogResponse
from .types.sessions import ChatSessionListResponse, ChatSessionSummary

__all__ = [
    "MAX_AUDIT_PAGE_SIZE",
    "MAX_SESSIONS_PAGE_SIZE",
    "AuditPager",
    "SessionPager",
    "aiter_audit_log",
    "aiter_sessions",
    "iter_audit_log",
    "iter_sessions",
]

log = logging.getLogger("chatserver_sdk")

MAX_SESSIONS_PAGE_SIZE: Final = 100
MAX_AUDIT_PAGE_SIZE: Final = 200


def check_page_size(page_size: object, maximum: int) -> int:
    """``page_size`` if it is an int the server accepts, else a ``ValueError`` naming it."""
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise TypeError(f"page_size: expected an int, got {type(page_size).__name__} ({page_size!r})")
    if not 1 <= page_size <= maximum:
        raise ValueError(f"page_size: {page_size} is not between 1 and {maximum} (the server's bounds)")
    return page_size


class SessionPager:
    """Pages of a user's sessions: which page to ask for next, and what of it is new."""

    def __init__(self, page_size: int) -> None:
        self.page_size = check_page_size(page_size, MAX_SESSIONS_PAGE_SIZE)
        self.page = 1
        self.done = False
        self._previous_ids: set[str] = set()

    def accept(self, response: ChatSessionListResponse) -> list[ChatSessionSummary]:
        sessions = response.sessions
        # Sessions created or updated since the last request push the list down,
        # so this page may begin with the end of the previous one.
        fresh = [session for session in sessions if session.id not in self._previous_ids]
        if len(fresh) < len(sessions):
            log.debug("iter_sessions: page %d repeated %d session(s)", self.page, len(sessions) - len(fresh))
        self._previous_ids = {session.id for session in sessions}
        self.done = not response.has_more or not sessions
        self.page += 1
        return fresh


def _older(entry: AuditLogEntry, than: AuditLogEntry) -> bool:
    a, b = entry.timestamp, than.timestamp
    if isinstance(a, datetime) and isinstance(b, datetime) and (a.tzinfo is None) == (b.tzinfo is None):
        return a < b
    return False


class AuditPager:
    """Pages of the audit log, re-anchored on the last entry yielded (see the module docs)."""

    def __init__(self, page_size: int) -> None:
        self.page_size = check_page_size(page_size, MAX_AUDIT_PAGE_SIZE)
        self.done = False
        self._anchor: AuditLogEntry | None = None
        # Where the anchor is expected: every position before this one has been read.
        self._position = 0

    def request(self) -> tuple[int, int]:
        """``(limit, offset)`` of the next request."""
        if self._anchor is None:
            return self.page_size, 0
        return min(self.page_size + 1, MAX_AUDIT_PAGE_SIZE), self._position - 1

    def accept(self, response: AuditLogResponse, limit: int, offset: int) -> list[AuditLogEntry]:
        entries = response.entries
        full = len(entries) >= limit
        self.done = not full
        # Every position of this page has been read: the next request starts at its last entry.
        self._position = offset + len(entries)
        anchor = self._anchor
        fresh = entries if anchor is None else self._after_anchor(anchor, entries, full)
        if fresh:
            self._anchor = fresh[-1]
        return fresh

    def _after_anchor(
        self, anchor: AuditLogEntry, entries: list[AuditLogEntry], full: bool
    ) -> list[AuditLogEntry]:
        index = next((i for i, entry in enumerate(entries) if entry.id == anchor.id), None)
        if index is not None:
            if index:
                log.debug("iter_audit_log: %d new entries arrived ahead of the walk", index)
            return entries[index + 1 :]
        older = next((i for i, entry in enumerate(entries) if _older(entry, anchor)), None)
        if older is not None:
            log.warning(
                "iter_audit_log: entry %s left the log during the walk; resuming at the next older entry",
                anchor.id,
            )
            return entries[older:]
        if full:
            # The whole page arrived after the walk started: the anchor is further down,
            # so the next request starts right after this page rather than on its last entry.
            log.debug("iter_audit_log: a page of new entries; looking further for %s", anchor.id)
            self._position += 1
        else:
            log.warning("iter_audit_log: entry %s left the log during the walk; nothing older", anchor.id)
        return []


# --- the walks ------------------------------------------------------------------------


def iter_sessions(client: SyncAPI, user_id: str, page_size: int) -> Iterator[ChatSessionSummary]:
    pager = SessionPager(page_size)  # checks page_size now, not at the first next()
    return _walk_sessions(client, user_id, pager)


def _walk_sessions(client: SyncAPI, user_id: str, pager: SessionPager) -> Iterator[ChatSessionSummary]:
    while not pager.done:
        yield from pager.accept(client.list_sessions(user_id, page=pager.page, page_size=pager.page_size))


def aiter_sessions(client: AsyncAPI, user_id: str, page_size: int) -> AsyncIterator[ChatSessionSummary]:
    pager = SessionPager(page_size)
    return _awalk_sessions(client, user_id, pager)


async def _awalk_sessions(
    client: AsyncAPI, user_id: str, pager: SessionPager
) -> AsyncIterator[ChatSessionSummary]:
    while not pager.done:
        response = await client.list_sessions(user_id, page=pager.page, page_size=pager.page_size)
        for session in pager.accept(response):
            yield session


def iter_audit_log(client: SyncAPI, page_size: int) -> Iterator[AuditLogEntry]:
    pager = AuditPager(page_size)
    return _walk_audit_log(client, pager)


def _walk_audit_log(client: SyncAPI, pager: AuditPager) -> Iterator[AuditLogEntry]:
    while not pager.done:
        limit, offset = pager.request()
        yield from pager.accept(client.get_audit_log(limit=limit, offset=offset), limit, offset)


def aiter_audit_log(client: AsyncAPI, page_size: int) -> AsyncIterator[AuditLogEntry]:
    pager = AuditPager(page_size)
    return _awalk_audit_log(client, pager)


async def _awalk_audit_log(client: AsyncAPI, pager: AuditPager) -> AsyncIterator[AuditLogEntry]:
    while not pager.done:
        limit, offset = pager.request()
        response = await client.get_audit_log(limit=limit, offset=offset)
        for entry in pager.accept(response, limit, offset):
            yield entry
