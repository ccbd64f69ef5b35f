"""The sync and async ChatServer clients.

Both are openai clients pointed at the ChatServer's ``/v1``, so completions,
model listing, ``with_raw_response`` and ``with_options`` are openai's own
code. The ChatServer-only endpoints are :mod:`._operations` executed through
openai's request path, so they share its connection pool, auth headers,
timeouts and retry policy. ``_Shared`` holds what the twins have in common;
each twin adds only how it waits (or doesn't) for I/O.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import IO, Any, Literal, TypeVar, Union, overload

import httpx2
import openai
from openai._models import FinalRequestOptions
from openai._types import Headers
from pydantic import ValidationError
from typing_extensions import override

from . import _operations as ops
from ._messages import MessageLike
from ._streaming import AsyncStream, CompletionDecoder, EventDecoder, Stream
from ._version import __version__
from .exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ChatServerError,
    ResponseValidationError,
    status_error,
)
from .types.agent import AgentEvent, AgentMessagesResponse, AgentStatus, SendMessageResponse, UploadResponse
from .types.chat import ChatCompletionResponse
from .types.mcp import MCPListResponse, MCPMetadata, MCPScope, MCPServer
from .types.models import ModelsResponse
from .types.platform import AdminListResponse, AdminResponse, AuditLogResponse, PlatformStats
from .types.sessions import ChatSessionDetailResponse, ChatSessionListResponse

__all__ = ["DEFAULT_BASE_URL", "AsyncChatServerClient", "ChatServerClient"]

DEFAULT_BASE_URL = "http://localhost:3284"
DEFAULT_TIMEOUT = 30.0

_T = TypeVar("_T")
_ResponseT = TypeVar("_ResponseT")
_StreamT = TypeVar("_StreamT", bound=openai.Stream[Any])
_AsyncStreamT = TypeVar("_AsyncStreamT", bound=openai.AsyncStream[Any])

FileInput = Union[bytes, IO[bytes]]


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


class _Shared:
    """What both twins do the same way."""

    api_key: str
    admin_api_key: str | None
    organization: str | None
    project: str | None
    webhook_secret: str | None
    base_url: httpx2.URL

    def _forget_openai_defaults(self) -> None:
        # Empty strings kept openai from reading OPENAI_* variables; as headers
        # they would be sent empty, so they become "not set".
        for name in ("admin_api_key", "organization", "project", "webhook_secret"):
            if getattr(self, name) == "":
                setattr(self, name, None)

    def _options(self, op: ops.Operation[Any], *, stream: bool) -> FinalRequestOptions:
        headers: dict[str, str] = {}
        if op.files is not None:
            headers["Content-Type"] = "multipart/form-data"
        if stream:
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
    def _parse(op: ops.Operation[_T], response: httpx2.Response) -> _T:
        try:
            return op.parse(response)
        except (ValidationError, ValueError) as err:
            raise ResponseValidationError(
                response,
                response.text[:500],
                message=f"{op.method} /{op.path} answered {response.status_code} "
                f"with a body that does not parse: {err}",
            ) from None

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

    @staticmethod
    def _completion_body(
        model: str,
        messages: Iterable[MessageLike],
        temperature: float,
        max_tokens: int,
        top_p: float,
        stream: bool,
        user: str | None,
        system_prompt: str | None,
        metadata: Mapping[str, Any] | None,
        extensions: Mapping[str, Any],
    ) -> dict[str, Any]:
        return ops.completion_body(
            model=model,
            messages=messages,
            temperature=temperature,
            max_tokens=max_tokens,
            top_p=top_p,
            stream=stream,
            user=user,
            system_prompt=system_prompt,
            metadata=metadata,
            extensions=extensions,
        )


class ChatServerClient(_Shared, openai.OpenAI):
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
        self._forget_openai_defaults()

    # -- execution ---------------------------------------------------------------

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
            return super().request(cast_to, options, stream=stream, stream_cls=stream_cls)
        except openai.APIConnectionError as err:
            raise self._translate(err) from err.__cause__

    def _send(self, op: ops.Operation[Any], *, stream: bool = False) -> httpx2.Response:
        return self.request(httpx2.Response, self._options(op, stream=stream), stream=stream)

    def _execute(self, op: ops.Operation[_T]) -> _T:
        return self._parse(op, self._send(op))

    # -- chat completions and models ---------------------------------------------------

    @overload
    def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        temperature: float = ...,
        max_tokens: int = ...,
        top_p: float = ...,
        stream: Literal[False] = ...,
        user: str | None = ...,
        system_prompt: str | None = ...,
        *,
        session_id: str | None = ...,
        metadata: Mapping[str, Any] | None = ...,
        organization_id: str | None = ...,
        workflow: str | None = ...,
        variables: Mapping[str, Any] | None = ...,
        allowed_tools: list[str] | None = ...,
        setting_sources: list[str] | None = ...,
        mcp_servers: Any = ...,
    ) -> ChatCompletionResponse: ...

    @overload
    def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        temperature: float = ...,
        max_tokens: int = ...,
        top_p: float = ...,
        *,
        stream: Literal[True],
        user: str | None = ...,
        system_prompt: str | None = ...,
        session_id: str | None = ...,
        metadata: Mapping[str, Any] | None = ...,
        organization_id: str | None = ...,
        workflow: str | None = ...,
        variables: Mapping[str, Any] | None = ...,
        allowed_tools: list[str] | None = ...,
        setting_sources: list[str] | None = ...,
        mcp_servers: Any = ...,
    ) -> Stream[str]: ...

    def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        temperature: float = 0.7,
        max_tokens: int = 4000,
        top_p: float = 1.0,
        stream: bool = False,
        user: str | None = None,
        system_prompt: str | None = None,
        *,
        session_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        organization_id: str | None = None,
        workflow: str | None = None,
        variables: Mapping[str, Any] | None = None,
        allowed_tools: list[str] | None = None,
        setting_sources: list[str] | None = None,
        mcp_servers: Any = None,
    ) -> ChatCompletionResponse | Stream[str]:
        """A chat completion; with ``stream=True``, an iterator of text deltas."""
        body = self._completion_body(
            model, messages, temperature, max_tokens, top_p, stream, user, system_prompt, metadata,
            dict(session_id=session_id, organization_id=organization_id, workflow=workflow,
                 variables=variables, allowed_tools=allowed_tools, setting_sources=setting_sources,
                 mcp_servers=mcp_servers),
        )  # fmt: skip
        op = ops.create_completion(body)
        if not stream:
            return self._execute(op)
        response = self._send(op, stream=True)
        return Stream(response, CompletionDecoder(response))

    def list_models(self) -> ModelsResponse:
        return self._execute(ops.list_models())

    # -- sessions ---------------------------------------------------------------------

    def list_sessions(self, user_id: str, page: int = 1, page_size: int = 20) -> ChatSessionListResponse:
        return self._execute(ops.list_sessions(user_id, page, page_size))

    def get_session(self, session_id: str, *, user_id: str) -> ChatSessionDetailResponse:
        return self._execute(ops.get_session(session_id, user_id))

    # -- platform administration ---------------------------------------------------------

    def get_platform_stats(self) -> PlatformStats:
        return self._execute(ops.get_platform_stats())

    def list_admins(self) -> AdminListResponse:
        return self._execute(ops.list_admins())

    def add_admin(self, workos_id: str, email: str, name: str | None = "") -> AdminResponse:
        return self._execute(ops.add_admin(workos_id, email, name))

    def remove_admin(self, email: str) -> AdminResponse:
        return self._execute(ops.remove_admin(email))

    def get_audit_log(self, limit: int = 50, offset: int = 0) -> AuditLogResponse:
        return self._execute(ops.get_audit_log(limit, offset))

    # -- MCP registry ----------------------------------------------------------------------

    def list_mcp_servers(
        self, organization_id: str, *, user_id: str | None = None, include_platform: bool = True
    ) -> MCPListResponse:
        return self._execute(ops.list_mcp_servers(organization_id, user_id, include_platform))

    def create_mcp_server(
        self,
        name: str,
        endpoint: str,
        scope: MCPScope | Mapping[str, Any],
        *,
        auth_type: str = "none",
        bearer_token: str | None = None,
        oauth_provider: str | None = None,
        enabled: bool = True,
        metadata: MCPMetadata | Mapping[str, Any] | None = None,
    ) -> MCPServer:
        return self._execute(
            ops.create_mcp_server(
                name=name, endpoint=endpoint, scope=scope, auth_type=auth_type, bearer_token=bearer_token,
                oauth_provider=oauth_provider, enabled=enabled, metadata=metadata,
            )
        )  # fmt: skip

    def update_mcp_server(self, mcp_id: str, **changes: Any) -> MCPServer:
        """Change only the given fields (``name``, ``endpoint``, ``enabled`` ...)."""
        return self._execute(ops.update_mcp_server(mcp_id, changes))

    def delete_mcp_server(self, mcp_id: str) -> None:
        self._execute(ops.delete_mcp_server(mcp_id))

    # -- agent control ------------------------------------------------------------------------

    def get_agent_status(self) -> AgentStatus:
        return self._execute(ops.get_agent_status())

    def get_agent_messages(self) -> AgentMessagesResponse:
        return self._execute(ops.get_agent_messages())

    def send_agent_message(self, content: str, type: str = "user") -> SendMessageResponse:
        return self._execute(ops.send_agent_message(content, type))

    def upload_file(self, filename: str, content: FileInput) -> UploadResponse:
        return self._execute(ops.upload_file(filename, content))

    def stream_agent_events(self) -> Stream[AgentEvent]:
        """Agent events as they happen; the current state is replayed first."""
        response = self._send(ops.agent_events(), stream=True)
        return Stream(response, EventDecoder(response))


class AsyncChatServerClient(_Shared, openai.AsyncOpenAI):
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
        self._forget_openai_defaults()

    # -- execution ---------------------------------------------------------------

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
            return await super().request(cast_to, options, stream=stream, stream_cls=stream_cls)
        except openai.APIConnectionError as err:
            raise self._translate(err) from err.__cause__

    async def _send(self, op: ops.Operation[Any], *, stream: bool = False) -> httpx2.Response:
        return await self.request(httpx2.Response, self._options(op, stream=stream), stream=stream)

    async def _execute(self, op: ops.Operation[_T]) -> _T:
        return self._parse(op, await self._send(op))

    # -- chat completions and models ---------------------------------------------------

    @overload
    async def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        temperature: float = ...,
        max_tokens: int = ...,
        top_p: float = ...,
        stream: Literal[False] = ...,
        user: str | None = ...,
        system_prompt: str | None = ...,
        *,
        session_id: str | None = ...,
        metadata: Mapping[str, Any] | None = ...,
        organization_id: str | None = ...,
        workflow: str | None = ...,
        variables: Mapping[str, Any] | None = ...,
        allowed_tools: list[str] | None = ...,
        setting_sources: list[str] | None = ...,
        mcp_servers: Any = ...,
    ) -> ChatCompletionResponse: ...

    @overload
    async def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        temperature: float = ...,
        max_tokens: int = ...,
        top_p: float = ...,
        *,
        stream: Literal[True],
        user: str | None = ...,
        system_prompt: str | None = ...,
        session_id: str | None = ...,
        metadata: Mapping[str, Any] | None = ...,
        organization_id: str | None = ...,
        workflow: str | None = ...,
        variables: Mapping[str, Any] | None = ...,
        allowed_tools: list[str] | None = ...,
        setting_sources: list[str] | None = ...,
        mcp_servers: Any = ...,
    ) -> AsyncStream[str]: ...

    async def create_completion(
        self,
        model: str,
        messages: Iterable[MessageLike],
        temperature: float = 0.7,
        max_tokens: int = 4000,
        top_p: float = 1.0,
        stream: bool = False,
        user: str | None = None,
        system_prompt: str | None = None,
        *,
        session_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        organization_id: str | None = None,
        workflow: str | None = None,
        variables: Mapping[str, Any] | None = None,
        allowed_tools: list[str] | None = None,
        setting_sources: list[str] | None = None,
        mcp_servers: Any = None,
    ) -> ChatCompletionResponse | AsyncStream[str]:
        """A chat completion; with ``stream=True``, an async iterator of text deltas."""
        body = self._completion_body(
            model, messages, temperature, max_tokens, top_p, stream, user, system_prompt, metadata,
            dict(session_id=session_id, organization_id=organization_id, workflow=workflow,
                 variables=variables, allowed_tools=allowed_tools, setting_sources=setting_sources,
                 mcp_servers=mcp_servers),
        )  # fmt: skip
        op = ops.create_completion(body)
        if not stream:
            return await self._execute(op)
        response = await self._send(op, stream=True)
        return AsyncStream(response, CompletionDecoder(response))

    async def list_models(self) -> ModelsResponse:
        return await self._execute(ops.list_models())

    # -- sessions ---------------------------------------------------------------------

    async def list_sessions(
        self, user_id: str, page: int = 1, page_size: int = 20
    ) -> ChatSessionListResponse:
        return await self._execute(ops.list_sessions(user_id, page, page_size))

    async def get_session(self, session_id: str, *, user_id: str) -> ChatSessionDetailResponse:
        return await self._execute(ops.get_session(session_id, user_id))

    # -- platform administration ---------------------------------------------------------

    async def get_platform_stats(self) -> PlatformStats:
        return await self._execute(ops.get_platform_stats())

    async def list_admins(self) -> AdminListResponse:
        return await self._execute(ops.list_admins())

    async def add_admin(self, workos_id: str, email: str, name: str | None = "") -> AdminResponse:
        return await self._execute(ops.add_admin(workos_id, email, name))

    async def remove_admin(self, email: str) -> AdminResponse:
        return await self._execute(ops.remove_admin(email))

    async def get_audit_log(self, limit: int = 50, offset: int = 0) -> AuditLogResponse:
        return await self._execute(ops.get_audit_log(limit, offset))

    # -- MCP registry ----------------------------------------------------------------------

    async def list_mcp_servers(
        self, organization_id: str, *, user_id: str | None = None, include_platform: bool = True
    ) -> MCPListResponse:
        return await self._execute(ops.list_mcp_servers(organization_id, user_id, include_platform))

    async def create_mcp_server(
        self,
        name: str,
        endpoint: str,
        scope: MCPScope | Mapping[str, Any],
        *,
        auth_type: str = "none",
        bearer_token: str | None = None,
        oauth_provider: str | None = None,
        enabled: bool = True,
        metadata: MCPMetadata | Mapping[str, Any] | None = None,
    ) -> MCPServer:
        return await self._execute(
            ops.create_mcp_server(
                name=name, endpoint=endpoint, scope=scope, auth_type=auth_type, bearer_token=bearer_token,
                oauth_provider=oauth_provider, enabled=enabled, metadata=metadata,
            )
        )  # fmt: skip

    async def update_mcp_server(self, mcp_id: str, **changes: Any) -> MCPServer:
        """Change only the given fields (``name``, ``endpoint``, ``enabled`` ...)."""
        return await self._execute(ops.update_mcp_server(mcp_id, changes))

    async def delete_mcp_server(self, mcp_id: str) -> None:
        await self._execute(ops.delete_mcp_server(mcp_id))

    # -- agent control ------------------------------------------------------------------------

    async def get_agent_status(self) -> AgentStatus:
        return await self._execute(ops.get_agent_status())

    async def get_agent_messages(self) -> AgentMessagesResponse:
        return await self._execute(ops.get_agent_messages())

    async def send_agent_message(self, content: str, type: str = "user") -> SendMessageResponse:
        return await self._execute(ops.send_agent_message(content, type))

    async def upload_file(self, filename: str, content: FileInput) -> UploadResponse:
        return await self._execute(ops.upload_file(filename, content))

    async def stream_agent_events(self) -> AsyncStream[AgentEvent]:
        """Agent events as they happen; the current state is replayed first."""
        response = await self._send(ops.agent_events(), stream=True)
        return AsyncStream(response, EventDecoder(response))
