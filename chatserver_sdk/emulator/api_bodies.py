"""Routes whose large JSON bodies are parsed and validated in a worker thread, a piece at a time.

FastAPI parses a JSON body and validates it against the route's model on the event loop,
each in one call that keeps the GIL: for a completion of 50,000 messages ~30 ms and
~150 ms in which the server answers nobody. A route of this class does both in a worker
thread instead, in pieces (:mod:`.jsonpieces`, :mod:`.bodies`), and hands FastAPI the
validated model, which FastAPI takes as it is. Answers are FastAPI's own: the same model
reaches the handler, and a body that does not parse or validate gets the same 422.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable, Coroutine, Mapping
from types import MappingProxyType
from typing import Any

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from . import jsonpieces
from .bodies import Validated, validate_in_pieces
from .guard import OFF_LOOP_BYTES, PARSED_JSON_STATE

_MISSING = object()
_COMPACTED_STATE = "chatserver_emulator_compacted_items"


class _PrevalidatedRequest(Request):
    """A request whose ``json()`` is the body's model once it has been validated off the loop."""

    prevalidated: Any = _MISSING

    async def json(self) -> Any:
        if self.prevalidated is not _MISSING:
            return self.prevalidated
        return await super().json()


def _is_json(content_type: str | None) -> bool:
    # FastAPI's own test for a body it parses as JSON (a body without a content type it does not).
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _body_model(route: APIRoute) -> type[BaseModel] | None:
    """The model of the route's one body parameter, when the whole body is that model."""
    params = route.dependant.body_params
    if len(params) != 1 or getattr(params[0].field_info, "embed", False):
        return None
    annotation = params[0].field_info.annotation
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _prevalidate(
    model: type[BaseModel], compact: Mapping[str, Callable[[Any], Any]], body: bytes, state: dict[str, Any]
) -> Any:
    """The body, Validated; a RequestValidationError as FastAPI raises it; the document or _MISSING for
    FastAPI to answer itself."""
    document = state.get(PARSED_JSON_STATE, _MISSING)
    if document is _MISSING:
        try:
            document = jsonpieces.loads(body)
        except json.JSONDecodeError as exc:
            # FastAPI's answer to a body that does not parse.
            return RequestValidationError(
                [
                    {
                        "type": "json_invalid",
                        "loc": ("body", exc.pos),
                        "msg": "JSON decode error",
                        "input": {},
                        "ctx": {"error": exc.msg},
                    }
                ],
                body=exc.doc,
            )
        except Exception:  # FastAPI answers these itself (400), quickly: the body failed early
            return _MISSING
    if not isinstance(document, dict):
        return document  # FastAPI refuses it at once, whatever its size
    outcome = validate_in_pieces(model, document, from_attributes=True, compact=compact)
    if isinstance(outcome, Validated):
        return outcome
    return RequestValidationError(
        [{**error, "loc": ("body", *error["loc"])} for error in outcome], body=document
    )


class PiecewiseBodyRoute(APIRoute):
    """An APIRoute that validates a large JSON body off the event loop (see the module's docstring).

    A subclass may name, in ``compact_items``, list fields of the body whose items are converted
    as they are validated: such a field then arrives empty in the handler's model, and its
    converted items are in :func:`compacted_items`.
    """

    compact_items: Mapping[str, Callable[[Any], Any]] = MappingProxyType({})

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        model = _body_model(self)
        if model is None:
            return handle
        compact = self.compact_items

        async def handler(request: Request) -> Response:
            request = _PrevalidatedRequest(request.scope, request.receive)
            body = await request.body()
            if len(body) > OFF_LOOP_BYTES and _is_json(request.headers.get("content-type")):
                state = request.scope.setdefault("state", {})
                outcome = await run_in_threadpool(_prevalidate, model, compact, body, state)
                if isinstance(outcome, RequestValidationError):
                    raise outcome
                if isinstance(outcome, Validated):
                    state[_COMPACTED_STATE] = outcome.compacted
                    outcome = outcome.model
                request.prevalidated = outcome
            return await handle(request)

        return handler


def compacted_items(request: Request, field: str) -> tuple[Any, ...] | None:
    """The converted items of the body's ``field`` (see PiecewiseBodyRoute); None: they are in the model."""
    compacted: dict[str, tuple[Any, ...]] = request.scope.get("state", {}).get(_COMPACTED_STATE, {})
    return compacted.get(field)


# A 422 echoes the input of each error, which may be the whole body (a missing field's "input").
_ERROR_LEVELS = 6


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's 422 answer, built off the loop and in pieces when an error echoes a container."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if not any(isinstance(error.get("input"), (dict, list)) for error in errors):
        return await request_validation_exception_handler(request, exc)

    def render() -> bytes:
        return jsonpieces.render({"detail": jsonable_encoder(errors)}, levels=_ERROR_LEVELS)

    return Response(await run_in_threadpool(render), status_code=422, media_type="application/json")
