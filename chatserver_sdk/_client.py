"""The sync and async ChatServer clients.

Both are openai clients pointed at the ChatServer's ``/v1``, so completions,
model listing, ``with_raw_response`` and ``with_options`` are openai's own
code. The ChatServer-only endpoints are :mod:`._operations`, executed
through openai's request path, so they share its connection pool, auth
headers, timeouts and retry policy.

Each endpoint method is made from its operation builder by ``_sync``,
``_async`` and their raw twins, so a request is described in one place and
the twins differ only in how they wait for I/O.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from typing import Any, Concatenate, Literal, TypeVar, overload

import httpx2
import openai
from openai._client import AsyncOpenAIWithRawResponse, OpenAIWithRawResponse
from openai._models import FinalRequestOptions
from openai._types import Headers
from typing_extensions import ParamSpec, override

from . import _operations as ops
from ._conveniences import AsyncConveniences, SyncConveniences
from ._legacy import EarlierClientAPI
from ._messages import MessageLike
from ._response import RawResponse
from ._streaming import (
    AsyncNativeStream,
    AsyncStream,
    CompletionDecoder,
    EventDecoder,
    NativeStream,
    Stream,
)
from ._version import __version__
from .exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ChatServerError,
    ResponseValidationError,
    status_error,
)
from .types.agent import AgentEvent
from .types.chat import ChatCompletionResponse

__all__ = ["DEFAULT_BASE_URL", "AsyncChatServerClient", "ChatServerClient"]

DEFAULT_BASE_URL = "http://localhost:3284"
DEFAULT_TIMEOUT = 30.0

_T = TypeVar("_T")
_P = ParamSpec("_P")
_ResponseT = TypeVar("_ResponseT")
_StreamT = TypeVar("_StreamT", bound=openai.Stream[Any])
_AsyncStreamT = TypeVar("_AsyncStreamT", bound=openai.AsyncStream[Any])


# --- configuration -------------------------------------------------------------------


def _openai_options(
    api_key: str | None,
    base_url: str | httpx2.URL | None,
    timeout: float | httpx2.Timeout | None,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    options: dict[str, Any],
) -> dict[str, Any]:
    """Keyword arguments for openai's constructor, pointed at a ChatServer.

    Every setting openai would read from ``OPENAI_*`` variables is given
    explicitly, so an OpenAI key or organisation in the environment is never
    sent to a ChatServer.
    """
    if api_key is None:
        api_key = os.environ.get("CHATSERVER_API_KEY", "")
    if base_url is None:
        base_url = os.environ.get("CHATSERVER_BASE_URL") or DEFAULT_BASE_URL
    for name in ("admin_api_key", "organization", "project", "webhook_secret"):
        if options.get(name) is None:
            options[name] = ""
    # openai's copy() asks for enforced credentials; a ChatServer may have none.
    options["_enforce_credentials"] = False
    return {
        **options,
        "api_key": api_key,
        "base_url": _v1_url(base_url),
        "timeout": timeout,
        "max_retries": max_retries,
        "default_headers": default_headers,
    }


def _v1_url(base_url: str | httpx2.URL) -> str:
    """The server root plus ``/v1``, where openai's own paths live.

    Accepts the root (as the earlier SDK did) or ``.../v1`` (as openai users
    and LangChain write it).
    """
    text = str(base_url).rstrip("/")
    return text if text.endswith("/v1") else text + "/v1"


def _server_url(base_url: httpx2.URL, path: str) -> str:
    text = str(base_url)
    root = text[: -len("v1/")] if text.endswith("/v1/") else text
    return root + path


# --- methods made from operation builders ---------------------------------------------


@functools.cache
def _method_signature(build: Callable[..., Any]) -> inspect.Signature:
    signature = inspect.signature(build)
    self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
    return signature.replace(parameters=[self_param, *signature.parameters.values()])


def _describe(method: Callable[..., Any], build: Callable[..., Any]) -> None:
    """Give ``method`` the builder's name, docs and signature (plus ``self``)."""
    functools.update_wrapper(method, build, assigned=("__name__", "__qualname__", "__doc__"), updated=())
    method.__signature__ = _method_signature(build)  # type: ignore[attr-defined]


def _sync(build: Callable[_P, ops.Operation[_T]]) -> Callable[Concatenate[Any, _P], _T]:
    def method(self: ChatServerClient, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        return self._execute(build(*args, **kwargs))

    _describe(method, build)
    return method


def _async(build: Callable[_P, ops.Operation[_T]]) -> Callable[Concatenate[Any, _P], Coroutine[Any, Any, _T]]:
    async def method(self: AsyncChatServerClient, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        return await self._execute(build(*args, **kwargs))

    _describe(method, build)
    return method


def _sync_raw(build: Callable[_P, ops.Operation[_T]]) -> Callable[Concatenate[Any, _P], RawResponse[_T]]:
    def method(self: ChatServerWithRawResponse, /, *args: _P.args, **kwargs: _P.kwargs) -> RawResponse[_T]:
        op = build(*args, **kwargs)
        response = self._chatserver._send(op)
        return RawResponse(response, functools.partial(_parse, op, response))

    _describe(method, build)
    return method


def _async_raw(
    build: Callable[_P, ops.Operation[_T]],
) -> Callable[Concatenate[Any, _P], Coroutine[Any, Any, RawResponse[_T]]]:
    async def method(
        self: AsyncChatServerWithRawResponse, /, *args: _P.args, **kwargs: _P.kwargs
    ) -> RawResponse[_T]:
        op = build(*args, **kwargs)
        response = await self._chatserver._send(op)
        return RawResponse(response, functools.partial(_parse, op, response))

    _describe(method, build)
    return method


def _parse(op: ops.Operation[_T], response: httpx2.Response) -> _T:
    try:
        return op.parse(response)
    except ValueError as err:  # pydantic's ValidationError included
        raise ResponseValidationError(
            response,
            response.text[:500],
            message=f"{op.method} /{op.path} answered {response.status_code} "
            f"with a body that does not parse: {err}",
        ) from None


def _native_stream_cls(stream_cls: Any, native: type[Any]) -> Any:
    """``Stream[X]`` as ``NativeStream[X]``: same chunks, this SDK's errors."""
    if stream_cls is None:
        return None
    args = getattr(stream_cls, "__args__", None)
    return native[args[0]] if args else native


# --- what both twins share -------------------------------------------------------------


class _Shared:
    api_key: str
    admin_api_key: str | None
    organization: str | None
    project: str | None
    webhook_secret: str | None
    base_url: httpx2.URL

    _custom_headers: Mapping[str, str]

    def _forget_openai_defaults(self, default_headers: Mapping[str, str] | None) -> None:
        # Empty strings kept openai from reading OPENAI_* variables; as headers
        # they would be sent empty, so they become "not set".
        for name in ("admin_api_key", "organization", "project", "webhook_secret"):
            if getattr(self, name) == "":
                setattr(self, name, None)
        # openai also merges $OPENAI_CUSTOM_HEADERS (which may hold an OpenAI
        # Authorization) into every request: only the caller's headers stay.
        self._custom_headers = dict(default_headers or {})

    def _options(self, op: ops.Operation[Any]) -> FinalRequestOptions:
        headers: dict[str, str] = {}
        if op.files is not None:
            headers["Content-Type"] = "multipart/form-data"
        if op.stream:
            headers["Accept"] = "text/event-stream"
        return FinalRequestOptions.construct(
            method=op.method.lower(),
            url=_server_url(self.base_url, op.path),
            params=op.params or {},
            json_data=op.body,
            files=list(op.files) if op.files is not None else None,
            headers=headers,
        )

    @staticmethod
    def _translate(err: openai.APIConnectionError) -> ChatServerError:
        # openai raises its own connection errors from inside request(); give
        # callers ours, which are also openai's.
        if isinstance(err, ChatServerError):
            return err
        if isinstance(err, openai.APITimeoutError):
            return APITimeoutError(request=err.request)
        return APIConnectionError(message=err.message, request=err.request)

    def _make_status_error(self, err_msg: str, *, body: object, response: httpx2.Response) -> APIStatusError:
        return status_error(response)

    def _validate_headers(self, headers: Headers, custom_headers: Headers) -> None:
        # A ChatServer without keys takes requests with no Authorization header.
        return None

    @property
    def user_agent(self) -> str:
        return f"chatserver-sdk/{__version__} openai-python/{openai.__version__}"

    def __repr__(self) -> str:
        key = "set" if self.api_key else "none"
        return f"{type(self).__name__}(base_url={str(self.base_url)!r}, api_key=<{key}>)"


# --- the sync client ----------------------------------------------------------------------


class ChatServerClient(SyncConveniences, EarlierClientAPI, _Shared, openai.OpenAI):
    """A ChatServer client that is also an ``openai.OpenAI`` client.

    ``api_key`` falls back to ``CHATSERVER_API_KEY`` (none at all is fine: no
    Authorization header is sent); ``base_url`` to ``CHATSERVER_BASE_URL``,
    then ``http://localhost:3284``. Other keyword arguments go to openai.
    Safe to share across threads.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | httpx2.URL | None = None,
        timeout: float | httpx2.Timeout | None = DEFAULT_TIMEOUT,
        *,
        max_retries: int = openai.DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.Client | None = None,
        **openai_options: Any,
    ) -> None:
        options = _openai_options(api_key, base_url, timeout, max_retries, default_headers, openai_options)
        super().__init__(http_client=http_client, **options)
        self._forget_openai_defaults(default_headers)
        self._default_stream_cls = NativeStream

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
        try:
            return super().request(
                cast_to, options, stream=stream, stream_cls=_native_stream_cls(stream_cls, NativeStream)
            )
        except openai.APIConnectionError as err:
            raise self._translate(err) from err.__cause__

    def _send(self, op: ops.Operation[Any]) -> httpx2.Response:
        return self.request(httpx2.Response, self._options(op), stream=op.stream)

    def _execute(self, op: ops.Operation[_T]) -> _T:
        return _parse(op, self._send(op))

    @property
    @override
    def with_raw_response(self) -> ChatServerWithRawResponse:
        """Each call returns a :class:`RawResponse` (headers, status, ``parse()``)."""
        return ChatServerWithRawResponse(self)

    @overload
    def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        temperature: float = 0.7,
        max_tokens: int = 4000,
        top_p: float = 1.0,
        stream: Literal[False] = False,
        user: str | None = None,
        system_prompt: str | None = None,
        *,
        session_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        organization_id: str | None = None,
        workflow: str | None = None,
        variables: Mapping[str, Any] | None = None,
        allowed_tools: Sequence[str] | None = None,
        setting_sources: Sequence[str] | None = None,
        mcp_servers: Any = None,
    ) -> ChatCompletionResponse: ...

    @overload
    def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        temperature: float = 0.7,
        max_tokens: int = 4000,
        top_p: float = 1.0,
        *,
        stream: Literal[True],
        user: str | None = None,
        system_prompt: str | None = None,
        session_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        organization_id: str | None = None,
        workflow: str | None = None,
        variables: Mapping[str, Any] | None = None,
        allowed_tools: Sequence[str] | None = None,
        setting_sources: Sequence[str] | None = None,
        mcp_servers: Any = None,
    ) -> Stream[str]: ...

    def create_completion(self, *args: Any, **kwargs: Any) -> ChatCompletionResponse | Stream[str]:
        """A chat completion; with ``stream=True``, an iterator of text deltas.

        The stream's ``metadata`` holds ``system_fingerprint`` (the session id)
        and ``usage``; use it as a context manager to release the connection
        if you stop early.
        """
        op = ops.create_completion(*args, **kwargs)
        if not op.stream:
            return self._execute(op)
        response = self._send(op)
        return Stream(response, CompletionDecoder(response))

    def stream_agent_events(self) -> Stream[AgentEvent]:
        """Agent events as they happen; the current state is replayed first."""
        response = self._send(ops.stream_agent_events())
        return Stream(response, EventDecoder(response))

    list_models = _sync(ops.list_models)
    list_sessions = _sync(ops.list_sessions)
    get_session = _sync(ops.get_session)
    get_platform_stats = _sync(ops.get_platform_stats)
    list_admins = _sync(ops.list_admins)
    add_admin = _sync(ops.add_admin)
    remove_admin = _sync(ops.remove_admin)
    get_audit_log = _sync(ops.get_audit_log)
    list_mcp_servers = _sync(ops.list_mcp_servers)
    create_mcp_server = _sync(ops.create_mcp_server)
    update_mcp_server = _sync(ops.update_mcp_server)
    delete_mcp_server = _sync(ops.delete_mcp_server)
    get_agent_status = _sync(ops.get_agent_status)
    get_agent_messages = _sync(ops.get_agent_messages)
    send_agent_message = _sync(ops.send_agent_message)
    upload_file = _sync(ops.upload_file)


class ChatServerWithRawResponse(OpenAIWithRawResponse):
    """openai's raw-response view (``.chat``, ``.models`` ...) plus the ChatServer endpoints."""

    def __init__(self, client: ChatServerClient) -> None:
        super().__init__(client)
        self._chatserver = client

    list_models = _sync_raw(ops.list_models)
    list_sessions = _sync_raw(ops.list_sessions)
    get_session = _sync_raw(ops.get_session)
    get_platform_stats = _sync_raw(ops.get_platform_stats)
    list_admins = _sync_raw(ops.list_admins)
    add_admin = _sync_raw(ops.add_admin)
    remove_admin = _sync_raw(ops.remove_admin)
    get_audit_log = _sync_raw(ops.get_audit_log)
    list_mcp_servers = _sync_raw(ops.list_mcp_servers)
    create_mcp_server = _sync_raw(ops.create_mcp_server)
    update_mcp_server = _sync_raw(ops.update_mcp_server)
    delete_mcp_server = _sync_raw(ops.delete_mcp_server)
    get_agent_status = _sync_raw(ops.get_agent_status)
    get_agent_messages = _sync_raw(ops.get_agent_messages)
    send_agent_message = _sync_raw(ops.send_agent_message)
    upload_file = _sync_raw(ops.upload_file)


# --- the async client ----------------------------------------------------------------------


class AsyncChatServerClient(AsyncConveniences, _Shared, openai.AsyncOpenAI):
    """The async twin of :class:`ChatServerClient`: the same methods, awaitable,
    with ``async for`` streams and ``async with``. Safe to share across tasks."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | httpx2.URL | None = None,
        timeout: float | httpx2.Timeout | None = DEFAULT_TIMEOUT,
        *,
        max_retries: int = openai.DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.AsyncClient | None = None,
        **openai_options: Any,
    ) -> None:
        options = _openai_options(api_key, base_url, timeout, max_retries, default_headers, openai_options)
        super().__init__(http_client=http_client, **options)
        self._forget_openai_defaults(default_headers)
        self._default_stream_cls = AsyncNativeStream

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
        try:
            return await super().request(
                cast_to, options, stream=stream, stream_cls=_native_stream_cls(stream_cls, AsyncNativeStream)
            )
        except openai.APIConnectionError as err:
            raise self._translate(err) from err.__cause__

    async def _send(self, op: ops.Operation[Any]) -> httpx2.Response:
        return await self.request(httpx2.Response, self._options(op), stream=op.stream)

    async def _execute(self, op: ops.Operation[_T]) -> _T:
        return _parse(op, await self._send(op))

    @property
    @override
    def with_raw_response(self) -> AsyncChatServerWithRawResponse:
        """Each call returns a :class:`RawResponse` (headers, status, ``parse()``)."""
        return AsyncChatServerWithRawResponse(self)

    @overload
    async def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        temperature: float = 0.7,
        max_tokens: int = 4000,
        top_p: float = 1.0,
        stream: Literal[False] = False,
        user: str | None = None,
        system_prompt: str | None = None,
        *,
        session_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        organization_id: str | None = None,
        workflow: str | None = None,
        variables: Mapping[str, Any] | None = None,
        allowed_tools: Sequence[str] | None = None,
        setting_sources: Sequence[str] | None = None,
        mcp_servers: Any = None,
    ) -> ChatCompletionResponse: ...

    @overload
    async def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        temperature: float = 0.7,
        max_tokens: int = 4000,
        top_p: float = 1.0,
        *,
        stream: Literal[True],
        user: str | None = None,
        system_prompt: str | None = None,
        session_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        organization_id: str | None = None,
        workflow: str | None = None,
        variables: Mapping[str, Any] | None = None,
        allowed_tools: Sequence[str] | None = None,
        setting_sources: Sequence[str] | None = None,
        mcp_servers: Any = None,
    ) -> AsyncStream[str]: ...

    async def create_completion(self, *args: Any, **kwargs: Any) -> ChatCompletionResponse | AsyncStream[str]:
        """A chat completion; with ``stream=True``, an async iterator of text deltas."""
        op = ops.create_completion(*args, **kwargs)
        if not op.stream:
            return await self._execute(op)
        response = await self._send(op)
        return AsyncStream(response, CompletionDecoder(response))

    async def stream_agent_events(self) -> AsyncStream[AgentEvent]:
        """Agent events as they happen; the current state is replayed first."""
        response = await self._send(ops.stream_agent_events())
        return AsyncStream(response, EventDecoder(response))

    list_models = _async(ops.list_models)
    list_sessions = _async(ops.list_sessions)
    get_session = _async(ops.get_session)
    get_platform_stats = _async(ops.get_platform_stats)
    list_admins = _async(ops.list_admins)
    add_admin = _async(ops.add_admin)
    remove_admin = _async(ops.remove_admin)
    get_audit_log = _async(ops.get_audit_log)
    list_mcp_servers = _async(ops.list_mcp_servers)
    create_mcp_server = _async(ops.create_mcp_server)
    update_mcp_server = _async(ops.update_mcp_server)
    delete_mcp_server = _async(ops.delete_mcp_server)
    get_agent_status = _async(ops.get_agent_status)
    get_agent_messages = _async(ops.get_agent_messages)
    send_agent_message = _async(ops.send_agent_message)
    upload_file = _async(ops.upload_file)


class AsyncChatServerWithRawResponse(AsyncOpenAIWithRawResponse):
    """openai's raw-response view plus the ChatServer endpoints, awaitable."""

    def __init__(self, client: AsyncChatServerClient) -> None:
        super().__init__(client)
        self._chatserver = client

    list_models = _async_raw(ops.list_models)
    list_sessions = _async_raw(ops.list_sessions)
    get_session = _async_raw(ops.get_session)
    get_platform_stats = _async_raw(ops.get_platform_stats)
    list_admins = _async_raw(ops.list_admins)
    add_admin = _async_raw(ops.add_admin)
    remove_admin = _async_raw(ops.remove_admin)
    get_audit_log = _async_raw(ops.get_audit_log)
    list_mcp_servers = _async_raw(ops.list_mcp_servers)
    create_mcp_server = _async_raw(ops.create_mcp_server)
    update_mcp_server = _async_raw(ops.update_mcp_server)
    delete_mcp_server = _async_raw(ops.delete_mcp_server)
    get_agent_status = _async_raw(ops.get_agent_status)
    get_agent_messages = _async_raw(ops.get_agent_messages)
    send_agent_message = _async_raw(ops.send_agent_message)
    upload_file = _async_raw(ops.upload_file)
