"""Turning what callers pass as messages into what the server accepts.

Callers pass ``Message`` objects, plain dicts, bare strings (user messages)
or the message objects found in responses, ours or openai's, so that
``conversation.append(response.choices[0].message)`` can be sent back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, Union

from pydantic import BaseModel

from .types.chat import Message

__all__ = ["MessageLike", "to_wire_messages"]

MessageLike = Union[Message, Mapping[str, Any], str, BaseModel]

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
# What a message may carry besides role and content, passed on for the body policy to judge.
_PASSED_ON = ("name", "tool_calls", "tool_call_id", "function_call")


def to_wire_messages(messages: Iterable[MessageLike]) -> list[dict[str, Any]]:
    """Each message as a JSON-ready dict; a bad one raises ``ValueError`` naming it."""
    if isinstance(messages, (str, bytes, Mapping, BaseModel)):
        raise TypeError(f"messages must be a list of messages, got a single {type(messages).__name__}")
    return [_to_wire(index, message) for index, message in enumerate(messages)]


def _to_wire(index: int, message: object) -> dict[str, Any]:
    if isinstance(message, str):
        return {"role": "user", "content": message}
    if isinstance(message, BaseModel):
        fields: Mapping[str, Any] = message.model_dump(exclude_none=True, mode="json")
    elif isinstance(message, Mapping):
        fields = message
    else:
        raise TypeError(
            f"messages[{index}]: expected a Message, dict or str, got {type(message).__name__} ({message!r})"
        )

    role = fields.get("role")
    if isinstance(role, Enum):
        role = role.value
    if role not in _ROLES:
        raise ValueError(f"messages[{index}].role: {role!r} is not one of {', '.join(sorted(_ROLES))}")

    content = fields.get("content")
    if content is None:
        # Assistant messages that only called tools carry no text.
        content = ""
    elif not isinstance(content, (str, list)):
        raise ValueError(
            f"messages[{index}].content: expected a string or a list of text parts, "
            f"got {type(content).__name__} ({content!r})"
        )

    wire: dict[str, Any] = {"role": role, "content": content}
    for key in _PASSED_ON:
        value = fields.get(key)
        if value is not None:
            wire[key] = value
    return wire
