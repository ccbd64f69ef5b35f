"""Chat completions and the session history they leave behind, by upstream's rules where they hold.

Upstream (atomsAgent's ``ChatHistoryService``) stores the transcript it is sent: the
request's messages beyond the session's stored ``message_count`` are appended with
consecutive indexes before the agent runs, then the reply once it has run. A request
with fewer messages than are stored restarts at index 0 and collides with the stored
rows (upstream: 500). The requests upstream fails on with a bare 500 because the client
got something wrong raise :class:`ClientMistakeError`; its text names the cause and the fix.

Upstream trusts the count, and so answers 200 for turns it does not store: a resend that
differs from the stored transcript keeps the stored messages and drops the request's, and
a second turn sent while the first is running is queued behind it, its question stored
next to the first one and the two replies after both. The emulator never does: a turn is
*running* on its session from the moment its question is recorded until its reply is
recorded or given up (:class:`RunningTurns`), and a request on a session with a running
turn, or one whose resent messages differ from the stored ones, is refused with
:class:`TurnConflictError` (409) before anything is written.

Comparing a resend with what is stored must not mean reading a long session back: the
session row keeps a digest of its transcript (a SHA-256 chain over each message's role
and text), so the check costs one hash of what the request resends. Only a request that
differs reads the stored messages, to name the first difference.

Long transcripts are written in short transactions (``WRITE_BATCH`` rows each, not
fsynced) so no request holds the store's lock for more than about a millisecond at a
time. ``message_count``, updated durably afterwards, is the commit point: rows at or past
it are not part of the session yet (a request cut short leaves at most such rows behind,
and the next request overwrites them); the running turn keeps every other request of the
session out meanwhile. Reads go a batch at a time too. A request's messages are kept
column-wise (:class:`Transcript`), so that a long one adds almost nothing for the garbage
collector to visit.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, NamedTuple, overload

from . import audit, paging
from .agent import SLICE, Reply, Turn, generate_reply
from .store import Store
from .util import canonical_uuid, new_uuid, now_iso

TITLE_LIMIT = 80
# A batch of message rows is written in one short transaction: at most this many rows and characters,
# so that no request holds the store's lock for more than a few milliseconds.
WRITE_BATCH = 128
WRITE_BATCH_CHARS = 1 << 18
READ_BATCH = 256


class ClientMistakeError(Exception):
    """A request upstream fails with 500 because of the client's mistake; the text says why and what to do."""


class TurnConflictError(Exception):
    """A turn that would be stored out of place, refused (409) where upstream answers 200 and loses messages.

    Either another turn on the session is still running, or the resent messages differ from the
    stored ones. Nothing is stored; the text says what to resend.
    """


class SessionNotFoundError(Exception):
    """The session does not exist or belongs to another user; upstream does not tell the two apart."""


class Message(NamedTuple):
    role: str
    text: str
    # Upstream stores content given as a list of parts as that list, which breaks the session.
    given_as_parts: bool = False


class Transcript(Sequence[Message]):
    """A request's messages, held column-wise: three tuples of strings and flags.

    The garbage collector stops tracking a tuple of strings, but tracks every object of a
    tuple subclass, such as a Message: 50,000 of them would make each full collection
    (which stops every thread) take tens of milliseconds longer. Messages are made as they
    are read.
    """

    __slots__ = ("_given_as_parts", "_roles", "_texts")

    def __init__(self, messages: Iterable[tuple[str, str, bool]] = ()) -> None:
        columns = tuple(zip(*messages, strict=True)) or ((), (), ())
        self._roles: tuple[str, ...] = columns[0]
        self._texts: tuple[str, ...] = columns[1]
        self._given_as_parts: tuple[bool, ...] = columns[2]

    def __len__(self) -> int:
        return len(self._roles)

    @overload
    def __getitem__(self, index: int) -> Message: ...

    @overload
    def __getitem__(self, index: slice) -> Transcript: ...

    def __getitem__(self, index: int | slice) -> Message | Transcript:
        if isinstance(index, slice):
            part = Transcript()
            part._roles, part._texts = self._roles[index], self._texts[index]
            part._given_as_parts = self._given_as_parts[index]
            return part
        return Message(self._roles[index], self._texts[index], self._given_as_parts[index])

    def __iter__(self) -> Iterator[Message]:
        return map(Message, self._roles, self._texts, self._given_as_parts)


@dataclass(frozen=True)
class CompletionInput:
    model: str
    messages: Transcript
    system_prompt: str | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class CompletionResult:
    completion_id: str
    created: int
    session_id: str
    reply: Reply


@dataclass(frozen=True)
class _History:
    session_id: str
    user_id: str
    organization_id: str | None


def default_session_id() -> str:
    """Upstream's id for a request that names no session (not a UUID, so the session routes reject it)."""
    return f"atoms_session_{uuid.uuid4().hex}"


def _uuid_or_mistake(field: str, value: object, why: str) -> str:
    canonical = canonical_uuid(value)
    if canonical is None:
        raise ClientMistakeError(
            f"metadata.{field} must be a UUID, got {value!r}: {why}. Pass a UUID string"
            f" (or leave metadata.{field} out)."
        )
    return canonical


def check_prompt_identity(metadata: dict[str, Any], *, system_prompt: str | None) -> None:
    """Upstream parses both ids as UUIDs to pick stored prompts, unless the request brings its own prompt.

    It does so before anything else, so this runs even ahead of the empty-messages check.
    """
    if system_prompt:
        return
    why = "ChatServer looks up the organization's and user's stored prompts by UUID (upstream answers 500)"
    for field in ("organization_id", "user_id"):
        if metadata.get(field):
            _uuid_or_mistake(field, metadata[field], why)


def _history_of(metadata: dict[str, Any]) -> _History | None:
    raw_user = metadata.get("user_id")
    if not raw_user:
        return None
    why = "with metadata.user_id set, ChatServer records history in UUID columns (upstream answers 500)"
    user_id = _uuid_or_mistake("user_id", raw_user, why)
    organization_id = None
    if metadata.get("organization_id"):
        organization_id = _uuid_or_mistake("organization_id", metadata["organization_id"], why)
    raw_session = metadata.get("session_id") or default_session_id()
    if not isinstance(raw_session, str):
        raise ClientMistakeError(
            f"metadata.session_id must be a string, got {raw_session!r} (upstream answers 500)."
            " Pass a UUID string."
        )
    # Stored as given when it is not a UUID: upstream does too, and that breaks the session routes later.
    return _History(canonical_uuid(raw_session) or raw_session, user_id, organization_id)


def session_id_of(metadata: dict[str, Any]) -> str:
    raw = metadata.get("session_id")
    return str(raw) if raw else default_session_id()


# What str.splitlines() splits on.
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _first_line(text: str) -> str:
    """``text.splitlines()[0]`` for a non-empty text, found a slice at a time (a message may be megabytes)."""
    for start in range(0, len(text), SLICE):
        found = _LINE_BREAK.search(text, start, start + SLICE)
        if found is not None:
            return text[: found.start()]
    return text


def _title(messages: Sequence[Message]) -> str | None:
    for message in messages:
        if message.role != "user":
            continue
        if message.given_as_parts and message.text:
            raise ClientMistakeError(
                "content given as a list of parts cannot start a recorded session: upstream reads the"
                " first user message as text to title the session and answers 500. Send content as a"
                " string when metadata.user_id is set (the SDK flattens parts for you)."
            )
        content = message.text.lstrip()
        if content:
            return _first_line(content).strip()[:TITLE_LIMIT]
    return None


# -- one turn at a time per session ------------------------------------------------------


class RunningTurns:
    """The sessions that have a turn running: from recording its question until its reply is recorded
    or given up. Upstream queues a second turn behind the first; here it is refused instead."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._running: set[str] = set()

    def claim(self, session_id: str) -> bool:
        with self._guard:
            if session_id in self._running:
                return False
            self._running.add(session_id)
            return True

    def release(self, session_id: str) -> None:
        with self._guard:
            self._running.discard(session_id)

    def __contains__(self, session_id: object) -> bool:
        with self._guard:
            return session_id in self._running


def _busy(session_id: str) -> TurnConflictError:
    return TurnConflictError(
        f"session {session_id!r} has another turn still running: wait for its reply, then resend the"
        " transcript as it then stands (the stored messages, then yours). Nothing was stored."
        " Upstream would queue this turn and store both questions before both replies."
    )


# -- the transcript digest ---------------------------------------------------------------

_EMPTY_DIGEST = hashlib.sha256(b"chatserver-emulator transcript v1").digest()


def _chain(digest: bytes, messages: Iterable[tuple[str, str]]) -> bytes:
    """Extend a transcript digest by ``(role, text)`` messages: each link hashes the previous one."""
    for role, text in messages:
        link = hashlib.sha256(digest)
        link.update(role.encode())
        link.update(b"\0")
        # A slice at a time: hashing releases the GIL, encoding a whole 10 MB text would not.
        for start in range(0, len(text), SLICE):
            link.update(text[start : start + SLICE].encode("utf-8", "surrogatepass"))
        digest = link.digest()
    return digest


def _roles_and_texts(messages: Iterable[Message]) -> Iterator[tuple[str, str]]:
    return ((m.role, m.text) for m in messages)


def _recorded(digest: bytes, count: int) -> str:
    """The digest as the session row keeps it: with the number of messages it covers."""
    return f"{count}:{digest.hex()}"


def _stored_digest(store: Store, session_id: str, count: int, recorded: str | None) -> bytes:
    """The session's digest: as recorded when it covers the session's ``count`` messages, else computed
    from them (a file written by an earlier version, which keeps no digest or does not update it)."""
    covered, _, digest = (recorded or "").partition(":")
    if covered == str(count) and digest:
        return bytes.fromhex(digest)
    computed = _EMPTY_DIGEST
    for batch in _message_batches(store, session_id, count):
        computed = _chain(computed, ((m["role"], m["content"]) for m in batch))
    return computed


def _first_difference(store: Store, session_id: str, count: int, messages: Transcript) -> TurnConflictError:
    for batch in _message_batches(store, session_id, count):
        for stored in batch:
            index = stored["message_index"]
            sent = messages[index]
            if (sent.role, sent.text) != (stored["role"], stored["content"]):
                quoted = stored["content"][:40] + ("…" if len(stored["content"]) > 40 else "")
                return TurnConflictError(
                    f"messages[{index}] differs from message {index} stored in session {session_id!r}"
                    f" ({stored['role']}: {quoted!r}): resend the {count} stored messages as they are,"
                    " then the new ones. Nothing was stored; upstream would store only what follows them."
                )
    # The digests differ, so some message does; reaching here means the store changed underneath.
    raise AssertionError(f"session {session_id}: transcript digest does not match its messages")


# -- writing ---------------------------------------------------------------


def _batches(messages: Sequence[Message]) -> Iterator[tuple[int, Sequence[Message]]]:
    """Consecutive slices of at most WRITE_BATCH messages and WRITE_BATCH_CHARS characters (at least one)."""
    start = 0
    while start < len(messages):
        end, chars = start, 0
        while end < len(messages) and end - start < WRITE_BATCH:
            chars += len(messages[end].text)
            if chars > WRITE_BATCH_CHARS and end > start:
                break
            end += 1
        yield start, messages[start:end]
        start = end


# OR REPLACE: rows at or past message_count are leftovers of a request that never finished.
_INSERT_ROWS = (
    "INSERT OR REPLACE INTO chat_messages (id, session_id, message_index, role, content, metadata,"
    " tokens, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '{}', NULL, ?, ?)"
)
# The same, from a JSON array of [id, role, content]: one SQLite step for the whole batch, so the
# insert runs without the GIL from start to end and no other thread can slow it down mid-batch.
_INSERT_JSON_ROWS = (
    "INSERT OR REPLACE INTO chat_messages (id, session_id, message_index, role, content, metadata,"
    " tokens, created_at, updated_at) SELECT json_extract(value, '$[0]'), ?, ? + key,"
    " json_extract(value, '$[1]'), json_extract(value, '$[2]'), '{}', NULL, ?, ? FROM json_each(?)"
)
# Fewer rows than this are bound one by one: encoding a few (possibly huge) texts as JSON costs more.
_JSON_ROWS_FROM = 8


def _insert_batch(
    store: Store,
    conn: sqlite3.Connection | None,
    session_id: str,
    start: int,
    batch: Sequence[Message],
    now: str,
) -> None:
    """Insert one batch: in ``conn``'s transaction when given, else in one of its own (not fsynced)."""
    # SQLite's JSON functions end a string at a NUL character; such batches are bound row by row.
    if (
        conn is None
        and store.json_functions
        and len(batch) >= _JSON_ROWS_FROM
        and not any("\x00" in m.text for m in batch)
    ):
        rows = json.dumps([[new_uuid(), m.role, m.text] for m in batch], ensure_ascii=False)
        store.write_statement(_INSERT_JSON_ROWS, (session_id, start, now, now, rows), durable=False)
        return
    values = [(new_uuid(), session_id, start + i, m.role, m.text, now, now) for i, m in enumerate(batch)]
    if conn is not None:
        conn.executemany(_INSERT_ROWS, values)
        return
    with store.write(durable=False) as own:
        own.executemany(_INSERT_ROWS, values)


def _create_session(conn: sqlite3.Connection, req: CompletionInput, history: _History, now: str) -> None:
    agent_type = req.metadata.get("agent_type")
    metadata = {"workflow": req.metadata.get("workflow"), "variables": req.metadata.get("variables") or {}}
    conn.execute(
        "INSERT INTO chat_sessions (id, user_id, organization_id, model, agent_type, created_at,"
        " updated_at, metadata, transcript_digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            history.session_id,
            history.user_id,
            history.organization_id,
            req.model,
            agent_type if isinstance(agent_type, str) else None,
            now,
            now,
            json.dumps(metadata),
            _recorded(_EMPTY_DIGEST, 0),
        ),
    )
    audit.record(
        conn,
        action="chat_session.created",
        actor=history.user_id,
        resource="chat_session",
        resource_id=history.session_id,
        org_id=history.organization_id,
        metadata={"model": req.model},
    )


def _record_question(store: Store, req: CompletionInput, history: _History) -> bytes:
    """Check the request against the session and record its new messages; return the new digest.

    Runs while the request holds its session's turn, so nothing else writes the session meanwhile.
    Every check comes before the first write: a refused request stores nothing, not even the session.
    """
    with store.read() as conn:
        session: sqlite3.Row | None = conn.execute(
            "SELECT user_id, message_count, title, transcript_digest FROM chat_sessions WHERE id = ?",
            (history.session_id,),
        ).fetchone()
    if session is not None and session["user_id"] != history.user_id:
        raise ClientMistakeError(
            f"metadata.session_id {history.session_id!r} belongs to another user: upstream refuses it"
            " with 500. Use a new session id (a fresh UUID) for this user."
        )
    stored = int(session["message_count"]) if session is not None else 0
    if len(req.messages) < stored:
        raise ClientMistakeError(
            f"session {history.session_id!r} holds {stored} messages and this request sends"
            f" {len(req.messages)}: ChatServer stores the transcript it is sent, so a shorter one restarts"
            " at index 0 and collides with the stored messages (upstream answers 500). Resend the whole"
            " conversation (the stored messages, then the new one); the SDK does this when you resume"
            " with session_id and user."
        )
    resent, appended = req.messages[:stored], req.messages[stored:]
    digest = _chain(_EMPTY_DIGEST, _roles_and_texts(resent))
    if session is not None and digest != _stored_digest(
        store, history.session_id, stored, session["transcript_digest"]
    ):
        raise _first_difference(store, history.session_id, stored, req.messages)
    if any(m.given_as_parts for m in appended):
        raise ClientMistakeError(
            "content given as a list of parts cannot be recorded: upstream stores it as a list, and the"
            " session can no longer be read (500). Send content as a string when metadata.user_id is set"
            " (the SDK flattens parts for you)."
        )
    title = _title(req.messages) if session is None or session["title"] is None else None
    digest = _chain(digest, _roles_and_texts(appended))
    now = now_iso()
    if not appended:
        if title is not None:
            with store.write() as conn:
                conn.execute("UPDATE chat_sessions SET title = ? WHERE id = ?", (title, history.session_id))
        return digest
    batches = list(_batches(appended))
    # A question that fits one batch is recorded in one transaction; a longer one a batch at a time,
    # its rows joining the session when message_count moves past them.
    with store.write() as conn:
        if session is None:
            _create_session(conn, req, history, now)
        if len(batches) == 1:
            _insert_batch(store, conn, history.session_id, stored, appended, now)
            _finish_question(conn, history.session_id, stored + len(appended), digest, title, now)
            return digest
    for offset, batch in batches:
        _insert_batch(store, None, history.session_id, stored + offset, batch, now)
    with store.write() as conn:
        _finish_question(conn, history.session_id, stored + len(appended), digest, title, now)
    return digest


def _finish_question(
    conn: sqlite3.Connection, session_id: str, count: int, digest: bytes, title: str | None, now: str
) -> None:
    conn.execute(
        "UPDATE chat_sessions SET message_count = ?, transcript_digest = ?, last_message_at = ?,"
        " updated_at = ?, title = COALESCE(title, ?) WHERE id = ?",
        (count, _recorded(digest, count), now, now, title, session_id),
    )


def _record_reply(store: Store, prepared: PreparedCompletion) -> None:
    """Append the reply to the session's history. Without history nothing is stored, as upstream."""
    if prepared.user_id is None:
        return
    result, reply = prepared.result, prepared.result.reply
    # Hashed before the lock is taken: the turn keeps the session's digest from changing meanwhile.
    digest = _chain(prepared.digest, [("assistant", reply.text)])
    with store.write() as conn:
        row = conn.execute(
            "SELECT message_count FROM chat_sessions WHERE id = ?", (result.session_id,)
        ).fetchone()
        index = int(row["message_count"])
        now = now_iso()
        conn.execute(
            "INSERT OR REPLACE INTO chat_messages (id, session_id, message_index, role, content,"
            " metadata, tokens, created_at, updated_at) VALUES (?, ?, ?, 'assistant', ?, '{}', ?, ?, ?)",
            (new_uuid(), result.session_id, index, reply.text, reply.total_tokens, now, now),
        )
        conn.execute(
            "UPDATE chat_sessions SET message_count = ?, transcript_digest = ?, last_message_at = ?,"
            " updated_at = ?, tokens_in = tokens_in + ?, tokens_out = tokens_out + ?,"
            " tokens_total = tokens_total + ? WHERE id = ?",
            (
                index + 1,
                _recorded(digest, index + 1),
                now,
                now,
                reply.prompt_tokens,
                reply.completion_tokens,
                reply.total_tokens,
                result.session_id,
            ),
        )


@dataclass
class PreparedCompletion:
    """A request whose question is recorded and whose reply is computed, not yet recorded.

    With history on it holds its session's turn until :meth:`record_reply` or :meth:`give_up`;
    one of them must be called (the route does, in a ``finally``).
    """

    store: Store
    request: CompletionInput
    result: CompletionResult
    user_id: str | None
    digest: bytes = b""
    turns: RunningTurns | None = dataclass_field(default=None, repr=False)

    def record_reply(self) -> None:
        """Store the reply (upstream does once the agent has delivered it all) and end the turn."""
        try:
            _record_reply(self.store, self)
        finally:
            self.give_up()

    def give_up(self) -> None:
        """End the turn without a reply, as upstream does when its agent fails or a stream is cut."""
        if self.turns is not None:
            self.turns.release(self.result.session_id)
            self.turns = None


def prepare(store: Store, turns: RunningTurns, req: CompletionInput) -> PreparedCompletion:
    """Record the request's new messages (upstream does this before calling the agent) and compute the reply.

    The reply is a pure function of the request's messages, as upstream hands the agent the
    transcript it was sent, not the stored one. Raises :class:`TurnConflictError` or
    :class:`ClientMistakeError`, having stored nothing.
    """
    history = _history_of(req.metadata)
    session_id = history.session_id if history is not None else session_id_of(req.metadata)
    holds_turn = history is not None
    if history is not None and not turns.claim(session_id):
        raise _busy(session_id)
    try:
        digest = _record_question(store, req, history) if history is not None else b""
        reply = generate_reply((Turn(m.role, m.text) for m in req.messages), system_prompt=req.system_prompt)
    except BaseException:
        if holds_turn:
            turns.release(session_id)
        raise
    result = CompletionResult(f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), session_id, reply)
    return PreparedCompletion(
        store,
        req,
        result,
        history.user_id if history is not None else None,
        digest,
        turns if holds_turn else None,
    )


# -- reading ---------------------------------------------------------------


def _timestamp(value: str | None) -> str | None:
    # Upstream's response models are pydantic datetimes, which print UTC as "Z".
    if value is None:
        return None
    return value[:-6] + "Z" if value.endswith("+00:00") else value


def _session_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "organization_id": row["organization_id"],
        "title": row["title"],
        "model": row["model"],
        "agent_type": row["agent_type"],
        "created_at": _timestamp(row["created_at"]),
        "updated_at": _timestamp(row["updated_at"]),
        "last_message_at": _timestamp(row["last_message_at"]),
        "message_count": row["message_count"],
        "tokens_in": row["tokens_in"],
        "tokens_out": row["tokens_out"],
        "tokens_total": row["tokens_total"],
        "metadata": json.loads(row["metadata"]),
        "archived": bool(row["archived"]),
    }


def list_sessions(store: Store, *, user_id: str, page: int, page_size: int) -> dict[str, Any]:
    """One page of the user's sessions; a page past what upstream's database can reach raises
    :class:`paging.OutOfRangeError`."""
    offset = paging.offset_of_page(page, page_size)
    with store.read() as conn:
        total = conn.execute(
            "SELECT COUNT(*) FROM chat_sessions WHERE user_id = ? AND archived = 0", (user_id,)
        ).fetchone()[0]
        rows = conn.execute(
            "SELECT * FROM chat_sessions WHERE user_id = ? AND archived = 0"
            " ORDER BY last_message_at IS NULL, last_message_at DESC, created_at DESC, rowid DESC"
            " LIMIT ? OFFSET ?",
            (user_id, page_size, offset),
        ).fetchall()
    # Upstream fails while converting a page's session whose id is not a UUID, so only this page counts.
    broken = next((r["id"] for r in rows if canonical_uuid(r["id"]) is None), None)
    if broken is not None:
        raise ClientMistakeError(
            f"this user has a session whose id is not a UUID ({broken!r}): upstream cannot list"
            " such sessions and answers 500 for the whole page. It happens when a completion with"
            " metadata.user_id names no session_id (upstream then uses 'atoms_session_<hex>') or a"
            " non-UUID one. Always pass metadata.session_id as a UUID (the SDK does this for you)."
        )
    sessions = [_session_json(r) for r in rows]
    return {
        "sessions": sessions,
        "total": total,
        "page": page,
        "page_size": page_size,
        "has_more": offset + len(sessions) < total,
    }


@dataclass(frozen=True)
class SessionDetail:
    """A session and its messages, read a batch at a time as ``message_batches`` is iterated.

    Only one batch is alive at a time, so a long transcript never holds the store's lock for
    long nor fills the process with objects every full garbage collection must visit. The
    batches are consistent with ``session``: rows below its ``message_count`` never change.
    """

    session: dict[str, Any]
    message_batches: Iterator[list[dict[str, Any]]]


def get_session(store: Store, *, session_id: str, user_id: str) -> SessionDetail:
    with store.read() as conn:
        row = conn.execute(
            "SELECT * FROM chat_sessions WHERE id = ? AND user_id = ?", (session_id, user_id)
        ).fetchone()
    if row is None:
        raise SessionNotFoundError(session_id)
    # message_count bounds the read: rows a concurrent request is still writing are left out.
    return SessionDetail(_session_json(row), _message_batches(store, session_id, int(row["message_count"])))


def _message_batches(store: Store, session_id: str, count: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, count, READ_BATCH):
        with store.read() as conn:
            cursor = conn.cursor()
            cursor.row_factory = None  # plain tuples: the least work while the lock is held
            batch = cursor.execute(
                "SELECT id, message_index, role, content, metadata, tokens, created_at, updated_at"
                " FROM chat_messages WHERE session_id = ? AND message_index >= ? AND message_index < ?"
                " ORDER BY message_index",
                (session_id, start, min(start + READ_BATCH, count)),
            ).fetchall()
        yield [
            {
                "id": message_id,
                "message_index": index,
                "role": role,
                "content": content,
                "metadata": json.loads(metadata),
                "tokens": tokens,
                "created_at": _timestamp(created_at),
                "updated_at": _timestamp(updated_at),
            }
            for message_id, index, role, content, metadata, tokens, created_at, updated_at in batch
        ]
