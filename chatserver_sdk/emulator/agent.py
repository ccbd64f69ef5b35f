"""The deterministic stand-in for the real agent backends.

Replies are a pure function of the conversation, so tests can predict them: the
agent echoes the last user message together with the turn number (the number of
user messages so far). A "token" is a whitespace-separated word, which makes
usage easy to check by hand and lets a stream emit exactly one token per chunk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

_WORD = re.compile(r"\S+")
_CHUNK = re.compile(r"\S+\s*")


class Turn(NamedTuple):
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


def generate_reply(
    conversation: Iterable[Turn], *, max_tokens: int | None = None, system_prompt: str | None = None
) -> Reply:
    """Answer ``conversation``; the reply is cut at ``max_tokens`` words like a real model's.

    One pass over the conversation, which may be a generator: a long one need not be held
    as objects at all.
    """
    prompt_tokens = count_tokens(system_prompt)
    user_turns, last_user = 0, ""
    for turn in conversation:
        prompt_tokens += count_tokens(turn.content)
        if turn.role == "user":
            user_turns, last_user = user_turns + 1, turn.content
    if user_turns:
        text = f"Echo (turn {user_turns}): {last_user.strip() or '(empty message)'}"
    else:
        text = "Echo (turn 0): there is no user message to answer."
    chunks = tuple(_CHUNK.findall(text))
    finish_reason = "stop"
    if max_tokens is not None and len(chunks) > max_tokens:
        chunks = chunks[:max_tokens]
        finish_reason = "length"
    if chunks:
        # A truncated reply must not end in the whitespace that separated it from the next word.
        chunks = (*chunks[:-1], chunks[-1].rstrip())
    return Reply(chunks=chunks, prompt_tokens=prompt_tokens, finish_reason=finish_reason)
