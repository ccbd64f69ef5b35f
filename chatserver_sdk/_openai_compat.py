"""The one seam to openai's internals.

The clients are openai's own, so completions, model listing, retries and
connection pooling are openai's code. A ChatServer needs that code to behave
a little differently in a few places, and openai offers no public hook for
them; every private openai name this SDK touches is here, with the reason.
Nothing else in the package imports from ``openai._*`` or overrides an
underscored openai method, so an openai release that moves one of these
breaks this module's tests first (CI runs them against the oldest openai the
package accepts and the newest one on the registry).

=================================  ==================================================
private name                       why
=================================  ==================================================
``FinalRequestOptions``            ChatServer endpoints are sent through openai's own
                                   ``request()`` (same pool, auth, timeout, retries),
                                   which takes these options.
``OpenAIWithRawResponse`` (+async) base of ``client.with_raw_response``, so ``.chat`` and
                                   ``.models`` keep working there.
``_process_response``              a 2xx body that is truncated, empty, HTML or an
``_process_response_data``         ``{"error": ...}`` object raises an SDK error on
                                   openai's native methods too (openai returns a
                                   ``str``, zeros, or raises ``JSONDecodeError``).
``_make_status_error``             4xx/5xx become this SDK's exceptions, which are
                                   also openai's.
``_validate_headers``              a ChatServer without keys takes requests with no
                                   Authorization header; openai refuses to send them.
``_send_request``, ``_should_retry`` retries that cannot run a coding agent twice
                                   (see :mod:`._retries`).
``_custom_headers``                openai merges ``$OPENAI_CUSTOM_HEADERS`` (which may
                                   hold an OpenAI key) into every request; only the
                                   caller's ``default_headers`` may reach a ChatServer.
``_default_stream_cls``            openai's native streams raise this SDK's errors and
                                   end at ``[DONE]``.
``_enforce_credentials``           openai's ``copy()`` asks for a key; a ChatServer
                                   may have none.
``_extra_kwargs`` (in ``copy``)    ``with_options`` carries this SDK's own options.
``Stream._iter_events``,           the native stream's events: blocks without data are
``Stream.__stream__``              skipped (SSE spec), ``[DONE]`` ends the stream at
                                   once, a stream cut before it is an error.
=================================  ==================================================
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Literal, Self, TypeVar, get_origin, overload

import httpx2
import openai
from openai._client import AsyncOpenAIWithRawResponse, OpenAIWithRawResponse
from openai._models import FinalRequestOptions
from openai._streaming import ServerSentEvent
from typing_extensions import override

from . import _parameters, _retries
from ._history import checked_history
from .exceptions import (
    APIStatusError,
    ChatServerError,
    IncompleteStreamError,
    ResponseValidationError,
    StreamError,
    broken_stream_error,
    error_message,
    status_error,
    transport_error,
)

__all__ = [
    "AsyncOpenAIWithRawResponse",
    "AsyncSeam",
    "FinalRequestOptions",
    "OpenAIWithRawResponse",
    "SyncSeam",
    "is_error_object",
    "request_options",
]

_T = TypeVar("_T")
_ResponseT = TypeVar("_ResponseT")
_StreamT = TypeVar("_StreamT", bound=openai.Stream[Any])
_AsyncStreamT = TypeVar("_AsyncStreamT", bound=openai.AsyncStream[Any])

# openai sends this header on with_raw_response calls; the body is then parsed later, by the caller.
_RAW_RESPONSE_HEADER = "X-Stainless-Raw-Response"


def request_options(
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None,
    json_data: Mapping[str, Any] | None,
    files: list[Any] | None,
    headers: Mapping[str, str],
    extra_query: Mapping[str, object] | None,
    extra_body: Mapping[str, object] | None,
    timeout: float | httpx2.Timeout | openai.NotGiven | None,
) -> FinalRequestOptions:
    """openai's request options for one ChatServer call."""
    options: dict[str, Any] = {
        "method": method.lower(),
        "url": url,
        "params": {**(params or {}), **(extra_query or {})},
        "json_data": json_data,
        "files": files,
        "headers": headers,
        "extra_json": dict(extra_body) if extra_body else None,
    }
    if not isinstance(timeout, openai.NotGiven):
        options["timeout"] = timeout
    return FinalRequestOptions.construct(**options)


def is_error_object(data: object) -> bool:
    """Whether a 2xx JSON body is in fact an error report (``{"error": ...}``)."""
    return isinstance(data, dict) and bool(data.get("error"))


def _body_error(response: httpx2.Response, data: object) -> ResponseValidationError:
    message = error_message(response.status_code, data)
    return ResponseValidationError(
        response,
        data,
        message=f"{response.request.method} {response.request.url.path} answered {response.status_code} "
        f"with an error instead of a result: {message}",
    )


def _unreadable_body(response: httpx2.Response, cause: object) -> ResponseValidationError:
    excerpt = " ".join(response.text[:200].split()) or "an empty body"
    content_type = response.headers.get("content-type", "no content type")
    return ResponseValidationError(
        response,
        response.text[:500],
        message=f"{response.request.method} {response.request.url.path} answered {response.status_code} "
        f"({content_type}) with a body that is not the JSON expected ({cause}): {excerpt!r}",
    )


def _refuse_non_json(cast_to: object, response: httpx2.Response, stream: bool) -> None:
    """openai hands back the text of a 2xx body that is not JSON (a proxy's HTML page) as if it
    were the result; refuse it first. Only bodies not labelled JSON are parsed here, so the
    common path is not parsed twice."""
    if stream or response.request.headers.get(_RAW_RESPONSE_HEADER) == "true" or not _expects_model(cast_to):
        return
    if "json" in response.headers.get("content-type", ""):
        return
    try:
        json.loads(response.read())
    except ValueError:
        raise _unreadable_body(response, "not JSON") from None


def _expects_model(cast_to: object) -> bool:
    origin = get_origin(cast_to) or cast_to  # SyncPage[Model] and the like
    return isinstance(origin, type) and issubclass(origin, openai.BaseModel)


# --- openai's own streams, with this SDK's errors ------------------------------------


def _native_error(err: openai.APIError, response: httpx2.Response) -> ChatServerError:
    if isinstance(err, ChatServerError):
        return err
    if isinstance(err, openai.APIConnectionError):
        cause = err.__cause__ if isinstance(err.__cause__, Exception) else err
        return transport_error(err.request, cause, retried=False, mid_stream=True)
    return StreamError(err.message, response=response, body=err.body)


def _broken(response: httpx2.Response, received: int, err: Exception) -> ChatServerError:
    """What a native stream raises when its body cannot be read to ``[DONE]``.

    openai wraps transport errors in its ``APIConnectionError`` (openai 3.0 does not: then the
    httpx2 error itself arrives here)."""
    if isinstance(err, ChatServerError):
        return err
    wrapped = isinstance(err, openai.APIError) and isinstance(err.__cause__, Exception)
    cause = err.__cause__ if wrapped and isinstance(err.__cause__, Exception) else err
    if isinstance(cause, httpx2.DecodingError):
        return ResponseValidationError(response, None, message=f"The stream could not be decoded: {cause}")
    return broken_stream_error(response.request, received, cause)


def _dispatchable(sse: ServerSentEvent) -> bool:
    # SSE: a block whose data buffer is empty (only `retry:`, `id:` or `event:`) dispatches nothing.
    return bool(sse.data)


class NativeStream(openai.Stream[_T]):
    """openai's stream for ``chat.completions.create(stream=True)``: this SDK's
    exceptions, ``[DONE]`` ends it at once, and a stream cut before it is an error."""

    @override
    def _iter_events(self) -> Iterator[ServerSentEvent]:
        received = 0
        try:
            for sse in super()._iter_events():
                if not _dispatchable(sse):
                    continue
                if sse.data.startswith("[DONE]"):
                    # Closed before openai sees [DONE]: nothing waits on a connection a proxy keeps open.
                    self.response.close()
                    yield sse
                    return
                received += 1
                yield sse
        except (openai.APIConnectionError, httpx2.TransportError, httpx2.DecodingError) as err:
            raise _broken(self.response, received, err) from err
        raise IncompleteStreamError(request=self.response.request, received_chunks=received)

    @override
    def __stream__(self) -> Iterator[_T]:
        try:
            yield from super().__stream__()
        except json.JSONDecodeError as err:
            raise ResponseValidationError(
                self.response, err.doc[:200], message=f"Stream chunk is not JSON: {err.doc[:200]!r}"
            ) from None
        except openai.APIError as err:
            raise _native_error(err, self.response) from err


class AsyncNativeStream(openai.AsyncStream[_T]):
    """The async twin of :class:`NativeStream`."""

    @override
    async def _iter_events(self) -> AsyncIterator[ServerSentEvent]:
        received = 0
        try:
            async for sse in super()._iter_events():
                if not _dispatchable(sse):
                    continue
                if sse.data.startswith("[DONE]"):
                    await self.response.aclose()
                    yield sse
                    return
                received += 1
                yield sse
        except (openai.APIConnectionError, httpx2.TransportError, httpx2.DecodingError) as err:
            raise _broken(self.response, received, err) from err
        raise IncompleteStreamError(request=self.response.request, received_chunks=received)

    @override
    async def __stream__(self) -> AsyncIterator[_T]:
        try:
            async for item in super().__stream__():
                yield item
        except json.JSONDecodeError as err:
            raise ResponseValidationError(
                self.response, err.doc[:200], message=f"Stream chunk is not JSON: {err.doc[:200]!r}"
            ) from None
        except openai.APIError as err:
            raise _native_error(err, self.response) from err


class _SeamOptions:
    """What both seams keep besides openai's state."""

    retry_non_idempotent: bool = False
    send_unsupported_params: bool = False
    _custom_headers: Mapping[str, str]

    def _configure_seam(
        self,
        *,
        default_headers: Mapping[str, str] | None,
        retry_non_idempotent: bool,
        send_unsupported_params: bool,
    ) -> None:
        # openai also merges $OPENAI_CUSTOM_HEADERS (which may hold an OpenAI
        # Authorization) into every request: only the caller's headers stay.
        self._custom_headers = dict(default_headers or {})
        self.retry_non_idempotent = retry_non_idempotent
        self.send_unsupported_params = send_unsupported_params

    def _checked_options(self, options: FinalRequestOptions) -> FinalRequestOptions:
        """A completion body as the ChatServer reads it: history rules always, and parameters it
        would ignore refused or translated unless ``send_unsupported_params`` is set. Once per
        call, before openai's retry loop, so a retry sends the very same body."""
        if options.method.lower() != "post" or not options.url.rstrip("/").endswith("chat/completions"):
            return options
        if not isinstance(options.json_data, Mapping):
            return options
        if self.send_unsupported_params:
            return options.model_copy(update={"json_data": checked_history(options.json_data)})
        body = _parameters.checked_completion_body(options.json_data, options.extra_json)
        return options.model_copy(update={"json_data": checked_history(body), "extra_json": None})

    def copy(
        self,
        *,
        retry_non_idempotent: bool | None = None,
        send_unsupported_params: bool | None = None,
        **options: Any,
    ) -> Self:
        """A client like this one with some options changed (openai's ``copy``/``with_options``),
        plus this SDK's ``retry_non_idempotent`` and ``send_unsupported_params``."""
        extra = dict(options.pop("_extra_kwargs", {}))
        extra["retry_non_idempotent"] = (
            self.retry_non_idempotent if retry_non_idempotent is None else retry_non_idempotent
        )
        extra["send_unsupported_params"] = (
            self.send_unsupported_params if send_unsupported_params is None else send_unsupported_params
        )
        # openai's copy() asks for enforced credentials; a ChatServer may have none.
        options.setdefault("_enforce_credentials", False)
        copied: Self = super().copy(_extra_kwargs=extra, **options)  # type: ignore[misc]
        return copied

    with_options = copy

    def _make_status_error(self, err_msg: str, *, body: object, response: httpx2.Response) -> APIStatusError:
        return status_error(response)

    def _validate_headers(self, headers: Any, custom_headers: Any) -> None:
        # A ChatServer without keys takes requests with no Authorization header.
        return None

    def _should_retry(self, response: httpx2.Response) -> bool:
        if not _retries.may_retry_status(response, retry_non_idempotent=self.retry_non_idempotent):
            return False
        should_retry: bool = super()._should_retry(response)  # type: ignore[misc]
        return should_retry

    def _process_response_data(
        self, *, data: object, cast_to: type[_ResponseT], response: httpx2.Response
    ) -> Any:
        if _expects_model(cast_to) and is_error_object(data):
            raise _body_error(response, data)
        try:
            return super()._process_response_data(  # type: ignore[misc]
                data=data, cast_to=cast_to, response=response
            )
        except openai.APIResponseValidationError as err:
            if isinstance(err, ChatServerError):
                raise
            raise ResponseValidationError(response, data, message=err.message) from err


def _retire_connection(response: httpx2.Response) -> None:
    """Keep the connection of a 5xx answer out of the pool.

    A server may close a kept-alive connection right after an error (uvicorn
    does after an unhandled exception); a POST sent on it in the meantime
    fails as if the server had acted, and is not retried. A new connection
    costs little next to that. ``network_stream`` is httpcore's public
    response extension.
    """
    network_stream = response.extensions.get("network_stream")
    if network_stream is not None:
        network_stream.close()


async def _aretire_connection(response: httpx2.Response) -> None:
    network_stream = response.extensions.get("network_stream")
    if network_stream is not None:
        await network_stream.aclose()


def _translated(err: openai.APIConnectionError) -> ChatServerError:
    """openai's connection errors (raised after its retries) as this SDK's, naming URL and fix."""
    if isinstance(err, ChatServerError):
        return err
    cause = err.__cause__ if isinstance(err.__cause__, Exception) else err
    return transport_error(err.request, cause, retried=True)


class SyncSeam(_SeamOptions, openai.OpenAI):
    """``openai.OpenAI`` with the behaviour a ChatServer needs (see the module docstring)."""

    _default_stream_cls: type[openai.Stream[Any]] | None = NativeStream

    @overload
    def request(
        self,
        cast_to: type[_ResponseT],
        options: FinalRequestOptions,
        *,
        stream: Literal[True],
        stream_cls: type[_StreamT],
    ) -> _StreamT: ...

    @overload
    def request(
        self,
        cast_to: type[_ResponseT],
        options: FinalRequestOptions,
        *,
        stream: Literal[False] = False,
    ) -> _ResponseT: ...

    @overload
    def request(
        self,
        cast_to: type[_ResponseT],
        options: FinalRequestOptions,
        *,
        stream: bool = False,
        stream_cls: type[_StreamT] | None = None,
    ) -> _ResponseT | _StreamT: ...

    @override
    def request(
        self,
        cast_to: type[_ResponseT],
        options: FinalRequestOptions,
        *,
        stream: bool = False,
        stream_cls: type[_StreamT] | None = None,
    ) -> _ResponseT | _StreamT:
        options = self._checked_options(options)
        try:
            return super().request(
                cast_to, options, stream=stream, stream_cls=native_stream_cls(stream_cls, NativeStream)
            )
        except openai.APIConnectionError as err:
            raise _translated(err) from err.__cause__

    @override
    def _send_request(self, request: httpx2.Request, *, stream: bool, **kwargs: Any) -> httpx2.Response:
        try:
            response = super()._send_request(request, stream=stream, **kwargs)
        except openai.OpenAIError:
            raise
        except Exception as err:
            if _retries.may_retry_error(request, err, retry_non_idempotent=self.retry_non_idempotent):
                raise
            # An OpenAIError is raised by openai's request loop as is, without a retry.
            raise transport_error(request, err, retried=False) from err
        if response.status_code >= 500:
            response.read()
            _retire_connection(response)
        return response

    @override
    def _process_response(
        self,
        *,
        cast_to: type[_ResponseT],
        options: FinalRequestOptions,
        response: httpx2.Response,
        stream: bool,
        stream_cls: Any,
        retries_taken: int = 0,
    ) -> _ResponseT:
        _refuse_non_json(cast_to, response, stream)
        try:
            result = super()._process_response(
                cast_to=cast_to,
                options=options,
                response=response,
                stream=stream,
                stream_cls=stream_cls,
                retries_taken=retries_taken,
            )
        except ChatServerError:
            raise
        except (ValueError, httpx2.DecodingError) as err:
            raise _unreadable_body(response, err) from None
        if isinstance(result, str) and _expects_model(cast_to):
            raise _unreadable_body(response, "not JSON")
        return result


class AsyncSeam(_SeamOptions, openai.AsyncOpenAI):
    """``openai.AsyncOpenAI`` with the behaviour a ChatServer needs (see the module docstring)."""

    _default_stream_cls: type[openai.AsyncStream[Any]] | None = AsyncNativeStream

    @overload
    async def request(
        self,
        cast_to: type[_ResponseT],
        options: FinalRequestOptions,
        *,
        stream: Literal[False] = False,
    ) -> _ResponseT: ...

    @overload
    async def request(
        self,
        cast_to: type[_ResponseT],
        options: FinalRequestOptions,
        *,
        stream: Literal[True],
        stream_cls: type[_AsyncStreamT],
    ) -> _AsyncStreamT: ...

    @overload
    async def request(
        self,
        cast_to: type[_ResponseT],
        options: FinalRequestOptions,
        *,
        stream: bool,
        stream_cls: type[_AsyncStreamT] | None = None,
    ) -> _ResponseT | _AsyncStreamT: ...

    @override
    async def request(
        self,
        cast_to: type[_ResponseT],
        options: FinalRequestOptions,
        *,
        stream: bool = False,
        stream_cls: type[_AsyncStreamT] | None = None,
    ) -> _ResponseT | _AsyncStreamT:
        options = self._checked_options(options)
        try:
            return await super().request(
                cast_to, options, stream=stream, stream_cls=native_stream_cls(stream_cls, AsyncNativeStream)
            )
        except openai.APIConnectionError as err:
            raise _translated(err) from err.__cause__

    @override
    async def _send_request(self, request: httpx2.Request, *, stream: bool, **kwargs: Any) -> httpx2.Response:
        try:
            response = await super()._send_request(request, stream=stream, **kwargs)
        except openai.OpenAIError:
            raise
        except Exception as err:
            if _retries.may_retry_error(request, err, retry_non_idempotent=self.retry_non_idempotent):
                raise
            raise transport_error(request, err, retried=False) from err
        if response.status_code >= 500:
            await response.aread()
            await _aretire_connection(response)
        return response

    @override
    async def _process_response(
        self,
        *,
        cast_to: type[_ResponseT],
        options: FinalRequestOptions,
        response: httpx2.Response,
        stream: bool,
        stream_cls: Any,
        retries_taken: int = 0,
    ) -> _ResponseT:
        if not stream and _expects_model(cast_to):
            await response.aread()
        _refuse_non_json(cast_to, response, stream)
        try:
            result = await super()._process_response(
                cast_to=cast_to,
                options=options,
                response=response,
                stream=stream,
                stream_cls=stream_cls,
                retries_taken=retries_taken,
            )
        except ChatServerError:
            raise
        except (ValueError, httpx2.DecodingError) as err:
            raise _unreadable_body(response, err) from None
        if isinstance(result, str) and _expects_model(cast_to):
            raise _unreadable_body(response, "not JSON")
        return result


def native_stream_cls(stream_cls: Any, native: type[Any]) -> Any:
    """``Stream[X]`` as ``NativeStream[X]``: same chunks, this SDK's errors."""
    if stream_cls is None:
        return None
    args = getattr(stream_cls, "__args__", None)
    return native[args[0]] if args else native
