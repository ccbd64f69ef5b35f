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
``ResponseValidationError``  2xx     ``openai.APIResponseValidationError``
==========================  ======  =====================================

``e.message`` is always the server's own words, whatever body shape carried
them (see :func:`error_message`), cut to a readable length. For an
OpenAI-shaped body (``{"error": {"message", "type", "code", "param"}}``)
``e.body`` is the inner object and ``e.code``, ``e.type`` and ``e.param`` are
set, exactly as openai does.

Exceptions pickle (a worker process can raise them to its parent) and
neither a pickle nor a ``repr`` holds a credential: the request and response
they carry across are copies without headers that could hold one.

The earlier ChatServer SDK built these as ``BadRequestError(message,
status_code, response)`` and read ``.message``, ``.status_code`` and
``.response`` on every one, the base ``ChatServerError`` included; both
still work.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode

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
    "broken_stream_error",
    "display_url",
    "error_message",
    "status_error",
    "transport_error",
]

_EXCERPT_CHARS = 200
MESSAGE_LIMIT = 2000
"""Longest ``e.message``: a server that echoes a 50 MB body must not make a 50 MB traceback."""
_PICKLED_BODY_LIMIT = 64 * 1024
_SECRET_QUERY_PARAMS = frozenset({"api_key", "key", "token", "access_token"})
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})


def display_url(url: httpx2.URL | str) -> str:
    """``url`` fit to show a person: no password or user, no secret query values."""
    parsed = httpx2.URL(str(url))
    if parsed.userinfo:
        parsed = parsed.copy_with(username=None, password=None)
    if parsed.query:
        pairs = parse_qsl(parsed.query.decode("latin-1"), keep_blank_values=True)
        redacted = [(k, "***" if k.lower() in _SECRET_QUERY_PARAMS else v) for k, v in pairs]
        parsed = parsed.copy_with(query=urlencode(redacted).encode("latin-1"))
    return str(parsed)


def _bounded(message: str) -> str:
    if len(message) <= MESSAGE_LIMIT:
        return message
    return f"{message[:MESSAGE_LIMIT]}… ({len(message) - MESSAGE_LIMIT} more characters)"


class ChatServerError(openai.OpenAIError):
    """Base class of every error this SDK raises.

    ``ChatServerError(message, status_code=None, response=None)`` is the earlier
    SDK's constructor; the subclasses below take openai's.
    """

    message: str = ""
    # Any: the subclasses narrow these as openai's do (an int status, an httpx2 response).
    status_code: Any = None
    response: Any = None

    def __init__(self, message: str = "", status_code: int | None = None, response: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.response = response

    def __reduce__(self) -> tuple[Any, ...]:
        # The default reduce calls cls(*args), which the keyword-only openai
        # constructors refuse, and would copy the request's Authorization header.
        state = {name: _scrubbed(value) for name, value in self.__dict__.items()}
        return (_rebuild, (type(self), str(self), state))


def _rebuild(cls: type[ChatServerError], text: str, state: dict[str, Any]) -> ChatServerError:
    error = cls.__new__(cls)
    Exception.__init__(error, text)
    error.__dict__.update(state)
    return error


def _scrubbed(value: Any) -> Any:
    """A copy of ``value`` that can cross a process boundary without a credential."""
    if isinstance(value, httpx2.Request):
        return httpx2.Request(value.method, display_url(value.url))
    if isinstance(value, httpx2.Response):
        try:
            content = value.content[:_PICKLED_BODY_LIMIT]
        except httpx2.ResponseNotRead:
            content = b""
        headers = [
            (name, header)
            for name, header in value.headers.multi_items()
            if name.lower() not in _SECRET_HEADERS and name.lower() != "content-encoding"
        ]
        request = _scrubbed(value.request) if _has_request(value) else None
        return httpx2.Response(value.status_code, headers=headers, content=content, request=request)
    return value


def _has_request(response: httpx2.Response) -> bool:
    try:
        response.request  # noqa: B018  (the property raises when there is none)
    except RuntimeError:
        return False
    return True


class APIError(ChatServerError, openai.APIError):
    """An error tied to a request the SDK sent."""

    def __init__(self, message: str, request: httpx2.Request, *, body: object | None) -> None:
        openai.APIError.__init__(self, _bounded(message), request, body=body)


class APIStatusError(APIError, openai.APIStatusError):
    """The server answered with a 4xx or 5xx status.

    Takes openai's ``(message, *, response, body)`` or the earlier SDK's
    ``(message, status_code, response)``.
    """

    default_status: ClassVar[int | None] = None

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        response: Any = None,
        *,
        body: object | None = None,
    ) -> None:
        if isinstance(response, httpx2.Response):
            openai.APIStatusError.__init__(self, _bounded(message), response=response, body=body)
            return
        # The earlier SDK's form: no httpx response (perhaps a requests one), maybe no status.
        Exception.__init__(self, message)
        status = status_code if status_code is not None else getattr(response, "status_code", None)
        # Through __dict__: these are openai's attributes, declared (and typed) by openai's classes.
        vars(self).update(
            message=message,
            body=body,
            code=None,
            param=None,
            type=None,
            response=response,
            request_id=None,
            status_code=status if isinstance(status, int) else (self.default_status or 0),
        )


class BadRequestError(APIStatusError, openai.BadRequestError):
    """HTTP 400; also ``openai.BadRequestError``."""

    default_status: ClassVar[int | None] = 400


class UnauthorizedError(APIStatusError, openai.AuthenticationError):
    """HTTP 401; also ``openai.AuthenticationError``."""

    default_status: ClassVar[int | None] = 401


class ForbiddenError(APIStatusError, openai.PermissionDeniedError):
    """HTTP 403; also ``openai.PermissionDeniedError``."""

    default_status: ClassVar[int | None] = 403


class NotFoundError(APIStatusError, openai.NotFoundError):
    """HTTP 404; also ``openai.NotFoundError``."""

    default_status: ClassVar[int | None] = 404


class ConflictError(APIStatusError, openai.ConflictError):
    """HTTP 409; also ``openai.ConflictError``."""

    default_status: ClassVar[int | None] = 409


class UnprocessableEntityError(APIStatusError, openai.UnprocessableEntityError):
    """HTTP 422; also ``openai.UnprocessableEntityError``."""

    default_status: ClassVar[int | None] = 422


class RateLimitError(APIStatusError, openai.RateLimitError):
    """HTTP 429; also ``openai.RateLimitError``."""

    default_status: ClassVar[int | None] = 429


class InternalServerError(APIStatusError, openai.InternalServerError):
    """HTTP 500; also ``openai.InternalServerError``."""

    default_status: ClassVar[int | None] = 500


# openai's names for the same classes, for code that already uses them.
AuthenticationError = UnauthorizedError
PermissionDeniedError = ForbiddenError


class APIConnectionError(APIError, openai.APIConnectionError):
    """The server could not be reached, or the connection broke."""

    def __init__(self, *, message: str = "Connection error.", request: httpx2.Request) -> None:
        APIError.__init__(self, message, request, body=None)


class APITimeoutError(APIConnectionError, openai.APITimeoutError):
    """The request timed out (after any retries)."""

    def __init__(self, request: httpx2.Request, *, message: str = "Request timed out.") -> None:
        APIConnectionError.__init__(self, message=message, request=request)


class IncompleteStreamError(APIConnectionError):
    """A completion stream ended before the server's ``[DONE]`` marker, because the
    connection closed or broke: the answer is cut short."""

    def __init__(self, *, request: httpx2.Request, received_chunks: int, cause: str | None = None) -> None:
        how = f" (the connection broke: {cause})" if cause else ""
        super().__init__(
            message=f"Stream ended before [DONE] after {received_chunks} chunk(s){how}; "
            "the answer is incomplete.",
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
    """The server answered 2xx with a body that is not what the call returns
    (not JSON, cut short, HTML, or an error object)."""

    response: httpx2.Response
    status_code: int

    def __init__(self, response: httpx2.Response, body: object | None, *, message: str | None = None) -> None:
        APIError.__init__(
            self, message or "Data returned by API invalid for expected schema.", response.request, body=body
        )
        self.response = response
        self.status_code = response.status_code


def transport_error(
    request: httpx2.Request, cause: Exception, *, retried: bool, mid_stream: bool = False
) -> APIConnectionError:
    """The error for a request that got no (whole) answer: what happened, where, what to do."""
    where = f"{request.method} {display_url(request.url)}"
    server = display_url(request.url.copy_with(path="/", query=None, fragment=None)).rstrip("/")
    timeouts: Mapping[str, object] = request.extensions.get("timeout") or {}
    reason = _reason(cause)
    if isinstance(cause, httpx2.ConnectTimeout):
        return APITimeoutError(
            request,
            message=f"Timed out after {timeouts.get('connect')} s connecting to the ChatServer at {server}. "
            "Check base_url (or $CHATSERVER_BASE_URL) and that the server is up.",
        )
    if isinstance(cause, httpx2.TimeoutException):
        kind = {
            httpx2.ReadTimeout: "read",
            httpx2.WriteTimeout: "write",
            httpx2.PoolTimeout: "pool",
        }.get(type(cause), "read")
        message = (
            f"{where}: no progress for {timeouts.get(kind)} s (the {kind} timeout). "
            "An agent turn can take minutes: a larger timeout= allows that much time between reads "
            "(not for the whole request)."
        )
        return APITimeoutError(request, message=message + _not_retried(request, retried))
    if isinstance(cause, httpx2.ConnectError):
        return APIConnectionError(
            message=f"Could not connect to the ChatServer at {server}: {reason}. Is it running? For a local "
            "one, start `chatserver emulator`; otherwise check base_url (or $CHATSERVER_BASE_URL).",
            request=request,
        )
    if mid_stream:
        return APIConnectionError(message=f"Connection broke mid-stream ({where}): {reason}", request=request)
    return APIConnectionError(
        message=f"The connection broke before the answer to {where} arrived: {reason}."
        + _not_retried(request, retried),
        request=request,
    )


def broken_stream_error(
    request: httpx2.Request, received_chunks: int, cause: Exception
) -> APIConnectionError:
    """The error for a completion stream whose connection broke before ``[DONE]``."""
    if isinstance(cause, httpx2.TimeoutException):
        return transport_error(request, cause, retried=False, mid_stream=True)
    return IncompleteStreamError(request=request, received_chunks=received_chunks, cause=_reason(cause))


def _reason(cause: Exception) -> str:
    text = str(cause) or type(cause).__name__
    # A header value is never worth echoing: it may be a credential.
    return "an invalid request header" if "header" in text.lower() else text


def _not_retried(request: httpx2.Request, retried: bool) -> str:
    if retried or request.method.upper() != "POST":
        return ""
    return (
        " Not sent again: the server may already have acted on it (a completion runs an agent); "
        "check before repeating it."
    )


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
    body = parse_body(text)
    message = error_message(response.status_code, body, text)
    if response.status_code >= 500:
        cls: type[APIStatusError] = InternalServerError
    else:
        cls = _STATUS_CLASSES.get(response.status_code, APIStatusError)
    return cls(message, response=response, body=openai_error_object(body))


def parse_body(text: str) -> object:
    """The JSON a body holds, or its text when it is not JSON, or ``None`` when empty."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def openai_error_object(body: object) -> object:
    """The inner ``error`` object of an OpenAI-shaped body (as openai sets ``e.body``), else the body."""
    if isinstance(body, Mapping):
        inner = body.get("error")
        if isinstance(inner, Mapping):
            return inner
    return body


def error_message(status_code: int, body: object, text: str = "") -> str:
    """The server's own words for an error, from any of the body shapes it uses.

    Handles ``{"detail": "..."}``, FastAPI's 422 list, ``{"error": {"message"}}``,
    problem+json (``title``/``detail``/``errors``) and non-JSON bodies.
    """
    if isinstance(body, Mapping):
        message = _message_from_mapping(body)
        if message:
            return _bounded(message)
    if isinstance(body, str) or body is None:
        excerpt = " ".join((text or "")[: _EXCERPT_CHARS * 4].split())
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
            clause += f" (got {_short_repr(item['input'])})"
        clauses.append(clause)
    return "; ".join(clauses) if clauses else "validation failed"


def _problem_errors(errors: Sequence[object]) -> str:
    clauses = []
    for item in errors:
        if isinstance(item, Mapping):
            where = item.get("location") or "request"
            clause = f"{where}: {item.get('message', 'invalid')}"
            if "value" in item:
                clause += f" (got {_short_repr(item['value'])})"
            clauses.append(clause)
        else:
            clauses.append(str(item))
    return "; ".join(clauses)


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _EXCERPT_CHARS else text[:_EXCERPT_CHARS] + "…"
