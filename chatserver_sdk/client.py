"""The earlier SDK's ``chatserver_sdk.client`` module, kept for code that imports from it.

``from chatserver_sdk.client import ChatServerClient, create_client`` works as
before; new code imports from :mod:`chatserver_sdk` directly.
"""

from __future__ import annotations

from typing import Any

import httpx2
import openai

from ._client import ChatServerClient
from .types import (
    AdminRequest,
    AdminResponse,
    AuditLogResponse,
    ChatCompletionRequest,
    ChatCompletionResponse,
    ChatSessionDetailResponse,
    ChatSessionListResponse,
    Message,
    MessageRole,
    ModelInfo,
    ModelsResponse,
    PlatformStats,
    UsageInfo,
)

# The client and, as in the earlier module, the models its methods take and return.
__all__ = [
    "AdminRequest",
    "AdminResponse",
    "AuditLogResponse",
    "ChatCompletionRequest",
    "ChatCompletionResponse",
    "ChatServerClient",
    "ChatSessionDetailResponse",
    "ChatSessionListResponse",
    "Message",
    "MessageRole",
    "ModelInfo",
    "ModelsResponse",
    "PlatformStats",
    "UsageInfo",
    "create_client",
]


def create_client(
    api_key: str | None = None,
    base_url: str | None = None,
    timeout: float | httpx2.Timeout | openai.NotGiven | None = openai.NOT_GIVEN,
    **options: Any,
) -> ChatServerClient:
    """A new :class:`ChatServerClient`, as the earlier SDK's ``create_client`` made one.

    Arguments left out take the client's own defaults (``CHATSERVER_API_KEY``,
    ``CHATSERVER_BASE_URL`` or ``http://localhost:3284``, and the client's
    timeout); ``timeout=None`` means no timeout, as it did. ``options`` go to
    the client unchanged (``max_retries`` ...).
    """
    if not isinstance(timeout, openai.NotGiven):
        options["timeout"] = timeout
    return ChatServerClient(api_key=api_key, base_url=base_url, **options)
