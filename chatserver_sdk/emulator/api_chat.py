"""OpenAI-compatible routes, the chat-session history routes and ``/health``."""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from . import catalog, chat, jsonpieces, paging
from .agent import Pace
from .api_bodies import PiecewiseBodyRoute, compacted_items
from .api_responses import PiecesResponse
from .api_stream import STOPPING, CompletionStream, usage_of
from .api_validation import out_of_range
from .chat import CompletionInput, CompletionResult, Transcript
from .lifecycle import Closing
from .schemas import ChatCompletionRequest, ChatMessage
from .store import Store

EMPTY_MESSAGES = "messages array must include at least one message"
EMPTY_MODEL = "model field is required - fetch available models from /v1/models endpoint"
SESSION_NOT_FOUND = "chat session not found"

# An emulator-only metadata key that makes a completion fail the way upstream does when its agent
# backend misbehaves, so clients can test those paths. As upstream does, the request's messages are
# recorded before the agent fails, and the reply is not.
FAULT_KEY = "emulator_fault"
FAULTS = {
    "bad_request": (400, "agent rejected the request (emulated fault)"),
    "unavailable": (503, "agent backend unavailable (emulated fault)"),
    "stream_error": (503, "agent backend failed mid-reply (emulated fault)"),
    # An exception upstream does not handle: Starlette's plain-text 500, or a stream cut off.
    "crash": (500, "Internal Server Error"),
}
# A stream has already answered 200 when the agent fails, so upstream reports the failure in the stream:
# (chunks sent before the error event, its error type; None: the stream is cut off without one).
_STREAM_FAULTS: dict[str, tuple[int, str | None]] = {
    "bad_request": (1, "invalid_request_error"),
    "unavailable": (0, "server_error"),
    "stream_error": (1, "server_error"),
    "crash": (1, None),
}


def client_mistake(exc: chat.ClientMistakeError) -> HTTPException:
    """Upstream answers these with a bare 500; the same status here, with a detail that says what to fix."""
    return HTTPException(500, str(exc))


def _requested_fault(body: ChatCompletionRequest) -> str | None:
    fault = (body.metadata or {}).get(FAULT_KEY)
    if fault is None:
        return None
    if not isinstance(fault, str) or fault not in FAULTS:
        shown = repr(fault) if len(repr(fault)) <= 80 else repr(fault)[:77] + "..."
        raise HTTPException(400, f"metadata.{FAULT_KEY} must be one of: {', '.join(FAULTS)}; got {shown}")
    return fault


def _to_message(message: ChatMessage) -> tuple[str, str, bool]:
    # A plain tuple, which the garbage collector stops tracking (see chat.Transcript).
    return (message.role, message.text(), isinstance(message.content, list))


class _CompletionRoute(PiecewiseBodyRoute):
    # A long conversation's messages are converted as they are validated (see PiecewiseBodyRoute).
    compact_items = MappingProxyType({"messages": _to_message})


def _to_input(body: ChatCompletionRequest, request: Request) -> CompletionInput:
    """Apply upstream's checks in upstream's order; client mistakes it answers with 500 raise here too."""
    metadata = {k: v for k, v in (body.metadata or {}).items() if k != FAULT_KEY}
    chat.check_prompt_identity(metadata, system_prompt=body.system_prompt)
    compacted = compacted_items(request, "messages")
    messages = Transcript(map(_to_message, body.messages) if compacted is None else compacted)
    if not messages:
        raise HTTPException(400, EMPTY_MESSAGES)
    if not body.model:
        raise HTTPException(400, EMPTY_MODEL)
    return CompletionInput(
        model=body.model, messages=messages, system_prompt=body.system_prompt, metadata=metadata
    )


def _completion_json(result: CompletionResult, model: str) -> dict[str, Any]:
    return {
        "id": result.completion_id,
        "object": "chat.completion",
        "created": result.created,
        "model": model,
        "choices": [
            {
                "index": 0,
                # Upstream serialises its ChatMessage model, optional name included.
                "message": {"role": "assistant", "content": result.reply.text, "name": None},
                # Upstream always reports "stop"; the agent decides how long a reply is.
                "finish_reason": "stop",
            }
        ],
        "usage": usage_of(result),
        "system_fingerprint": result.session_id,
    }


def _stream_fault(fault: str | None) -> tuple[int, str | None, str] | None:
    if fault is None:
        return None
    before, kind = _STREAM_FAULTS[fault]
    return before, kind, FAULTS[fault][1]


def build_router(store: Store, turns: chat.RunningTurns, *, pace: Pace, closing: Closing) -> APIRouter:
    # Completion bodies can hold a whole long conversation: validated off the event loop.
    router = APIRouter(route_class=_CompletionRoute)

    @router.post("/v1/chat/completions", tags=["openai"])
    async def create_chat_completion(body: ChatCompletionRequest, request: Request) -> Response:
        fault = _requested_fault(body)
        try:
            # Off the event loop: recording a long transcript and answering it take a while.
            prepared = await run_in_threadpool(lambda: chat.prepare(store, turns, _to_input(body, request)))
        except chat.ClientMistakeError as exc:
            raise client_mistake(exc) from None
        except chat.TurnConflictError as exc:
            raise HTTPException(409, str(exc)) from None
        if body.stream:
            return CompletionStream(prepared, pace=pace, closing=closing, fault=_stream_fault(fault))
        try:
            # The agent takes its time (up to where an emulated fault strikes), whoever is still waiting.
            tokens = prepared.result.reply.completion_tokens
            reached = tokens if fault is None else _STREAM_FAULTS[fault][0]
            if await closing.sleep(pace.time_until(tokens, reached)):
                raise HTTPException(503, STOPPING)
            if fault == "crash":
                return PlainTextResponse("Internal Server Error", status_code=500)
            if fault is not None:
                status, detail = FAULTS[fault]
                raise HTTPException(status, detail)
            await run_in_threadpool(prepared.record_reply)
        finally:
            prepared.give_up()
        content = _completion_json(prepared.result, prepared.request.model)
        return PiecesResponse(await run_in_threadpool(jsonpieces.render_parts, content))

    @router.get("/v1/models", tags=["openai"])
    def list_models() -> Response:
        return JSONResponse(catalog.model_list())

    @router.get("/atoms/chat/sessions", tags=["chat"])
    def list_chat_sessions(
        user_id: Annotated[UUID, Query(description="User identifier")],
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> Response:
        try:
            sessions = chat.list_sessions(store, user_id=str(user_id), page=page, page_size=page_size)
        except paging.OutOfRangeError as exc:
            raise out_of_range(exc) from None
        except chat.ClientMistakeError as exc:
            raise client_mistake(exc) from None
        return JSONResponse(sessions)

    @router.get("/atoms/chat/sessions/{session_id}", tags=["chat"])
    def get_chat_session(
        session_id: UUID, user_id: Annotated[UUID, Query(description="User identifier")]
    ) -> Response:
        try:
            detail = chat.get_session(store, session_id=str(session_id), user_id=str(user_id))
        except chat.SessionNotFoundError:
            raise HTTPException(404, SESSION_NOT_FOUND) from None
        # The bytes JSONResponse would send, encoded a batch of messages at a time as they are read.
        head = f'{{"session":{jsonpieces.dumps(detail.session)},"messages":'.encode()
        return PiecesResponse([head, *jsonpieces.render_batches(detail.message_batches), b"}"])

    @router.get("/health", tags=["health"])
    def health_check() -> Response:
        return JSONResponse({"status": "healthy", "circuit_breaker_status": None, "active_agents": []})

    return router
