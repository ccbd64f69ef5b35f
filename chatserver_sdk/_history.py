"""The ChatServer's history rules, applied to every completion body before it is sent.

History is recorded when ``metadata.user_id`` is set. Upstream's server then
fails (HTTP 500) on a user or organisation id that is not a UUID, on content
given as a list of parts, and on a transcript shorter than the one it holds;
and when no session id is given it stores the turn under
``atoms_session_<hex>``, which its session routes cannot read back (the user's
session list answers 500 from then on). So a body with history on is sent in
the form that works -- UUIDs checked, a UUID session id when none was given,
parts joined into text -- or refused before anything is sent. This runs on
``create_completion`` and on openai's ``chat.completions.create`` alike; the
one rule that needs the stored session, completing a resume that sent only the
new messages, is the client's (see :func:`resumed_transcript`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "SESSION_RULE",
    "USER_RULE",
    "checked_history",
    "flatten_content",
    "require_uuid",
    "resumed_transcript",
]

USER_RULE = (
    "the ChatServer records history under metadata.user_id and fails (HTTP 500) on one that is not a UUID"
)
SESSION_RULE = (
    "with history on (a user id given), the ChatServer's session routes accept only UUID session ids"
)
_ORGANIZATION_RULE = "the ChatServer fails (HTTP 500) on an organization_id that is not a UUID"


def require_uuid(value: object, field: str, why: str) -> str:
    """``value`` as a canonical UUID string, or a ``ValueError`` naming the field, value and rule."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not a UUID; {why}") from None


def checked_history(body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` in the form the server records without failing, or a ``ValueError`` first."""
    checked = dict(body)
    metadata = body.get("metadata")
    if not isinstance(metadata, Mapping):
        return checked
    metadata = dict(metadata)
    if metadata.get("organization_id") is not None:
        metadata["organization_id"] = require_uuid(
            metadata["organization_id"], "metadata.organization_id", _ORGANIZATION_RULE
        )
    if metadata.get("user_id") is not None:
        metadata["user_id"] = require_uuid(metadata["user_id"], "metadata.user_id", USER_RULE)
        if metadata.get("session_id") is None:
            metadata["session_id"] = str(uuid.uuid4())
        else:
            metadata["session_id"] = require_uuid(metadata["session_id"], "session_id", SESSION_RULE)
        messages = body.get("messages")
        if isinstance(messages, list):
            checked["messages"] = [flatten_content(message) for message in messages]
    checked["metadata"] = metadata
    return checked


def flatten_content(message: Any) -> Any:
    """``message`` with list-of-parts content as one string.

    Parts are joined with newlines, as the ChatServer's agent joins them, so
    the agent reads the same text; the session history can only store text.
    """
    if not isinstance(message, Mapping):
        return message
    content = message.get("content")
    if not isinstance(content, list):
        return message
    texts = [_part_text(part) for part in content]
    return {**message, "content": "\n".join(text for text in texts if text)}


def _part_text(part: object) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Mapping):
        return str(part.get("text") or "")
    return str(getattr(part, "text", "") or "")


def resumed_transcript(
    stored: Sequence[tuple[str, str]], incoming: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]] | None:
    """What to send to continue a stored session, or ``None`` to send ``incoming`` as it is.

    The ChatServer stores the transcript it is sent: it appends the messages
    beyond the ones it holds, and fails (HTTP 500) on a shorter one. So what is
    sent is the stored transcript followed by the caller's messages that it does
    not hold yet: those after the part the two have in common. A caller who
    sends the whole conversation again sends it as it is; one who sends only the
    new messages (or the system prompt and the new message) gets the stored ones
    put in front; one whose transcript parted from the stored one (a turn that
    failed after the server kept its message) continues after what is stored.
    """
    if not stored:
        return None
    sent = [(message.get("role"), flatten_content(message).get("content")) for message in incoming]
    common = 0
    while common < min(len(stored), len(sent)) and sent[common] == stored[common]:
        common += 1
    if common == len(stored):
        return None
    # Everything sent matches the start of the session: they are new messages that repeat it.
    new = incoming if common == len(sent) else incoming[common:]
    return [{"role": role, "content": content} for role, content in stored] + [dict(m) for m in new]
