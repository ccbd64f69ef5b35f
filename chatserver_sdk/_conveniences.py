"""Helpers built on the clients' endpoint methods: page iterators, conversations, agent waits.

The clients inherit these mixins; each method only calls the client's public
methods (typed against the generated endpoint classes, see :mod:`._api_protocols`), and
the work is done in :mod:`._pagination`, :mod:`._conversation` and
:mod:`._agent_helpers`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from . import _agent_helpers as agent
from . import _pagination as pages
from ._api_protocols import AsyncBase, SyncBase
from ._conversation import AsyncConversation, Conversation
from .types.agent import AgentEvent, AgentMessage, AgentStatus
from .types.platform import AuditLogEntry
from .types.sessions import ChatSessionSummary

__all__ = ["AsyncConveniences", "SyncConveniences"]


class SyncConveniences(SyncBase):
    """Multi-call helpers of :class:`~chatserver_sdk.ChatServerClient`."""

    def iter_sessions(
        self, user_id: str, *, page_size: int = pages.MAX_SESSIONS_PAGE_SIZE
    ) -> Iterator[ChatSessionSummary]:
        """Every stored session of ``user_id``, most recent first, fetched a page at a time as you iterate.

        ``page_size`` (1-100) sessions per request; memory holds one page.
        A session is yielded once even when others are created meanwhile.
        """
        return pages.iter_sessions(self, user_id, page_size)

    def iter_audit_log(self, *, page_size: int = pages.MAX_AUDIT_PAGE_SIZE) -> Iterator[AuditLogEntry]:
        """Every audit entry, newest first, fetched a page at a time as you iterate.

        ``page_size`` (1-200) entries per request; memory holds one page. Each
        entry present when the walk starts is yielded exactly once, however
        many are added meanwhile (those are not yielded).
        """
        return pages.iter_audit_log(self, page_size)

    def conversation(
        self,
        model: str,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        system_prompt: str | None = None,
        **options: Any,
    ) -> Conversation:
        """A multi-turn chat that resends the whole transcript each turn.

        With ``user_id`` (a UUID) the turns are stored in a session whose id
        is made now; pass an existing ``session_id`` to resume it from its
        stored history. ``options`` (``temperature``, ``max_tokens``,
        ``organization_id``, ``metadata`` ...) go with every turn.
        """
        return Conversation(
            self, model, user_id=user_id, session_id=session_id, system_prompt=system_prompt, **options
        )

    def iter_agent_events(self, *, max_reconnects: int = agent.MAX_RECONNECTS) -> Iterator[AgentEvent]:
        """Agent events as they happen, reconnecting after a dropped connection, never repeating one.

        The current state comes first (each message, then the status), as
        with :meth:`stream_agent_events`. Gives up after ``max_reconnects``
        failed reconnections in a row.
        """
        return agent.iter_agent_events(self, max_reconnects=max_reconnects)

    def wait_for_agent(self, timeout: float | None = agent.DEFAULT_AGENT_TIMEOUT) -> AgentStatus:
        """Wait until the agent is idle (``stable``), driven by ``/events``; ``TimeoutError`` if not."""
        return agent.wait_for_agent(self, timeout)

    def ask_agent(
        self, content: str, timeout: float | None = agent.DEFAULT_AGENT_TIMEOUT
    ) -> list[AgentMessage]:
        """Wait until the agent is idle, send ``content``, wait for the answer; the agent's new messages.

        ``timeout`` (seconds) covers the whole exchange; the message is sent once.
        """
        return agent.ask_agent(self, content, timeout)


class AsyncConveniences(AsyncBase):
    """Multi-call helpers of :class:`~chatserver_sdk.AsyncChatServerClient`."""

    def iter_sessions(
        self, user_id: str, *, page_size: int = pages.MAX_SESSIONS_PAGE_SIZE
    ) -> AsyncIterator[ChatSessionSummary]:
        """Every stored session of ``user_id`` (``async for``), most recent first, a page at a time."""
        return pages.aiter_sessions(self, user_id, page_size)

    def iter_audit_log(self, *, page_size: int = pages.MAX_AUDIT_PAGE_SIZE) -> AsyncIterator[AuditLogEntry]:
        """Every audit entry (``async for``), newest first, a page at a time."""
        return pages.aiter_audit_log(self, page_size)

    async def conversation(
        self,
        model: str,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        system_prompt: str | None = None,
        **options: Any,
    ) -> AsyncConversation:
        """The async twin of :meth:`ChatServerClient.conversation` (awaited: resuming loads the history)."""
        conversation = AsyncConversation(
            self, model, user_id=user_id, session_id=session_id, system_prompt=system_prompt, **options
        )
        if session_id is not None:
            await conversation.reload()
        return conversation

    def iter_agent_events(self, *, max_reconnects: int = agent.MAX_RECONNECTS) -> AsyncIterator[AgentEvent]:
        """Agent events (``async for``), reconnecting after a dropped connection, never repeating one."""
        return agent.aiter_agent_events(self, max_reconnects=max_reconnects)

    async def wait_for_agent(self, timeout: float | None = agent.DEFAULT_AGENT_TIMEOUT) -> AgentStatus:
        """Wait until the agent is ``stable``, watching ``/events``; ``TimeoutError`` after ``timeout`` s."""
        return await agent.await_for_agent(self, timeout)

    async def ask_agent(
        self, content: str, timeout: float | None = agent.DEFAULT_AGENT_TIMEOUT
    ) -> list[AgentMessage]:
        """Wait until the agent is idle, send ``content``, wait for the answer; the agent's new messages."""
        return await agent.aask_agent(self, content, timeout)
