"""Validating a request body whose list fields hold many items, a slice at a time.

pydantic validates a model in one call that keeps the GIL throughout: ~150 ms for a
completion request of 50,000 messages, during which no other thread runs. Here each
long list field is validated a slice of items at a time, then the model around the
already validated items (which pydantic takes as they are). The outcome is
``model.model_validate(document)``'s: the same model, or the same errors in the same
order, as ``errors(include_url=False)`` gives them (the form FastAPI answers 422 with;
FastAPI validates bodies with ``from_attributes=True``).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

PIECE = 256

Model = TypeVar("Model", bound=BaseModel)


@cache
def _list_fields(model: type[BaseModel]) -> dict[str, TypeAdapter[Any]]:
    """Fields declared as a bare ``list[...]`` (no alias, no constraints): validated a slice at a time."""
    fields: dict[str, TypeAdapter[Any]] = {}
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if (
            annotation is not None
            and typing.get_origin(annotation) is list
            and field.alias is None
            and not field.metadata
        ):
            fields[name] = TypeAdapter(annotation)
    return fields


def _whole(
    model: type[Model], document: Any, from_attributes: bool
) -> Validated[Model] | list[dict[str, Any]]:
    try:
        return Validated(model.model_validate(document, from_attributes=from_attributes), {})
    except ValidationError as exc:
        return [dict(error) for error in exc.errors(include_url=False)]


@dataclass(frozen=True)
class Validated(Generic[Model]):
    """A valid body: its model, and the items of the ``compact`` fields in their compact form.

    A field given in ``compact`` is empty in ``model``: its validated items were converted a
    slice at a time, so that no more than a slice of model objects (two objects the garbage
    collector tracks each) is alive at once, and every full collection stays short.
    """

    model: Model
    compacted: dict[str, tuple[Any, ...]]


def validate_in_pieces(
    model: type[Model],
    document: Any,
    *,
    from_attributes: bool = False,
    compact: Mapping[str, Callable[[Any], Any]] | None = None,
    piece: int = PIECE,
) -> Validated[Model] | list[dict[str, Any]]:
    """``model.model_validate(document, from_attributes=...)``, or the errors it would raise.

    ``compact`` maps list fields to a conversion of their validated items, applied when the
    list is validated in pieces (longer than ``piece``).
    """
    if not isinstance(document, dict):
        return _whole(model, document, from_attributes)
    long_fields = {
        name: adapter
        for name, adapter in _list_fields(model).items()
        if isinstance(document.get(name), list) and len(document[name]) > piece
    }
    if not long_fields:
        return _whole(model, document, from_attributes)
    compact = compact or {}
    validated: dict[str, list[Any]] = {}
    compacted: dict[str, tuple[Any, ...]] = {}
    item_errors: list[dict[str, Any]] = []
    for name, adapter in long_fields.items():
        items: list[Any] = document[name]
        done: list[Any] = []
        for start in range(0, len(items), piece):
            try:
                valid = adapter.validate_python(items[start : start + piece], from_attributes=from_attributes)
            except ValidationError as exc:
                item_errors.extend(
                    {**dict(error), "loc": (name, start + int(error["loc"][0]), *error["loc"][1:])}
                    for error in exc.errors(include_url=False)
                )
                continue
            done.extend(map(compact[name], valid) if name in compact else valid)
        if name in compact:
            compacted[name] = tuple(done)
        else:
            validated[name] = done
    # The rest of the model, around the validated items (or none, when some failed: their errors are known).
    around = {**document, **{name: [] for name in long_fields}, **({} if item_errors else validated)}
    outcome = _whole(model, around, from_attributes)
    if isinstance(outcome, Validated) and not item_errors:
        return Validated(outcome.model, compacted)
    errors = [] if isinstance(outcome, Validated) else outcome
    # Errors about the whole document name it, not the copy validated here.
    errors = [{**error, "input": document} if error["input"] is around else error for error in errors]
    # pydantic reports fields in declaration order, each list's items in index order (sorted is stable).
    order = {name: position for position, name in enumerate(model.model_fields)}
    return sorted(
        [*errors, *item_errors],
        key=lambda error: order.get(str(error["loc"][0]), -1) if error["loc"] else -1,
    )
