"""The deterministic stand-in for the real agent backends.

Replies are a pure function of the conversation, so tests can predict them: the
agent echoes the last user message together with the turn number (the number of
user messages so far). A "token" is a whitespace-separated word, which makes
usage easy to check by hand and lets a stream emit exactly one token per chunk.

Texts can be megabytes long. Every pass over one is made a slice at a time
(:data:`SLICE` characters), so that no single C call holds the GIL for long: a
regular expression or ``str.split`` over 10 MB would keep every other thread of
the server, the event loop included, waiting for a tenth of a second or more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate, islice
from typing import NamedTuple

# Characters looked at by one C call: well under a millisecond of work.
SLICE = 1 << 16
_CHUNK = re.compile(r"\S+\s*")
# Where a token begins: a non-space character after a space or at the start (the look-behind also
# sees characters before the position a search starts at).
_WORD_START = re.compile(r"(?<!\S)\S")


class Turn(NamedTuple):
    role: str
    content: str


def _slices(text: str) -> Iterator[str]:
    for start in range(0, len(text), SLICE):
        yield text[start : start + SLICE]


def count_tokens(text: str | None) -> int:
    """Whitespace-separated words, counted a slice at a time."""
    count = 0
    previous_ends_in_word = False
    for piece in _slices(text or ""):
        count += len(piece.split())
        # A word cut by the slice boundary was counted once on each side.
        if previous_ends_in_word and not piece[0].isspace():
            count -= 1
        previous_ends_in_word = not piece[-1].isspace()
    return count


def _pieces(text: str) -> Iterator[str]:
    """``re.findall(r"\\S+\\s*", text)``, found a slice at a time."""
    carry: list[str] = []  # the parts of a chunk that may go on in the next slice
    for piece in _slices(text):
        rest = piece.lstrip()
        if carry and len(rest) < len(piece):
            carry.append(piece[: len(piece) - len(rest)])
        if not rest:
            continue
        found = _CHUNK.findall(rest)
        if carry:
            if not carry[-1][-1].isspace():
                # A word cut by the slice boundary goes on here; it (or its whitespace) may go on further.
                carry.append(found[0])
                if len(found) == 1:
                    continue
                found = found[1:]
            yield "".join(carry)
        yield from found[:-1]
        carry = [found[-1]]
    if carry:
        yield "".join(carry)


@dataclass(frozen=True)
class Reply:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str

    def pieces(self) -> Iterator[str]:
        """The reply a token at a time, each with the whitespace after it (the last has none)."""
        return _pieces(self.text)

    def ends_of(self, sizes: Iterable[int]) -> list[int]:
        """Where in ``text`` each of consecutive groups of ``sizes`` tokens ends.

        Words are counted a slice at a time by ``str.split`` (C), and looked at one by one only in
        the slice where a group ends: a reply of millions of words is never walked word by word.
        """
        text, ends = self.text, []
        before, start = 0, 0  # tokens that begin before `start`, a slice boundary
        for target in accumulate(sizes):  # the group ends where token `target` (from 0) begins
            while start < len(text):
                piece = text[start : start + SLICE]
                cut_word = start > 0 and not piece[0].isspace() and not text[start - 1].isspace()
                begin_here = len(piece.split()) - cut_word
                if before + begin_here > target:
                    found = islice(_WORD_START.finditer(text, start, start + SLICE), target - before, None)
                    ends.append(next(found).start())
                    break
                before, start = before + begin_here, start + SLICE
            else:
                ends.append(len(text))
        return ends

    @property
    def chunks(self) -> tuple[str, ...]:
        return tuple(self.pieces())

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


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
    finish_reason = "stop"
    completion_tokens = count_tokens(text)
    if max_tokens is not None and completion_tokens > max_tokens:
        kept = []
        for kept_count, piece in enumerate(_pieces(text), start=1):
            kept.append(piece)
            if kept_count == max_tokens:
                break
        # A truncated reply must not end in the whitespace that separated it from the next word.
        text, completion_tokens, finish_reason = "".join(kept).rstrip(), max_tokens, "length"
    return Reply(text, prompt_tokens, completion_tokens, finish_reason)


# Pauses a paced reply is spread over, at most: enough to see a reply arrive bit by bit.
PACE_PIECES = 10
# The longest agent delay accepted, in seconds: longer ones are surely typing mistakes.
MAX_AGENT_DELAY = 3600.0


def check_agent_delay(value: object) -> float:
    """``value`` as an agent delay in seconds, or a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_AGENT_DELAY:
        raise ValueError(
            f"agent_delay must be a number of seconds from 0 to {MAX_AGENT_DELAY:g}, got {value!r}"
        )
    return float(value)


@dataclass(frozen=True)
class Pace:
    """How long the agent takes over a reply: ``delay`` seconds in all, as at most ``pieces`` pauses,
    one before each group of tokens, so that the reply arrives a group at a time."""

    delay: float = 0.0
    pieces: int = PACE_PIECES

    def groups(self, tokens: int) -> list[tuple[int, float]]:
        """``(tokens in the group, pause before it)`` for a reply of ``tokens`` tokens; the pauses add
        up to ``delay``."""
        if self.delay <= 0:
            return [(tokens, 0.0)]
        count = max(1, min(tokens, self.pieces))
        size, larger = divmod(tokens, count)
        return [(size + (1 if i < larger else 0), self.delay / count) for i in range(count)]

    def time_until(self, tokens: int, reached: int) -> float:
        """How long a reply of ``tokens`` tokens takes until ``reached`` of them have been delivered."""
        waited, delivered = 0.0, 0
        for size, pause in self.groups(tokens):
            waited += pause
            delivered += size
            if delivered >= reached:
                break
        return waited
