"""Chat completion request and response models."""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, Field

from ._base import Model, NullableList

__all__ = [
    "ChatCompletionChoice",
    "ChatCompletionRequest",
    "ChatCompletionResponse",
    "ContentPart",
    "Message",
    "MessageRole",
    "UsageInfo",
]


class MessageRole(str, Enum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"

    def __str__(self) -> str:
        return self.value


class ContentPart(Model):
    """One ``{"type": "text", "text": ...}`` part of a multi-part message."""

    type: Literal["text"] = "text"
    text: str


class Message(Model):
    role: MessageRole
    content: str | list[ContentPart | str]
    name: str | None = None

    @property
    def text(self) -> str:
        """The content as one string, whether it was sent whole or in parts."""
        if isinstance(self.content, str):
            return self.content
        return "".join(part if isinstance(part, str) else part.text for part in self.content)


class UsageInfo(Model):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletionChoice(Model):
    index: int = 0
    message: Message
    finish_reason: str | None = None


class ChatCompletionResponse(Model):
    id: str
    object: str = "chat.completion"
    created: int = 0
    model: str = ""
    choices: NullableList[ChatCompletionChoice] = Field(default_factory=list)
    usage: UsageInfo = Field(default_factory=UsageInfo)
    system_fingerprint: str | None = None
    """The ChatServer session id: pass it back as ``session_id`` to continue."""


class ChatCompletionRequest(BaseModel):
    """The body of ``POST /v1/chat/completions``; bounds are the server's own."""

    model: str
    messages: list[Message]
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int = Field(default=4000, ge=1, le=4000)
    top_p: float = Field(default=1.0, ge=0, le=1)
    stream: bool = False
    user: str | None = None
    system_prompt: str | None = None
    metadata: dict[str, Any] | None = None
