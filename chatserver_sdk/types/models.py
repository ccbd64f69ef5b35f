"""Model listing."""

from typing import ClassVar

from ._base import Default, Model

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
    object: str = Default("model")
    owned_by: str = Default("")
    created: int = Default(0)
    description: str | None = None
    context_length: int | None = None
    provider: str | None = None
    capabilities: list[str] = Default(factory=list)


class ModelsResponse(Model):
    _positional: ClassVar[tuple[str, ...]] = ("object", "data")

    data: list[ModelInfo] = Default(factory=list)
    object: str = Default("list")
