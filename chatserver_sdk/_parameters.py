"""Chat-completion parameters: what a ChatServer reads, what is translated, what is refused.

Upstream's request model (``ChatCompletionRequest``) reads ``model``,
``messages``, ``temperature``, ``max_tokens``, ``top_p``, ``stream``, ``user``,
``system_prompt`` and ``metadata``; pydantic drops every other field without a
word. A caller who sends ``tools`` or ``response_format`` would get a 200 as if
they were honoured: a tool never called, a format never applied. So every body
sent to ``/chat/completions`` -- by ``create_completion``, by openai's
``chat.completions.create`` on these clients, and so by LangChain, LiteLLM or
pydantic-ai handed one -- is checked here once:

* read by the server: sent as given;
* ``max_completion_tokens`` (what LangChain and pydantic-ai send): sent as ``max_tokens``;
* a value that changes nothing (``n=1``, ``stream_options`` -- the last chunk
  always carries usage --, zero penalties, ``logprobs=False``, ``None``): left out;
* anything else: :class:`UnsupportedParameterError`, naming the parameter and
  what to do instead.

A client made with ``send_unsupported_params=True`` sends bodies unchanged, for
servers behind the same API that do read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .exceptions import ChatServerError

__all__ = ["READ_BY_SERVER", "REFUSED", "UnsupportedParameterError", "checked_completion_body"]

READ_BY_SERVER = frozenset(
    {"model", "messages", "temperature", "max_tokens", "top_p", "stream", "user", "system_prompt", "metadata"}
)

# Values equal to what the server does anyway: leaving them out loses nothing.
_NO_EFFECT: dict[str, object] = {
    "n": 1,
    "presence_penalty": 0,
    "frequency_penalty": 0,
    "logprobs": False,
    "parallel_tool_calls": True,
}

_TOOLS = (
    "a ChatServer runs an agent with its own tools and never returns tool calls; choose the agent's "
    "tools with allowed_tools=[...] (create_completion) or metadata={'allowed_tools': [...]}"
)
REFUSED: dict[str, str] = {
    "tools": _TOOLS,
    "tool_choice": _TOOLS,
    "functions": _TOOLS,
    "function_call": _TOOLS,
    "parallel_tool_calls": _TOOLS,
    "response_format": "ask for the format in the prompt or system_prompt and parse the reply text",
    "n": "make one call per completion you need",
    "stop": "cut the reply text where you need to",
    "logprobs": "a ChatServer returns no log probabilities",
    "top_logprobs": "a ChatServer returns no log probabilities",
    "seed": "a ChatServer's agents are not seeded",
    "logit_bias": "a ChatServer does not bias tokens",
    "presence_penalty": "a ChatServer applies no penalties",
    "frequency_penalty": "a ChatServer applies no penalties",
    "modalities": "a ChatServer answers in text only",
    "audio": "a ChatServer answers in text only",
    "prediction": "a ChatServer takes no predicted output",
    "reasoning_effort": "choose the model (or its agent) instead",
    "verbosity": "ask for the length in the prompt",
    "service_tier": "a ChatServer has no service tiers",
    "store": "a ChatServer stores history itself when metadata.user_id is set (create_completion: user=...)",
    "web_search_options": "give the agent a web-search tool through allowed_tools / MCP servers",
    "max_completion_tokens": "give only one of max_tokens and max_completion_tokens",
}


class UnsupportedParameterError(ChatServerError, ValueError):
    """A chat-completion parameter the ChatServer would silently ignore; nothing was sent."""

    def __init__(self, parameter: str, value: object, advice: str) -> None:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:80] + "…"
        message = (
            f"{parameter}={shown}: a ChatServer does not read {parameter!r} and would answer as if it "
            f"were not given; {advice}. (A client created with send_unsupported_params=True sends it "
            "anyway, for servers that read it.)"
        )
        super().__init__(message)
        self.parameter = parameter
        self.value = value


def checked_completion_body(
    body: Mapping[str, Any], extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``body`` (merged with ``extra``, as openai would) as the ChatServer reads it, or raise."""
    merged: dict[str, Any] = {**body, **(extra or {})}
    if merged.get("max_completion_tokens") is not None:
        if merged.get("max_tokens") is not None:
            raise UnsupportedParameterError(
                "max_completion_tokens", merged["max_completion_tokens"], REFUSED["max_completion_tokens"]
            )
        merged["max_tokens"] = merged["max_completion_tokens"]
    checked: dict[str, Any] = {}
    for name, value in merged.items():
        if name in READ_BY_SERVER:
            checked[name] = value
        elif not _changes_nothing(name, value):
            raise UnsupportedParameterError(name, value, REFUSED.get(name, "leave it out"))
    return checked


def _changes_nothing(name: str, value: object) -> bool:
    if name == "max_completion_tokens" or value is None:
        return True  # already sent as max_tokens; None means "not set"
    if name == "stream_options":
        return _only_usage(value)
    return name in _NO_EFFECT and _NO_EFFECT[name] == value


def _only_usage(value: object) -> bool:
    # The last chunk of a ChatServer stream always carries usage: asking for it changes nothing.
    return isinstance(value, Mapping) and set(value) <= {"include_usage", "include_obfuscation"}
