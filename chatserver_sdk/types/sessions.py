"""Stored chat-session history (``/atoms/chat/sessions``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import Model, NullableList, Timestamp

__all__ = ["ChatMessageRecord", "ChatSessionDetailResponse", "ChatSessionListResponse", "ChatSessionSummary"]


class ChatSessionSummary(Model):
    id: str
    user_id: str = ""
    organization_id: str | None = None
    title: str | None = None
    model: str | None = None
    agent_type: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    last_message_at: Timestamp | None = None
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
    tokens: int | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class ChatSessionListResponse(Model):
    sessions: NullableList[ChatSessionSummary] = Field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 20
    has_more: bool = False


class ChatSessionDetailResponse(Model):
    session: ChatSessionSummary
    messages: NullableList[ChatMessageRecord] = Field(default_factory=list)
