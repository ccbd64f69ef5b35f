"""SQLite persistence for the emulator.

One connection serves the whole process and a lock serialises every use of it:
SQLite allows a single writer anyway, and holding the lock across a whole
``BEGIN IMMEDIATE`` ... ``COMMIT`` makes each request's read-modify-write atomic,
which is what keeps message indexes and token totals exact under concurrency.
Writes are committed (and, with a file, fsynced) before the handler returns, so
anything a client saw acknowledged survives ``kill -9``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
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
    archived INTEGER NOT NULL DEFAULT 0
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
        with self._lock:
            if db_path is not None:
                self._conn.execute("PRAGMA journal_mode=WAL")
                # FULL fsyncs the WAL on every commit: an acknowledged write survives power loss too.
                self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.executescript(_SCHEMA)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Run the block as one atomic transaction, committed before the block's caller continues."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Give a consistent view: the lock keeps writers out for the duration of the block."""
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()
