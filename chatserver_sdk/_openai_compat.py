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
                                   which takes these options; every completion's body
                                   is made valid there (:mod:`._completions`).
``OpenAIWithRawResponse`` (+async, base of ``client.with_raw_response`` and
``OpenAIWithStreamedResponse``)    ``with_streaming_response``, so ``.chat`` and
                                   ``.models`` keep working there.
``ServerSentEvent``                openai's native stream reads events this SDK's
                                   stream engine has already decoded, parsed once.
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
``_default_stream_cls``            openai's native streams use this SDK's engine.
``_enforce_credentials``           openai's ``copy()`` asks for a key; a ChatServer
                                   may have none.
``_extra_kwargs`` (in ``copy``)    ``with_options`` carries this SDK's own options.
``_client`` (the httpx2 client)    after ``fork()``, a child process gets a new pool
                                   rather than the parent's connections.
``Stream._iter_events``            the native stream's events come from the engine.
=================================  ==================================================
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar, get_origin, overload

import httpx2
import openai
from openai._client import (
    AsyncOpenAIWithRawResponse,
    AsyncOpenAIWithStreamedResponse,
    OpenAIWithRawResponse,
    OpenAIWithStreamedResponse,
)
from openai._models import FinalRequestOptions
from openai._streaming import ServerSentEvent
from typing_extensions import override

from . import _retries
from ._completions import Prepared, Sessions, Transcript, acquire_within, is_completion, prepare, resumed
from ._errors import error_message, status_error, transport_error
from ._limits import LIMITS, CallLimits, checked_seconds, current, limited
from ._response import RAW_RESPONSE_HEADER
from ._streaming import TURN, CompletionDecoder, aiterate, iterate
from ._turns import Turn, answer_lost
from .exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    ChatServerError,
    DeadlineExceededError,
    IdleTimeoutError,
    NotFoundError,
    ResponseValidationError,
    SessionBusyError,
    UnsupportedEndpointError,
)

if TYPE_CHECKING:
    from ._openai_resources import (
        AsyncChatServerChat,
        AsyncChatServerModels,
        ChatServerChat,
        ChatServerModels,
    )

__all__ = [
    "AsyncOpenAIWithRawResponse",
    "AsyncOpenAIWithStreamedResponse",
    "AsyncSeam",
    "FinalRequestOptions",
    "OpenAIWithRawResponse",
    "OpenAIWithStreamedResponse",
    "SyncSeam",
    "is_error_object",
    "request_options",
]

log = logging.getLogger("chatserver_sdk")

_T = TypeVar("_T")
_ResponseT = TypeVar("_ResponseT")
_StreamT = TypeVar("_StreamT", bound=openai.Stream[Any])
_AsyncStreamT = TypeVar("_AsyncStreamT", bound=openai.AsyncStream[Any])

DEFAULT_SESSION_WAIT = 600.0
"""Seconds a turn waits for the one before it on the same session (an agent turn takes minutes)."""

# http clients left behind in a child process: never closed there, since closing could talk on
# connections the parent still uses.
_FORKED_AWAY: list[object] = []


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
    """openai's request options for one ChatServer call.

    Copied from one template rather than constructed: construction deep-copies every default
    (about a tenth of a GET's cost); the copy shares the defaults it does not replace, which
    openai only reads."""
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
    return _OPTIONS_TEMPLATE.model_copy(update=options)


_OPTIONS_TEMPLATE = FinalRequestOptions.construct(method="get", url="")


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
    if stream or RAW_RESPONSE_HEADER in response.request.headers:
        return  # a raw or streaming view: the caller reads (and judges) the body
    if not _expects_model(cast_to) or "json" in response.headers.get("content-type", ""):
        return
    try:
        json.loads(response.read())
    except ValueError:
        raise _unreadable_body(response, "not JSON") from None


def _expects_model(cast_to: object) -> bool:
    origin = get_origin(cast_to) or cast_to  # SyncPage[Model] and the like
    return isinstance(origin, type) and issubclass(origin, openai.BaseModel)


# --- openai's own streams, read by this SDK's engine ------------------------------------


class _DecodedEvent(ServerSentEvent):
    """An event the engine has decoded already: openai's ``json()`` gets the chunk parsed once."""

    def __init__(self, sse: httpx2.ServerSentEvent | None, chunk: object) -> None:
        data = sse.data if sse is not None else json.dumps(chunk)
        super().__init__(event=sse.event if sse is not None else None, data=data)
        self._chunk = chunk

    @override
    def json(self) -> Any:
        return self._chunk


def _decoded(
    sse: httpx2.ServerSentEvent | None, item: object, decoder: CompletionDecoder
) -> _DecodedEvent | None:
    if sse is None:
        return _DecodedEvent(None, item)  # the recovered ending: its chunk is the item
    if decoder.done:
        return None  # [DONE]: the engine has ended the stream; openai needs not see it
    return _DecodedEvent(sse, decoder.last_chunk)


class NativeStream(openai.Stream[_T]):
    """openai's stream for ``chat.completions.create(stream=True)``, its events read by this SDK's
    engine: the same ``[DONE]``, errors, cut-stream and recovery rules as ``create_completion``."""

    @override
    def _iter_events(self) -> Iterator[ServerSentEvent]:
        decoder = CompletionDecoder(self.response)
        for sse, item in iterate(self.response, decoder):
            event = _decoded(sse, item, decoder)
            if event is not None:
                yield event

    @property
    def recovered(self) -> bool:
        turn = self.response.extensions.get(TURN)
        return bool(turn is not None and turn.recovered)


class AsyncNativeStream(openai.AsyncStream[_T]):
    """The async twin of :class:`NativeStream`."""

    @override
    async def _iter_events(self) -> AsyncIterator[ServerSentEvent]:
        decoder = CompletionDecoder(self.response)
        async for sse, item in aiterate(self.response, decoder):
            event = _decoded(sse, item, decoder)
            if event is not None:
                yield event

    @property
    def recovered(self) -> bool:
        turn = self.response.extensions.get(TURN)
        return bool(turn is not None and turn.recovered)


def native_stream_cls(stream_cls: Any, native: type[Any]) -> Any:
    """``Stream[X]`` as ``NativeStream[X]``: same chunks, this SDK's engine."""
    if stream_cls is None:
        return None
    args = getattr(stream_cls, "__args__", None)
    return native[args[0]] if args else native


# --- what a ChatServer serves of openai's API ------------------------------------------------

_SERVED = "A ChatServer serves chat.completions.create and models.list/retrieve, plus its own API"
_ADVICE = {
    "responses": "Use client.chat.completions.create (openai-agents: OpenAIChatCompletionsModel).",
    "completions": "Use client.chat.completions.create (legacy completions are not served).",
}


class Unserved:
    """An openai resource (or method) a ChatServer has no route for: calling it raises at once,
    naming it, before anything is sent. Attribute access still works, so tools that inspect a
    client (``hasattr``) are not broken by it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Unserved:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        if attribute in ("with_raw_response", "with_streaming_response"):
            return self
        return Unserved(f"{self._name}.{attribute}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        top = self._name.split(".")[1] if "." in self._name else self._name
        advice = _ADVICE.get(top, "")
        raise UnsupportedEndpointError(
            self._name, f"{advice} {_SERVED}: sessions, platform, mcp_servers, agent.".strip()
        )

    def __repr__(self) -> str:
        return f"<{self._name}: not served by a ChatServer>"


def _unserved(name: str) -> Any:
    return functools.cached_property(lambda self: Unserved(f"client.{name}"))


def install_unserved(cls: type[Any], served: frozenset[str]) -> None:
    """Every openai resource of ``cls`` a ChatServer does not serve becomes :class:`Unserved`."""
    for base in reversed(cls.__mro__):
        for name, value in vars(base).items():
            if (
                isinstance(value, functools.cached_property)
                and name not in served
                and base.__module__.startswith("openai")
            ):
                prop = _unserved(name)
                prop.__set_name__(cls, name)
                setattr(cls, name, prop)


# --- what both seams share -------------------------------------------------------------------


def _recovered_body(prepared: Prepared, reply: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-recovered-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": prepared.body.get("model", ""),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "system_fingerprint": prepared.session_id,
        "recovered": True,
    }


def _recovered_response(
    request: httpx2.Request, prepared: Prepared, reply: str, stream: bool
) -> httpx2.Response:
    """The answer the lost one would have been, rebuilt from the stored reply."""
    body = _recovered_body(prepared, reply)
    if not stream:
        return httpx2.Response(200, json=body, request=request)
    chunk = {
        "id": body["id"],
        "object": "chat.completion.chunk",
        "created": body["created"],
        "model": body["model"],
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
        "system_fingerprint": prepared.session_id,
        "usage": body["usage"],
        "recovered": True,
    }
    text = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n"
    return httpx2.Response(200, headers={"content-type": "text/event-stream"}, text=text, request=request)


def _response_of(result: object) -> httpx2.Response | None:
    """The HTTP response behind what ``request()`` returned, if its body may still be unread."""
    if isinstance(result, httpx2.Response):
        return result
    for attribute in ("response", "http_response"):
        response = getattr(result, attribute, None)
        if isinstance(response, httpx2.Response):
            return response
    return None


class _ReleasingStream(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A body that lets the session's next turn go when it is closed, however it is read."""

    def __init__(self, stream: Any, turn: Turn) -> None:
        self._stream = stream
        self._turn = turn

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._stream:
            yield part

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            self._turn.abandoned()

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._turn.abandoned()


def _reply_of(result: object) -> str | None:
    """The reply text of a completion read whole (openai's model, or a read response)."""
    choices = getattr(result, "choices", None)
    if choices:
        message = getattr(choices[0], "message", None)
        content = getattr(message, "content", None)
        return content if isinstance(content, str) else None
    response = _response_of(result)
    if response is None or not response.is_closed:
        return None
    try:
        data = json.loads(response.content)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError, httpx2.ResponseNotRead):
        return None
    return content if isinstance(content, str) else None


class _SeamOptions:
    """What both seams keep besides openai's state."""

    retry_non_idempotent: bool = False
    send_unsupported_params: bool = False
    settle_lost_answers: bool = True
    session_wait: float | None = DEFAULT_SESSION_WAIT
    deadline: float | None = None
    idle_timeout: float | None = None
    _custom_headers: Mapping[str, str]
    _sessions: Sessions
    _pid: int
    _owns_http_client: bool
    _tcp_keepalive: bool
    _client: Any

    def _configure_seam(
        self,
        *,
        default_headers: Mapping[str, str] | None,
        retry_non_idempotent: bool,
        send_unsupported_params: bool,
        settle_lost_answers: bool,
        session_wait: float | None,
        tcp_keepalive: bool,
        owns_http_client: bool,
        deadline: float | None,
        idle_timeout: float | None,
    ) -> None:
        # openai also merges $OPENAI_CUSTOM_HEADERS (which may hold an OpenAI
        # Authorization) into every request: only the caller's headers stay.
        self._custom_headers = dict(default_headers or {})
        self.retry_non_idempotent = retry_non_idempotent
        self.send_unsupported_params = send_unsupported_params
        self.settle_lost_answers = settle_lost_answers
        self.session_wait = checked_seconds(session_wait, "session_wait", zero=True)
        self._tcp_keepalive = tcp_keepalive
        self._owns_http_client = owns_http_client
        self._sessions = Sessions()
        self._pid = os.getpid()
        self.deadline = checked_seconds(deadline, "deadline")
        self.idle_timeout = checked_seconds(idle_timeout, "idle_timeout")

    def _fresh_http_client(self) -> Any:
        raise NotImplementedError

    def _in_this_process(self) -> None:
        """After ``fork()``, the child gets a connection pool of its own, never the parent's."""
        if os.getpid() == self._pid:
            return
        if not self._owns_http_client:
            raise ChatServerError(
                "This client's http_client was made in another process (before fork()): its connections "
                "belong to that process. Make a new client (or http_client) in this process."
            )
        _FORKED_AWAY.append(self._client)
        self._client = self._fresh_http_client()
        self._sessions.after_fork()
        self._pid = os.getpid()

    def _prepared(self, options: FinalRequestOptions) -> tuple[FinalRequestOptions, Prepared | None]:
        """Steps 1-2 of :mod:`._completions` for a completion; other requests pass as they are."""
        if not is_completion(options.method, options.url) or not isinstance(options.json_data, Mapping):
            return options, None
        extra = options.extra_json if isinstance(options.extra_json, Mapping) else None
        prepared = prepare(options.json_data, extra, send_unsupported=self.send_unsupported_params)
        return options.model_copy(update={"json_data": prepared.body, "extra_json": None}), prepared

    def copy(
        self,
        *,
        api_key: Any = None,
        base_url: Any = None,
        timeout: Any = openai.NOT_GIVEN,
        max_retries: Any = openai.NOT_GIVEN,
        default_headers: Any = None,
        http_client: Any = None,
        retry_non_idempotent: bool | None = None,
        send_unsupported_params: bool | None = None,
        settle_lost_answers: bool | None = None,
        session_wait: float | openai.NotGiven | None = openai.NOT_GIVEN,
        tcp_keepalive: bool | None = None,
        deadline: float | None = None,
        idle_timeout: float | None = None,
        **openai_options: Any,
    ) -> Self:
        """A client like this one with some options changed (openai's ``copy``/``with_options``): the
        constructor's options, openai's and this SDK's. The copy shares the connection pool (unless
        given another ``http_client``) and the sessions' turn order."""
        extra = dict(openai_options.pop("_extra_kwargs", {}))
        for name, value, kept in (
            ("retry_non_idempotent", retry_non_idempotent, self.retry_non_idempotent),
            ("send_unsupported_params", send_unsupported_params, self.send_unsupported_params),
            ("settle_lost_answers", settle_lost_answers, self.settle_lost_answers),
            ("tcp_keepalive", tcp_keepalive, self._tcp_keepalive),
            ("deadline", deadline, self.deadline),
            ("idle_timeout", idle_timeout, self.idle_timeout),
        ):
            extra[name] = kept if value is None else value
        # Checked where every client is made (_configure_seam), the copy included.
        extra["session_wait"] = (
            self.session_wait if isinstance(session_wait, openai.NotGiven) else session_wait
        )
        keepalive_changed = extra["tcp_keepalive"] != self._tcp_keepalive
        if http_client is None and keepalive_changed and self._owns_http_client:
            http_client = self._fresh_client_with(extra["tcp_keepalive"])
        given = {
            "api_key": api_key,
            "base_url": base_url,
            "default_headers": default_headers,
            "http_client": http_client,
        }
        options = {name: value for name, value in given.items() if value is not None}
        if not isinstance(timeout, openai.NotGiven):
            options["timeout"] = timeout
        if not isinstance(max_retries, openai.NotGiven):
            options["max_retries"] = max_retries
        # openai's copy() asks for enforced credentials; a ChatServer may have none.
        openai_options.setdefault("_enforce_credentials", False)
        copied: Self = super().copy(_extra_kwargs=extra, **options, **openai_options)  # type: ignore[misc]
        copied._sessions = self._sessions
        copied._owns_http_client = self._owns_http_client and (http_client is None or keepalive_changed)
        return copied

    def _fresh_client_with(self, tcp_keepalive: bool) -> Any:
        raise NotImplementedError

    with_options = copy

    def platform_headers(self) -> dict[str, str]:
        # openai's X-Stainless-* headers describe the client (OS, runtime, package) to OpenAI's servers;
        # a ChatServer reads none of them, and each costs header handling on every request.
        return {}

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
            raise ResponseValidationError(response, data, message=err.message) from err.__cause__

    def _limits(self) -> CallLimits | None:
        """The call's bounds: the method's own, else this client's (``with_options(deadline=...)``)."""
        return current() or CallLimits.start(self.deadline, self.idle_timeout)

    def _busy(self, prepared: Prepared) -> SessionBusyError:
        return SessionBusyError(str(prepared.session_id), self.session_wait or 0.0)

    def _turn_answered(self, turn: Turn, result: object, stream: bool) -> object:
        """Hand the turn's end to whoever reads the body, or end it now if it has been read."""
        response = _response_of(result)
        if response is not None and (stream or not response.is_closed):
            # The stream engine records the reply (or settles a cut); a body read some other way
            # (a view's iter_lines) lets the next turn go when it is closed.
            response.extensions = {**response.extensions, TURN: turn}
            if response.is_closed:
                turn.release()  # the whole body is here: the server is done with the turn
            else:
                response.stream = _ReleasingStream(response.stream, turn)
            return result
        reply = _reply_of(result)
        if reply is None:
            turn.abandoned()
        else:
            turn.completed(reply)
        return result


def _bound_attempt(request: httpx2.Request, stream: bool) -> None:
    """One attempt of a bounded call: refused once the deadline has passed, else no longer than what
    is left (a stream's reads no longer than its idle bound)."""
    limits = current()
    if limits is None:
        return
    if limits.passed():
        raise limits.deadline_error(request, f"{request.method} {request.url.path}")
    timeout = request.extensions.get("timeout")
    if isinstance(timeout, dict):
        request.extensions["timeout"] = limits.timeouts(timeout, stream=stream)


def _bound_reached(error: BaseException) -> bool:
    limits = current()
    if isinstance(error, (DeadlineExceededError, IdleTimeoutError)):
        return True
    return limits is not None and limits.passed()


def _bounded(error: APIConnectionError, limits: CallLimits, stream: bool) -> APIConnectionError:
    """A timeout that a call's bound caused, as the error naming that bound."""
    if isinstance(error, (DeadlineExceededError, IdleTimeoutError)):
        return error
    what = f"{error.request.method} {error.request.url.path}"
    if limits.passed():
        return limits.deadline_error(error.request, what)
    if stream and limits.idle_timeout is not None and isinstance(error, APITimeoutError):
        return limits.idle_error(error.request, what)
    return error


def _with_limits(result: Any, limits: CallLimits) -> Any:
    """Send the call's bounds on with its response, to the stream that will read it."""
    response = _response_of(result)
    if response is not None and not response.is_closed:
        response.extensions = {**response.extensions, LIMITS: limits}
    return result


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


def _session_options(prepared: Prepared, options: FinalRequestOptions) -> FinalRequestOptions:
    """A GET of the stored session, with the caller's headers and timeout."""
    given: Mapping[str, Any] = options.headers if isinstance(options.headers, Mapping) else {}
    headers = {k: v for k, v in given.items() if k != RAW_RESPONSE_HEADER and isinstance(v, str)}
    timeout = options.timeout
    return request_options(
        "GET",
        "",  # set by the caller, which knows the server root
        params={"user_id": prepared.user_id},
        json_data=None,
        files=None,
        headers=headers,
        extra_query=None,
        extra_body=None,
        timeout=timeout,
    )


def _transcript(data: object) -> Transcript:
    messages = data.get("messages") if isinstance(data, Mapping) else None
    if not isinstance(messages, list):
        raise ValueError("the stored session has no message list")
    ordered = sorted(
        (m for m in messages if isinstance(m, Mapping)), key=lambda m: int(m.get("message_index") or 0)
    )
    return [(str(m.get("role")), str(m.get("content") or "")) for m in ordered]


def _session_url(base_url: httpx2.URL, session_id: str) -> str:
    root = str(base_url)
    root = root[: -len("v1/")] if root.endswith("/v1/") else root
    return f"{root}atoms/chat/sessions/{session_id}"


class SyncSeam(_SeamOptions, openai.OpenAI):
    """``openai.OpenAI`` with the behaviour a ChatServer needs (see the module docstring)."""

    _default_stream_cls: type[openai.Stream[Any]] | None = NativeStream

    # openai's own resources, as a ChatServer serves them; imported when first used, as openai's are.
    @functools.cached_property
    def chat(self) -> ChatServerChat:
        from ._openai_resources import ChatServerChat

        return ChatServerChat(self)

    @functools.cached_property
    def models(self) -> ChatServerModels:
        from ._openai_resources import ChatServerModels

        return ChatServerModels(self)

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
        self._in_this_process()
        limits = self._limits()
        if limits is None:
            return self._request(cast_to, options, stream=stream, stream_cls=stream_cls)  # type: ignore[no-any-return]
        with limited(limits):
            try:
                result = self._request(cast_to, options, stream=stream, stream_cls=stream_cls)
            except APIConnectionError as err:
                raise _bounded(err, limits, stream) from err
        return _with_limits(result, limits)  # type: ignore[no-any-return]

    def _request(
        self, cast_to: type[_ResponseT], options: FinalRequestOptions, *, stream: bool, stream_cls: Any
    ) -> Any:
        options, prepared = self._prepared(options)
        send = functools.partial(self._send_once, cast_to, stream=stream, stream_cls=stream_cls)
        if prepared is None or prepared.session_id is None:
            return send(options)
        lock = self._sessions.lock(prepared.session_id)
        wait = -1 if self.session_wait is None else self.session_wait
        if not lock.acquire(timeout=wait):
            raise self._busy(prepared)
        turn = Turn(
            self._sessions, prepared, lock.release, read=functools.partial(self._stored, prepared, options)
        )
        try:
            if not self._sessions.knows_extended_by(prepared):
                stored = self._stored(prepared, options)
                if stored is not None:
                    prepared = resumed(prepared, stored)
                    turn.prepared = prepared
                    options = options.model_copy(update={"json_data": prepared.body})
            try:
                result = send(options)
            except APIConnectionError as err:
                result = self._settle(err, turn, options, send)
            except APIStatusError as err:
                if err.status_code < 500:
                    raise
                result = self._settle(err, turn, options, send)
        except BaseException:
            turn.abandoned()
            raise
        return self._turn_answered(turn, result, stream)

    def _send_once(self, cast_to: Any, options: FinalRequestOptions, *, stream: bool, stream_cls: Any) -> Any:
        try:
            return super().request(
                cast_to, options, stream=stream, stream_cls=native_stream_cls(stream_cls, NativeStream)
            )
        except openai.APIConnectionError as err:
            raise _translated(err) from err.__cause__

    def _stored(self, prepared: Prepared, options: FinalRequestOptions) -> Transcript | None:
        """The session's stored transcript (one GET; ``None`` when it does not exist yet)."""
        lookup = _session_options(prepared, options).model_copy(
            update={"url": _session_url(self.base_url, str(prepared.session_id))}
        )
        log.debug("session %s: reading what is stored", prepared.session_id)
        try:
            response = self._send_once(httpx2.Response, lookup, stream=False, stream_cls=None)
        except NotFoundError:
            self._sessions.record(str(prepared.session_id), [])
            return None
        stored = _transcript(response.json())
        self._sessions.record(str(prepared.session_id), stored)
        return stored

    def _settle(self, error: APIError, turn: Turn, options: FinalRequestOptions, send: Any) -> Any:
        """A lost answer, settled by what the session holds (module :mod:`._turns`)."""
        if not answer_lost(error) or not self.settle_lost_answers or _bound_reached(error):
            raise error
        try:
            stored = self._stored(turn.prepared, options)
        except ChatServerError as lookup_error:
            log.warning(
                "session %s: could not read it to settle a lost answer: %s", turn.session_id, lookup_error
            )
            raise error from None
        outcome = turn.settle_lost(error, stored)
        if outcome.kind == "not-reached":
            return send(options)
        response = _recovered_response(error.request, turn.prepared, outcome.reply, send.keywords["stream"])
        return self._process_response(
            cast_to=send.args[0],
            options=options,
            response=response,
            stream=send.keywords["stream"],
            stream_cls=native_stream_cls(send.keywords["stream_cls"], NativeStream),
        )

    @override
    def _send_request(self, request: httpx2.Request, *, stream: bool, **kwargs: Any) -> httpx2.Response:
        _bound_attempt(request, stream)
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

    @functools.cached_property
    def chat(self) -> AsyncChatServerChat:
        from ._openai_resources import AsyncChatServerChat

        return AsyncChatServerChat(self)

    @functools.cached_property
    def models(self) -> AsyncChatServerModels:
        from ._openai_resources import AsyncChatServerModels

        return AsyncChatServerModels(self)

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
        self._in_this_process()
        limits = self._limits()
        if limits is None:
            return await self._request(cast_to, options, stream=stream, stream_cls=stream_cls)  # type: ignore[no-any-return]
        with limited(limits):
            try:
                result = await self._request(cast_to, options, stream=stream, stream_cls=stream_cls)
            except APIConnectionError as err:
                raise _bounded(err, limits, stream) from err
        return _with_limits(result, limits)  # type: ignore[no-any-return]

    async def _request(
        self, cast_to: type[_ResponseT], options: FinalRequestOptions, *, stream: bool, stream_cls: Any
    ) -> Any:
        options, prepared = self._prepared(options)
        send = functools.partial(self._send_once, cast_to, stream=stream, stream_cls=stream_cls)
        if prepared is None or prepared.session_id is None:
            return await send(options)
        lock = self._sessions.alock(prepared.session_id)
        if not await acquire_within(lock, self.session_wait):
            raise self._busy(prepared)
        turn = Turn(
            self._sessions, prepared, lock.release, aread=functools.partial(self._stored, prepared, options)
        )
        try:
            if not self._sessions.knows_extended_by(prepared):
                stored = await self._stored(prepared, options)
                if stored is not None:
                    prepared = resumed(prepared, stored)
                    turn.prepared = prepared
                    options = options.model_copy(update={"json_data": prepared.body})
            try:
                result = await send(options)
            except APIConnectionError as err:
                result = await self._settle(err, turn, options, send)
            except APIStatusError as err:
                if err.status_code < 500:
                    raise
                result = await self._settle(err, turn, options, send)
        except BaseException:
            turn.abandoned()
            raise
        return self._turn_answered(turn, result, stream)

    async def _send_once(
        self, cast_to: Any, options: FinalRequestOptions, *, stream: bool, stream_cls: Any
    ) -> Any:
        try:
            return await super().request(
                cast_to, options, stream=stream, stream_cls=native_stream_cls(stream_cls, AsyncNativeStream)
            )
        except openai.APIConnectionError as err:
            raise _translated(err) from err.__cause__

    async def _stored(self, prepared: Prepared, options: FinalRequestOptions) -> Transcript | None:
        lookup = _session_options(prepared, options).model_copy(
            update={"url": _session_url(self.base_url, str(prepared.session_id))}
        )
        log.debug("session %s: reading what is stored", prepared.session_id)
        try:
            response = await self._send_once(httpx2.Response, lookup, stream=False, stream_cls=None)
        except NotFoundError:
            self._sessions.record(str(prepared.session_id), [])
            return None
        stored = _transcript(response.json())
        self._sessions.record(str(prepared.session_id), stored)
        return stored

    async def _settle(self, error: APIError, turn: Turn, options: FinalRequestOptions, send: Any) -> Any:
        if not answer_lost(error) or not self.settle_lost_answers or _bound_reached(error):
            raise error
        try:
            stored = await self._stored(turn.prepared, options)
        except ChatServerError as lookup_error:
            log.warning(
                "session %s: could not read it to settle a lost answer: %s", turn.session_id, lookup_error
            )
            raise error from None
        outcome = turn.settle_lost(error, stored)
        if outcome.kind == "not-reached":
            return await send(options)
        response = _recovered_response(error.request, turn.prepared, outcome.reply, send.keywords["stream"])
        return await self._process_response(
            cast_to=send.args[0],
            options=options,
            response=response,
            stream=send.keywords["stream"],
            stream_cls=native_stream_cls(send.keywords["stream_cls"], AsyncNativeStream),
        )

    @override
    async def _send_request(self, request: httpx2.Request, *, stream: bool, **kwargs: Any) -> httpx2.Response:
        _bound_attempt(request, stream)
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
        if not stream and _expects_model(cast_to) and RAW_RESPONSE_HEADER not in response.request.headers:
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


_SERVED_RESOURCES = frozenset({"chat", "models", "with_raw_response", "with_streaming_response"})
install_unserved(SyncSeam, _SERVED_RESOURCES)
install_unserved(AsyncSeam, _SERVED_RESOURCES)
