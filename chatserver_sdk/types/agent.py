"""Agent control (the coder/agentapi routes: ``/status``, ``/messages``, ``/events`` ...)."""

from __future__ import annotations

from typing import Literal, Union

from pydantic import Field

from ._base import Model, NullableList, Timestamp

__all__ = [
    "AgentErrorEvent",
    "AgentEvent",
    "AgentMessage",
    "AgentMessagesResponse",
    "AgentStatus",
    "MessageUpdateEvent",
    "SendMessageResponse",
    "StatusChangeEvent",
    "UploadResponse",
]


class AgentStatus(Model):
    agent_type: str = ""
    status: str
    """``running`` while the agent works on a message, ``stable`` when idle."""
    transport: str = "pty"
    """How agentapi drives the agent (0.12.1): ``pty`` or ``acp``."""


class AgentMessage(Model):
    id: int
    role: str
    """``user`` or ``agent``."""
    content: str = ""
    time: Timestamp | None = None


class AgentMessagesResponse(Model):
    messages: NullableList[AgentMessage] = Field(default_factory=list)


class SendMessageResponse(Model):
    ok: bool


class UploadResponse(Model):
    ok: bool
    file_path: str = Field(default="", alias="filePath")


class MessageUpdateEvent(Model):
    """A message was added or grew (SSE event ``message_update``)."""

    event: Literal["message_update"] = "message_update"
    id: int
    role: str
    message: str = ""
    time: Timestamp | None = None


class StatusChangeEvent(Model):
    """The agent's status changed (SSE event ``status_change``)."""

    event: Literal["status_change"] = "status_change"
    agent_type: str = ""
    status: str


class AgentErrorEvent(Model):
    """The agent reported an error or a warning (SSE event ``agent_error``, agentapi 0.12.1)."""

    event: Literal["agent_error"] = "agent_error"
    message: str = ""
    level: str = "error"
    """``error`` or ``warning``."""
    time: Timestamp | None = None


AgentEvent = Union[MessageUpdateEvent, StatusChangeEvent, AgentErrorEvent]
