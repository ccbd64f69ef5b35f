"""Stored chat-session history (``/atoms/chat/sessions``)."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import Field

from ._base import Model, NullableList, Timestamp

__all__ = ["ChatMessageRecord", "ChatSessionDetailResponse", "ChatSessionListResponse", "ChatSessionSummary"]


class ChatSessionSummary(Model):
    id: str
    user_id: str = ""
    organization_id: Optional[str] = None
    title: Optional[str] = None
    model: Optional[str] = None
    agent_type: Optional[str] = None
    created_at: Optional[Timestamp] = None
    updated_at: Optional[Timestamp] = None
    last_message_at: Optional[Timestamp] = None
    message_count: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_total: int = 0
    metadata: dict[str, Any] = Field(default_factory=dict)
    archived: bool = False


class ChatMessageRecord(Model):
    id: str
    message_index: int
    role: str
    content: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)
    tokens: Optional[int] = None
    created_at: Optional[Timestamp] = None
    updated_at: Optional[Timestamp] = None


class ChatSessionListResponse(Model):
    sessions: NullableList[ChatSessionSummary] = Field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 20
    has_more: bool = False


class ChatSessionDetailResponse(Model):
    session: ChatSessionSummary
    messages: NullableList[ChatMessageRecord] = Field(default_factory=list)
