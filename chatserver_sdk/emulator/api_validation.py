"""Refusals in FastAPI's own validation shape, for limits no ``Query(...)`` constraint can state."""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError

from .paging import OutOfRangeError


def out_of_range(exc: OutOfRangeError) -> RequestValidationError:
    """A 422 whose one error reads like pydantic's ``le`` check on the query parameter, reason included."""
    return RequestValidationError(
        [
            {
                "type": "less_than_equal",
                "loc": ("query", exc.field),
                "msg": f"Input should be less than or equal to {exc.bound} ({exc.why})",
                # As FastAPI reports a query parameter: the text that was sent.
                "input": str(exc.value),
                "ctx": {"le": exc.bound},
            }
        ]
    )
