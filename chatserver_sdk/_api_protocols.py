"""The client methods the helpers are built on, as protocols.

The helper mixins (:mod:`._conveniences`) and the objects they return only
call the clients' public methods; typing ``self`` (or a held client) with
these protocols lets ``mypy --strict`` check those calls without importing
the client classes, which inherit the mixins.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping, Sequence
from typing import Any, Literal, Protocol, overload

from ._messages import MessageLike
from ._streaming import AsyncStream, Stream
from .types.agent import AgentEvent, AgentMessagesResponse, AgentStatus, SendMessageResponse
from .types.chat import ChatCompletionResponse
from .types.platform import AuditLogResponse
from .types.sessions import ChatSessionDetailResponse, ChatSessionListResponse

__all__ = ["AsyncAPI", "SyncAPI"]


class SyncAPI(Protocol):
    def list_sessions(self, user_id: str, page: int = 1, page_size: int = 20) -> ChatSessionListResponse: ...

    def get_session(self, session_id: str, *, user_id: str) -> ChatSessionDetailResponse: ...

    def get_audit_log(self, limit: int = 50, offset: int = 0) -> AuditLogResponse: ...

    @overload
    def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        *,
        stream: Literal[False] = False,
        temperature: float = 0.7,
        max_tokens: int = 4000,
        top_p: float = 1.0,
        user: str | None = None,
        system_prompt: str | None = None,
        session_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        organization_id: str | None = None,
        workflow: str | None = None,
        variables: Mapping[str, Any] | None = None,
        allowed_tools: Sequence[str] | None = None,
        setting_sources: Sequence[str] | None = None,
        mcp_servers: Any = None,
    ) -> ChatCompletionResponse: ...

    @overload
    def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        *,
        stream: Literal[True],
        temperature: float = 0.7,
        max_tokens: int = 4000,
        top_p: float = 1.0,
        user: str | None = None,
        system_prompt: str | None = None,
        session_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        organization_id: str | None = None,
        workflow: str | None = None,
        variables: Mapping[str, Any] | None = None,
        allowed_tools: Sequence[str] | None = None,
        setting_sources: Sequence[str] | None = None,
        mcp_servers: Any = None,
    ) -> Stream[str]: ...

    def stream_agent_events(self) -> Stream[AgentEvent]: ...

    def get_agent_status(self) -> AgentStatus: ...

    def get_agent_messages(self) -> AgentMessagesResponse: ...

    def send_agent_message(self, content: str, type: str = "user") -> SendMessageResponse: ...


class AsyncAPI(Protocol):
    def list_sessions(
        self, user_id: str, page: int = 1, page_size: int = 20
    ) -> Awaitable[ChatSessionListResponse]: ...

    def get_session(self, session_id: str, *, user_id: str) -> Awaitable[ChatSessionDetailResponse]: ...

    def get_audit_log(self, limit: int = 50, offset: int = 0) -> Awaitable[AuditLogResponse]: ...

    @overload
    def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        *,
        stream: Literal[False] = False,
        temperature: float = 0.7,
        max_tokens: int = 4000,
        top_p: float = 1.0,
        user: str | None = None,
        system_prompt: str | None = None,
        session_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        organization_id: str | None = None,
        workflow: str | None = None,
        variables: Mapping[str, Any] | None = None,
        allowed_tools: Sequence[str] | None = None,
        setting_sources: Sequence[str] | None = None,
        mcp_servers: Any = None,
    ) -> Awaitable[ChatCompletionResponse]: ...

    @overload
    def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        *,
        stream: Literal[True],
        temperature: float = 0.7,
        max_tokens: int = 4000,
        top_p: float = 1.0,
        user: str | None = None,
        system_prompt: str | None = None,
        session_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        organization_id: str | None = None,
        workflow: str | None = None,
        variables: Mapping[str, Any] | None = None,
        allowed_tools: Sequence[str] | None = None,
        setting_sources: Sequence[str] | None = None,
        mcp_servers: Any = None,
    ) -> Awaitable[AsyncStream[str]]: ...

    def stream_agent_events(self) -> Awaitable[AsyncStream[AgentEvent]]: ...

    def get_agent_status(self) -> Awaitable[AgentStatus]: ...

    def get_agent_messages(self) -> Awaitable[AgentMessagesResponse]: ...

    def send_agent_message(self, content: str, type: str = "user") -> Awaitable[SendMessageResponse]: ...
