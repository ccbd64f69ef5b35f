"""What every resource object stands on: the client it sends through.

A resource (``client.sessions``, ``client.platform.admins`` ...) is a small
object the client holds, as in openai-python; its methods are generated
(``resources/``) and execute operations through the client's core, so they
share its connection pool, auth, timeouts, retries and per-session turn order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._client import AsyncChatServerClient, ChatServerClient

__all__ = ["AsyncResource", "SyncResource"]


class SyncResource:
    _client: ChatServerClient

    def __init__(self, client: ChatServerClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


class AsyncResource:
    _client: AsyncChatServerClient

    def __init__(self, client: AsyncChatServerClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"
