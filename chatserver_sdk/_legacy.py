"""What code written against the earlier ChatServer SDK finds on the client.

:class:`~chatserver_sdk.ChatServerClient` inherits this mixin, so the earlier
SDK's client attributes and methods keep working (with a deprecation warning
where there is a better way). (Filled in by the work on issue 10.)
"""

from __future__ import annotations

__all__ = ["EarlierClientAPI"]


class EarlierClientAPI:
    """The earlier SDK's client API, on top of the openai-based client."""
