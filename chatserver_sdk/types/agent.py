"""Agent control (the coder/agentapi routes: ``/status``, ``/messages``, ``/events`` ...).

Values are those of agentapi 0.12.1 (``tests/upstream/agentapi-openapi.json``); a value a later
agentapi adds is kept as the string.
"""

from typing import Literal, Union

from ._base import Default, Model, OpenEnum, Timestamp

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
    agent_type: str = Default("")
    status: OpenEnum[Literal["running", "stable"]]
    """``running`` while the agent works on a message, ``stable`` when idle."""
    transport: OpenEnum[Literal["pty", "acp"]] = Default("pty")
    """How agentapi drives the agent: its terminal (``pty``) or the Agent Client Protocol (``acp``).
    agentapi before 0.12 does not say; it had only the terminal, hence the default."""


class AgentMessage(Model):
    id: int
    role: OpenEnum[Literal["user", "agent"]]
    content: str = Default("")
    time: Timestamp | None = None


class AgentMessagesResponse(Model):
    messages: list[AgentMessage] = Default(factory=list)


class SendMessageResponse(Model):
    ok: bool


class UploadResponse(Model):
    ok: bool
    file_path: str = Default("", alias="filePath")


class MessageUpdateEvent(Model):
    """A message was added or grew (SSE event ``message_update``)."""

    event: Literal["message_update"] = Default("message_update")
    id: int
    role: OpenEnum[Literal["user", "agent"]]
    message: str = Default("")
    time: Timestamp | None = None


class StatusChangeEvent(Model):
    """The agent's status changed (SSE event ``status_change``)."""

    event: Literal["status_change"] = Default("status_change")
    agent_type: str = Default("")
    status: OpenEnum[Literal["running", "stable"]]


class AgentErrorEvent(Model):
    """agentapi reported an error (SSE event ``agent_error``, agentapi 0.12 and later).

    It may come at any time, not only at the end of a turn; a new subscriber first gets the
    last few again, after the messages and the status. Today agentapi sends one, as a
    ``warning``, when it cannot load its saved state.
    """

    event: Literal["agent_error"] = Default("agent_error")
    message: str = Default("")
    level: OpenEnum[Literal["error", "warning"]] = Default("error")
    time: Timestamp | None = None


AgentEvent = Union[MessageUpdateEvent, StatusChangeEvent, AgentErrorEvent]
