"""ChatServer SDK: an ``openai`` client for ChatServer, plus its own API.

>>> from chatserver_sdk import ChatServerClient
>>> client = ChatServerClient(base_url="http://localhost:3284")
"""

from . import exceptions, types
from ._client import DEFAULT_BASE_URL, AsyncChatServerClient, ChatServerClient
from ._conversation import AsyncConversation, AsyncConversationStream, Conversation, ConversationStream
from ._logs import setup_logging as _setup_logging
from ._messages import MessageLike
from ._response import RawResponse
from ._streaming import AsyncStream, Stream
from ._version import __version__
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
from .types import *  # noqa: F403  (the models are part of the top-level API)
from .types import __all__ as _types_all

__all__ = [
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncChatServerClient",
    "AsyncConversation",
    "AsyncConversationStream",
    "AsyncStream",
    "BadRequestError",
    "ChatServerClient",
    "ChatServerError",
    "ConflictError",
    "Conversation",
    "ConversationStream",
    "ForbiddenError",
    "IncompleteStreamError",
    "InternalServerError",
    "MessageLike",
    "NotFoundError",
    "RateLimitError",
    "RawResponse",
    "ResponseValidationError",
    "Stream",
    "StreamError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "__version__",
    "exceptions",
    "types",
    *_types_all,
]

_setup_logging()
