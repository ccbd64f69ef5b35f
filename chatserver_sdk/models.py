"""The earlier SDK's ``chatserver_sdk.models`` module, kept for code that imports from it.

Every model the earlier module defined, under its earlier name; they live in
:mod:`chatserver_sdk.types` (``AuditEntry`` is ``AuditLogEntry`` there).
"""

from __future__ import annotations

from .types import (
    AdminInfo,
    AdminRequest,
    AdminResponse,
    AuditEntry,
    AuditLogResponse,
    ChatCompletionChoice,
    ChatCompletionRequest,
    ChatCompletionResponse,
    ChatMessageRecord,
    ChatSessionDetailResponse,
    ChatSessionListResponse,
    ChatSessionSummary,
    Message,
    MessageRole,
    ModelInfo,
    ModelsResponse,
    PlatformStats,
    UsageInfo,
)

__all__ = [
    "AdminInfo",
    "AdminRequest",
    "AdminResponse",
    "AuditEntry",
    "AuditLogResponse",
    "ChatCompletionChoice",
    "ChatCompletionRequest",
    "ChatCompletionResponse",
    "ChatMessageRecord",
    "ChatSessionDetailResponse",
    "ChatSessionListResponse",
    "ChatSessionSummary",
    "Message",
    "MessageRole",
    "ModelInfo",
    "ModelsResponse",
    "PlatformStats",
    "UsageInfo",
]
