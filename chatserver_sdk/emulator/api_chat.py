"""OpenAI-compatible routes and the chat-session history routes."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse, Response, StreamingResponse

from . import catalog, chat
from .agent import Turn, generate_reply
from .chat import CompletionInput, CompletionResult
from .schemas import ChatCompletionRequest
from .store import Store
from .util import canonical_uuid, new_uuid

EMPTY_MESSAGES = "messages array must include at least one message"
EMPTY_MODEL = "model field is required - fetch available models from /v1/models endpoint"
SESSION_NOT_FOUND = "chat session not found"
# Metadata keys that address the session rather than describe it, so they are not stored with it.
_ADDRESSING_KEYS = frozenset({"session_id", "user_id"})

# An emulator-only metadata key that makes a completion fail the way upstream does when its agent
# backend misbehaves, so clients can test those paths. Nothing is recorded for such a request.
FAULT_KEY = "emulator_fault"
FAULTS = {
    "bad_request": (400, "agent rejected the request (emulated fault)"),
    "unavailable": (503, "agent backend unavailable (emulated fault)"),
    # Streams fail after the first chunks; a plain request can only fail as a whole.
    "stream_error": (503, "agent backend failed mid-reply (emulated fault)"),
}


def _requested_fault(body: ChatCompletionRequest) -> str | None:
    fault = (body.metadata or {}).get(FAULT_KEY)
    if fault is None:
        return None
    if fault not in FAULTS:
        raise HTTPException(400, f"{FAULT_KEY} must be one of: {', '.join(FAULTS)}")
    return str(fault)


def _to_input(body: ChatCompletionRequest) -> CompletionInput:
    if not body.messages:
        raise HTTPException(400, EMPTY_MESSAGES)
    if not body.model.strip():
        raise HTTPException(400, EMPTY_MODEL)
    model = catalog.find_model(body.model)
    if model is None:
        available = ", ".join(catalog.model_ids())
        raise HTTPException(400, f"model '{body.model}' is not available; available models: {available}")
    metadata = {k: v for k, v in (body.metadata or {}).items() if k != FAULT_KEY}
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


def _sse_chunks(result: CompletionResult, model: str, *, fail_after: int | None = None) -> list[str]:
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
    if fail_after is None:
        events.append(chunk({}, result.reply.finish_reason, usage=_usage(result)))
    else:
        error = {"error": {"message": FAULTS["stream_error"][1], "type": "server_error"}}
        events = [*events[:fail_after], f"data: {json.dumps(error)}\n\n"]
    events.append("data: [DONE]\n\n")
    return events


def _sse_response(events: list[str]) -> StreamingResponse:
    async def stream() -> AsyncIterator[str]:
        for event in events:
            yield event

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _faulted(fault: str, request: CompletionInput, *, stream: bool) -> Response:
    if fault != "stream_error" or not stream:
        status, detail = FAULTS[fault]
        raise HTTPException(status, detail)
    reply = generate_reply(
        request.messages, max_tokens=request.max_tokens, system_prompt=request.system_prompt
    )
    result = CompletionResult(
        f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time()), request.session_id, reply
    )
    return _sse_response(_sse_chunks(result, request.model, fail_after=2))


def build_router(store: Store) -> APIRouter:
    router = APIRouter()

    # Sync handlers: FastAPI runs them in its thread pool, where blocking SQLite calls belong.
    @router.post("/v1/chat/completions", tags=["openai"])
    def create_chat_completion(body: ChatCompletionRequest) -> Response:
        fault = _requested_fault(body)
        request = _to_input(body)
        if fault is not None:
            return _faulted(fault, request, stream=body.stream)
        try:
            # Committed before the first byte goes out, so a streamed reply is as durable as a plain one.
            result = chat.complete(store, request)
        except chat.SessionNotFoundError:
            raise HTTPException(404, SESSION_NOT_FOUND) from None
        if not body.stream:
            return JSONResponse(_completion_json(result, request.model))
        return _sse_response(_sse_chunks(result, request.model))

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
