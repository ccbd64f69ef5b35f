"""Model listing."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ._base import Model, NullableList

__all__ = ["ModelInfo", "ModelsResponse"]


class ModelInfo(Model):
    _positional: ClassVar[tuple[str, ...]] = (
        "id",
        "object",
        "created",
        "owned_by",
        "provider",
        "capabilities",
    )

    id: str
    object: str = "model"
    owned_by: str = ""
    created: int = 0
    description: str | None = None
    context_length: int | None = None
    provider: str | None = None
    capabilities: NullableList[str] = Field(default_factory=list)


class ModelsResponse(Model):
    _positional: ClassVar[tuple[str, ...]] = ("object", "data")

    data: NullableList[ModelInfo] = Field(default_factory=list)
    object: str = "list"
