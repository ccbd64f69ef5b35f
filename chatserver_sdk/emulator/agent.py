"""The deterministic stand-in for the real agent backends.

Replies are a pure function of the conversation, so tests can predict them: the
agent echoes the last user message together with the turn number (the number of
user messages so far). A "token" is a whitespace-separated word, which makes
usage easy to check by hand and lets a stream emit exactly one token per chunk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\S+")
_CHUNK = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class Turn:
    role: str
    content: str


@dataclass(frozen=True)
class Reply:
    chunks: tuple[str, ...]
    prompt_tokens: int
    finish_reason: str

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    @property
    def completion_tokens(self) -> int:
        return len(self.chunks)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def count_tokens(text: str | None) -> int:
    return len(_WORD.findall(text or ""))


def reply_text(conversation: Sequence[Turn]) -> str:
    user_turns = [t.content for t in conversation if t.role == "user"]
    if not user_turns:
        return "Echo (turn 0): there is no user message to answer."
    last = user_turns[-1].strip() or "(empty message)"
    return f"Echo (turn {len(user_turns)}): {last}"


def generate_reply(
    conversation: Sequence[Turn], *, max_tokens: int | None = None, system_prompt: str | None = None
) -> Reply:
    """Answer ``conversation``; the reply is cut at ``max_tokens`` words like a real model's."""
    chunks = tuple(_CHUNK.findall(reply_text(conversation)))
    finish_reason = "stop"
    if max_tokens is not None and len(chunks) > max_tokens:
        chunks = chunks[:max_tokens]
        finish_reason = "length"
    if chunks:
        # A truncated reply must not end in the whitespace that separated it from the next word.
        chunks = (*chunks[:-1], chunks[-1].rstrip())
    prompt_tokens = count_tokens(system_prompt) + sum(count_tokens(t.content) for t in conversation)
    return Reply(chunks=chunks, prompt_tokens=prompt_tokens, finish_reason=finish_reason)
