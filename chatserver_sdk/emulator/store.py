"""SQLite persistence for the emulator.

One connection serves the whole process and a lock serialises every use of it:
SQLite allows a single writer anyway, and holding the lock across a whole
``BEGIN IMMEDIATE`` ... ``COMMIT`` makes each request's read-modify-write atomic,
which is what keeps message indexes and token totals exact under concurrency.
Writes are committed (and, with a file, fsynced) before the handler returns, so
anything a client saw acknowledged survives ``kill -9``; the steps of a long write
that nothing points at yet may skip their fsync (``durable=False``). With a file, a
second connection on a thread of its own copies the WAL into the database, so that
no commit holds the lock through a checkpoint.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chat_sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    organization_id TEXT,
    title TEXT,
    model TEXT,
    agent_type TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_message_at TEXT,
    message_count INTEGER NOT NULL DEFAULT 0,
    tokens_in INTEGER NOT NULL DEFAULT 0,
    tokens_out INTEGER NOT NULL DEFAULT 0,
    tokens_total INTEGER NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL DEFAULT '{}',
    archived INTEGER NOT NULL DEFAULT 0,
    transcript_digest TEXT
);
CREATE INDEX IF NOT EXISTS chat_sessions_user ON chat_sessions (user_id, updated_at);
CREATE TABLE IF NOT EXISTS chat_messages (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES chat_sessions (id),
    message_index INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    tokens INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    UNIQUE (session_id, message_index)
);
-- Written by earlier versions (a row per completion, never read); kept for their files.
CREATE TABLE IF NOT EXISTS completions (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    session_id TEXT NOT NULL,
    user_id TEXT,
    model TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS platform_admins (
    email TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    name TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT
);
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    timestamp TEXT NOT NULL,
    user_id TEXT,
    org_id TEXT,
    action TEXT NOT NULL,
    resource TEXT,
    resource_id TEXT,
    metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS mcp_servers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    auth_type TEXT NOT NULL,
    bearer_token_id TEXT,
    oauth_provider TEXT,
    enabled INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    created_at TEXT NOT NULL,
    scope_type TEXT NOT NULL,
    scope_organization_id TEXT,
    scope_user_id TEXT
);
CREATE TABLE IF NOT EXISTS agent_messages (
    id INTEGER PRIMARY KEY,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    time TEXT NOT NULL
);
"""


class StorageFullError(Exception):
    """A write failed because the database, or the disk it is on, is full (SQLite's SQLITE_FULL)."""

    def __init__(self, where: str, cause: sqlite3.Error) -> None:
        super().__init__(
            f"the emulator's database ({where}) is full: SQLite says {str(cause)!r}, so this change was"
            " not stored. Free disk space (or use a --db on a disk with room) and send it again."
        )


def _is_full(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == sqlite3.SQLITE_FULL
    return "database or disk is full" in str(exc)


class _Checkpointer:
    """Copies the WAL into the database file from a connection and thread of its own.

    SQLite would otherwise checkpoint inside whichever commit fills the WAL past 1,000 pages,
    holding the store's lock for the ~10 ms of writing and syncing that takes. A PASSIVE
    checkpoint on another connection runs alongside the writer and waits for nobody; it also
    syncs the WAL first, so commits made without an fsync are on disk before the next durable
    commit has to flush them.
    """

    INTERVAL = 0.05  # seconds between checkpoints while there are writes

    def __init__(self, db_path: str) -> None:
        self._db_path = db_path
        self._written = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chatserver-emulator-checkpoint", daemon=True)
        self._thread.start()

    def written(self) -> None:
        self._written.set()

    def stop(self) -> None:
        self._stopping.set()
        self._written.set()
        self._thread.join()

    def _run(self) -> None:
        conn = sqlite3.connect(self._db_path, isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous=FULL")
            while True:
                self._written.wait()
                if self._stopping.is_set():
                    return
                self._written.clear()
                # Busy or gone: the next write asks again, and closing the store checkpoints anyway.
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                if self._stopping.wait(self.INTERVAL):
                    return
        finally:
            conn.close()


# Columns added since the first release: a database file written before gets them, empty.
_ADDED_COLUMNS = (("chat_sessions", "transcript_digest", "TEXT"),)


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    for table, column, kind in _ADDED_COLUMNS:
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def _has_json_functions(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT value FROM json_each('[1]')").fetchall()
    except sqlite3.OperationalError:
        return False
    return True


class Store:
    """A lock-guarded SQLite connection; ``None`` as the path means a private in-memory database."""

    def __init__(self, db_path: str | None = None) -> None:
        self.db_path = db_path
        # isolation_level=None: transactions are opened explicitly below, never implicitly.
        self._conn = sqlite3.connect(
            db_path if db_path is not None else ":memory:", check_same_thread=False, isolation_level=None
        )
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._closed = False
        self._checkpointer: _Checkpointer | None = None
        # SQLite's JSON functions (built in since 3.38, and in most older builds) let a batch of rows
        # be inserted in one step; without them rows are bound one by one.
        self.json_functions: bool = _has_json_functions(self._conn)
        with self._lock:
            if db_path is not None:
                self._conn.execute("PRAGMA journal_mode=WAL")
                # FULL fsyncs the WAL on every commit: an acknowledged write survives power loss too.
                self._conn.execute("PRAGMA synchronous=FULL")
                self._conn.execute("PRAGMA wal_autocheckpoint=0")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.executescript(_SCHEMA)
            _add_missing_columns(self._conn)
        if db_path is not None:
            self._checkpointer = _Checkpointer(db_path)

    @contextmanager
    def _full_is_reported(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            if _is_full(exc):
                raise StorageFullError(self.db_path or "in memory", exc) from exc
            raise

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """Run the block as one atomic transaction, committed before the block's caller continues.

        ``durable=False`` skips the fsync of this commit, for steps of a longer write that nobody
        has been told about yet: the next durable commit's fsync of the WAL covers them too.
        """
        relaxed = not durable and self.db_path is not None
        with self._lock, self._full_is_reported():
            if relaxed:
                self._conn.execute("PRAGMA synchronous=NORMAL")
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                    self._conn.execute("COMMIT")
                except BaseException:
                    # SQLite may have rolled back already (a full disk can do that).
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
            finally:
                if relaxed:
                    self._conn.execute("PRAGMA synchronous=FULL")
        if self._checkpointer is not None:
            self._checkpointer.written()

    def write_statement(self, sql: str, parameters: Sequence[object], *, durable: bool = True) -> None:
        """Run one statement as a transaction of its own: the lock is held for that statement alone.

        ``durable`` as for :meth:`write`.
        """
        relaxed = not durable and self.db_path is not None
        with self._lock, self._full_is_reported():
            if relaxed:
                self._conn.execute("PRAGMA synchronous=NORMAL")
            try:
                self._conn.execute(sql, parameters)  # autocommit: the statement is its own transaction
            finally:
                if relaxed:
                    self._conn.execute("PRAGMA synchronous=FULL")
        if self._checkpointer is not None:
            self._checkpointer.written()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Give a consistent view: the lock keeps writers out for the duration of the block."""
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._checkpointer is not None:
            self._checkpointer.stop()
        with self._lock:
            self._conn.close()
