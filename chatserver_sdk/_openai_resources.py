"""openai's own resources as a ChatServer serves them (imported when a client first uses them).

``chat.completions``: ``create``, ``parse`` and ``stream`` send to the ChatServer;
stored completions are not served. ``models``: ``list`` is the server's;
``retrieve`` is answered from the listing (a ChatServer has no ``/models/{id}``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import httpx2
import openai
from openai.resources.chat import AsyncChat, AsyncCompletions, Chat, Completions
from openai.resources.models import AsyncModels, Models
from typing_extensions import override

from ._openai_compat import Unserved
from ._response import RAW_RESPONSE_HEADER, RawResponse, StreamedResponse
from .exceptions import NotFoundError

__all__ = ["AsyncChatServerChat", "AsyncChatServerModels", "ChatServerChat", "ChatServerModels"]


class ChatServerCompletions(Completions):
    """openai's ``chat.completions``: ``create``, ``parse`` and ``stream`` send to the ChatServer;
    stored completions (``list``, ``retrieve``, ``update``, ``delete``, ``messages``) are not served."""

    list = Unserved("client.chat.completions.list")
    retrieve = Unserved("client.chat.completions.retrieve")
    update = Unserved("client.chat.completions.update")
    delete = Unserved("client.chat.completions.delete")
    messages = Unserved("client.chat.completions.messages")  # type: ignore[assignment]


class AsyncChatServerCompletions(AsyncCompletions):
    list = Unserved("client.chat.completions.list")
    retrieve = Unserved("client.chat.completions.retrieve")
    update = Unserved("client.chat.completions.update")
    delete = Unserved("client.chat.completions.delete")
    messages = Unserved("client.chat.completions.messages")  # type: ignore[assignment]


class ChatServerChat(Chat):
    @functools.cached_property
    def completions(self) -> ChatServerCompletions:
        return ChatServerCompletions(self._client)


class AsyncChatServerChat(AsyncChat):
    @functools.cached_property
    def completions(self) -> AsyncChatServerCompletions:
        return AsyncChatServerCompletions(self._client)


def _view(extra_headers: Mapping[str, Any] | None) -> str | None:
    value = (extra_headers or {}).get(RAW_RESPONSE_HEADER)
    return None if value is None else str(value)


def _model_not_listed(model: str, page: Any, response: httpx2.Response) -> NotFoundError:
    listed = [item.id for item in page.data][:8]
    detail = f"model {model!r} is not listed by the server (it lists {', '.join(listed) or 'none'})"
    missing = httpx2.Response(404, json={"detail": detail}, request=response.request)
    return NotFoundError(detail, response=missing, body={"detail": detail})


def _find_model(model: str, page: Any, response: httpx2.Response) -> Any:
    for item in page.data:
        if item.id == model:
            return item
    raise _model_not_listed(model, page, response)


class ChatServerModels(Models):
    """openai's ``models``: ``list`` is the server's; ``retrieve`` is answered from the listing
    (a ChatServer has no ``/models/{id}``); ``delete`` is not served."""

    delete = Unserved("client.models.delete")

    @override
    def retrieve(
        self,
        model: str,
        *,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: object | None = None,
        timeout: float | httpx2.Timeout | openai.NotGiven | None = openai.NOT_GIVEN,
    ) -> Any:
        if not model:
            raise ValueError(f"model: expected a model id, got {model!r}")
        view = _view(extra_headers)
        headers = {k: v for k, v in (extra_headers or {}).items() if k != RAW_RESPONSE_HEADER}
        raw = self.with_raw_response.list(extra_headers=headers, extra_query=extra_query, timeout=timeout)
        if view is None:
            return _find_model(model, raw.parse(), raw.http_response)
        cls = StreamedResponse if view == "stream" else RawResponse
        return cls(raw.http_response, lambda: _find_model(model, raw.parse(), raw.http_response))


class AsyncChatServerModels(AsyncModels):
    delete = Unserved("client.models.delete")

    @override
    async def retrieve(
        self,
        model: str,
        *,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: object | None = None,
        timeout: float | httpx2.Timeout | openai.NotGiven | None = openai.NOT_GIVEN,
    ) -> Any:
        if not model:
            raise ValueError(f"model: expected a model id, got {model!r}")
        view = _view(extra_headers)
        headers = {k: v for k, v in (extra_headers or {}).items() if k != RAW_RESPONSE_HEADER}
        raw = await self.with_raw_response.list(
            extra_headers=headers, extra_query=extra_query, timeout=timeout
        )
        page = raw.parse()
        if view is None:
            return _find_model(model, page, raw.http_response)
        return RawResponse(raw.http_response, lambda: _find_model(model, page, raw.http_response))
