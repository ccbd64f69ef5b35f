"""Server-sent event streams: text deltas of a completion, and agent events.

The HTTP request behind a stream goes through openai's request path (auth,
retries, status errors); only the body is decoded here, with httpx2's own
SSE decoder, because openai's per-chunk model construction costs about 30
times the decoding itself. What an event means is decided once, by a
decoder; ``Stream`` and ``AsyncStream`` only drive it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from types import TracebackType
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import httpx2

from .exceptions import (
    IncompleteStreamError,
    ResponseValidationError,
    StreamError,
    broken_stream_error,
    transport_error,
)
from .types.agent import AgentEvent, MessageUpdateEvent, StatusChangeEvent
from .types.chat import UsageInfo

__all__ = ["AsyncStream", "CompletionDecoder", "EventDecoder", "Stream"]

log = logging.getLogger("chatserver_sdk")

_T_co = TypeVar("_T_co", covariant=True)
_T = TypeVar("_T")


class Decoder(Protocol[_T_co]):
    metadata: dict[str, Any]

    def feed(self, sse: httpx2.ServerSentEvent) -> _T_co | None:
        """The item this event carries, if any."""

    @property
    def done(self) -> bool:
        """Whether the stream has reached its end marker."""

    def finish(self) -> None:
        """Called when the body ends; raises if that end was premature."""

    def broken(self, error: httpx2.HTTPError) -> Exception:
        """What to raise when the connection breaks mid-stream."""


class CompletionDecoder:
    """``chat.completion.chunk`` events to text deltas.

    ``metadata`` collects what the chunks carry besides text: ``id``,
    ``model``, ``created``, ``system_fingerprint`` (the session id),
    ``finish_reason`` and ``usage``. The session id and usage are there from
    the start (``None`` until a chunk carries them), as in the earlier SDK.
    """

    def __init__(self, response: httpx2.Response) -> None:
        self.metadata: dict[str, Any] = {"system_fingerprint": None, "usage": None}
        self._response = response
        self._chunks = 0
        self._done = False

    @property
    def done(self) -> bool:
        return self._done

    def feed(self, sse: httpx2.ServerSentEvent) -> str | None:
        data = sse.data
        if data.startswith("[DONE]"):
            self._done = True
            return None
        try:
            chunk = json.loads(data)
        except ValueError:
            raise ResponseValidationError(
                self._response, data, message=f"Stream chunk is not JSON: {data[:200]!r}"
            ) from None
        if not isinstance(chunk, dict):
            raise ResponseValidationError(
                self._response, chunk, message=f"Stream chunk is not an object: {data[:200]!r}"
            )
        error = chunk.get("error")
        if error:
            raise _stream_error(self._response, error)

        self._chunks += 1
        metadata = self.metadata
        if self._chunks == 1:
            metadata.update(id=chunk.get("id"), model=chunk.get("model"), created=chunk.get("created"))
        fingerprint = chunk.get("system_fingerprint")
        if fingerprint:
            metadata["system_fingerprint"] = fingerprint
        usage = chunk.get("usage")
        if usage:
            metadata["usage"] = UsageInfo.model_validate(usage)

        text: str | None = None
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if content:
                text = content if text is None else text + content
            reason = choice.get("finish_reason")
            if reason:
                metadata["finish_reason"] = reason
        return text

    def finish(self) -> None:
        if not self._done:
            raise IncompleteStreamError(request=self._response.request, received_chunks=self._chunks)

    def broken(self, error: httpx2.HTTPError) -> Exception:
        return broken_stream_error(self._response.request, self._chunks, error)


def _stream_error(response: httpx2.Response, error: object) -> StreamError:
    if isinstance(error, dict):
        message = error.get("message") or "The server reported an error mid-stream"
        return StreamError(str(message), response=response, body=error)
    return StreamError(str(error), response=response, body=error)


class EventDecoder:
    """Agent-control ``/events`` to typed events; this stream has no end marker."""

    _TYPES: ClassVar[dict[str, type[AgentEvent]]] = {
        "message_update": MessageUpdateEvent,
        "status_change": StatusChangeEvent,
    }

    def __init__(self, response: httpx2.Response) -> None:
        self.metadata: dict[str, Any] = {}
        self._response = response

    @property
    def done(self) -> bool:
        return False

    def feed(self, sse: httpx2.ServerSentEvent) -> AgentEvent | None:
        event_type = self._TYPES.get(sse.event)
        if event_type is None:
            log.debug("Skipping agent event of unknown type %r", sse.event)
            return None
        try:
            return event_type.model_validate_json(sse.data)
        except ValueError as err:
            raise ResponseValidationError(
                self._response, sse.data, message=f"Agent event {sse.event!r} is not valid: {err}"
            ) from None

    def finish(self) -> None:
        return None

    def broken(self, error: httpx2.HTTPError) -> Exception:
        return transport_error(self._response.request, error, retried=False, mid_stream=True)


def _read_error(response: httpx2.Response, err: httpx2.HTTPError, decoder: Decoder[Any]) -> Exception:
    if isinstance(err, httpx2.SSEError):
        return ResponseValidationError(response, None, message=str(err))
    if isinstance(err, httpx2.DecodingError):
        encoding = response.headers.get("content-encoding", "none")
        return ResponseValidationError(
            response, None, message=f"The stream could not be decoded (content-encoding {encoding}): {err}"
        )
    return decoder.broken(err)


def _events(response: httpx2.Response) -> httpx2.EventSource:
    # No size limit on one event, like openai's own stream: a long answer may come as one chunk.
    return httpx2.EventSource(response, max_event_size=None)


def _iterate(response: httpx2.Response, decoder: Decoder[_T]) -> Generator[_T, None, None]:
    # A function, not a method: the generator must not hold its Stream, so that
    # dropping the Stream frees the generator at once and its finally closes
    # the response, even when the caller broke out without close().
    try:
        for sse in _events(response):
            if not sse.data:
                continue  # SSE: a block without data (only `retry:` or `id:`) dispatches nothing
            item = decoder.feed(sse)
            if item is not None:
                yield item
            if decoder.done:
                return  # [DONE] ends the stream, whether or not the server closes the connection
        decoder.finish()
    except httpx2.HTTPError as err:
        raise _read_error(response, err, decoder) from err
    finally:
        response.close()


async def _aiterate(response: httpx2.Response, decoder: Decoder[_T]) -> AsyncGenerator[_T, None]:
    try:
        async for sse in _events(response):
            if not sse.data:
                continue
            item = decoder.feed(sse)
            if item is not None:
                yield item
            if decoder.done:
                return
        decoder.finish()
    except httpx2.HTTPError as err:
        raise _read_error(response, err, decoder) from err
    finally:
        await response.aclose()


class Stream(Generic[_T]):
    """Iterate to receive items; use as a context manager, or ``close()``, to
    release the connection when you stop early.

    A stream keeps the client that opened it alive (as openai's does), so a
    function may return one without holding on to its client.
    """

    def __init__(self, response: httpx2.Response, decoder: Decoder[_T], client: object = None) -> None:
        self.response = response
        self._client = client
        self._decoder = decoder
        self._iterator = _iterate(response, decoder)

    @property
    def metadata(self) -> dict[str, Any]:
        return self._decoder.metadata

    def __next__(self) -> _T:
        return next(self._iterator)

    def __iter__(self) -> Iterator[_T]:
        return self._iterator

    def close(self) -> None:
        self._iterator.close()
        self.response.close()

    def __enter__(self) -> Stream[_T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncStream(Generic[_T]):
    """The async twin of :class:`Stream`: ``async for`` and ``async with``."""

    def __init__(self, response: httpx2.Response, decoder: Decoder[_T], client: object = None) -> None:
        self.response = response
        self._client = client
        self._decoder = decoder
        self._iterator = _aiterate(response, decoder)

    @property
    def metadata(self) -> dict[str, Any]:
        return self._decoder.metadata

    async def __anext__(self) -> _T:
        return await self._iterator.__anext__()

    def __aiter__(self) -> AsyncIterator[_T]:
        return self._iterator

    async def close(self) -> None:
        await self._iterator.aclose()
        await self.response.aclose()

    async def __aenter__(self) -> AsyncStream[_T]:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
