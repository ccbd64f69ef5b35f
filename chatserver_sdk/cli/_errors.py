"""Every way a command can fail, as one line on stderr and an exit status.

Exit statuses: 0 done, 1 the server or the network said no (or a wait ran
out), 2 the command line is wrong, 130 interrupted (Ctrl-C), 141 the reader
of our output went away (the status a process killed by SIGPIPE has).

The SDK's exceptions are imported when there is an error to describe, so
that help, the version and usage errors never load openai.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._common import CommandError, UsageError

if TYPE_CHECKING:
    from ..exceptions import APIError, APIStatusError

__all__ = [
    "EXIT_CLOSED_PIPE",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "describe",
    "one_line",
    "server_words",
    "status_line",
]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_CLOSED_PIPE = 141


def one_line(error: BaseException) -> str:
    """The error's message on one line."""
    from ..exceptions import APIError

    text = error.message if isinstance(error, APIError) else str(error)
    return " ".join(text.split()) or type(error).__name__


def _server(error: APIError) -> str:
    try:
        url = error.request.url
    except (AttributeError, RuntimeError):
        return "the ChatServer"
    # Scheme, host and port only: never a password or a query that may hold a key.
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace').rpartition('@')[2]}"


def _reason(error: APIStatusError) -> str:
    import httpx2

    response = getattr(error, "response", None)
    return response.reason_phrase if isinstance(response, httpx2.Response) else ""


def _status(error: APIStatusError) -> str:
    return f"{error.status_code} {_reason(error)}".strip()


def server_words(error: APIStatusError, *, hinted: bool = True) -> str:
    """What the server said beyond its status: the SDK's message without a repeat of the status
    ("HTTP 500: ...", "Internal Server Error: ..."), or "" when it said nothing else. ``hinted=False``
    leaves out the SDK's hint, where the command line gives its own (a key: --api-key)."""
    text = one_line(error)
    hint = getattr(error, "hint", "")
    if not hinted and hint and text.endswith(hint):
        text = text[: -len(hint)].rstrip(" .")
    code, reason = str(error.status_code), _reason(error)
    prefixes = [f"HTTP {code}", f"{code} {reason}", code, reason]
    changed = True
    while changed and text:
        changed = False
        for prefix in (p for p in prefixes if p):
            if text.lower().startswith(prefix.lower()):
                text = text[len(prefix) :].lstrip(" :.")
                changed = True
    if text.lower() in ("", "with an empty body", reason.lower()):
        return ""
    return text


def status_line(error: APIStatusError, *, hinted: bool = True) -> str:
    """``500 Internal Server Error: <the server's words>``: the status once."""
    words = server_words(error, hinted=hinted)
    return f"{_status(error)}: {words}" if words else f"{_status(error)} (the server sent no details)"


def describe(error: BaseException) -> tuple[str, int] | None:
    """``(message, exit status)`` for an error a command can report, else ``None``."""
    if isinstance(error, UsageError):
        return f"error: {error}", EXIT_USAGE
    if isinstance(error, CommandError):
        return str(error), EXIT_ERROR
    from ..exceptions import (
        APIConnectionError,
        APIError,
        APIStatusError,
        ForbiddenError,
        StreamError,
        UnauthorizedError,
    )

    if isinstance(error, UnauthorizedError):
        hint = "pass --api-key or set $CHATSERVER_API_KEY to a key this server accepts"
        return f"{_server(error)} refused the key ({status_line(error, hinted=False)}): {hint}", EXIT_ERROR
    if isinstance(error, ForbiddenError):
        return f"{status_line(error, hinted=False)} (this needs a platform admin's key)", EXIT_ERROR
    if isinstance(error, APIStatusError):
        return status_line(error), EXIT_ERROR
    if isinstance(error, StreamError):
        return f"the server reported an error mid-reply: {one_line(error)}", EXIT_ERROR
    if isinstance(error, (APIConnectionError, APIError)):
        return one_line(error), EXIT_ERROR
    if isinstance(error, TimeoutError):
        return one_line(error), EXIT_ERROR
    if isinstance(error, (ValueError, TypeError)):
        # The SDK's own checks of what it was given (a non-UUID id, a bad page size): the input is wrong.
        return f"error: {one_line(error)}", EXIT_USAGE
    return None
