"""``CHATSERVER_LOG=debug|info`` turns on the SDK's logging, as ``OPENAI_LOG`` does for openai.

(Filled in by the work on issue 11.)
"""

from __future__ import annotations

__all__ = ["setup_logging"]


def setup_logging() -> None:
    """Configure the ``chatserver_sdk`` logger from ``$CHATSERVER_LOG``; called once at import."""
