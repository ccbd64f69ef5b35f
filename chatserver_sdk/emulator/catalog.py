"""The fixed model catalogue served by ``GET /v1/models``.

Upstream lists the models of every configured agent backend; the emulator pins a
representative set so SDK code can be written against stable ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A fixed timestamp keeps responses byte-for-byte reproducible across runs.
_CREATED = 1_717_200_000


@dataclass(frozen=True)
class ModelSpec:
    id: str
    backend: str
    owned_by: str
    description: str
    context_length: int
    capabilities: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "model",
            "owned_by": self.owned_by,
            "created": _CREATED,
            "description": self.description,
            "context_length": self.context_length,
            "provider": self.backend,
            "capabilities": list(self.capabilities),
        }


_CHAT = ("chat", "streaming")
_TOOLS = ("chat", "streaming", "tools", "mcp")

_CLAUDE = ("claude", "anthropic")
_DROID = ("droid", "factory")
_CCROUTER = ("ccrouter", "ccrouter")

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("claude-3-haiku", *_CLAUDE, "Claude 3 Haiku via the Claude agent", 200_000, _TOOLS),
    ModelSpec("claude-3-5-sonnet", *_CLAUDE, "Claude 3.5 Sonnet via the Claude agent", 200_000, _TOOLS),
    ModelSpec("claude-sonnet-4-5", *_CLAUDE, "Claude Sonnet 4.5 via the Claude agent", 200_000, _TOOLS),
    ModelSpec("droid-gpt-5", *_DROID, "GPT-5 through the Droid agent", 272_000, _TOOLS),
    ModelSpec("droid-claude-opus-4-1", *_DROID, "Claude Opus 4.1 through the Droid agent", 200_000, _TOOLS),
    ModelSpec(
        "ccrouter-gemini-2.5-pro", *_CCROUTER, "Gemini 2.5 Pro via Claude Code Router", 1_000_000, _CHAT
    ),
    ModelSpec("ccrouter-deepseek-chat", *_CCROUTER, "DeepSeek Chat via Claude Code Router", 64_000, _CHAT),
)

BACKENDS: tuple[str, ...] = tuple(dict.fromkeys(m.backend for m in MODELS))

_BY_ID = {m.id: m for m in MODELS}


def find_model(model_id: str) -> ModelSpec | None:
    return _BY_ID.get(model_id)


def model_ids() -> list[str]:
    return [m.id for m in MODELS]
