"""A completion's reply as a stream of server-sent events, the way upstream frames it.

The reply may be millions of tokens (a 10 MB message echoed word by word), so the stream
is written as the event loop can afford it: every event is upstream's exact bytes, built
from a template around the token's JSON string rather than by one ``json.dumps`` each;
events go out in writes of about :data:`WRITE_BYTES`, and the stream gives the loop back
to everyone else after each write. The agent's pace spreads the reply over its delay.

However the stream ends — in full, on an emulated fault, because the client went away or
because the server is stopping — it ends its turn: the reply is recorded only when every
token has been sent, as upstream records it only once its agent has delivered it all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from .agent import Pace
from .chat import CompletionResult, PreparedCompletion
from .lifecycle import Closing
from .store import StorageFullError

log: logging.Logger = logging.getLogger(__name__)

WRITE_BYTES = 1 << 16
_encode_string: Callable[[str], str] = json.encoder.encode_basestring_ascii
_SENTINEL = "\x00chatserver-emulator\x00"
STOPPING = "the emulator is shutting down; the reply was not stored"


def usage_of(result: CompletionResult) -> dict[str, int]:
    return {
        "prompt_tokens": result.reply.prompt_tokens,
        "completion_tokens": result.reply.completion_tokens,
        "total_tokens": result.reply.total_tokens,
    }


def chunk_event(
    result: CompletionResult, model: str, delta: dict[str, str], finish_reason: str | None
) -> str:
    payload: dict[str, Any] = {
        "id": result.completion_id,
        "object": "chat.completion.chunk",
        "created": result.created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        "system_fingerprint": result.session_id,
    }
    if finish_reason is not None:
        payload["usage"] = usage_of(result)
    # json.dumps with its default separators: the same bytes upstream's SSE generator writes.
    return f"data: {json.dumps(payload)}\n\n"


def error_event(message: str, kind: str) -> str:
    return f"data: {json.dumps({'error': {'message': message, 'type': kind}})}\n\n"


DONE = "data: [DONE]\n\n"


class _Template:
    """The bytes of a content chunk around its text, cut out of one rendered with a placeholder."""

    def __init__(self, result: CompletionResult, model: str, *, first: bool) -> None:
        delta = {"content": _SENTINEL, "role": "assistant"} if first else {"content": _SENTINEL}
        rendered = chunk_event(result, model, delta, None)
        self.before, _, self.after = rendered.partition(_encode_string(_SENTINEL))

    def event(self, piece: str) -> str:
        return f"{self.before}{_encode_string(piece)}{self.after}"


class CompletionStream(Response):
    """The ASGI response of a streamed completion (upstream's ``text/event-stream``).

    ``fault``: ``(tokens sent before it, error type or None)``: the stream reports an error event
    there, or is cut off without one (None), as upstream's does when its agent fails.
    """

    def __init__(
        self,
        prepared: PreparedCompletion,
        *,
        pace: Pace,
        closing: Closing,
        fault: tuple[int, str | None, str] | None = None,
    ) -> None:
        self.status_code = 200
        self.background: BackgroundTask | None = None
        self.init_headers({"content-type": "text/event-stream; charset=utf-8"})
        self.prepared = prepared
        self.pace = pace
        self.closing = closing
        self.fault = fault

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.create_task(watch())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            ending = await self._stream(send, gone)
            if ending is not None:
                await send({"type": "http.response.body", "body": ending.encode(), "more_body": False})
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self.prepared.give_up()
        if self.background is not None:
            await self.background()

    async def _write(self, send: Send, text: str) -> None:
        message: Message = {"type": "http.response.body", "body": text.encode(), "more_body": True}
        await send(message)
        # uvicorn's send returns at once while the socket takes the data: without this, a long
        # reply would keep the event loop from every other client until its last event.
        await asyncio.sleep(0)

    async def _stream(self, send: Send, gone: asyncio.Event) -> str | None:
        """Send the reply; return the stream's last bytes, or None when there is no one to send them to."""
        result, model = self.prepared.result, self.prepared.request.model
        templates = (_Template(result, model, first=True), _Template(result, model, first=False))
        stop_at = self.fault[0] if self.fault is not None else None
        pieces: Iterator[str] = self.prepared.result.reply.pieces()
        sent = 0
        for size, pause in self.pace.groups(result.reply.completion_tokens):
            # The client going away cuts the agent's pause short: the turn ends at once.
            if pause and await self.closing.sleep(pause, or_until=gone):
                return error_event(STOPPING, "server_error") + DONE
            if gone.is_set():
                return None
            group = islice(pieces, size if stop_at is None else min(size, stop_at - sent))
            buffer: list[str] = []
            length = 0
            for piece in group:
                event = templates[sent > 0].event(piece)
                sent += 1
                buffer.append(event)
                length += len(event)
                if length >= WRITE_BYTES:
                    if gone.is_set():
                        return None
                    await self._write(send, "".join(buffer))
                    buffer, length = [], 0
                    if self.closing.is_set():
                        return error_event(STOPPING, "server_error") + DONE
            if buffer:
                if gone.is_set():
                    return None
                await self._write(send, "".join(buffer))
            if stop_at is not None and sent >= stop_at:
                break
        if gone.is_set():
            return None
        if self.fault is not None:
            _, kind, message = self.fault
            if kind is None:
                raise RuntimeError("emulated unhandled agent failure")  # the server drops the connection
            return error_event(message, kind) + DONE
        try:
            await run_in_threadpool(self.prepared.record_reply)
        except StorageFullError as exc:
            return error_event(str(exc), "server_error") + DONE
        return chunk_event(result, model, {}, "stop") + DONE
