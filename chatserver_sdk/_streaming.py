"""Server-sent event streams: one engine for this SDK's streams and openai's native ones.

The HTTP request behind a stream goes through openai's request path (auth,
retries, status errors); the body is read here, once, by :func:`iterate`
(and its async twin), which asks a decoder what each event means:

* the **decoder** is the single authority on an event: ``[DONE]`` ends the
  stream, an ``{"error": ...}`` event is a :class:`StreamError`, a chunk of the
  wrong shape is a :class:`ResponseValidationError` naming what was wrong, and
  an end before ``[DONE]`` is an :class:`IncompleteStreamError`;
* the **engine** drives it, maps transport failures through the decoder, and
  tells the turn (:class:`~._turns.Turn`) how the stream ended: completed
  with its reply, or cut (then the stored session settles what happened).

``Stream``/``AsyncStream`` (``create_completion(stream=True)``, agent events)
yield the decoder's items; openai's own ``chat.completions.create(stream=True)``
on these clients (``NativeStream`` in :mod:`._openai_compat`) yields the same
events, parsed once, to openai's chunk models. Both behave the same by
construction.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

import httpx2

from ._errors import broken_stream_error, redact, secrets_of, transport_error
from ._limits import LIMITS, CallLimits, Watchdog
from .exceptions import IncompleteStreamError, ResponseValidationError, StreamError
from .types.agent import AgentErrorEvent, AgentEvent, MessageUpdateEvent, StatusChangeEvent
from .types.chat import UsageInfo

if TYPE_CHECKING:
    from ._turns import Turn

__all__ = ["AsyncStream", "CompletionDecoder", "Decoder", "EventDecoder", "Stream", "aiterate", "iterate"]

log = logging.getLogger("chatserver_sdk")

_T_co = TypeVar("_T_co", covariant=True)
_T = TypeVar("_T")

TURN = "chatserver_sdk.turn"
"""The response extension under which a completion's turn travels to whichever stream reads it."""


class Decoder(Protocol[_T_co]):
    metadata: dict[str, Any]

    def feed(self, sse: httpx2.ServerSentEvent) -> _T_co | None:
        """The item this event carries, if any; raises what the event says went wrong."""

    @property
    def done(self) -> bool:
        """Whether the stream has reached its end marker."""

    def finish(self) -> None:
        """Called when the body ends; raises if that end was premature."""

    def broken(self, error: httpx2.HTTPError) -> Exception:
        """What to raise when the connection breaks mid-stream."""


def _invalid(response: httpx2.Response, data: str, what: str) -> ResponseValidationError:
    excerpt = redact(data[:200], secrets_of(response.request))
    return ResponseValidationError(response, excerpt, message=f"Stream chunk {what}: {excerpt!r}")


class CompletionDecoder:
    """``chat.completion.chunk`` events to text deltas, each chunk checked for the shape it must have.

    ``metadata`` collects what the chunks carry besides text: ``id``,
    ``model``, ``created``, ``system_fingerprint`` (the session id),
    ``finish_reason`` and ``usage``. The session id and usage are there from
    the start (``None`` until a chunk carries them), as in the earlier SDK.
    ``last_chunk`` is the last chunk parsed (openai's native stream reuses it).
    """

    def __init__(self, response: httpx2.Response) -> None:
        self.metadata: dict[str, Any] = {"system_fingerprint": None, "usage": None}
        self.last_chunk: dict[str, Any] | None = None
        self.received = 0
        self._response = response
        self._parts: list[str] = []
        self._done = False

    @property
    def done(self) -> bool:
        return self._done

    @property
    def text(self) -> str:
        """The reply received so far."""
        return "".join(self._parts)

    def feed(self, sse: httpx2.ServerSentEvent) -> str | None:
        data = sse.data
        if data.startswith("[DONE]"):
            self._done = True
            return None
        try:
            chunk = json.loads(data)
        except ValueError:
            raise _invalid(self._response, data, "is not JSON") from None
        if not isinstance(chunk, dict):
            raise _invalid(self._response, data, "is not an object")
        error = chunk.get("error")
        if error:
            raise _stream_error(self._response, error)
        self.last_chunk = chunk
        self.received += 1
        text = self._read(chunk, data)
        if text is not None:
            self._parts.append(text)
        return text

    def _read(self, chunk: dict[str, Any], data: str) -> str | None:
        metadata = self.metadata
        if self.received == 1:
            metadata.update(id=chunk.get("id"), model=chunk.get("model"), created=chunk.get("created"))
        fingerprint = chunk.get("system_fingerprint")
        if fingerprint:
            metadata["system_fingerprint"] = fingerprint
        usage = chunk.get("usage")
        if usage:
            if not isinstance(usage, dict):
                raise _invalid(self._response, data, "has a usage that is not an object")
            try:
                metadata["usage"] = UsageInfo.model_validate(usage)
            except ValueError:
                raise _invalid(self._response, data, "has a usage that is not token counts") from None
        choices = chunk.get("choices") or ()
        if not isinstance(choices, list):
            raise _invalid(self._response, data, "has choices that are not a list")
        text: str | None = None
        for choice in choices:
            if not isinstance(choice, dict):
                raise _invalid(self._response, data, "has a choice that is not an object")
            delta = choice.get("delta") or {}
            if not isinstance(delta, dict):
                raise _invalid(self._response, data, "has a delta that is not an object")
            content = delta.get("content")
            if content is not None and not isinstance(content, str):
                raise _invalid(self._response, data, "has delta.content that is not text")
            if content:
                text = content if text is None else text + content
            reason = choice.get("finish_reason")
            if reason:
                metadata["finish_reason"] = reason
        return text

    def finish(self) -> None:
        if not self._done:
            raise IncompleteStreamError(request=self._response.request, received_chunks=self.received)

    def broken(self, error: httpx2.HTTPError) -> Exception:
        return broken_stream_error(self._response.request, self.received, error)

    def recovered(self, rest: str) -> dict[str, Any]:
        """The chunk that completes a cut reply with ``rest`` (read from the stored session)."""
        self._parts.append(rest)
        self._done = True
        self.metadata["finish_reason"] = "stop"
        base = self.last_chunk or {}
        return {
            "id": base.get("id") or self.metadata.get("id") or "chatcmpl-recovered",
            "object": "chat.completion.chunk",
            "created": base.get("created") or self.metadata.get("created") or 0,
            "model": base.get("model") or self.metadata.get("model") or "",
            "choices": [{"index": 0, "delta": {"content": rest}, "finish_reason": "stop"}],
            "system_fingerprint": self.metadata.get("system_fingerprint"),
        }


def _stream_error(response: httpx2.Response, error: object) -> StreamError:
    secrets = secrets_of(response.request)
    error = redact(error, secrets)
    if isinstance(error, Mapping):
        message = error.get("message") or "The server reported an error mid-stream"
        return StreamError(str(message), response=response, body=error)
    return StreamError(str(error), response=response, body=error)


class EventDecoder:
    """Agent-control ``/events`` to typed events; this stream has no end marker.

    Event types this SDK does not know (a newer agentapi's) are skipped with a
    debug log, never fatal.
    """

    _TYPES: ClassVar[dict[str, type[AgentEvent]]] = {
        "message_update": MessageUpdateEvent,
        "status_change": StatusChangeEvent,
        "agent_error": AgentErrorEvent,
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
                self._response, sse.data[:200], message=f"Agent event {sse.event!r} is not valid: {err}"
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


def _turn_of(response: httpx2.Response) -> Turn | None:
    turn: Turn | None = response.extensions.get(TURN)
    return turn


Pair = tuple[httpx2.ServerSentEvent | None, Any]
"""An event and its item; a recovered ending has no event of the server's (``None``)."""


def _limits_of(response: httpx2.Response) -> CallLimits | None:
    limits: CallLimits | None = response.extensions.get(LIMITS)
    return limits


def _what(response: httpx2.Response) -> str:
    return f"{response.request.method} {response.request.url.path}"


def iterate(response: httpx2.Response, decoder: Decoder[Any]) -> Generator[Pair, None, None]:
    """Every event of the body with what the decoder makes of it, until the decoder says it is done.

    A function, not a method: the generator must not hold its stream, so that dropping the
    stream frees the generator at once and its ``finally`` closes the response, even when the
    caller broke out without ``close()``.
    """
    turn = _turn_of(response)
    limits = _limits_of(response)
    watchdog = None if limits is None else Watchdog(response, limits)
    try:
        try:
            for sse in _events(response):
                if watchdog is not None:
                    watchdog.event()
                    bound = watchdog.error(response.request, _what(response))
                    if bound is not None:
                        raise bound
                if not sse.data:
                    continue  # SSE: a block without data (only `retry:` or `id:`) dispatches nothing
                item = decoder.feed(sse)
                yield sse, item
                if decoder.done:
                    break  # [DONE] ends the stream, whether or not the server closes the connection
            else:
                if watchdog is not None and watchdog.fired:
                    raise watchdog.error(response.request, _what(response)) or IncompleteStreamError(
                        request=response.request, received_chunks=0
                    )
                decoder.finish()
        except httpx2.HTTPError as err:
            bound = watchdog.error(response.request, _what(response)) if watchdog is not None else None
            raise (bound or _read_error(response, err, decoder)) from err
    except IncompleteStreamError as cut:
        if turn is None or not isinstance(decoder, CompletionDecoder):
            raise
        rest = turn.settle_cut(cut, decoder.text)
        yield None, decoder.recovered(rest)
    except BaseException:
        if turn is not None:
            turn.abandoned()
        raise
    else:
        if turn is not None and isinstance(decoder, CompletionDecoder):
            turn.completed(decoder.text)
    finally:
        if watchdog is not None:
            watchdog.stop()
        response.close()


async def _next_within(
    events: AsyncIterator[httpx2.ServerSentEvent],
    limits: CallLimits | None,
    response: httpx2.Response,
    last: float,
) -> httpx2.ServerSentEvent:
    """The next event, within what the call's bounds leave."""
    if limits is None:
        return await events.__anext__()
    bounds = []
    remaining = limits.remaining()
    if remaining is not None:
        bounds.append(remaining)
    if limits.idle_timeout is not None:
        bounds.append(last + limits.idle_timeout - time.monotonic())
    if not bounds:
        return await events.__anext__()
    try:
        return await asyncio.wait_for(events.__anext__(), max(0.0, min(bounds)))
    except TimeoutError:
        if limits.passed():
            raise limits.deadline_error(response.request, _what(response)) from None
        raise limits.idle_error(response.request, _what(response)) from None


async def aiterate(response: httpx2.Response, decoder: Decoder[Any]) -> AsyncGenerator[Pair, None]:
    """The async twin of :func:`iterate`."""
    turn = _turn_of(response)
    limits = _limits_of(response)
    try:
        try:
            events = _events(response).__aiter__()
            last = time.monotonic()
            while True:
                try:
                    sse = await _next_within(events, limits, response, last)
                except StopAsyncIteration:
                    decoder.finish()
                    break
                last = time.monotonic()
                if not sse.data:
                    continue
                item = decoder.feed(sse)
                yield sse, item
                if decoder.done:
                    break
        except httpx2.HTTPError as err:
            raise _read_error(response, err, decoder) from err
    except IncompleteStreamError as cut:
        if turn is None or not isinstance(decoder, CompletionDecoder):
            raise
        rest = await turn.asettle_cut(cut, decoder.text)
        yield None, decoder.recovered(rest)
    except BaseException:
        if turn is not None:
            turn.abandoned()
        raise
    else:
        if turn is not None and isinstance(decoder, CompletionDecoder):
            turn.completed(decoder.text)
    finally:
        await response.aclose()


def _text_of(pair: Pair) -> Any:
    sse, item = pair
    if sse is None:  # the recovered ending: its chunk's text
        return item["choices"][0]["delta"]["content"]
    return item


class Stream(Generic[_T]):
    """Iterate to receive items; use as a context manager, or ``close()``, to
    release the connection when you stop early.

    A stream keeps the client that opened it alive (as openai's does), so a
    function may return one without holding on to its client. ``recovered`` is
    True when the connection broke and the rest of the reply was read from the
    stored session.
    """

    def __init__(self, response: httpx2.Response, decoder: Decoder[_T], client: object = None) -> None:
        self.response = response
        self._client = client
        self._decoder = decoder
        self._iterator = _items(iterate(response, decoder))

    @property
    def metadata(self) -> dict[str, Any]:
        return self._decoder.metadata

    @property
    def recovered(self) -> bool:
        turn = _turn_of(self.response)
        return turn is not None and turn.recovered

    def __next__(self) -> _T:
        item: _T = next(self._iterator)
        return item

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


def _items(pairs: Generator[Pair, None, None]) -> Generator[Any, None, None]:
    with _closing(pairs):
        for pair in pairs:
            item = _text_of(pair)
            if item is not None:
                yield item


async def _aitems(pairs: AsyncGenerator[Pair, None]) -> AsyncGenerator[Any, None]:
    try:
        async for pair in pairs:
            item = _text_of(pair)
            if item is not None:
                yield item
    finally:
        await pairs.aclose()


class _closing:
    def __init__(self, generator: Generator[Any, None, None]) -> None:
        self._generator = generator

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        self._generator.close()


class AsyncStream(Generic[_T]):
    """The async twin of :class:`Stream`: ``async for`` and ``async with``."""

    def __init__(self, response: httpx2.Response, decoder: Decoder[_T], client: object = None) -> None:
        self.response = response
        self._client = client
        self._decoder = decoder
        self._iterator = _aitems(aiterate(response, decoder))

    @property
    def metadata(self) -> dict[str, Any]:
        return self._decoder.metadata

    @property
    def recovered(self) -> bool:
        turn = _turn_of(self.response)
        return turn is not None and turn.recovered

    async def __anext__(self) -> _T:
        item: _T = await self._iterator.__anext__()
        return item

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
