"""What every response model shares: tolerance of a server that drifts from the spec.

A response that gains a field, loses an optional one, sends ``null`` for a
list or a timestamp that is not ISO 8601 must still parse: the SDK should
not be the thing that breaks when the server moves first. Unknown fields are
kept (``model.model_extra``), and values that cannot be converted are kept
as sent rather than dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["Model", "NullableList", "Timestamp"]

_T = TypeVar("_T")


class Model(BaseModel):
    # defer_build: a model's validator is built when it first parses, not at
    # import, so `import chatserver_sdk` costs little more than `import openai`.
    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=(), defer_build=True)

    def __getitem__(self, key: str) -> Any:
        # The earlier SDK returned plain dicts in places; subscripting keeps
        # that code working on the models.
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None


# Left to right: pydantic's own (compiled) parser tries datetime first, ISO text
# or epoch numbers; anything else stays the string it was rather than fail.
Timestamp = Annotated[Union[datetime, str], Field(union_mode="left_to_right")]
"""An ISO 8601 timestamp as ``datetime``; text that is not ISO stays ``str``."""


def _none_to_list(value: object) -> object:
    return [] if value is None else value


NullableList = Annotated[list[_T], BeforeValidator(_none_to_list)]
"""A list that the server may send as ``null``: it becomes ``[]``."""
