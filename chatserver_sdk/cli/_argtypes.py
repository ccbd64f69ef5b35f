"""Argument types: every value is checked when the command line is read, before anything is sent.

Each type raises :class:`argparse.ArgumentTypeError` with a message that
quotes the value and says what to give instead; argparse puts the option's
name in front (``argument --page-size: '0' is out of range: ...``), so a
usage error always names both. Nothing here imports the SDK.
"""

from __future__ import annotations

import argparse
import math
import re
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

__all__ = [
    "MAX_SECONDS",
    "api_key",
    "email",
    "env_pair",
    "http_url",
    "number",
    "seconds",
    "text",
    "user_uuid",
    "uuid_text",
    "whole",
]

# Longer waits overflow the platform's timers (time.sleep, Event.wait); eleven days is plenty.
MAX_SECONDS = 1_000_000.0
_EMAIL = re.compile(r"[^@\s/]+@[^@\s/]+")
_EXAMPLE_UUID = "123e4567-e89b-12d3-a456-426614174000"


def _fail(message: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(message)


def uuid_text(value: str) -> str:
    """A UUID, in its usual form."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise _fail(f"{value!r} is not a UUID; give one like {_EXAMPLE_UUID}") from None


def user_uuid(value: str) -> str:
    """A user id: a UUID (the server stores chats only for UUID user ids)."""
    return uuid_text(value)


def whole(low: int, high: int, *, hint: str = "") -> Callable[[str], int]:
    """A whole number from ``low`` to ``high``."""

    def parse(value: str) -> int:
        try:
            number = int(value.strip())
        except ValueError:
            raise _fail(f"{value!r} is not a whole number; give one from {low} to {high}{hint}") from None
        if not low <= number <= high:
            raise _fail(f"{value!r} is out of range; give a whole number from {low} to {high}{hint}")
        return number

    parse.__name__ = "whole number"
    return parse


def number(low: float, high: float) -> Callable[[str], float]:
    """A finite number from ``low`` to ``high``."""

    def parse(value: str) -> float:
        try:
            result = float(value.strip())
        except ValueError:
            raise _fail(f"{value!r} is not a number; give one from {low:g} to {high:g}") from None
        if not math.isfinite(result) or not low <= result <= high:
            raise _fail(f"{value!r} is out of range; give a number from {low:g} to {high:g}")
        return result

    parse.__name__ = "number"
    return parse


def seconds(value: str) -> float:
    """A duration in seconds: above 0, and short enough for the platform's timers."""
    try:
        result = float(value.strip())
    except ValueError:
        raise _fail(f"{value!r} is not a number of seconds; give one like 30 or 0.5") from None
    if not math.isfinite(result) or not 0 < result <= MAX_SECONDS:
        raise _fail(
            f"{value!r} is out of range; give a number of seconds above 0 and at most {MAX_SECONDS:.0f}"
        )
    return result


def text(what: str) -> Callable[[str], str]:
    """Text that is not blank (a name, an id the server does not check, a message)."""

    def parse(value: str) -> str:
        if not value.strip():
            raise _fail(f"{value!r} is blank; give {what}")
        return value

    parse.__name__ = what
    return parse


def email(value: str) -> str:
    """An email address, as the server keys platform admins by it."""
    candidate = value.strip()
    if not _EMAIL.fullmatch(candidate):
        raise _fail(f"{value!r} is not an email address; give one like ada@example.com")
    return candidate


def http_url(value: str) -> str:
    """An http:// or https:// URL with a host."""
    candidate = value.strip()
    try:
        parts = urlsplit(candidate)
        usable = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        usable = False
    if not usable:
        raise _fail(
            f"{value!r} is not an http:// or https:// URL with a host; give one like https://example.com"
        )
    return candidate


def api_key(value: str) -> str:
    """A bearer key; checked for whitespace, and never quoted back (it is a secret)."""
    if not value:
        raise _fail("the key is empty; give the key, or leave the option out to use $CHATSERVER_API_KEY")
    blank = re.search(r"\s", value)
    if blank is not None:
        raise _fail(
            f"the key contains whitespace at position {blank.start()}; a key never does"
            " (a trailing newline from a file or `echo`?): strip it"
        )
    return value


def env_pair(value: str) -> tuple[str, str]:
    """``NAME=VALUE``."""
    name, sep, rest = value.partition("=")
    if not sep or not name.strip():
        raise _fail(f"{value!r} is not NAME=VALUE; give one like LOG_LEVEL=debug")
    return name, rest
