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

from .exceptions import UnsupportedParameterError

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
    "A ChatServer's agent runs its own tools: choose them with allowed_tools=[...] (metadata.allowed_tools)"
)
REFUSED: dict[str, str] = {
    # In this order: of several refused parameters, the error names the one that matters most.
    "tools": _TOOLS,
    "functions": _TOOLS,
    "tool_choice": _TOOLS,
    "function_call": _TOOLS,
    "parallel_tool_calls": _TOOLS,
    "response_format": "Ask for the format in the prompt or system_prompt, and parse the reply",
    "n": "Make one call per completion you need",
    "stop": "Cut the reply text where you need to",
    "logprobs": "A ChatServer returns no log probabilities",
    "top_logprobs": "A ChatServer returns no log probabilities",
    "seed": "A ChatServer's agents are not seeded",
    "logit_bias": "A ChatServer does not bias tokens",
    "presence_penalty": "A ChatServer applies no penalties",
    "frequency_penalty": "A ChatServer applies no penalties",
    "modalities": "A ChatServer answers in text only",
    "audio": "A ChatServer answers in text only",
    "prediction": "A ChatServer takes no predicted output",
    "reasoning_effort": "Choose the model (or its agent) instead",
    "verbosity": "Ask for the length in the prompt",
    "service_tier": "A ChatServer has no service tiers",
    "store": "A ChatServer stores history itself when metadata.user_id is set (create_completion: user=...)",
    "web_search_options": "Give the agent a web-search tool through allowed_tools or its MCP servers",
    "max_completion_tokens": "Give only one of max_tokens and max_completion_tokens",
}
_ANYWAY = " (a client made with send_unsupported_params=True sends it anyway)"


def _refused(name: str, value: object) -> UnsupportedParameterError:
    return UnsupportedParameterError(name, value, REFUSED.get(name, "Leave it out") + _ANYWAY)


def checked_completion_body(
    body: Mapping[str, Any], extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``body`` (merged with ``extra``, as openai would) as the ChatServer reads it, or raise."""
    merged: dict[str, Any] = {**body, **(extra or {})}
    if merged.get("max_completion_tokens") is not None:
        if merged.get("max_tokens") is not None:
            raise _refused("max_completion_tokens", merged["max_completion_tokens"])
        merged["max_tokens"] = merged["max_completion_tokens"]
    refused = [
        name
        for name, value in merged.items()
        if name not in READ_BY_SERVER and not _changes_nothing(name, value)
    ]
    if refused:
        order = list(REFUSED)
        first = min(refused, key=lambda name: order.index(name) if name in order else len(order))
        raise _refused(first, merged[first])
    return {name: value for name, value in merged.items() if name in READ_BY_SERVER}


def _changes_nothing(name: str, value: object) -> bool:
    if name == "max_completion_tokens" or value is None:
        return True  # already sent as max_tokens; None means "not set"
    if name == "stream_options":
        return _only_usage(value)
    return name in _NO_EFFECT and _NO_EFFECT[name] == value


def _only_usage(value: object) -> bool:
    # The last chunk of a ChatServer stream always carries usage: asking for it changes nothing.
    return isinstance(value, Mapping) and set(value) <= {"include_usage", "include_obfuscation"}
