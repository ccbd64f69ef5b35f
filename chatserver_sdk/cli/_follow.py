"""``chatserver audit --follow``: the last entries, then new ones as they arrive.

A follower outlives the server's restarts: when a poll cannot reach the server
(no connection, or a gateway's 502/503/504 while it restarts), it says so on
stderr and tries again after a delay that doubles up to a bound, with jitter so
that many followers do not come back in step; the first poll that gets through
says so, and the entries that arrived meanwhile are shown, once.
"""

from __future__ import annotations

import random
import time
from datetime import datetime
from typing import TYPE_CHECKING

from ._output import Output
from ._platform_cmds import audit_line

if TYPE_CHECKING:
    from .._client import ChatServerClient
    from ..types.platform import AuditLogEntry

__all__ = ["follow"]

# A poll that cannot find the last entry it showed stops looking after this many.
FOLLOW_LOOKBACK = 10_000
FIRST_RETRY = 1.0
MAX_RETRY = 30.0
UNREACHABLE_STATUSES = frozenset({502, 503, 504})


def follow(client: ChatServerClient, newest_first: list[AuditLogEntry], out: Output, interval: float) -> int:
    def show(entry: AuditLogEntry) -> None:
        out.json_line(entry) if out.json_mode else out.line(audit_line(entry, out.columns))

    for entry in reversed(newest_first):
        show(entry)
    if not newest_first and not out.json_mode:
        out.note("(no entries yet)")
    out.note("following; Ctrl-C stops")
    newest = newest_first[0] if newest_first else None
    # Our backoff replaces the client's retries here: a restart can take longer than they wait.
    polling = client.with_options(max_retries=0)
    failures = 0
    wait = interval
    while True:
        time.sleep(wait)
        try:
            arrived = _since(polling, newest)
        except Exception as error:
            reason = _unreachable(error)
            if reason is None:
                raise
            failures += 1
            wait = retry_delay(failures)
            out.note(f"server unreachable ({reason}), retrying in {wait:.1f} s")
            continue
        if failures:
            out.note("server reachable again; following")
            failures, wait = 0, interval
        for entry in reversed(arrived):
            show(entry)
        if arrived:
            newest = arrived[0]


def retry_delay(failures: int) -> float:
    """Seconds before retry number ``failures``: doubling from 1 s up to 30 s, less up to half (jitter)."""
    bound: float = min(FIRST_RETRY * 2.0 ** (failures - 1), MAX_RETRY)
    return bound * random.uniform(0.5, 1.0)


def _unreachable(error: Exception) -> str | None:
    """Why the server could not be reached, or None for an error that waiting will not mend."""
    from ..exceptions import APIConnectionError, APIStatusError

    if isinstance(error, APIConnectionError):
        return "no connection"
    if isinstance(error, APIStatusError) and error.status_code in UNREACHABLE_STATUSES:
        return f"HTTP {error.status_code}"
    return None


def _since(client: ChatServerClient, newest: AuditLogEntry | None) -> list[AuditLogEntry]:
    """The entries added after ``newest``, newest first."""
    arrived: list[AuditLogEntry] = []
    for entry in client.iter_audit_log(page_size=50 if newest else 200):
        if newest is not None and (entry.id == newest.id or _before(entry, newest)):
            break
        arrived.append(entry)
        if len(arrived) >= FOLLOW_LOOKBACK:
            break
    return arrived


def _before(entry: AuditLogEntry, other: AuditLogEntry) -> bool:
    # Only if the entry last shown has gone (it is looked for by id first).
    a, b = entry.timestamp, other.timestamp
    if isinstance(a, datetime) and isinstance(b, datetime) and (a.tzinfo is None) == (b.tzinfo is None):
        return a < b
    return False
