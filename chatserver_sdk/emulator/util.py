"""Small helpers shared by the emulator modules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    # Microsecond precision keeps "latest first" orderings stable for rapid writes.
    return moment.isoformat(timespec="microseconds")


def now_iso() -> str:
    return iso(utcnow())


def canonical_uuid(value: object) -> str | None:
    """Return the canonical lowercase form of a UUID string, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def new_uuid() -> str:
    return str(uuid.uuid4())
