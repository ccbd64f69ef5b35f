"""What code written against the earlier ChatServer SDK finds on the client.

:class:`~chatserver_sdk.ChatServerClient` inherits this mixin. Most of the
earlier client's API is the client's own today (same method names and
signatures, ``api_key``, ``timeout``, ``close()``, ``with``); this adds what
differs: the server root the earlier ``base_url`` held, and a clear refusal
for the ``requests.Session`` it exposed.
"""

from __future__ import annotations

from typing import NoReturn

import httpx2

__all__ = ["EarlierClientAPI"]

_NO_SESSION = (
    "ChatServerClient has no .session: that was the earlier SDK's requests.Session, and this client "
    "sends through openai's httpx2 client instead. For extra headers pass "
    "ChatServerClient(default_headers={...}) or use client.with_options(default_headers={...}); "
    "for proxies, TLS or transports pass ChatServerClient(http_client=httpx2.Client(...)); "
    "to release connections call client.close()."
)


class EarlierClientAPI:
    """The earlier SDK's client API, on top of the openai-based client."""

    base_url: httpx2.URL  # openai's: the server root plus "/v1/"

    @property
    def server_url(self) -> str:
        """The server root without a trailing slash, e.g. ``"http://localhost:3284"``.

        This is what the earlier SDK's ``base_url`` held; ``base_url`` is now
        openai's: an ``httpx2.URL`` ending in ``/v1/``.
        """
        text = str(self.base_url).rstrip("/")
        return text.removesuffix("/v1")

    @property
    def session(self) -> NoReturn:
        """Refused: the earlier SDK's ``requests.Session`` has no counterpart (the error says what to use)."""
        raise AttributeError(_NO_SESSION)

    @session.setter
    def session(self, value: object) -> NoReturn:
        raise AttributeError(_NO_SESSION)
