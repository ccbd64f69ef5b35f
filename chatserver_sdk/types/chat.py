"""Chat completion request and response models."""

from enum import Enum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field

from ._base import Default, Model, NullAs, OpenEnum, Recoverable

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
    """One ``{"type": "text", "text": ...}`` part of a multi-part message.

    A part of another type (an image, say) is kept with its fields; its ``text`` is empty.
    """

    type: OpenEnum[Literal["text"]] = Default("text")
    text: str = Default("")


class Message(Model):
    _positional: ClassVar[tuple[str, ...]] = ("role", "content")
    _to_dict_omits_none: ClassVar[bool] = True

    role: OpenEnum[MessageRole]
    """A :class:`MessageRole`; a role the SDK does not know (``"developer"``) stays a string."""
    content: Annotated[str | list[ContentPart | str], NullAs("")]
    """``null`` (an assistant message that only called tools) reads as ``""``."""
    name: str | None = None

    @property
    def text(self) -> str:
        """The content as one string, whether it was sent whole or in parts."""
        if isinstance(self.content, str):
            return self.content
        return "".join(part if isinstance(part, str) else part.text for part in self.content)


class UsageInfo(Model):
    _positional: ClassVar[tuple[str, ...]] = ("prompt_tokens", "completion_tokens", "total_tokens")

    prompt_tokens: int = Default(0)
    completion_tokens: int = Default(0)
    total_tokens: int = Default(0)


class ChatCompletionChoice(Model):
    _positional: ClassVar[tuple[str, ...]] = ("index", "message", "finish_reason")

    index: int = Default(0)
    message: Message
    finish_reason: str | None = None


class ChatCompletionResponse(Recoverable):
    _positional: ClassVar[tuple[str, ...]] = (
        "id",
        "object",
        "created",
        "model",
        "choices",
        "usage",
        "system_fingerprint",
    )

    id: str
    object: str = Default("chat.completion")
    created: int = Default(0)
    model: str = Default("")
    choices: list[ChatCompletionChoice] = Default(factory=list)
    usage: UsageInfo = Default(factory=UsageInfo)
    system_fingerprint: str | None = None
    """The ChatServer session id: pass it back as ``session_id`` to continue."""


class ChatCompletionRequest(Model):
    """The body of ``POST /v1/chat/completions``; bounds are the server's own.

    ``None`` leaves a sampling setting to the server (it is then left out of
    ``to_dict()``), as in the earlier SDK.
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="ignore")
    _positional: ClassVar[tuple[str, ...]] = (
        "model",
        "messages",
        "temperature",
        "max_tokens",
        "top_p",
        "stream",
        "user",
        "system_prompt",
        "metadata",
    )
    _to_dict_omits_none: ClassVar[bool] = True

    model: str
    messages: list[Message]
    temperature: float | None = Field(default=0.7, ge=0, le=2)
    max_tokens: int | None = Field(default=4000, ge=1, le=4000)
    top_p: float | None = Field(default=1.0, ge=0, le=1)
    stream: bool = Default(False)
    user: str | None = None
    system_prompt: str | None = None
    metadata: dict[str, Any] | None = None
