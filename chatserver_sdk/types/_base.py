"""What every response model shares: tolerance of a server that drifts from the spec,
and the earlier SDK's ways of building and reading models.

A response that gains a field, loses an optional one, sends ``null`` for a
field or a value of an enum the SDK does not know must still parse: the SDK
should not be the thing that breaks when the server moves first. So:

* unknown fields are kept (``model.model_extra``);
* a field declared with :func:`Default` takes its default when the server
  leaves it out *or* sends ``null`` (every response field that has a default
  is declared so);
* a field typed :data:`OpenEnum` (``SomeEnum | str``, ``Literal[...] | str``)
  keeps a value it does not know as the string;
* a timestamp that is not ISO 8601 stays the string it was.

A value of the wrong kind (``"many"`` for a count) is still an error naming the
field and the value: only ``null`` and unknown names are taken in. All of this
runs in pydantic-core, not in Python validators, so a page of sessions parses
as fast as before.

The earlier SDK's models were dataclasses with ``from_dict``/``to_dict``, and
some of its methods returned plain dicts. So that code keeps working, every
model here is also built positionally in the earlier field order (where it
had an earlier twin), has ``from_dict``/``to_dict``, and reads like the dict
the server sent: ``model["key"]``, ``model.get("key", default)``, ``"key" in model``.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import PydanticUndefined, core_schema

__all__ = ["Default", "Model", "NullAs", "OpenEnum", "Recoverable", "Timestamp"]


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


class NullAs:
    """``Annotated[T, NullAs(value)]``: ``null`` from the server gives ``value`` (or ``factory()``).

    Any other value is validated as ``T`` as usual, so a wrong value is still an error that
    names the field. :func:`Default` puts this on a field with the same default.
    """

    __slots__ = ("default", "factory")

    def __init__(self, default: Any = PydanticUndefined, *, factory: Callable[[], Any] | None = None) -> None:
        if (default is PydanticUndefined) == (factory is None):
            raise TypeError("give a default or a factory, not both or neither")
        self.default = default
        self.factory = factory

    def __repr__(self) -> str:
        if self.factory is not None:
            return f"NullAs(factory={getattr(self.factory, '__name__', self.factory)})"
        return f"NullAs({self.default!r})"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        inner = handler(source)
        # pydantic-core has no "null means default", but it has "an error means default"
        # (on_error). Step one validates as usual, letting only null through; step two turns
        # that null, and nothing else, into the default. Step two re-validating a list or a
        # dict would walk it again: what step one made of one is always a list or a dict.
        container = {"list": list, "dict": dict}.get(inner["type"])
        fallback = inner if container is None else core_schema.is_instance_schema(container)
        if self.factory is not None:
            on_null = core_schema.with_default_schema(
                fallback, default_factory=self.factory, on_error="default"
            )
        else:
            on_null = core_schema.with_default_schema(fallback, default=self.default, on_error="default")
        return core_schema.chain_schema([core_schema.nullable_schema(inner), on_null])


def Default(
    default: Any = PydanticUndefined, *, factory: Callable[[], Any] | None = None, **field: Any
) -> Any:
    """A field's default, taken when the server leaves the field out *or sends null*.

    ``count: int = Default(0)``, ``items: list[X] = Default(factory=list)``; other keyword
    arguments go to pydantic's ``Field`` (``alias=...``).
    """
    null_as = NullAs(default, factory=factory)  # checks that exactly one is given
    info = Field(default, **field) if factory is None else Field(default_factory=factory, **field)
    info.metadata.append(null_as)
    return info


class _Open:
    """The schema of :data:`OpenEnum`: known names first, any other string kept."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        choices = [arg for arg in get_args(source) if arg is not str]
        names = [name for arg in choices if get_origin(arg) is Literal for name in get_args(arg)]
        if all(get_origin(arg) is Literal for arg in choices) and all(isinstance(n, str) for n in names):
            # A Literal's names are strings already: plain str parses the same, and faster.
            return handler(str)
        if not all(isinstance(arg, type) and issubclass(arg, Enum) for arg in choices):
            raise TypeError(f"OpenEnum takes an Enum or a Literal of strings, not {source!r}")
        # Left to right, or pydantic's "smart" union would prefer the plain str to the member.
        return handler(Annotated[source, Field(union_mode="left_to_right")])


_E = TypeVar("_E")

OpenEnum = Annotated[Union[_E, str], _Open()]
"""``OpenEnum[SomeEnum]`` is ``SomeEnum | str`` and ``OpenEnum[Literal["a", "b"]]`` is
``Literal["a", "b"] | str``: a known value parses to the enum member (or the literal), and one
the SDK does not know yet stays the string the server sent, rather than failing the response."""


class Recoverable(Model):
    """The answer to a creating call (a completion, an admin, an MCP server)."""

    @property
    def recovered(self) -> bool:
        """Whether the answer was lost on the way and this one was read back from the server's state."""
        return bool((self.model_extra or {}).get("recovered", False))
