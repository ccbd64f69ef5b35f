"""OpenAI-compatible routes and the chat-session history routes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse, Response, StreamingResponse

from . import catalog, chat
from .agent import Turn
from .chat import CompletionInput, CompletionResult
from .schemas import ChatCompletionRequest
from .store import Store
from .util import canonical_uuid, new_uuid

EMPTY_MESSAGES = "messages array must include at least one message"
EMPTY_MODEL = "model field is required - fetch available models from /v1/models endpoint"
SESSION_NOT_FOUND = "chat session not found"
# Metadata keys that address the session rather than describe it, so they are not stored with it.
_ADDRESSING_KEYS = frozenset({"session_id", "user_id"})


def _to_input(body: ChatCompletionRequest) -> CompletionInput:
    if not body.messages:
        raise HTTPException(400, EMPTY_MESSAGES)
    if not body.model.strip():
        raise HTTPException(400, EMPTY_MODEL)
    model = catalog.find_model(body.model)
    if model is None:
        available = ", ".join(catalog.model_ids())
        raise HTTPException(400, f"model '{body.model}' is not available; available models: {available}")
    metadata = dict(body.metadata or {})
    raw_session = metadata.get("session_id")
    if raw_session is None:
        session_id = new_uuid()
    else:
        session_id = canonical_uuid(raw_session) or ""
        if not session_id:
            raise HTTPException(400, "metadata.session_id must be a UUID")
    agent_type = metadata.get("agent_type")
    return CompletionInput(
        model=model.id,
        agent_type=agent_type if isinstance(agent_type, str) and agent_type else model.backend,
        messages=tuple(Turn(m.role, m.text()) for m in body.messages),
        max_tokens=body.max_tokens,
        system_prompt=body.system_prompt,
        session_id=session_id,
        # History columns are UUIDs upstream; any other user id means nothing is recorded.
        user_id=canonical_uuid(metadata.get("user_id")),
        organization_id=canonical_uuid(metadata.get("organization_id")),
        metadata={k: v for k, v in metadata.items() if k not in _ADDRESSING_KEYS},
    )


def _usage(result: CompletionResult) -> dict[str, int]:
    return {
        "prompt_tokens": result.reply.prompt_tokens,
        "completion_tokens": result.reply.completion_tokens,
        "total_tokens": result.reply.total_tokens,
    }


def _completion_json(result: CompletionResult, model: str) -> dict[str, Any]:
    return {
        "id": result.completion_id,
        "object": "chat.completion",
        "created": result.created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": result.reply.text},
                "finish_reason": result.reply.finish_reason,
            }
        ],
        "usage": _usage(result),
        "system_fingerprint": result.session_id,
    }


def _sse_chunks(result: CompletionResult, model: str) -> list[str]:
    def chunk(delta: dict[str, str], finish_reason: str | None, **extra: Any) -> str:
        payload = {
            "id": result.completion_id,
            "object": "chat.completion.chunk",
            "created": result.created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            "system_fingerprint": result.session_id,
            **extra,
        }
        return f"data: {json.dumps(payload)}\n\n"

    events = [
        chunk({"role": "assistant", "content": piece} if i == 0 else {"content": piece}, None)
        for i, piece in enumerate(result.reply.chunks)
    ]
    events.append(chunk({}, result.reply.finish_reason, usage=_usage(result)))
    events.append("data: [DONE]\n\n")
    return events


def build_router(store: Store) -> APIRouter:
    router = APIRouter()

    # Sync handlers: FastAPI runs them in its thread pool, where blocking SQLite calls belong.
    @router.post("/v1/chat/completions", tags=["openai"])
    def create_chat_completion(body: ChatCompletionRequest) -> Response:
        request = _to_input(body)
        try:
            # Committed before the first byte goes out, so a streamed reply is as durable as a plain one.
            result = chat.complete(store, request)
        except chat.SessionNotFoundError:
            raise HTTPException(404, SESSION_NOT_FOUND) from None
        if not body.stream:
            return JSONResponse(_completion_json(result, request.model))
        events = _sse_chunks(result, request.model)

        async def stream() -> AsyncIterator[str]:
            for event in events:
                yield event

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    @router.get("/v1/models", tags=["openai"])
    def list_models() -> Response:
        return JSONResponse({"object": "list", "data": [m.to_json() for m in catalog.MODELS]})

    @router.get("/atoms/chat/sessions", tags=["chat"])
    def list_chat_sessions(
        user_id: Annotated[UUID, Query(description="User identifier")],
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> Response:
        return JSONResponse(chat.list_sessions(store, user_id=str(user_id), page=page, page_size=page_size))

    @router.get("/atoms/chat/sessions/{session_id}", tags=["chat"])
    def get_chat_session(
        session_id: UUID, user_id: Annotated[UUID, Query(description="User identifier")]
    ) -> Response:
        try:
            return JSONResponse(chat.get_session(store, session_id=str(session_id), user_id=str(user_id)))
        except chat.SessionNotFoundError:
            raise HTTPException(404, SESSION_NOT_FOUND) from None

    return router
