"""Helpers built on the generated endpoint methods: page iterators, conversations, agent waits.

The clients inherit these mixins; they only call the clients' public methods.
(Filled in by the work on issue 11.)
"""

from __future__ import annotations

__all__ = ["AsyncConveniences", "SyncConveniences"]


class SyncConveniences:
    """Multi-call helpers of :class:`~chatserver_sdk.ChatServerClient`."""


class AsyncConveniences:
    """Multi-call helpers of :class:`~chatserver_sdk.AsyncChatServerClient`."""
