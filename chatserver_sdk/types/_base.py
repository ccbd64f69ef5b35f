"""What every response model shares: tolerance of a server that drifts from the spec,
and the earlier SDK's ways of building and reading models.

A response that gains a field, loses an optional one, sends ``null`` for a
list or a timestamp that is not ISO 8601 must still parse: the SDK should
not be the thing that breaks when the server moves first. Unknown fields are
kept (``model.model_extra``), and values that cannot be converted are kept
as sent rather than dropped.

The earlier SDK's models were dataclasses with ``from_dict``/``to_dict``, and
some of its methods returned plain dicts. So that code keeps working, every
model here is also built positionally in the earlier field order (where it
had an earlier twin), has ``from_dict``/``to_dict``, and reads like the dict
the server sent: ``model["key"]``, ``model.get("key", default)``, ``"key" in model``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar, Self, TypeVar, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["Model", "NullableList", "Timestamp"]

_T = TypeVar("_T")


class Model(BaseModel):
    # defer_build: a model's validator is built when it first parses, not at
    # import, so `import chatserver_sdk` costs little more than `import openai`.
    model_config: ClassVar[ConfigDict] = ConfigDict(
        extra="allow", populate_by_name=True, protected_namespaces=(), defer_build=True
    )

    _positional: ClassVar[tuple[str, ...]] = ()
    """The earlier SDK's dataclass field order, for models built positionally."""

    _to_dict_omits_none: ClassVar[bool] = False
    """Whether ``to_dict`` leaves out unset optional fields, as the earlier request models did."""

    def __init__(self, /, *args: Any, **data: Any) -> None:
        if args:
            _take_positional(type(self), args, data)
        super().__init__(**data)

    # This __init__ only turns positional arguments into fields, so parsing need not call it:
    # without the mark pydantic would call it for every model it parses (twice the CPU of a
    # response with 20 sessions). pydantic marks its own BaseModel.__init__ the same way.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The model from a dict as the server sends it (the earlier SDK's constructor)."""
        return cls.model_validate(data)

    def to_dict(self) -> dict[str, Any]:
        """The model as a JSON-ready dict in the server's field names; ``from_dict`` reads it back."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=self._to_dict_omits_none)

    # --- reading a model like the dict the server sent ---

    def __getitem__(self, key: str) -> Any:
        name = self._field_for(key)
        if name is None:
            raise KeyError(key)
        return getattr(self, name)

    def get(self, key: str, default: Any = None) -> Any:
        """The value the server sent for ``key``; ``default`` if it sent none, as ``dict.get``."""
        name = self._field_for(key)
        return getattr(self, name) if name is not None and self._was_sent(name) else default

    def __contains__(self, key: object) -> bool:
        name = self._field_for(key) if isinstance(key, str) else None
        return name is not None and self._was_sent(name)

    def _was_sent(self, name: str) -> bool:
        # Like the dict the server sent: a declared field it left out is not "in" it.
        return name in self.model_fields_set or name in (self.model_extra or {})

    def _field_for(self, key: str) -> str | None:
        """The attribute a dict key names: a field (by name or alias) or an unknown field kept."""
        fields = type(self).model_fields
        if key in fields or key in (self.model_extra or {}):
            return key
        for name, info in fields.items():
            if info.alias == key:
                return name
        return None


def _take_positional(cls: type[Model], args: tuple[Any, ...], data: dict[str, Any]) -> None:
    names = cls._positional
    if not names:
        raise TypeError(f"{cls.__name__}() takes keyword arguments only, got {len(args)} positional")
    if len(args) > len(names):
        raise TypeError(
            f"{cls.__name__}() takes at most {len(names)} positional arguments "
            f"({', '.join(names)}), got {len(args)}"
        )
    for name, value in zip(names, args, strict=False):
        if name in data:
            raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
        data[name] = value


# Left to right: pydantic's own (compiled) parser tries datetime first, ISO text
# or epoch numbers; anything else stays the string it was rather than fail.
Timestamp = Annotated[Union[datetime, str], Field(union_mode="left_to_right")]
"""An ISO 8601 timestamp as ``datetime``; text that is not ISO stays ``str``."""


def _none_to_list(value: object) -> object:
    return [] if value is None else value


NullableList = Annotated[list[_T], BeforeValidator(_none_to_list)]
"""A list that the server may send as ``null``: it becomes ``[]``."""
