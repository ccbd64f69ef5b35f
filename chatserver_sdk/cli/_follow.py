"""``chatserver audit --follow``: the last entries, then new ones as they arrive."""

from __future__ import annotations

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


def follow(client: ChatServerClient, newest_first: list[AuditLogEntry], out: Output, interval: float) -> int:
    def show(entry: AuditLogEntry) -> None:
        out.json_line(entry) if out.json_mode else out.line(audit_line(entry))

    for entry in reversed(newest_first):
        show(entry)
    if not newest_first and not out.json_mode:
        out.note("(no entries yet)")
    out.note("following; Ctrl-C stops")
    newest = newest_first[0] if newest_first else None
    while True:
        time.sleep(interval)
        arrived = _since(client, newest)
        for entry in reversed(arrived):
            show(entry)
        if arrived:
            newest = arrived[0]


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
