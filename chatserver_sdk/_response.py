"""Raw and streamed views of a call, as openai-python has them.

``client.with_raw_response.X(...)`` and ``client.with_streaming_response.X(...)``
(on the client and on every resource) are not separate implementations: each
view wraps the method itself (:func:`to_raw_response_wrapper` and friends),
which asks the client for another kind of answer through a per-call header,
exactly as openai's wrappers do. The header never leaves this machine for the
ChatServer's own endpoints (:meth:`Operation.customized` takes it off).

* raw: the body has been read; :class:`RawResponse` has the status, headers and
  ``parse()`` for what the method returns.
* streaming: the body has not been read yet; :class:`StreamedResponse` reads it
  lazily (``iter_bytes()``, ``iter_lines()``, ``read()``, ``parse()``) inside a
  ``with`` block that closes it.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any, Generic, Literal, ParamSpec, TypeVar, cast

import httpx2

__all__ = [
    "RAW_RESPONSE_HEADER",
    "AsyncResponseContextManager",
    "AsyncStreamedResponse",
    "RawResponse",
    "ResponseContextManager",
    "ResponseMode",
    "StreamedResponse",
    "async_to_raw_response_wrapper",
    "async_to_streamed_response_wrapper",
    "to_raw_response_wrapper",
    "to_streamed_response_wrapper",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_T = TypeVar("_T")

RAW_RESPONSE_HEADER = "X-Stainless-Raw-Response"
"""openai's per-call header for the raw and streaming views; the same one, so one mechanism serves both."""

ResponseMode = Literal["parsed", "raw", "stream"]


def response_mode(headers: object) -> ResponseMode:
    """What a call's ``extra_headers`` ask for: the parsed result (the default), or a view."""
    if not isinstance(headers, dict) or RAW_RESPONSE_HEADER not in headers:
        return "parsed"
    return "stream" if headers[RAW_RESPONSE_HEADER] == "stream" else "raw"


class _ResponseFacts(Generic[_T]):
    http_response: httpx2.Response

    @property
    def headers(self) -> httpx2.Headers:
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def request(self) -> httpx2.Request:
        return self.http_response.request

    @property
    def url(self) -> httpx2.URL:
        return self.http_response.url

    @property
    def method(self) -> str:
        return self.http_response.request.method

    @property
    def http_version(self) -> str:
        return self.http_response.http_version

    @property
    def elapsed(self) -> datetime.timedelta:
        return self.http_response.elapsed

    @property
    def is_closed(self) -> bool:
        return self.http_response.is_closed

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code}] {self.method} {self.url.path}>"


class RawResponse(_ResponseFacts[_T]):
    """A response whose body has been read: status, headers, ``content``, and ``parse()``."""

    def __init__(self, response: httpx2.Response, parse: Callable[[], _T]) -> None:
        self.http_response = response
        self._parse = parse

    def parse(self) -> _T:
        """What the method returns without the raw view (parsed once per call of ``parse``)."""
        return self._parse()

    @property
    def content(self) -> bytes:
        return self.http_response.content

    @property
    def text(self) -> str:
        return self.http_response.text

    def json(self) -> object:
        return json.loads(self.http_response.content)

    def close(self) -> None:
        self.http_response.close()


class StreamedResponse(_ResponseFacts[_T]):
    """A response whose body is read as you ask for it; close it (or use ``with``) when done."""

    def __init__(self, response: httpx2.Response, parse: Callable[[], _T]) -> None:
        self.http_response = response
        self._parse = parse

    def parse(self) -> _T:
        """Reads the body (or, for an event stream, opens it) and returns what the method returns."""
        return self._parse()

    def read(self) -> bytes:
        return self.http_response.read()

    def text(self) -> str:
        self.read()
        return self.http_response.text

    def json(self) -> object:
        return json.loads(self.read())

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        return self.http_response.iter_bytes(chunk_size)

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        return self.http_response.iter_text(chunk_size)

    def iter_lines(self) -> Iterator[str]:
        return self.http_response.iter_lines()

    def close(self) -> None:
        self.http_response.close()


class AsyncStreamedResponse(_ResponseFacts[_T]):
    """The async twin of :class:`StreamedResponse`: ``await read()``, ``async for`` over the body."""

    def __init__(self, response: httpx2.Response, parse: Callable[[], Awaitable[_T]]) -> None:
        self.http_response = response
        self._parse = parse

    async def parse(self) -> _T:
        return await self._parse()

    async def read(self) -> bytes:
        return await self.http_response.aread()

    async def text(self) -> str:
        await self.read()
        return self.http_response.text

    async def json(self) -> object:
        return json.loads(await self.read())

    def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        return self.http_response.aiter_bytes(chunk_size)

    def iter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        return self.http_response.aiter_text(chunk_size)

    def iter_lines(self) -> AsyncIterator[str]:
        return self.http_response.aiter_lines()

    async def close(self) -> None:
        await self.http_response.aclose()


class ResponseContextManager(Generic[_T]):
    """Sends the request when entered and closes the response when left."""

    def __init__(self, send: Callable[[], _T]) -> None:
        self._send = send
        self._response: _T | None = None

    def __enter__(self) -> _T:
        self._response = self._send()
        return self._response

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        close = getattr(self._response, "close", None)
        if close is not None:
            close()


class AsyncResponseContextManager(Generic[_T]):
    """The async twin of :class:`ResponseContextManager`."""

    def __init__(self, send: Awaitable[_T]) -> None:
        self._send = send
        self._response: _T | None = None

    async def __aenter__(self) -> _T:
        self._response = await self._send
        return self._response

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        close = getattr(self._response, "close", None)
        if close is not None:
            await close()


def _with_mode(kwargs: dict[str, Any], mode: str) -> None:
    # Every wrapped method takes extra_headers; ParamSpec cannot say so.
    kwargs["extra_headers"] = {**(kwargs.get("extra_headers") or {}), RAW_RESPONSE_HEADER: mode}


def to_raw_response_wrapper(func: Callable[_P, _R]) -> Callable[_P, RawResponse[_R]]:
    """``func`` returning a :class:`RawResponse` of what it returns."""

    @functools.wraps(func)
    def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse[_R]:
        _with_mode(kwargs, "raw")
        return cast(RawResponse[_R], func(*args, **kwargs))

    return wrapped


def async_to_raw_response_wrapper(
    func: Callable[_P, Awaitable[_R]],
) -> Callable[_P, Awaitable[RawResponse[_R]]]:
    @functools.wraps(func)
    async def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse[_R]:
        _with_mode(kwargs, "raw")
        return cast(RawResponse[_R], await func(*args, **kwargs))

    return wrapped


def to_streamed_response_wrapper(
    func: Callable[_P, _R],
) -> Callable[_P, ResponseContextManager[StreamedResponse[_R]]]:
    """``func`` as a context manager around a :class:`StreamedResponse` (the body read lazily)."""

    @functools.wraps(func)
    def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> ResponseContextManager[StreamedResponse[_R]]:
        _with_mode(kwargs, "stream")
        return ResponseContextManager(
            cast(Callable[[], StreamedResponse[_R]], functools.partial(func, *args, **kwargs))
        )

    return wrapped


def async_to_streamed_response_wrapper(
    func: Callable[_P, Awaitable[_R]],
) -> Callable[_P, AsyncResponseContextManager[AsyncStreamedResponse[_R]]]:
    @functools.wraps(func)
    def wrapped(
        *args: _P.args, **kwargs: _P.kwargs
    ) -> AsyncResponseContextManager[AsyncStreamedResponse[_R]]:
        _with_mode(kwargs, "stream")
        return AsyncResponseContextManager(cast(Awaitable[AsyncStreamedResponse[_R]], func(*args, **kwargs)))

    return wrapped
