"""ChatServer SDK: an ``openai`` client for ChatServer, plus its own API.

>>> from chatserver_sdk import ChatServerClient
>>> client = ChatServerClient(base_url="http://localhost:3284")

Names are imported when a program first uses them (PEP 562): ``chatserver --help``
and the emulator do not pay for openai's type tree, and a program that only makes
requests does not pay for the helpers, the command line or the emulator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._logs import setup_logging as _setup_logging
from ._version import __version__

if TYPE_CHECKING:
    from . import exceptions, types
    from ._client import DEFAULT_BASE_URL, AsyncChatServerClient, ChatServerClient
    from ._conversation import AsyncConversation, AsyncConversationStream, Conversation, ConversationStream
    from ._messages import MessageLike
    from ._pagination import (
        AsyncAdminPage,
        AsyncAuditPage,
        AsyncMCPServerPage,
        AsyncPaginator,
        AsyncSessionPage,
        SyncAdminPage,
        SyncAuditPage,
        SyncMCPServerPage,
        SyncSessionPage,
    )
    from ._response import AsyncStreamedResponse, RawResponse, StreamedResponse
    from ._streaming import AsyncStream, Stream
    from .exceptions import (
        AgentReportedError,
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeoutError,
        BadRequestError,
        ChatServerError,
        ConflictError,
        DeadlineExceededError,
        ForbiddenError,
        IdleTimeoutError,
        IncompleteStreamError,
        InternalServerError,
        NotFoundError,
        RateLimitError,
        ResponseValidationError,
        SessionBusyError,
        StreamError,
        TurnOutcomeUnknownError,
        UnauthorizedError,
        UnprocessableEntityError,
        UnsupportedEndpointError,
        UnsupportedParameterError,
    )
    from .types import (
        AdminInfo,
        AdminListResponse,
        AdminRequest,
        AdminResponse,
        AgentErrorEvent,
        AgentEvent,
        AgentMessage,
        AgentMessagesResponse,
        AgentStatus,
        AuditEntry,
        AuditLogEntry,
        AuditLogResponse,
        ChatCompletionChoice,
        ChatCompletionRequest,
        ChatCompletionResponse,
        ChatMessageRecord,
        ChatSessionDetailResponse,
        ChatSessionListResponse,
        ChatSessionSummary,
        ContentPart,
        MCPAuthType,
        MCPListResponse,
        MCPMetadata,
        MCPScope,
        MCPScopeType,
        MCPServer,
        Message,
        MessageRole,
        MessageUpdateEvent,
        ModelInfo,
        ModelsResponse,
        PlatformStats,
        SendMessageResponse,
        StatusChangeEvent,
        SystemHealth,
        UploadResponse,
        UsageInfo,
    )

# Where each public name lives; a test checks this against the modules' own __all__.
_HOMES: dict[str, tuple[str, ...]] = {
    "._client": ("DEFAULT_BASE_URL", "AsyncChatServerClient", "ChatServerClient"),
    "._conversation": ("AsyncConversation", "AsyncConversationStream", "Conversation", "ConversationStream"),
    "._messages": ("MessageLike",),
    "._pagination": (
        "AsyncAdminPage",
        "AsyncAuditPage",
        "AsyncMCPServerPage",
        "AsyncPaginator",
        "AsyncSessionPage",
        "SyncAdminPage",
        "SyncAuditPage",
        "SyncMCPServerPage",
        "SyncSessionPage",
    ),
    "._response": ("AsyncStreamedResponse", "RawResponse", "StreamedResponse"),
    "._streaming": ("AsyncStream", "Stream"),
    ".exceptions": (
        "AgentReportedError",
        "APIConnectionError",
        "APIError",
        "APIStatusError",
        "APITimeoutError",
        "BadRequestError",
        "ChatServerError",
        "ConflictError",
        "DeadlineExceededError",
        "ForbiddenError",
        "IdleTimeoutError",
        "IncompleteStreamError",
        "InternalServerError",
        "NotFoundError",
        "RateLimitError",
        "ResponseValidationError",
        "SessionBusyError",
        "StreamError",
        "TurnOutcomeUnknownError",
        "UnauthorizedError",
        "UnprocessableEntityError",
        "UnsupportedEndpointError",
        "UnsupportedParameterError",
    ),
    ".types": (
        "AdminInfo",
        "AgentErrorEvent",
        "AdminListResponse",
        "AdminRequest",
        "AdminResponse",
        "AgentEvent",
        "AgentMessage",
        "AgentMessagesResponse",
        "AgentStatus",
        "AuditEntry",
        "AuditLogEntry",
        "AuditLogResponse",
        "ChatCompletionChoice",
        "ChatCompletionRequest",
        "ChatCompletionResponse",
        "ChatMessageRecord",
        "ChatSessionDetailResponse",
        "ChatSessionListResponse",
        "ChatSessionSummary",
        "ContentPart",
        "MCPAuthType",
        "MCPListResponse",
        "MCPMetadata",
        "MCPScope",
        "MCPScopeType",
        "MCPServer",
        "Message",
        "MessageRole",
        "MessageUpdateEvent",
        "ModelInfo",
        "ModelsResponse",
        "PlatformStats",
        "SendMessageResponse",
        "StatusChangeEvent",
        "SystemHealth",
        "UploadResponse",
        "UsageInfo",
    ),
}
_SUBMODULES = ("exceptions", "types")
_WHERE = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [  # the names _HOMES lists, for type checkers (a test keeps them equal)
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AdminInfo",
    "AdminListResponse",
    "AdminRequest",
    "AdminResponse",
    "AgentErrorEvent",
    "AgentEvent",
    "AgentMessage",
    "AgentMessagesResponse",
    "AgentReportedError",
    "AgentStatus",
    "AsyncAdminPage",
    "AsyncAuditPage",
    "AsyncChatServerClient",
    "AsyncConversation",
    "AsyncConversationStream",
    "AsyncMCPServerPage",
    "AsyncPaginator",
    "AsyncSessionPage",
    "AsyncStream",
    "AsyncStreamedResponse",
    "AuditEntry",
    "AuditLogEntry",
    "AuditLogResponse",
    "BadRequestError",
    "ChatCompletionChoice",
    "ChatCompletionRequest",
    "ChatCompletionResponse",
    "ChatMessageRecord",
    "ChatServerClient",
    "ChatServerError",
    "ChatSessionDetailResponse",
    "ChatSessionListResponse",
    "ChatSessionSummary",
    "ConflictError",
    "ContentPart",
    "Conversation",
    "ConversationStream",
    "DeadlineExceededError",
    "ForbiddenError",
    "IdleTimeoutError",
    "IncompleteStreamError",
    "InternalServerError",
    "MCPAuthType",
    "MCPListResponse",
    "MCPMetadata",
    "MCPScope",
    "MCPScopeType",
    "MCPServer",
    "Message",
    "MessageLike",
    "MessageRole",
    "MessageUpdateEvent",
    "ModelInfo",
    "ModelsResponse",
    "NotFoundError",
    "PlatformStats",
    "RateLimitError",
    "RawResponse",
    "ResponseValidationError",
    "SendMessageResponse",
    "SessionBusyError",
    "StatusChangeEvent",
    "Stream",
    "StreamError",
    "StreamedResponse",
    "SyncAdminPage",
    "SyncAuditPage",
    "SyncMCPServerPage",
    "SyncSessionPage",
    "SystemHealth",
    "TurnOutcomeUnknownError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "UnsupportedEndpointError",
    "UnsupportedParameterError",
    "UploadResponse",
    "UsageInfo",
    "__version__",
    "exceptions",
    "types",
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        value: Any = importlib.import_module(f".{name}", __name__)
    elif name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # the next lookup is a plain global
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


_setup_logging()
