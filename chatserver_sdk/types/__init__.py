"""Response and request models, one module per API area."""

from .agent import (
    AgentEvent,
    AgentMessage,
    AgentMessagesResponse,
    AgentStatus,
    MessageUpdateEvent,
    SendMessageResponse,
    StatusChangeEvent,
    UploadResponse,
)
from .chat import (
    ChatCompletionChoice,
    ChatCompletionRequest,
    ChatCompletionResponse,
    ContentPart,
    Message,
    MessageRole,
    UsageInfo,
)
from .mcp import MCPAuthType, MCPListResponse, MCPMetadata, MCPScope, MCPScopeType, MCPServer
from .models import ModelInfo, ModelsResponse
from .platform import (
    AdminInfo,
    AdminListResponse,
    AdminRequest,
    AdminResponse,
    AuditEntry,
    AuditLogEntry,
    AuditLogResponse,
    PlatformStats,
    SystemHealth,
)
from .sessions import (
    ChatMessageRecord,
    ChatSessionDetailResponse,
    ChatSessionListResponse,
    ChatSessionSummary,
)

__all__ = [
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
