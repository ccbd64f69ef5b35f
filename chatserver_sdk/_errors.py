"""Building the SDK's exceptions: from a status, a broken connection, a body; and keeping secrets out.

:mod:`.exceptions` holds the classes; this module decides what each error
says. Messages follow one style: the first sentence says what is wrong (and
names the request, field or parameter), the fix follows, and nothing but
the server's own words runs past 300 characters.

Whatever text of the server an error carries is redacted first: the key the
request carried (a server may echo it back), ``$CHATSERVER_API_KEY`` and any
password in the URL never reach ``e.message``, ``e.body``, ``repr(e)``, a pickle
or the command line's error line.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx2

from .exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ChatServerError,
    ConflictError,
    ForbiddenError,
    IncompleteStreamError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    UnauthorizedError,
    UnprocessableEntityError,
)

__all__ = [
    "MESSAGE_LIMIT",
    "REDACTED",
    "bounded",
    "broken_stream_error",
    "display_url",
    "error_message",
    "openai_error_object",
    "parse_body",
    "pickled_state",
    "rebuild",
    "redact",
    "secrets_of",
    "status_error",
    "transport_error",
]

REDACTED = "<redacted>"
_EXCERPT_CHARS = 200
MESSAGE_LIMIT = 2000
"""Longest ``e.message``: a server that echoes a 50 MB body must not make a 50 MB traceback."""
_PICKLED_BODY_LIMIT = 64 * 1024
_SECRET_QUERY_PARAMS = frozenset({"api_key", "key", "token", "access_token"})
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
_AGENT_CONTROL = frozenset({"/status", "/messages", "/message", "/events", "/upload"})


# --- secrets --------------------------------------------------------------------------------


def secrets_of(request: httpx2.Request | None) -> list[str]:
    """The credentials a request carried (its bearer token, a URL password) and ``$CHATSERVER_API_KEY``."""
    found: list[str] = []
    if request is not None:
        for name in ("authorization", "proxy-authorization", "x-api-key"):
            value = request.headers.get(name, "")
            scheme, _, token = value.partition(" ")
            found.append(token if token and scheme.lower() in ("bearer", "basic") else value)
        if request.url.password:
            found.append(request.url.password)
    found.append(os.environ.get("CHATSERVER_API_KEY", ""))
    # A one-letter "key" would redact every such letter.
    return sorted({secret for secret in found if len(secret) >= 4}, key=len, reverse=True)


def redact(value: Any, secrets: Iterable[str]) -> Any:
    """``value`` (text, or JSON-like data) with every secret replaced by ``<redacted>``."""
    secrets = list(secrets)
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, Mapping):
        return {redact(key, secrets): redact(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, secrets) for item in value]
    return value


def display_url(url: httpx2.URL | str) -> str:
    """``url`` fit to show a person: no password or user, no secret query values."""
    parsed = httpx2.URL(str(url))
    if parsed.userinfo:
        parsed = parsed.copy_with(username=None, password=None)
    if parsed.query:
        pairs = parse_qsl(parsed.query.decode("latin-1"), keep_blank_values=True)
        hidden = [(k, "***" if k.lower() in _SECRET_QUERY_PARAMS else v) for k, v in pairs]
        parsed = parsed.copy_with(query=urlencode(hidden).encode("latin-1"))
    return str(parsed)


def safe_request(request: httpx2.Request) -> httpx2.Request:
    """``request`` as an error keeps it: without the headers that may hold a credential."""
    if not any(name.lower() in _SECRET_HEADERS for name in request.headers):
        return request
    headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() not in _SECRET_HEADERS]
    try:
        content = request.content
    except httpx2.RequestNotRead:
        return httpx2.Request(
            request.method, request.url, headers=headers, stream=request.stream, extensions=request.extensions
        )
    return httpx2.Request(
        request.method, request.url, headers=headers, content=content, extensions=request.extensions
    )


def safe_response(response: httpx2.Response, request: httpx2.Request) -> httpx2.Response:
    """``response`` as an error keeps it: its request credential-free, a read body redacted."""
    secrets = secrets_of(response.request) if _has_request(response) else []
    if response.request is request and not secrets:
        return response
    safe = copy.copy(response)
    safe.request = request
    try:
        content = response.content
    except httpx2.ResponseNotRead:
        return safe
    redacted = content
    for secret in secrets:
        redacted = redacted.replace(secret.encode(), REDACTED.encode())
    if redacted != content:
        headers = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-length", "content-encoding")
        ]
        safe = httpx2.Response(response.status_code, headers=headers, content=redacted, request=request)
    return safe


def bounded(message: str) -> str:
    if len(message) <= MESSAGE_LIMIT:
        return message
    return f"{message[:MESSAGE_LIMIT]}… ({len(message) - MESSAGE_LIMIT} more characters)"


# --- pickling without credentials --------------------------------------------------------------


def pickled_state(error: ChatServerError) -> dict[str, Any]:
    request = _request_of(error)
    secrets = secrets_of(request)
    return {name: _scrubbed(value, secrets) for name, value in error.__dict__.items()}


def rebuild(cls: type[ChatServerError], text: str, state: dict[str, Any]) -> ChatServerError:
    error = cls.__new__(cls)
    Exception.__init__(error, text)
    error.__dict__.update(state)
    return error


def _request_of(error: ChatServerError) -> httpx2.Request | None:
    request = getattr(error, "request", None)
    return request if isinstance(request, httpx2.Request) else None


def _scrubbed(value: Any, secrets: list[str]) -> Any:
    """A copy of ``value`` that can cross a process boundary without a credential."""
    if isinstance(value, httpx2.Request):
        return httpx2.Request(value.method, display_url(value.url))
    if isinstance(value, httpx2.Response):
        try:
            content = value.content[:_PICKLED_BODY_LIMIT]
        except httpx2.ResponseNotRead:
            content = b""
        for secret in secrets:
            content = content.replace(secret.encode(), REDACTED.encode())
        headers = [
            (name, header)
            for name, header in value.headers.multi_items()
            if name.lower() not in _SECRET_HEADERS
            and name.lower() not in ("content-encoding", "content-length")
        ]
        request = _scrubbed(value.request, secrets) if _has_request(value) else None
        return httpx2.Response(value.status_code, headers=headers, content=content, request=request)
    return redact(value, secrets)


def _has_request(response: httpx2.Response) -> bool:
    try:
        response.request  # noqa: B018  (the property raises when there is none)
    except RuntimeError:
        return False
    return True


# --- a request that got no (whole) answer -------------------------------------------------------


def _attempts(request: httpx2.Request) -> int:
    # openai numbers each attempt in this header (0 for the first).
    try:
        return int(request.headers.get("x-stainless-retry-count", "0")) + 1
    except ValueError:
        return 1


def _is_completion(request: httpx2.Request) -> bool:
    return request.method == "POST" and request.url.path.rstrip("/").endswith("/chat/completions")


def transport_error(
    request: httpx2.Request, cause: Exception, *, retried: bool, mid_stream: bool = False
) -> APIConnectionError:
    """The error for a request that got no (whole) answer: what happened, where, what to do."""
    where = f"{request.method} {display_url(request.url)}"
    server = display_url(request.url.copy_with(path="/", query=None, fragment=None)).rstrip("/")
    timeouts: Mapping[str, object] = request.extensions.get("timeout") or {}
    reason = _reason(cause)
    attempts = _attempts(request)
    tries = f" ({attempts} attempts)" if attempts > 1 else ""
    if isinstance(cause, httpx2.ConnectTimeout):
        return APITimeoutError(
            request,
            message=f"Timed out after {timeouts.get('connect')} s connecting to the ChatServer at "
            f"{server}{tries}. Check base_url (or $CHATSERVER_BASE_URL) and that the server is up.",
        )
    if isinstance(cause, httpx2.TimeoutException):
        kind = {httpx2.ReadTimeout: "read", httpx2.WriteTimeout: "write", httpx2.PoolTimeout: "pool"}.get(
            type(cause), "read"
        )
        advice = (
            " An agent turn can take minutes: raise timeout= (each read) or use deadline= (the whole call)."
            if _is_completion(request)
            else f" Is the server at {server} overloaded? A larger timeout= waits longer."
        )
        message = f"{where}: no answer for {timeouts.get(kind)} s (the {kind} timeout){tries}.{advice}"
        return APITimeoutError(request, message=message + _not_retried(request, retried))
    if isinstance(cause, httpx2.ConnectError) and _tls_mismatch(cause):
        return APIConnectionError(
            message=f"Could not connect to the ChatServer at {server}: {reason}. Does it serve HTTPS? "
            "A server that speaks plain HTTP needs http:// in base_url.",
            request=request,
        )
    if isinstance(cause, httpx2.ConnectError):
        return APIConnectionError(
            message=f"Could not connect to the ChatServer at {server}{tries}: {reason}. Is it running? For a "
            "local one, start `chatserver emulator`; otherwise check base_url (or $CHATSERVER_BASE_URL).",
            request=request,
        )
    if mid_stream:
        return APIConnectionError(message=f"Connection broke mid-stream ({where}): {reason}", request=request)
    return APIConnectionError(
        message=f"The connection broke before the answer to {where} arrived{tries}: {reason}."
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


def _tls_mismatch(cause: Exception) -> bool:
    """An https:// URL whose server answered in plain HTTP (or a TLS failure of another kind)."""
    text = f"{cause} {cause.__cause__ or ''} {cause.__context__ or ''}".lower()
    return any(sign in text for sign in ("ssl", "tls", "certificate"))


def _reason(cause: Exception) -> str:
    text = str(cause) or type(cause).__name__
    # A header value is never worth echoing: it may be a credential.
    return "an invalid request header" if "header" in text.lower() else text


def _not_retried(request: httpx2.Request, retried: bool) -> str:
    if retried or request.method.upper() != "POST":
        return ""
    if _is_completion(request) and not _history_on(request):
        return " Not sent again: the agent may have run (with user=..., the SDK reads the session to tell)."
    return " Not sent again: the server may already have acted on it; check before repeating it."


def _history_on(request: httpx2.Request) -> bool:
    metadata = _json(request).get("metadata")
    return isinstance(metadata, Mapping) and bool(metadata.get("user_id"))


# --- a status ----------------------------------------------------------------------------------

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
    """The exception for a 4xx/5xx response whose body has been read (the server's text redacted)."""
    secrets = secrets_of(response.request)
    text = redact(response.text, secrets)
    body = parse_body(text)
    message = error_message(response.status_code, body, text)
    hint = _likely_cause(response, body)
    if hint:
        message = f"{message}. {hint}"
    if response.status_code >= 500:
        cls: type[APIStatusError] = InternalServerError
    else:
        cls = _STATUS_CLASSES.get(response.status_code, APIStatusError)
    error = cls(message, response=response, body=openai_error_object(body))
    error.hint = hint
    return error


_AGENT_BUSY = "waiting for user input"
"""agentapi's words when a user message arrives while its agent is running."""


def _says_little(body: object) -> bool:
    """A body with no detail of the cause: empty, plain text, or FastAPI's bare ``Not Found``."""
    if body is None or isinstance(body, str):
        return True
    return isinstance(body, Mapping) and body.get("detail") in (
        "Not Found",
        "Internal Server Error",
        "Unauthorized",
        "Not authenticated",
        "Forbidden",
    )


def _likely_cause(response: httpx2.Response, body: object) -> str:
    """What the SDK knows of the call that the server's bare answer does not say."""
    request = response.request
    path = request.url.path.rstrip("/") or "/"
    status = response.status_code
    if status >= 500 and path == "/message" and _AGENT_BUSY in json.dumps(body):
        # agentapi's refusal names no state and no way out (a 500, so that it is not mistaken for
        # a client error): say both.
        return (
            "The agent is running: a user message is taken only when it is stable. Wait for it "
            "(client.agent.wait()), or stop it (client.agent.interrupt()); client.agent.ask() waits first"
        )
    if not _says_little(body):
        return ""
    if status == 401:
        return "Pass api_key= (or set $CHATSERVER_API_KEY) to a key this server accepts"
    if status == 403 and "/platform" in path:
        return "This needs a platform admin's key"
    if status == 404:
        server = display_url(request.url.copy_with(path="/", query=None, fragment=None)).rstrip("/")
        if path in _AGENT_CONTROL:
            return (
                f"The server at {server} serves no agent control ({path}): coder/agentapi answers these "
                "routes, usually beside the ChatServer; check that it runs there"
            )
        return (
            f"The server at {server} has no route {request.method} {path}. Is base_url the server's root "
            "(or .../v1), not a sub-path such as .../api?"
        )
    if status < 500:
        return ""
    if _is_completion(request):
        if _history_on(request):
            return (
                "With history on, a ChatServer fails like this when the session belongs to another user, "
                "when fewer messages are sent than the session holds, or when another turn on it is still "
                "running"
            )
        return "The agent may have failed; the server's log says why. Not sent again: the agent may have run"
    if request.method == "POST" and path.endswith("/platform/admins"):
        return (
            "A ChatServer fails like this when the email is already an admin "
            "(client.platform.admins.list() shows them)"
        )
    if request.method == "PUT" and "/atoms/mcp/" in path:
        return (
            "A ChatServer fails like this when no MCP server has this id "
            "(client.mcp_servers.list() shows them)"
        )
    return ""


def _json(request: httpx2.Request) -> Mapping[str, Any]:
    try:
        data = json.loads(request.content)
    except (ValueError, httpx2.RequestNotRead):
        return {}
    return data if isinstance(data, Mapping) else {}


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
            return bounded(message)
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
