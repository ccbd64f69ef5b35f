"""The model list served by ``GET /v1/models``, shaped like upstream's.

Upstream lists Vertex AI publisher models, keeps only Gemini 2.5 and Claude 4.5
variants, and derives each entry's fields from the model id (see its
``services/vertex_models.py``). The emulator serves the list upstream builds from
the models Vertex offered when this was written. As upstream does, the
completion route accepts any model string, listed or not: the list is a hint for
clients, not a gate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

# Upstream stamps entries with the time it fetched the list; the emulator with its start time.
_STARTED = int(time.time())


@dataclass(frozen=True)
class VertexModel:
    name: str
    version: str
    publisher: str
    display_name: str

    @property
    def id(self) -> str:
        # The id format the Claude Agent SDK expects, e.g. "claude-sonnet-4-5@20250929".
        return f"{self.name}@{self.version}"

    def to_json(self) -> dict[str, Any]:
        lowered = self.id.lower()
        capabilities = ["chat.completion"]
        if "thinking" in lowered or "2.0" in lowered:
            capabilities.append("reasoning")
        return {
            "id": self.id,
            "object": "model",
            "owned_by": self.publisher,
            "created": _STARTED,
            "description": self.display_name,
            "context_length": 2_097_152 if "pro" in lowered else 1_048_576,
            "provider": "vertexai",
            "capabilities": capabilities,
        }


MODELS: tuple[VertexModel, ...] = (
    VertexModel("gemini-2.5-pro", "001", "google", "Gemini 2.5 Pro"),
    VertexModel("gemini-2.5-flash", "001", "google", "Gemini 2.5 Flash"),
    VertexModel("claude-sonnet-4-5", "20250929", "anthropic", "Claude Sonnet 4.5"),
    VertexModel("claude-haiku-4-5", "20251001", "anthropic", "Claude Haiku 4.5"),
)

# What upstream's platform statistics report as running agents (a constant there).
ACTIVE_AGENTS: tuple[str, ...] = ("claude", "gemini")


def model_list() -> dict[str, Any]:
    return {"data": [m.to_json() for m in MODELS], "object": "list"}


def model_ids() -> list[str]:
    return [m.id for m in MODELS]
