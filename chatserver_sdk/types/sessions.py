"""Stored chat-session history (``/atoms/chat/sessions``)."""

from typing import Any, ClassVar

from pydantic import model_validator

from ._base import Default, Model, Timestamp

__all__ = ["ChatMessageRecord", "ChatSessionDetailResponse", "ChatSessionListResponse", "ChatSessionSummary"]


class ChatSessionSummary(Model):
    _positional: ClassVar[tuple[str, ...]] = (
        "id",
        "user_id",
        "organization_id",
        "title",
        "model",
        "agent_type",
        "created_at",
        "updated_at",
        "last_message_at",
        "message_count",
        "tokens_in",
        "tokens_out",
        "tokens_total",
        "metadata",
        "archived",
    )

    id: str
    user_id: str = Default("")
    organization_id: str | None = None
    title: str | None = None
    model: str | None = None
    agent_type: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    last_message_at: Timestamp | None = None
    message_count: int = Default(0)
    tokens_in: int = Default(0)
    tokens_out: int = Default(0)
    tokens_total: int = Default(0)
    metadata: dict[str, Any] = Default(factory=dict)
    archived: bool = Default(False)


class ChatMessageRecord(Model):
    _positional: ClassVar[tuple[str, ...]] = (
        "id",
        "session_id",
        "message_index",
        "role",
        "content",
        "metadata",
        "tokens",
        "created_at",
        "updated_at",
    )

    id: str
    session_id: str | None = None
    """The session this message belongs to (the server leaves it out; a session's detail fills it in)."""
    message_index: int
    role: str
    content: str = Default("")
    metadata: dict[str, Any] = Default(factory=dict)
    tokens: int | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class ChatSessionListResponse(Model):
    _positional: ClassVar[tuple[str, ...]] = ("sessions", "total", "page", "page_size", "has_more")

    sessions: list[ChatSessionSummary] = Default(factory=list)
    total: int = Default(0)
    page: int = Default(1)
    page_size: int = Default(20)
    has_more: bool = Default(False)


class ChatSessionDetailResponse(Model):
    _positional: ClassVar[tuple[str, ...]] = ("session", "messages")

    session: ChatSessionSummary
    messages: list[ChatMessageRecord] = Default(factory=list)

    @model_validator(mode="after")
    def _messages_know_their_session(self) -> "ChatSessionDetailResponse":
        # The earlier SDK's records carried session_id; upstream's do not, but
        # every message here belongs to this session.
        for message in self.messages:
            if message.session_id is None:
                message.session_id = self.session.id
        return self
