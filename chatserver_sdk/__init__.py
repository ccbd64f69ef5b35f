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
    from ._response import RawResponse
    from ._streaming import AsyncStream, Stream
    from .exceptions import (
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeoutError,
        BadRequestError,
        ChatServerError,
        ConflictError,
        ForbiddenError,
        IncompleteStreamError,
        InternalServerError,
        NotFoundError,
        RateLimitError,
        ResponseValidationError,
        StreamError,
        UnauthorizedError,
        UnprocessableEntityError,
    )
    from .types import (
        AdminInfo,
        AdminListResponse,
        AdminRequest,
        AdminResponse,
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
    "._response": ("RawResponse",),
    "._streaming": ("AsyncStream", "Stream"),
    ".exceptions": (
        "APIConnectionError",
        "APIError",
        "APIStatusError",
        "APITimeoutError",
        "BadRequestError",
        "ChatServerError",
        "ConflictError",
        "ForbiddenError",
        "IncompleteStreamError",
        "InternalServerError",
        "NotFoundError",
        "RateLimitError",
        "ResponseValidationError",
        "StreamError",
        "UnauthorizedError",
        "UnprocessableEntityError",
    ),
    ".types": (
        "AdminInfo",
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

__all__ = [  # noqa: RUF022  (grouped as _HOMES is)
    "__version__",
    "exceptions",
    "types",
    "DEFAULT_BASE_URL",
    "AsyncChatServerClient",
    "ChatServerClient",
    "AsyncConversation",
    "AsyncConversationStream",
    "Conversation",
    "ConversationStream",
    "MessageLike",
    "RawResponse",
    "AsyncStream",
    "Stream",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "BadRequestError",
    "ChatServerError",
    "ConflictError",
    "ForbiddenError",
    "IncompleteStreamError",
    "InternalServerError",
    "NotFoundError",
    "RateLimitError",
    "ResponseValidationError",
    "StreamError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "AdminInfo",
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
