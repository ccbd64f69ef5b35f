"""What the generated clients stand on: configuration, and executing an operation.

``SyncCore`` and ``AsyncCore`` are openai clients (through :mod:`._openai_compat`)
pointed at a ChatServer's ``/v1``. They check their configuration once, at
construction, and run :class:`~._operations.Operation` objects through openai's
own ``request()``, so ChatServer endpoints share openai's connection pool,
auth, timeouts, retry policy and the completion rules of :mod:`._completions`.
The methods users call are generated into ``_client.py`` and ``resources/``.
"""

from __future__ import annotations

import base64
import functools
import inspect
import json
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NoReturn, TypeVar, cast
from urllib.parse import urlencode

import httpx2
import openai

from . import _operations as ops
from ._errors import display_url, error_message
from ._limits import CallLimits, limited
from ._openai_compat import (
    DEFAULT_SESSION_WAIT,
    AsyncSeam,
    FinalRequestOptions,
    SyncSeam,
    is_error_object,
    request_options,
)
from ._response import AsyncStreamedResponse, RawResponse, StreamedResponse
from ._streaming import AsyncStream, Decoder, Stream
from ._turns import answer_lost
from ._version import __version__
from .exceptions import APIError, ResponseValidationError
from .types._base import Recoverable
from .types.sessions import ChatSessionDetailResponse

__all__ = ["DEFAULT_BASE_URL", "AsyncCore", "SyncCore"]

log = logging.getLogger("chatserver_sdk")

DEFAULT_BASE_URL = "http://localhost:3284"

_T = TypeVar("_T")
_ItemT = TypeVar("_ItemT")
DecoderFactory = Callable[[httpx2.Response], Decoder[_ItemT]]

# TCP keepalive on every connection the client opens itself, as anthropic-sdk-python sets it: an
# agent turn leaves a connection silent for minutes, and NATs and load balancers drop silent ones.
KEEPALIVE_OPTIONS: list[tuple[int, int, int]] = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
for _name, _value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 60), ("TCP_KEEPCNT", 5)):
    if hasattr(socket, _name):  # not every platform has every option (macOS lacks TCP_KEEPIDLE)
        KEEPALIVE_OPTIONS.append((socket.IPPROTO_TCP, getattr(socket, _name), _value))


# --- configuration -------------------------------------------------------------------


def checked_key(key: object, source: str) -> str:
    """``key`` if a header can carry it as openai sends it; the error never shows the key."""
    if not isinstance(key, str):
        raise TypeError(
            f"{source}: expected a string (or a function returning one), got {type(key).__name__}"
        )
    for char, name in (("\r", "a carriage return"), ("\n", "a line break"), ("\0", "a NUL character")):
        if char in key:
            where = "at the end" if key.rstrip(char) != key and char not in key.rstrip(char) else "inside it"
            raise ValueError(
                f"{source}: the key contains {name} ({where}; length {len(key)}), which no HTTP header can "
                "carry. A trailing newline usually comes from a file or `echo`: strip it."
            )
    if key != key.strip():
        raise ValueError(
            f"{source}: the key starts or ends with whitespace (length {len(key)}); keys never do. "
            "It usually comes from a file or `echo`: strip it."
        )
    if key.lower().startswith(("http://", "https://")):
        # ChatServerClient("http://host:3284") is a common slip: the first positional argument is
        # the key (as in the earlier SDK), and sending a URL as a bearer key fails far from here.
        raise ValueError(
            f"{source}: the key is a URL. The first positional argument is the API key; give the server "
            "as base_url=... (or $CHATSERVER_BASE_URL)."
        )
    return key


def _checked_provider(provider: Callable[[], str]) -> Callable[[], str]:
    def checked() -> str:
        return checked_key(provider(), "api_key()")

    return checked


def _checked_async_provider(provider: Callable[[], Any]) -> Callable[[], Awaitable[str]]:
    async def checked() -> str:
        key = provider()
        if inspect.isawaitable(key):
            key = await key
        return checked_key(key, "api_key()")

    return checked


def _checked_api_key(
    api_key: str | Callable[..., Any] | None, *, asynchronous: bool
) -> str | Callable[..., Any]:
    """The key, or openai's key provider (a function asked on every request, its answer checked
    too), from the argument or ``$CHATSERVER_API_KEY``."""
    if callable(api_key):
        if getattr(api_key, "_chatserver_checked", False):
            return api_key
        checked: Any = _checked_async_provider(api_key) if asynchronous else _checked_provider(api_key)
        checked._chatserver_checked = True
        return cast(Callable[..., Any], checked)
    if api_key is None:
        return checked_key(os.environ.get("CHATSERVER_API_KEY", ""), "$CHATSERVER_API_KEY")
    return checked_key(api_key, "api_key")


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


def _settable_base_url(url: str | httpx2.URL) -> str:
    checked, basic = _without_userinfo(_checked_base_url(url))
    if basic is not None:
        raise ValueError(
            "base_url: a user and password cannot be set this way (they would be logged with the URL); "
            "make a client with them, or pass default_headers={'Authorization': ...}"
        )
    return checked


def _server_url(base_url: httpx2.URL, path: str) -> str:
    text = str(base_url)
    root = text[: -len("v1/")] if text.endswith("/v1/") else text
    return root + path


def _openai_options(
    api_key: str | Callable[..., Any] | None,
    base_url: str | httpx2.URL | None,
    timeout: float | httpx2.Timeout | openai.NotGiven | None,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    options: dict[str, Any],
    *,
    asynchronous: bool,
) -> dict[str, Any]:
    """Keyword arguments for openai's constructor, pointed at a ChatServer.

    Every setting openai would read from ``OPENAI_*`` variables is given
    explicitly, so an OpenAI key or organisation in the environment is never
    sent to a ChatServer.
    """
    accepted = _openai_parameters(asynchronous)
    unknown = sorted(set(options) - accepted)
    if unknown:
        cls = "AsyncChatServerClient" if asynchronous else "ChatServerClient"
        raise TypeError(
            f"{cls}() got an unexpected keyword argument {unknown[0]!r}. It takes api_key, base_url, "
            f"timeout, max_retries, default_headers, http_client, this SDK's options and openai's "
            f"(help({cls}))."
        )
    if options.get("workload_identity") is not None:
        raise ValueError(
            "workload_identity: openai's token exchange with auth.openai.com, which a ChatServer cannot "
            "accept. Give api_key (a key, or a function returning one) instead."
        )
    for name in ("admin_api_key", "organization", "project", "webhook_secret"):
        if options.get(name) is None:
            options[name] = ""
    options["_enforce_credentials"] = False
    key = _checked_api_key(api_key, asynchronous=asynchronous)
    url, basic = _without_userinfo(_checked_base_url(base_url))
    headers = _checked_headers(default_headers)
    if basic is not None:
        if key:
            raise ValueError(
                "base_url: it carries a user and password, and api_key is set too; a request carries one "
                "Authorization header. Give one of them."
            )
        headers = {"Authorization": basic, **(headers or {})}
    return {
        **options,
        "api_key": key,
        "base_url": url,
        "timeout": timeout,
        "max_retries": max_retries,
        "default_headers": headers,
    }


def _without_userinfo(url: str) -> tuple[str, str | None]:
    """``url`` without a user and password, and those as a Basic ``Authorization`` value.

    A URL with credentials would put them in every log line that names the URL (httpx2's own
    ``HTTP Request: GET http://user:password@...``); as a header they are redacted like a key.
    """
    parsed = httpx2.URL(url)
    if not parsed.userinfo:
        return url, None
    pair = f"{parsed.username}:{parsed.password}".encode()
    return str(parsed.copy_with(username=None, password=None)), "Basic " + base64.b64encode(pair).decode()


@functools.cache
def _openai_parameters(asynchronous: bool) -> frozenset[str]:
    """The keyword arguments openai's constructor takes (this openai version's)."""
    init = (openai.AsyncOpenAI if asynchronous else openai.OpenAI).__init__
    return frozenset(inspect.signature(init).parameters) - {"self"}


def _error_object(content: bytes) -> object | None:
    """The body, if it is an ``{"error": ...}`` object rather than a result."""
    if not content.startswith(b"{") or b'"error"' not in content:
        return None  # the common case, decided without parsing
    try:
        data = json.loads(content)
    except ValueError:
        return None
    return data if is_error_object(data) else None


def _checked_result(client: object, op: ops.Operation[_T], response: httpx2.Response) -> _T:
    where = f"{op.method} /{op.path} answered {response.status_code}"
    # A 200 whose body is {"error": ...} must not parse as zero stats or an empty list.
    error = _error_object(response.content)
    if error is not None:
        message = error_message(response.status_code, error)
        raise ResponseValidationError(
            response, error, message=f"{where} with an error instead of a result: {message}"
        )
    try:
        result = op.parse(response)
    except ValueError as err:  # pydantic's ValidationError included
        excerpt = " ".join(response.text[:200].split()) or "an empty body"
        raise ResponseValidationError(
            response,
            response.text[:500],
            message=f"{where} with a body that does not parse ({_first_line(err)}): {excerpt!r}",
        ) from None
    bind = getattr(result, "_bind", None)
    if bind is not None:  # a page: it fetches its successors through the same client
        bind(client, op)
    elif isinstance(result, ChatSessionDetailResponse):
        # What the session holds now: its next turn needs no lookup (a Conversation's resume).
        records = sorted(result.messages, key=lambda record: record.message_index)
        client._sessions.record(result.session.id, [(r.role, r.content) for r in records])  # type: ignore[attr-defined]
    return result


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


# --- a creating call whose answer was lost -----------------------------------------------------

_NOT_STORED = "%s /%s: its answer was lost (%s) and nothing of it is stored; sending it once more"


def _settles(client: Any, op: ops.Operation[Any], error: APIError) -> bool:
    """Whether a failed creating call is looked up instead of raised (see :mod:`._turns`).

    A 500 is the ChatServer's own failure (upstream answers it for an admin who is one already):
    nothing was created, and the error says so. A gateway's 502-504 or a lost connection may have
    come after the server created it.
    """
    if op.settle is None or op.mode != "parsed" or not client.settle_lost_answers:
        return False
    return answer_lost(error) and getattr(error, "status_code", None) != 500


def _recovered(op: ops.Operation[_T], error: APIError, found: _T) -> _T:
    log.info(
        "%s /%s: its answer was lost (%s); what it created is stored and returned", op.method, op.path, error
    )
    if isinstance(found, Recoverable) and found.__pydantic_extra__ is not None:
        found.__pydantic_extra__["recovered"] = True  # read as found.recovered
    return found


def _resend(client: SyncCore, op: ops.Operation[Any], error: APIError) -> httpx2.Response:
    assert op.settle is not None
    if not op.settle.resend:
        raise error
    log.warning(_NOT_STORED, op.method, op.path, error)
    return client._send(op)


# --- what both twins share -------------------------------------------------------------


_NO_SESSION = (
    "ChatServerClient has no .session: that was the earlier SDK's requests.Session, and this client "
    "sends through openai's httpx2 client instead. For extra headers pass "
    "ChatServerClient(default_headers={...}) or use client.with_options(default_headers={...}); "
    "for proxies, TLS or transports pass ChatServerClient(http_client=httpx2.Client(...)); "
    "to release connections call client.close()."
)


class _Common:
    api_key: str
    admin_api_key: str | None
    organization: str | None
    project: str | None
    webhook_secret: str | None
    base_url: httpx2.URL
    _api_key_provider: Any

    def _forget_openai_defaults(self) -> None:
        # Empty strings kept openai from reading OPENAI_* variables; as headers
        # they would be sent empty, so they become "not set".
        for name in ("admin_api_key", "organization", "project", "webhook_secret"):
            if getattr(self, name) == "":
                setattr(self, name, None)

    @property
    def user_agent(self) -> str:
        return f"chatserver-sdk/{__version__} openai-python/{openai.__version__}"

    @property
    def server_url(self) -> str:
        """The server root without a trailing slash, e.g. ``"http://localhost:3284"``.

        This is what the earlier SDK's ``base_url`` held; ``base_url`` is now
        openai's: an ``httpx2.URL`` ending in ``/v1/``.
        """
        return str(self.base_url).rstrip("/").removesuffix("/v1")

    @property
    def session(self) -> NoReturn:
        """Refused: the earlier SDK's ``requests.Session`` has no counterpart (the error says what to use)."""
        raise AttributeError(_NO_SESSION)

    @session.setter
    def session(self, value: object) -> NoReturn:
        raise AttributeError(_NO_SESSION)

    def __repr__(self) -> str:
        provider = getattr(self, "_api_key_provider", None)
        key = "provider" if provider is not None else "set" if self.api_key else "none"
        return f"{type(self).__name__}(base_url={display_url(self.base_url)!r}, api_key=<{key}>)"

    def _options(self, op: ops.Operation[Any]) -> FinalRequestOptions:
        headers: dict[str, str] = {}
        if op.files is not None:
            headers["Content-Type"] = "multipart/form-data"
        if op.stream:
            headers["Accept"] = "text/event-stream"
        headers.update(op.extra_headers or {})
        url = _server_url(self.base_url, op.path)
        params = op.params
        if params and not op.extra_query:
            # Flat str/int parameters: encoded here once, rather than by openai's nested-query
            # encoder and then again by httpx2 (a tenth of a GET's client time).
            url, params = f"{url}?{urlencode(params)}", None
        return request_options(
            op.method,
            url,
            params=params,
            json_data=op.body,
            files=list(op.files) if op.files is not None else None,
            headers=headers,
            extra_query=op.extra_query,
            extra_body=op.extra_body,
            timeout=op.timeout,
        )


_LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)  # openai's own


def _socket_options(tcp_keepalive: bool) -> list[tuple[int, int, int]]:
    return list(KEEPALIVE_OPTIONS) if tcp_keepalive else []


def _default_http_client(tcp_keepalive: bool) -> httpx2.Client:
    """openai's default HTTP client, with TCP keepalive on its connections unless switched off."""
    transport = httpx2.HTTPTransport(limits=_LIMITS, socket_options=_socket_options(tcp_keepalive))
    client: httpx2.Client = openai.DefaultHttpxClient(transport=transport)
    return client


def _default_async_http_client(tcp_keepalive: bool) -> httpx2.AsyncClient:
    transport = httpx2.AsyncHTTPTransport(limits=_LIMITS, socket_options=_socket_options(tcp_keepalive))
    client: httpx2.AsyncClient = openai.DefaultAsyncHttpxClient(transport=transport)
    return client


class SyncCore(_Common, SyncSeam):
    """The sync client's base: its options (``__init__``) and openai's request path under it."""

    def __init__(
        self,
        api_key: str | Callable[[], str] | None = None,
        base_url: str | httpx2.URL | None = None,
        timeout: float | httpx2.Timeout | openai.NotGiven | None = openai.NOT_GIVEN,
        *,
        max_retries: int = openai.DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.Client | None = None,
        retry_non_idempotent: bool = False,
        send_unsupported_params: bool = False,
        settle_lost_answers: bool = True,
        session_wait: float | None = DEFAULT_SESSION_WAIT,
        tcp_keepalive: bool = True,
        deadline: float | None = None,
        idle_timeout: float | None = None,
        **openai_options: Any,
    ) -> None:
        """Make a client; every argument is optional.

        * ``api_key``: the bearer key, or a function returning it (asked on every request);
          else ``$CHATSERVER_API_KEY``; with none, no Authorization header is sent.
        * ``base_url``: the server's root or ``.../v1``; else ``$CHATSERVER_BASE_URL``, then
          ``http://localhost:3284``.
        * ``timeout``: each step (connecting, each read), not the whole call: openai's 600 s,
          5 s to connect.
        * ``max_retries`` (2): retries what is safe to repeat; ``retry_non_idempotent=True``
          also retries POSTs whose answer was lost, as openai does.
        * ``deadline``, ``idle_timeout``: seconds for a whole call, and for a silent stream
          (usually per call, or with ``with_options``).
        * ``settle_lost_answers`` (True): when a turn's answer is lost, read the stored session
          instead of guessing.
        * ``session_wait`` (600): seconds a turn waits for the one before it on its session
          (``None``: as long as it takes), then :class:`SessionBusyError`.
        * ``send_unsupported_params`` (False): send chat parameters a ChatServer would ignore
          instead of refusing them.
        * ``default_headers``, ``http_client``: as openai's; ``tcp_keepalive`` (True) keeps
          silent connections alive while an agent works.

        Other keyword arguments go to openai. The client is safe to share across threads.
        """
        options = _openai_options(
            api_key, base_url, timeout, max_retries, default_headers, openai_options, asynchronous=False
        )
        owned = http_client is None
        if http_client is None:
            http_client = _default_http_client(tcp_keepalive)
        super().__init__(http_client=http_client, **options)
        self._forget_openai_defaults()
        self._configure_seam(
            default_headers=options["default_headers"],
            retry_non_idempotent=retry_non_idempotent,
            send_unsupported_params=send_unsupported_params,
            settle_lost_answers=settle_lost_answers,
            session_wait=session_wait,
            tcp_keepalive=tcp_keepalive,
            owns_http_client=owned,
            deadline=deadline,
            idle_timeout=idle_timeout,
        )

    @property
    def base_url(self) -> httpx2.URL:
        url: httpx2.URL = openai.OpenAI.base_url.fget(self)  # type: ignore[attr-defined]
        return url

    @base_url.setter
    def base_url(self, url: str | httpx2.URL) -> None:
        # The same rule as the constructor's: the server root or .../v1 both mean .../v1.
        openai.OpenAI.base_url.fset(self, _settable_base_url(url))  # type: ignore[attr-defined]

    def _fresh_http_client(self) -> httpx2.Client:
        return _default_http_client(self._tcp_keepalive)

    def _fresh_client_with(self, tcp_keepalive: bool) -> httpx2.Client:
        return _default_http_client(tcp_keepalive)

    def _send(self, op: ops.Operation[Any]) -> httpx2.Response:
        # A view that reads the body lazily needs the response before its body.
        stream = op.stream or op.mode == "stream"
        with limited(CallLimits.start(op.deadline, op.idle_timeout)):
            return self.request(httpx2.Response, self._options(op), stream=stream)

    def _execute(self, op: ops.Operation[_T]) -> _T:
        """Send ``op``; its result, or (for the raw and streaming views) the response to parse later."""
        started = time.time()
        try:
            response = self._send(op)
        except APIError as err:
            if not _settles(self, op, err):
                raise
            assert op.settle is not None
            found = op.settle.match(self._execute(op.settle.lookup()), started)
            if found is not None:
                return _recovered(op, err, found)
            response = _resend(self, op, err)
        if op.mode == "parsed":
            return _checked_result(self, op, response)
        if op.mode == "raw":
            return cast(_T, RawResponse(response, lambda: _checked_result(self, op, response)))

        def parse() -> _T:
            response.read()
            return _checked_result(self, op, response)

        return cast(_T, StreamedResponse(response, parse))

    def _open_stream(self, op: ops.Operation[Any], decoder: DecoderFactory[_ItemT]) -> Stream[_ItemT]:
        response = self._send(op)
        if op.mode == "parsed":
            return Stream(response, decoder(response), client=self)
        view = RawResponse if op.mode == "raw" else StreamedResponse
        return cast(Stream[_ItemT], view(response, lambda: Stream(response, decoder(response), client=self)))


class AsyncCore(_Common, AsyncSeam):
    """The async twin of the sync client: the same methods, awaitable, with
    ``async for`` streams and ``async with``. Safe to share across tasks."""

    def __init__(
        self,
        api_key: str | Callable[[], Any] | None = None,
        base_url: str | httpx2.URL | None = None,
        timeout: float | httpx2.Timeout | openai.NotGiven | None = openai.NOT_GIVEN,
        *,
        max_retries: int = openai.DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.AsyncClient | None = None,
        retry_non_idempotent: bool = False,
        send_unsupported_params: bool = False,
        settle_lost_answers: bool = True,
        session_wait: float | None = DEFAULT_SESSION_WAIT,
        tcp_keepalive: bool = True,
        deadline: float | None = None,
        idle_timeout: float | None = None,
        **openai_options: Any,
    ) -> None:
        """Make a client: the options of the sync client's (``help(ChatServerClient.__init__)``);
        ``api_key`` may also be an async function. Safe to share across tasks."""
        options = _openai_options(
            api_key, base_url, timeout, max_retries, default_headers, openai_options, asynchronous=True
        )
        owned = http_client is None
        if http_client is None:
            http_client = _default_async_http_client(tcp_keepalive)
        super().__init__(http_client=http_client, **options)
        self._forget_openai_defaults()
        self._configure_seam(
            default_headers=options["default_headers"],
            retry_non_idempotent=retry_non_idempotent,
            send_unsupported_params=send_unsupported_params,
            settle_lost_answers=settle_lost_answers,
            session_wait=session_wait,
            tcp_keepalive=tcp_keepalive,
            owns_http_client=owned,
            deadline=deadline,
            idle_timeout=idle_timeout,
        )

    @property
    def base_url(self) -> httpx2.URL:
        url: httpx2.URL = openai.AsyncOpenAI.base_url.fget(self)  # type: ignore[attr-defined]
        return url

    @base_url.setter
    def base_url(self, url: str | httpx2.URL) -> None:
        openai.AsyncOpenAI.base_url.fset(self, _settable_base_url(url))  # type: ignore[attr-defined]

    def _fresh_http_client(self) -> httpx2.AsyncClient:
        return _default_async_http_client(self._tcp_keepalive)

    def _fresh_client_with(self, tcp_keepalive: bool) -> httpx2.AsyncClient:
        return _default_async_http_client(tcp_keepalive)

    async def _send(self, op: ops.Operation[Any]) -> httpx2.Response:
        stream = op.stream or op.mode == "stream"
        with limited(CallLimits.start(op.deadline, op.idle_timeout)):
            return await self.request(httpx2.Response, self._options(op), stream=stream)

    async def _execute(self, op: ops.Operation[_T]) -> _T:
        started = time.time()
        try:
            response = await self._send(op)
        except APIError as err:
            if not _settles(self, op, err):
                raise
            assert op.settle is not None
            found = op.settle.match(await self._execute(op.settle.lookup()), started)
            if found is not None:
                return _recovered(op, err, found)
            if not op.settle.resend:
                raise
            log.warning(_NOT_STORED, op.method, op.path, err)
            response = await self._send(op)
        if op.mode == "parsed":
            return _checked_result(self, op, response)
        if op.mode == "raw":
            return cast(_T, RawResponse(response, lambda: _checked_result(self, op, response)))

        async def parse() -> _T:
            await response.aread()
            return _checked_result(self, op, response)

        return cast(_T, AsyncStreamedResponse(response, parse))

    async def _open_stream(
        self, op: ops.Operation[Any], decoder: DecoderFactory[_ItemT]
    ) -> AsyncStream[_ItemT]:
        response = await self._send(op)
        if op.mode == "parsed":
            return AsyncStream(response, decoder(response), client=self)
        if op.mode == "raw":
            return cast(
                AsyncStream[_ItemT],
                RawResponse(response, lambda: AsyncStream(response, decoder(response), client=self)),
            )

        async def parse() -> AsyncStream[_ItemT]:
            return AsyncStream(response, decoder(response), client=self)

        return cast(AsyncStream[_ItemT], AsyncStreamedResponse(response, parse))
