"""``CHATSERVER_LOG=debug|info`` turns on the SDK's logging, as ``OPENAI_LOG`` does for openai.

The SDK's requests run through openai's request path and httpx2, so the
switch turns on three loggers: ``chatserver_sdk`` (this SDK's own decisions:
pages walked, reconnects, conversation turns), ``openai`` (attempts and
retries) and ``httpx2`` (one line per HTTP request, with its URL and status).
They get one handler on stderr and stop propagating, so nothing is printed
twice when the application has configured logging too.

Every record through that handler is scrubbed of credentials first: bearer
tokens, ``Authorization``/``api-key`` values, ``api_key=``-style query
parameters, and the literal value of ``$CHATSERVER_API_KEY``.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import TYPE_CHECKING, TextIO

__all__ = ["REDACTED", "SecretsFilter", "setup_logging"]

ENV = "CHATSERVER_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
LOGGERS = ("chatserver_sdk", "openai", "httpx2")
REDACTED = "<redacted>"

_PATTERNS = [
    # "Bearer <token>" anywhere: headers dumped as text, reprs of requests.
    (re.compile(r"(?i)\b((?:bearer|basic)\s+)[^\s'\",;]+"), r"\1" + REDACTED),
    # Header-like pairs: Authorization: x, 'api-key': 'x', x-api-key=x (bearer values handled above).
    (
        re.compile(
            r"(?i)((?:authorization|x-api-key|api-key)['\"]?\s*[:=]\s*['\"]?)(?!(?:bearer|basic)\s)[^\s'\",;}]+"
        ),
        r"\1" + REDACTED,
    ),
    # Credentials in query strings: ?api_key=x&token=y
    (
        re.compile(r"(?i)([?&](?:api[_-]?key|key|token|access_token|secret)=)[^&\s'\"#]+"),
        r"\1" + REDACTED,
    ),
]


def redact(text: str) -> str:
    """``text`` with anything that looks like a credential replaced by ``<redacted>``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    key = os.environ.get("CHATSERVER_API_KEY", "")
    if len(key) >= 4:  # a one-letter "key" would redact every such letter
        text = text.replace(key, REDACTED)
    return text


class SecretsFilter(logging.Filter):
    """Rewrites each record's message without credentials (and drops its args, now merged in)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


if TYPE_CHECKING:
    _StreamHandler = logging.StreamHandler[TextIO]
else:  # not subscriptable at runtime before Python 3.11
    _StreamHandler = logging.StreamHandler


class _StderrHandler(_StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (it may be replaced after import)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


_handler: logging.Handler | None = None


def setup_logging() -> None:
    """Configure the SDK's loggers from ``$CHATSERVER_LOG``; called once at import.

    Unset: nothing changes (the application's own logging setup decides).
    A value other than ``debug`` or ``info`` is reported once on stderr and ignored.
    Calling it again applies the current value (tests, or a changed environment).
    """
    global _handler
    value = os.environ.get(ENV)
    if value is None or not value.strip():
        return
    level = LEVELS.get(value.strip().lower())
    if level is None:
        print(
            f"chatserver_sdk: ignoring {ENV}={value!r}: expected one of {', '.join(LEVELS)}",
            file=sys.stderr,
        )
        return
    if _handler is None:
        _handler = _StderrHandler()
        _handler.setFormatter(
            logging.Formatter("[%(asctime)s - %(name)s - %(levelname)s] %(message)s", "%Y-%m-%d %H:%M:%S")
        )
        _handler.addFilter(SecretsFilter())
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if _handler not in logger.handlers:
            logger.addHandler(_handler)
        logger.propagate = False
