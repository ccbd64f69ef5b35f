"""The sync and async ChatServer clients.

Both are openai clients pointed at the ChatServer's ``/v1``, so completions,
model listing, ``with_raw_response`` and ``with_options`` are openai's own
code. The ChatServer endpoints are generated methods (``_endpoints.py``,
from ``_operations.py``) executed through openai's request path, so they
share its connection pool, auth headers, timeouts and retry policy. The
multi-call helpers (page iterators, conversations, agent waits) and the
earlier SDK's client API are mixins.
"""

from __future__ import annotations

from typing_extensions import override

from ._conveniences import AsyncConveniences, SyncConveniences
from ._core import DEFAULT_BASE_URL
from ._endpoints import AsyncEndpoints, AsyncRawEndpoints, SyncEndpoints, SyncRawEndpoints
from ._legacy import EarlierClientAPI

__all__ = [
    "DEFAULT_BASE_URL",
    "AsyncChatServerClient",
    "AsyncChatServerWithRawResponse",
    "ChatServerClient",
    "ChatServerWithRawResponse",
]


class ChatServerWithRawResponse(SyncRawEndpoints):
    """openai's raw-response view (``.chat``, ``.models`` ...) plus the ChatServer endpoints."""


class AsyncChatServerWithRawResponse(AsyncRawEndpoints):
    """openai's raw-response view plus the ChatServer endpoints, awaitable."""


class ChatServerClient(SyncConveniences, EarlierClientAPI, SyncEndpoints):
    __doc__ = SyncEndpoints.__mro__[1].__doc__

    @property
    @override
    def with_raw_response(self) -> ChatServerWithRawResponse:
        """Each call returns a :class:`RawResponse` (headers, status, ``parse()``)."""
        return ChatServerWithRawResponse(self)


class AsyncChatServerClient(AsyncConveniences, AsyncEndpoints):
    __doc__ = AsyncEndpoints.__mro__[1].__doc__

    @property
    @override
    def with_raw_response(self) -> AsyncChatServerWithRawResponse:
        """Each call returns a :class:`RawResponse` (headers, status, ``parse()``)."""
        return AsyncChatServerWithRawResponse(self)
