"""Pages that walk themselves, as openai's ``SyncPage``/``AsyncPage`` do.

A list method returns the first page: the ChatServer's own page model
(``sessions``/``total``/``has_more``, ``entries``/``count`` ...) plus
``has_next_page()``, ``get_next_page()``, ``iter_pages()``, and iteration over
every item of every page, each page fetched when the loop gets there.

Both paged listings are ordered newest first, so entries that appear while a
walk is under way are inserted *ahead* of it and push every later entry down.
Plain page-after-page reading would then yield some entries twice. What each
walk guarantees:

* **Audit log** (``limit``/``offset``): each request after the first asks for
  one entry before the new ones, the last entry already yielded (the anchor).
  Where the anchor is found tells how far new entries pushed the log down, and
  the walk resumes right after it. So every entry that was in the log when the
  walk started is yielded exactly once, in order, however many entries are
  added meanwhile; entries added during the walk are not yielded (they are
  newer than its start: ``chatserver audit --follow`` is for those). If the
  anchor itself disappears (a retention job), the walk resumes at the first
  entry older than it, by timestamp, and logs a warning.
* **Sessions** (``page``/``page_size``, ordered by latest activity): pages
  cannot start at an arbitrary offset, so each page is checked against the
  ids of the page before it instead. A session is never yielded twice as long
  as fewer than ``page_size`` sessions are created or updated between two page
  requests, and every session not created or updated during the walk is
  yielded exactly once. A session that gets a new message during the walk
  moves to the top, which the walk has passed.
* **Any server**: a walk ends when the server says there is no more, and also
  when a page brings nothing the page before did not (a server that ignores
  paging answers the same page forever); that is logged as a warning.

``get_next_page()`` and ``iter_pages()`` return the pages as the server sent
them; iterating a page yields each item once, by the rules above. Memory is one
page plus what the walk carries to the next (the anchor, or one page's ids).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import PrivateAttr

from ._operations import MAX_AUDIT_PAGE_SIZE, MAX_SESSIONS_PAGE_SIZE, Operation, bounded_int
from .types._base import Model
from .types.mcp import MCPListResponse, MCPServer
from .types.platform import AdminInfo, AdminListResponse, AuditLogEntry, AuditLogResponse
from .types.sessions import ChatSessionListResponse, ChatSessionSummary

if TYPE_CHECKING:
    from ._client import AsyncChatServerClient, ChatServerClient

__all__ = [
    "MAX_AUDIT_PAGE_SIZE",
    "MAX_SESSIONS_PAGE_SIZE",
    "AsyncAdminPage",
    "AsyncAuditPage",
    "AsyncMCPServerPage",
    "AsyncPaginator",
    "AsyncSessionPage",
    "SyncAdminPage",
    "SyncAuditPage",
    "SyncMCPServerPage",
    "SyncSessionPage",
    "aiter_audit_log",
    "aiter_sessions",
    "iter_audit_log",
    "iter_sessions",
]

log = logging.getLogger("chatserver_sdk")

_ItemT = TypeVar("_ItemT")
_PageT = TypeVar("_PageT", bound="_Page")


@dataclass(frozen=True)
class _Step:
    """What one page means for the walk: the items it adds, and the request for the next page."""

    fresh: list[Any]
    next_params: dict[str, Any] | None = None
    next_walk: Any = None


@dataclass(frozen=True)
class _Seen:
    """The ids of the page before, which the next page is checked against, and how many pages in
    a row brought nothing new (one may, when new entries push a whole page down; two end the walk)."""

    ids: frozenset[str] = frozenset()
    stale: int = 0


@dataclass(frozen=True)
class _AuditWalk(_Seen):
    page_size: int = 0
    anchor: AuditLogEntry | None = None
    position: int = 0
    """Every position before this one has been read; the anchor is expected just before it."""


class _Page(Model):
    """What every page holds besides the server's fields: how it was fetched, and the walk so far."""

    _client: Any = PrivateAttr(None)
    _op: Any = PrivateAttr(None)
    _walk: Any = PrivateAttr(None)
    _step_cache: _Step | None = PrivateAttr(None)

    def _bind(self, client: Any, op: Operation[Any], walk: Any = None) -> None:
        self._client, self._op, self._walk = client, op, walk

    def _step(self) -> _Step:
        if self._step_cache is None:
            self._step_cache = self._walk_step()
        return self._step_cache

    def _walk_step(self) -> _Step:
        raise NotImplementedError

    def has_next_page(self) -> bool:
        """Whether the server has more (and this page brought something new)."""
        return self._step().next_params is not None

    def _next_op(self) -> tuple[Operation[Any], Any]:
        step = self._step()
        if step.next_params is None or self._op is None:
            raise RuntimeError("no next page: check has_next_page() before get_next_page()")
        return self._op.with_params(**step.next_params), step.next_walk


def _ids(items: list[Any]) -> frozenset[str]:
    return frozenset(str(item.id) for item in items)


def _staleness(items: list[Any], seen: _Seen) -> int:
    """How many pages in a row, this one included, brought nothing the page before did not."""
    return seen.stale + 1 if seen.ids and items and _ids(items) <= seen.ids else 0


def _stalled(stale: int, what: str) -> bool:
    if stale >= 2:
        log.warning("%s: the server answered the same page again (it may ignore paging); the walk ends", what)
        return True
    return False


class _SessionPage(_Page, ChatSessionListResponse):
    def _walk_step(self) -> _Step:
        seen: _Seen = self._walk or _Seen()
        fresh = [session for session in self.sessions if session.id not in seen.ids]
        if len(fresh) < len(self.sessions):
            log.debug(
                "sessions: this page repeats %d session(s) of the last", len(self.sessions) - len(fresh)
            )
        stale = _staleness(self.sessions, seen)
        if not self.has_more or not self.sessions or _stalled(stale, "sessions"):
            return _Step(fresh)
        requested = int((self._op.params or {}).get("page", self.page)) if self._op else self.page
        return _Step(fresh, {"page": requested + 1}, _Seen(_ids(self.sessions), stale))


def _older(entry: AuditLogEntry, than: AuditLogEntry) -> bool:
    a, b = entry.timestamp, than.timestamp
    if isinstance(a, datetime) and isinstance(b, datetime) and (a.tzinfo is None) == (b.tzinfo is None):
        return a < b
    return False


def _after_anchor(
    anchor: AuditLogEntry, entries: list[AuditLogEntry], full: bool
) -> tuple[list[AuditLogEntry], int]:
    """The entries after ``anchor``, and how many positions further the next request must start."""
    index = next((i for i, entry in enumerate(entries) if entry.id == anchor.id), None)
    if index is not None:
        if index:
            log.debug("audit log: %d new entries arrived ahead of the walk", index)
        return entries[index + 1 :], 0
    older = next((i for i, entry in enumerate(entries) if _older(entry, anchor)), None)
    if older is not None:
        log.warning(
            "audit log: entry %s left the log during the walk; resuming at the next older entry", anchor.id
        )
        return entries[older:], 0
    if full:
        # The whole page arrived after the walk started: the anchor is further down, so the next
        # request starts right after this page rather than on its last entry.
        log.debug("audit log: a page of new entries; looking further for %s", anchor.id)
        return [], 1
    log.warning("audit log: entry %s left the log during the walk; nothing older", anchor.id)
    return [], 0


class _AuditPage(_Page, AuditLogResponse):
    def _walk_step(self) -> _Step:
        params = (self._op.params if self._op else None) or {"limit": self.limit, "offset": self.offset}
        limit, offset = int(params["limit"]), int(params["offset"])
        walk: _AuditWalk = self._walk or _AuditWalk(page_size=limit)
        entries = self.entries
        full = len(entries) >= limit
        position = offset + len(entries)
        fresh, skip = (entries, 0) if walk.anchor is None else _after_anchor(walk.anchor, entries, full)
        position += skip
        stale = _staleness(entries, walk)
        if not full or _stalled(stale, "audit log"):
            return _Step(fresh)
        anchor = fresh[-1] if fresh else walk.anchor
        if anchor is None:
            return _Step(fresh)
        following = _AuditWalk(_ids(entries), stale, walk.page_size, anchor, position)
        return _Step(
            fresh, {"limit": min(walk.page_size + 1, MAX_AUDIT_PAGE_SIZE), "offset": position - 1}, following
        )


class _SinglePage(_Page):
    """A listing the server answers whole: one page, no next."""

    def _walk_step(self) -> _Step:
        return _Step([])


# --- sync and async walking -----------------------------------------------------------------


class _SyncWalk:
    """Walking a page's successors. First in a page's bases, so that its ``__iter__`` is the one
    used (pydantic's would yield the fields); each page class gives the walk its item type."""

    def get_next_page(self: Any) -> Any:
        """The next page (one request); ``has_next_page()`` says whether there is one."""
        op, walk = self._next_op()
        page = self._client._execute(op)
        page._walk = walk
        return page

    def iter_pages(self: Any) -> Iterator[Any]:
        """This page, then each next one, fetched as the loop gets there."""
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = page.get_next_page()

    def __iter__(self) -> Iterator[Any]:  # items, not fields (pydantic yields those)
        for page in self.iter_pages():
            yield from page._step().fresh


class _AsyncWalk:
    """The async twin of :class:`_SyncWalk`: ``async for`` over the items, ``await get_next_page()``."""

    async def get_next_page(self: Any) -> Any:
        """The next page (one request); ``has_next_page()`` says whether there is one."""
        op, walk = self._next_op()
        page = await self._client._execute(op)
        page._walk = walk
        return page

    async def iter_pages(self: Any) -> AsyncIterator[Any]:
        """This page, then each next one, fetched as the loop gets there."""
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = await page.get_next_page()

    async def __aiter__(self) -> AsyncIterator[Any]:
        async for page in self.iter_pages():
            for item in page._step().fresh:
                yield item


class SyncSessionPage(_SyncWalk, _SessionPage):
    """A page of a user's sessions; iterate it for every session of every page."""

    if TYPE_CHECKING:

        def __iter__(self) -> Iterator[ChatSessionSummary]: ...  # type: ignore[override]
        def get_next_page(self) -> SyncSessionPage: ...
        def iter_pages(self) -> Iterator[SyncSessionPage]: ...


class AsyncSessionPage(_AsyncWalk, _SessionPage):
    """A page of a user's sessions; ``async for`` over it for every session of every page."""

    if TYPE_CHECKING:

        def __aiter__(self) -> AsyncIterator[ChatSessionSummary]: ...
        async def get_next_page(self) -> AsyncSessionPage: ...
        def iter_pages(self) -> AsyncIterator[AsyncSessionPage]: ...


class SyncAuditPage(_SyncWalk, _AuditPage):
    """A page of the audit log; iterate it for every entry from here to the oldest."""

    if TYPE_CHECKING:

        def __iter__(self) -> Iterator[AuditLogEntry]: ...  # type: ignore[override]
        def get_next_page(self) -> SyncAuditPage: ...
        def iter_pages(self) -> Iterator[SyncAuditPage]: ...


class AsyncAuditPage(_AsyncWalk, _AuditPage):
    """A page of the audit log; ``async for`` over it for every entry from here to the oldest."""

    if TYPE_CHECKING:

        def __aiter__(self) -> AsyncIterator[AuditLogEntry]: ...
        async def get_next_page(self) -> AsyncAuditPage: ...
        def iter_pages(self) -> AsyncIterator[AsyncAuditPage]: ...


class _AdminPage(_SinglePage, AdminListResponse):
    def _walk_step(self) -> _Step:
        return _Step(list(self.admins))


class _MCPServerPage(_SinglePage, MCPListResponse):
    def _walk_step(self) -> _Step:
        return _Step(list(self.items))


class SyncAdminPage(_SyncWalk, _AdminPage):
    """The platform administrators (the server answers them all at once); iterate for each."""

    if TYPE_CHECKING:

        def __iter__(self) -> Iterator[AdminInfo]: ...  # type: ignore[override]


class AsyncAdminPage(_AsyncWalk, _AdminPage):
    """The platform administrators; ``async for`` over it for each."""

    if TYPE_CHECKING:

        def __aiter__(self) -> AsyncIterator[AdminInfo]: ...


class SyncMCPServerPage(_SyncWalk, _MCPServerPage):
    """The MCP servers visible in a scope (the server answers them all at once); iterate for each."""

    if TYPE_CHECKING:

        def __iter__(self) -> Iterator[MCPServer]: ...  # type: ignore[override]


class AsyncMCPServerPage(_AsyncWalk, _MCPServerPage):
    """The MCP servers visible in a scope; ``async for`` over it for each."""

    if TYPE_CHECKING:

        def __aiter__(self) -> AsyncIterator[MCPServer]: ...


class AsyncPaginator(Generic[_ItemT, _PageT]):
    """What an async list method returns: ``await`` it for the first page, or ``async for`` over it
    for every item of every page (openai's ``AsyncPaginator``)."""

    def __init__(self, client: Any, op: Operation[_PageT]) -> None:
        self._client = client
        self._op = op

    def __await__(self) -> Generator[Any, None, _PageT]:
        result: _PageT = yield from self._client._execute(self._op).__await__()
        return result

    async def __aiter__(self) -> AsyncIterator[_ItemT]:
        page: Any = await self
        async for item in page:
            yield item


# --- the helpers' walks (iter_sessions, iter_audit_log) -------------------------------------


def iter_sessions(
    client: ChatServerClient, user_id: str, *, page_size: int = MAX_SESSIONS_PAGE_SIZE
) -> Iterator[ChatSessionSummary]:
    """Every stored session of ``user_id``, most recent first, fetched a page at a time as you iterate.

    ``page_size`` (1-100) sessions per request; memory holds one page. A session
    is yielded once even when others are created meanwhile.
    """
    bounded_int(page_size, "page_size", 1, MAX_SESSIONS_PAGE_SIZE)
    return _lazily(lambda: client.sessions.list(user_id, page_size=page_size))


def _lazily(first: Callable[[], Any]) -> Iterator[Any]:
    """Every item of every page, the first page too fetched when the loop first asks."""
    yield from first()


def aiter_sessions(
    client: AsyncChatServerClient, user_id: str, *, page_size: int = MAX_SESSIONS_PAGE_SIZE
) -> AsyncIterator[ChatSessionSummary]:
    """Every stored session of ``user_id`` (``async for``), most recent first, a page at a time."""
    bounded_int(page_size, "page_size", 1, MAX_SESSIONS_PAGE_SIZE)
    return client.sessions.list(user_id, page_size=page_size).__aiter__()


def iter_audit_log(
    client: ChatServerClient, *, page_size: int = MAX_AUDIT_PAGE_SIZE
) -> Iterator[AuditLogEntry]:
    """Every audit entry, newest first, fetched a page at a time as you iterate.

    ``page_size`` (1-200) entries per request; memory holds one page. Each entry
    present when the walk starts is yielded exactly once, however many are added
    meanwhile (those are not yielded).
    """
    bounded_int(page_size, "page_size", 1, MAX_AUDIT_PAGE_SIZE)
    return _lazily(lambda: client.platform.audit.list(limit=page_size))


def aiter_audit_log(
    client: AsyncChatServerClient, *, page_size: int = MAX_AUDIT_PAGE_SIZE
) -> AsyncIterator[AuditLogEntry]:
    """Every audit entry (``async for``), newest first, a page at a time."""
    bounded_int(page_size, "page_size", 1, MAX_AUDIT_PAGE_SIZE)
    return client.platform.audit.list(limit=page_size).__aiter__()
