"""What the generated endpoint methods stand on: configuration, and executing an operation.

``SyncCore`` and ``AsyncCore`` are openai clients (through :mod:`._openai_compat`)
pointed at a ChatServer's ``/v1``. They check their configuration once, at
construction, and run :class:`~._operations.Operation` objects through openai's
own ``request()``, so ChatServer endpoints share openai's connection pool,
auth, timeouts and retry policy. The methods users call are generated into
``_endpoints.py`` from ``_operations.ENDPOINTS``.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

import httpx2
import openai

from . import _operations as ops
from ._history import resumed_transcript
from ._openai_compat import (
    AsyncOpenAIWithRawResponse,
    AsyncSeam,
    FinalRequestOptions,
    OpenAIWithRawResponse,
    SyncSeam,
    is_error_object,
    request_options,
)
from ._response import RawResponse
from ._streaming import AsyncStream, Decoder, Stream
from ._version import __version__
from .exceptions import NotFoundError, ResponseValidationError, display_url, error_message
from .types.sessions import ChatSessionDetailResponse

__all__ = ["DEFAULT_BASE_URL", "AsyncCore", "AsyncRawCore", "SyncCore", "SyncRawCore"]

log = logging.getLogger("chatserver_sdk")

DEFAULT_BASE_URL = "http://localhost:3284"

_T = TypeVar("_T")
_ItemT = TypeVar("_ItemT")
DecoderFactory = Callable[[httpx2.Response], Decoder[_ItemT]]

_BLANK = re.compile(r"\s")


# --- configuration -------------------------------------------------------------------


def _checked_api_key(api_key: str | None) -> str:
    """The key to send, from the argument or ``$CHATSERVER_API_KEY``; never echoed in an error."""
    source = "api_key"
    if api_key is None:
        api_key, source = os.environ.get("CHATSERVER_API_KEY", ""), "$CHATSERVER_API_KEY"
    if not isinstance(api_key, str):
        raise TypeError(f"{source}: expected a string, got {type(api_key).__name__}")
    blank = _BLANK.search(api_key)
    if blank:
        where = "at the end" if blank.start() >= len(api_key.rstrip()) else f"at position {blank.start()}"
        raise ValueError(
            f"{source}: the key contains whitespace ({blank.group()!r} {where}, length {len(api_key)}); "
            "a key never does. A trailing newline usually comes from a file or `echo`: strip it."
        )
    return api_key


def _checked_base_url(base_url: str | httpx2.URL | None) -> str:
    """The server URL, from the argument or ``$CHATSERVER_BASE_URL``, as ``.../v1``."""
    source = "base_url"
    if base_url is None:
        base_url, source = os.environ.get("CHATSERVER_BASE_URL") or DEFAULT_BASE_URL, "$CHATSERVER_BASE_URL"
    text = str(base_url).strip()
    try:
        url = httpx2.URL(text)
    except httpx2.InvalidURL as err:
        raise ValueError(f"{source}: {_display_url_safe(text)!r} is not a URL ({err})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(
            f"{source}: {_display_url_safe(text)!r} needs an http:// or https:// scheme and a host, "
            f"e.g. 'http://{text.split('://')[-1] or 'localhost:3284'}'"
        )
    return _v1_url(text)


def _display_url_safe(text: str) -> str:
    try:
        return display_url(text)
    except httpx2.InvalidURL:
        return "<unparseable URL>"


def _v1_url(base_url: str | httpx2.URL) -> str:
    """The server root plus ``/v1``, where openai's own paths live.

    Accepts the root (as the earlier SDK did) or ``.../v1`` (as openai users
    and LangChain write it).
    """
    text = str(base_url).rstrip("/")
    return text if text.endswith("/v1") else text + "/v1"


def _checked_headers(headers: Mapping[str, str] | None) -> Mapping[str, str] | None:
    for name, value in (headers or {}).items():
        if "\r" in value or "\n" in value:
            raise ValueError(f"default_headers[{name!r}]: the value contains a line break")
    return headers


def _server_url(base_url: httpx2.URL, path: str) -> str:
    text = str(base_url)
    root = text[: -len("v1/")] if text.endswith("/v1/") else text
    return root + path


def _openai_options(
    api_key: str | None,
    base_url: str | httpx2.URL | None,
    timeout: float | httpx2.Timeout | openai.NotGiven | None,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    options: dict[str, Any],
) -> dict[str, Any]:
    """Keyword arguments for openai's constructor, pointed at a ChatServer.

    Every setting openai would read from ``OPENAI_*`` variables is given
    explicitly, so an OpenAI key or organisation in the environment is never
    sent to a ChatServer.
    """
    for name in ("admin_api_key", "organization", "project", "webhook_secret"):
        if options.get(name) is None:
            options[name] = ""
    options["_enforce_credentials"] = False
    return {
        **options,
        "api_key": _checked_api_key(api_key),
        "base_url": _checked_base_url(base_url),
        "timeout": timeout,
        "max_retries": max_retries,
        "default_headers": _checked_headers(default_headers),
    }


def _error_object(content: bytes) -> object | None:
    """The body, if it is an ``{"error": ...}`` object rather than a result."""
    if not content.startswith(b"{") or b'"error"' not in content:
        return None  # the common case, decided without parsing
    try:
        data = json.loads(content)
    except ValueError:
        return None
    return data if is_error_object(data) else None


def _checked_result(op: ops.Operation[_T], response: httpx2.Response) -> _T:
    where = f"{op.method} /{op.path} answered {response.status_code}"
    # A 200 whose body is {"error": ...} must not parse as zero stats or an empty list.
    error = _error_object(response.content)
    if error is not None:
        message = error_message(response.status_code, error)
        raise ResponseValidationError(
            response, error, message=f"{where} with an error instead of a result: {message}"
        )
    try:
        return op.parse(response)
    except ValueError as err:  # pydantic's ValidationError included
        excerpt = " ".join(response.text[:200].split()) or "an empty body"
        raise ResponseValidationError(
            response,
            response.text[:500],
            message=f"{where} with a body that does not parse ({err}): {excerpt!r}",
        ) from None


# --- what both twins share -------------------------------------------------------------


class _Common:
    api_key: str
    admin_api_key: str | None
    organization: str | None
    project: str | None
    webhook_secret: str | None

    def _forget_openai_defaults(self) -> None:
        # Empty strings kept openai from reading OPENAI_* variables; as headers
        # they would be sent empty, so they become "not set".
        for name in ("admin_api_key", "organization", "project", "webhook_secret"):
            if getattr(self, name) == "":
                setattr(self, name, None)

    @property
    def user_agent(self) -> str:
        return f"chatserver-sdk/{__version__} openai-python/{openai.__version__}"

    def __repr__(self) -> str:
        key = "set" if self.api_key else "none"
        base_url: httpx2.URL = getattr(self, "base_url")  # noqa: B009  (a property of openai's client)
        return f"{type(self).__name__}(base_url={display_url(base_url)!r}, api_key=<{key}>)"

    def _options(self, op: ops.Operation[Any], base_url: httpx2.URL) -> FinalRequestOptions:
        headers: dict[str, str] = {}
        if op.files is not None:
            headers["Content-Type"] = "multipart/form-data"
        if op.stream:
            headers["Accept"] = "text/event-stream"
        headers.update(op.extra_headers or {})
        return request_options(
            op.method,
            _server_url(base_url, op.path),
            params=op.params,
            json_data=op.body,
            files=list(op.files) if op.files is not None else None,
            headers=headers,
            extra_query=op.extra_query,
            extra_body=op.extra_body,
            timeout=op.timeout,
        )


def _resume_lookup(op: ops.Operation[Any]) -> ops.Operation[ChatSessionDetailResponse] | None:
    if op.resume is None:
        return None
    lookup = ops.get_session(op.resume.session_id, user_id=op.resume.user_id)
    return lookup.customized(
        extra_headers=op.extra_headers, extra_query=None, extra_body=None, timeout=op.timeout
    )


def _resumed(op: ops.Operation[_T], stored: ChatSessionDetailResponse | None) -> ops.Operation[_T]:
    if stored is None or op.body is None:
        return op
    transcript = resumed_transcript([(m.role, m.content) for m in stored.messages], op.body["messages"])
    if transcript is None:
        return op
    log.debug(
        "Session %s holds %d messages the request did not repeat: sending them first",
        stored.session.id,
        len(stored.messages),
    )
    return replace(op, body={**op.body, "messages": transcript})


class SyncCore(_Common, SyncSeam):
    """A ChatServer client that is also an ``openai.OpenAI`` client.

    ``api_key`` falls back to ``$CHATSERVER_API_KEY`` (none at all is fine: no
    Authorization header is sent); ``base_url`` to ``$CHATSERVER_BASE_URL``,
    then ``http://localhost:3284``. ``timeout`` is openai's: 600 s per read
    and 5 s to connect unless you give one (a number applies to each read,
    not to the whole request). ``max_retries`` retries what is safe to repeat;
    ``retry_non_idempotent=True`` also retries completions and other POSTs
    whose answer was lost. ``send_unsupported_params=True`` sends
    chat-completion parameters a ChatServer would ignore instead of refusing
    them. Other keyword arguments go to openai. Safe to share across threads.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | httpx2.URL | None = None,
        timeout: float | httpx2.Timeout | openai.NotGiven | None = openai.NOT_GIVEN,
        *,
        max_retries: int = openai.DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.Client | None = None,
        retry_non_idempotent: bool = False,
        send_unsupported_params: bool = False,
        **openai_options: Any,
    ) -> None:
        options = _openai_options(api_key, base_url, timeout, max_retries, default_headers, openai_options)
        super().__init__(http_client=http_client, **options)
        self._forget_openai_defaults()
        self._configure_seam(
            default_headers=default_headers,
            retry_non_idempotent=retry_non_idempotent,
            send_unsupported_params=send_unsupported_params,
        )

    @property
    def base_url(self) -> httpx2.URL:
        url: httpx2.URL = openai.OpenAI.base_url.fget(self)  # type: ignore[attr-defined]
        return url

    @base_url.setter
    def base_url(self, url: str | httpx2.URL) -> None:
        # The same rule as the constructor's: the server root or .../v1 both mean .../v1.
        openai.OpenAI.base_url.fset(self, _checked_base_url(url))  # type: ignore[attr-defined]

    def _send(self, op: ops.Operation[Any]) -> httpx2.Response:
        op = _resumed(op, self._stored_session(op))
        return self.request(httpx2.Response, self._options(op, self.base_url), stream=op.stream)

    def _stored_session(self, op: ops.Operation[Any]) -> ChatSessionDetailResponse | None:
        lookup = _resume_lookup(op)
        if lookup is None:
            return None
        try:
            return self._execute(lookup)
        except NotFoundError:
            return None  # a new session, chosen by the caller

    def _execute(self, op: ops.Operation[_T]) -> _T:
        return _checked_result(op, self._send(op))

    def _open_stream(self, op: ops.Operation[Any], decoder: DecoderFactory[_ItemT]) -> Stream[_ItemT]:
        response = self._send(op)
        return Stream(response, decoder(response), client=self)

    def _execute_raw(self, op: ops.Operation[_T]) -> RawResponse[_T]:
        response = self._send(op)
        return RawResponse(response, functools.partial(_checked_result, op, response))

    def _open_stream_raw(
        self, op: ops.Operation[Any], decoder: DecoderFactory[_ItemT]
    ) -> RawResponse[Stream[_ItemT]]:
        response = self._send(op)
        return RawResponse(response, lambda: Stream(response, decoder(response), client=self))


class AsyncCore(_Common, AsyncSeam):
    """The async twin of the sync client: the same methods, awaitable, with
    ``async for`` streams and ``async with``. Safe to share across tasks."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | httpx2.URL | None = None,
        timeout: float | httpx2.Timeout | openai.NotGiven | None = openai.NOT_GIVEN,
        *,
        max_retries: int = openai.DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.AsyncClient | None = None,
        retry_non_idempotent: bool = False,
        send_unsupported_params: bool = False,
        **openai_options: Any,
    ) -> None:
        options = _openai_options(api_key, base_url, timeout, max_retries, default_headers, openai_options)
        super().__init__(http_client=http_client, **options)
        self._forget_openai_defaults()
        self._configure_seam(
            default_headers=default_headers,
            retry_non_idempotent=retry_non_idempotent,
            send_unsupported_params=send_unsupported_params,
        )

    @property
    def base_url(self) -> httpx2.URL:
        url: httpx2.URL = openai.AsyncOpenAI.base_url.fget(self)  # type: ignore[attr-defined]
        return url

    @base_url.setter
    def base_url(self, url: str | httpx2.URL) -> None:
        openai.AsyncOpenAI.base_url.fset(self, _checked_base_url(url))  # type: ignore[attr-defined]

    async def _send(self, op: ops.Operation[Any]) -> httpx2.Response:
        op = _resumed(op, await self._stored_session(op))
        return await self.request(httpx2.Response, self._options(op, self.base_url), stream=op.stream)

    async def _stored_session(self, op: ops.Operation[Any]) -> ChatSessionDetailResponse | None:
        lookup = _resume_lookup(op)
        if lookup is None:
            return None
        try:
            return await self._execute(lookup)
        except NotFoundError:
            return None

    async def _execute(self, op: ops.Operation[_T]) -> _T:
        return _checked_result(op, await self._send(op))

    async def _open_stream(
        self, op: ops.Operation[Any], decoder: DecoderFactory[_ItemT]
    ) -> AsyncStream[_ItemT]:
        response = await self._send(op)
        return AsyncStream(response, decoder(response), client=self)

    async def _execute_raw(self, op: ops.Operation[_T]) -> RawResponse[_T]:
        response = await self._send(op)
        return RawResponse(response, functools.partial(_checked_result, op, response))

    async def _open_stream_raw(
        self, op: ops.Operation[Any], decoder: DecoderFactory[_ItemT]
    ) -> RawResponse[AsyncStream[_ItemT]]:
        response = await self._send(op)
        return RawResponse(response, lambda: AsyncStream(response, decoder(response), client=self))


class SyncRawCore(OpenAIWithRawResponse):
    """openai's raw-response view (``.chat``, ``.models`` ...) of a ChatServer client."""

    def __init__(self, client: SyncCore) -> None:
        super().__init__(client)
        self._chatserver = client


class AsyncRawCore(AsyncOpenAIWithRawResponse):
    """openai's raw-response view of an async ChatServer client."""

    def __init__(self, client: AsyncCore) -> None:
        super().__init__(client)
        self._chatserver = client
