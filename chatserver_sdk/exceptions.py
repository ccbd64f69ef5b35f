"""Exceptions raised by the ChatServer clients.

Every class here is also the matching ``openai`` exception, so code written
against either SDK keeps catching what it expects:

==========================  ======  =====================================
ChatServer                   status  also an instance of
==========================  ======  =====================================
``BadRequestError``          400     ``openai.BadRequestError``
``UnauthorizedError``        401     ``openai.AuthenticationError``
``ForbiddenError``           403     ``openai.PermissionDeniedError``
``NotFoundError``            404     ``openai.NotFoundError``
``ConflictError``            409     ``openai.ConflictError``
``UnprocessableEntityError`` 422     ``openai.UnprocessableEntityError``
``RateLimitError``           429     ``openai.RateLimitError``
``InternalServerError``      >= 500  ``openai.InternalServerError``
``APIStatusError``           other   ``openai.APIStatusError``
``APIConnectionError``       -       ``openai.APIConnectionError``
``APITimeoutError``          -       ``openai.APITimeoutError``
``StreamError``              -       ``openai.APIError``
``IncompleteStreamError``    -       ``openai.APIConnectionError``
==========================  ======  =====================================

``e.message`` is always the server's own words, whatever body shape carried
them (see :func:`error_message`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx2
import openai

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ChatServerError",
    "ConflictError",
    "ForbiddenError",
    "IncompleteStreamError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "StreamError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "error_message",
    "status_error",
]

_EXCERPT_CHARS = 200


class ChatServerError(openai.OpenAIError):
    """Base class of every error this SDK raises."""


class APIError(ChatServerError, openai.APIError):
    """An error tied to a request the SDK sent."""


class APIStatusError(APIError, openai.APIStatusError):
    """The server answered with a 4xx or 5xx status."""


class BadRequestError(APIStatusError, openai.BadRequestError):
    pass


class UnauthorizedError(APIStatusError, openai.AuthenticationError):
    pass


class ForbiddenError(APIStatusError, openai.PermissionDeniedError):
    pass


class NotFoundError(APIStatusError, openai.NotFoundError):
    pass


class ConflictError(APIStatusError, openai.ConflictError):
    pass


class UnprocessableEntityError(APIStatusError, openai.UnprocessableEntityError):
    pass


class RateLimitError(APIStatusError, openai.RateLimitError):
    pass


class InternalServerError(APIStatusError, openai.InternalServerError):
    pass


# openai's names for the same classes, for code that already uses them.
AuthenticationError = UnauthorizedError
PermissionDeniedError = ForbiddenError


class APIConnectionError(APIError, openai.APIConnectionError):
    """The server could not be reached, or the connection broke."""


class APITimeoutError(APIConnectionError, openai.APITimeoutError):
    """The request timed out (after any retries)."""


class IncompleteStreamError(APIConnectionError):
    """A stream ended before the server's ``[DONE]`` marker: the answer is cut short."""

    def __init__(self, *, request: httpx2.Request, received_chunks: int) -> None:
        super().__init__(
            message=f"Stream ended before [DONE] after {received_chunks} chunk(s); the answer is incomplete.",
            request=request,
        )
        self.received_chunks = received_chunks


class StreamError(APIError):
    """The server reported an error inside a stream that had already started (HTTP 200)."""

    response: httpx2.Response
    status_code: int

    def __init__(self, message: str, *, response: httpx2.Response, body: object) -> None:
        super().__init__(message, response.request, body=body)
        self.response = response
        self.status_code = response.status_code


class ResponseValidationError(APIError, openai.APIResponseValidationError):
    """The server answered 2xx with a body that is not the JSON the operation returns."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error(response: httpx2.Response) -> APIStatusError:
    """Build the exception for a 4xx/5xx response whose body has been read."""
    text = response.text
    body: object
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text
    message = error_message(response.status_code, body, text)
    if response.status_code >= 500:
        cls: type[APIStatusError] = InternalServerError
    else:
        cls = _STATUS_CLASSES.get(response.status_code, APIStatusError)
    return cls(message, response=response, body=body)


def error_message(status_code: int, body: object, text: str = "") -> str:
    """The server's own words for an error, from any of the body shapes it uses.

    Handles ``{"detail": "..."}``, FastAPI's 422 list, ``{"error": {"message"}}``,
    problem+json (``title``/``detail``/``errors``) and non-JSON bodies.
    """
    if isinstance(body, Mapping):
        message = _message_from_mapping(body)
        if message:
            return message
    if isinstance(body, str) or body is None:
        excerpt = " ".join((text or "").split())
        if len(excerpt) > _EXCERPT_CHARS:
            excerpt = excerpt[:_EXCERPT_CHARS] + "…"
        return f"HTTP {status_code}: {excerpt}" if excerpt else f"HTTP {status_code} with an empty body"
    return f"HTTP {status_code}: {json.dumps(body)[:_EXCERPT_CHARS]}"


def _message_from_mapping(body: Mapping[str, Any]) -> str | None:
    error = body.get("error")
    if isinstance(error, Mapping):
        message = error.get("message")
        if isinstance(message, str) and message:
            return message
    if isinstance(error, str) and error:
        return error

    detail = body.get("detail")
    title = body.get("title")
    errors = body.get("errors")
    if isinstance(detail, list):
        return _validation_summary(detail)
    parts: list[str] = []
    if isinstance(title, str) and title and (not isinstance(detail, str) or title not in detail):
        parts.append(title)
    if isinstance(detail, str) and detail:
        parts.append(detail)
    if isinstance(errors, list) and errors:
        parts.append(_problem_errors(errors))
    if parts:
        return ": ".join(parts)
    message = body.get("message")
    return message if isinstance(message, str) and message else None


def _validation_summary(items: Sequence[object]) -> str:
    """FastAPI's 422 list, as ``field: problem`` clauses naming each field."""
    clauses = []
    for item in items:
        if not isinstance(item, Mapping):
            clauses.append(str(item))
            continue
        loc = item.get("loc")
        field = ".".join(str(part) for part in loc) if isinstance(loc, list) else "request"
        clause = f"{field}: {item.get('msg', 'invalid')}"
        if "input" in item:
            clause += f" (got {item['input']!r})"
        clauses.append(clause)
    return "; ".join(clauses) if clauses else "validation failed"


def _problem_errors(errors: Sequence[object]) -> str:
    clauses = []
    for item in errors:
        if isinstance(item, Mapping):
            where = item.get("location") or "request"
            clause = f"{where}: {item.get('message', 'invalid')}"
            if "value" in item:
                clause += f" (got {item['value']!r})"
            clauses.append(clause)
        else:
            clauses.append(str(item))
    return "; ".join(clauses)
