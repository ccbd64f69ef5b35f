"""A multi-turn chat with a ChatServer, kept by the SDK: :class:`Conversation` and its async twin.

The ChatServer's history rules, which a conversation follows for its caller:

* The server stores the transcript it is sent, so every turn sends the whole
  conversation again; the conversation holds it, so a turn is one request.
* User and session ids must be UUIDs. A new conversation with a ``user_id``
  gets a UUID session id here, before the first turn, so ``session_id`` is
  known from the start; the id the server answers with (``system_fingerprint``)
  is adopted after each turn, which is also how a conversation without a user
  learns its session.
* A system prompt goes in the request's ``system_prompt``, not in the
  transcript, so the stored session holds exactly the turns.
* Resuming (``session_id`` given) loads the stored transcript; a session id
  with nothing stored under it yet starts a new session under that id, as
  ``create_completion`` does.

Turns happen one at a time, also when threads (or tasks) share a conversation:
the second waits for the first to end and then sends the transcript as it
stands. A turn that fails never changes the transcript and is never sent again
by the conversation: a completion runs an agent. Because the server may
already have stored the failed turn's message, a conversation with history
reloads the stored transcript before its next turn.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._completions import acquire_within
from ._streaming import AsyncStream, Stream
from .exceptions import NotFoundError, SessionBusyError
from .types.chat import ChatCompletionResponse, Message, MessageRole, UsageInfo
from .types.sessions import ChatSessionDetailResponse

if TYPE_CHECKING:
    from ._client import AsyncChatServerClient, ChatServerClient

__all__ = [
    "AsyncConversation",
    "AsyncConversationStream",
    "Conversation",
    "ConversationStream",
    "aconversation",
    "conversation",
]

log = logging.getLogger("chatserver_sdk")

# Keyword arguments of create_completion a conversation passes on to every turn.
# model, messages, stream, user and session_id are the conversation's own.
TURN_OPTIONS = frozenset(
    {
        "temperature",
        "max_tokens",
        "top_p",
        "metadata",
        "organization_id",
        "workflow",
        "variables",
        "allowed_tools",
        "setting_sources",
        "mcp_servers",
    }
)


def conversation(
    client: ChatServerClient,
    model: str,
    *,
    user_id: str | None = None,
    session_id: str | None = None,
    system_prompt: str | None = None,
    **options: Any,
) -> Conversation:
    """A multi-turn chat that holds its transcript and sends it whole each turn (one request a turn).

    With ``user_id`` (a UUID) the turns are stored in a session whose id is
    made now; pass an existing ``session_id`` to resume it from its stored
    history (an id with nothing stored yet starts a new session). ``options``
    (``temperature``, ``max_tokens``, ``organization_id``, ``metadata`` ...) go
    with every turn.
    """
    return Conversation(
        client, model, user_id=user_id, session_id=session_id, system_prompt=system_prompt, **options
    )


def aconversation(
    client: AsyncChatServerClient,
    model: str,
    *,
    user_id: str | None = None,
    session_id: str | None = None,
    system_prompt: str | None = None,
    **options: Any,
) -> AsyncConversation:
    """A multi-turn chat that holds its transcript and sends it whole each turn (one request a turn).

    As the sync client's; a resumed session's stored history is read before the first turn, or
    now if you ``await`` the conversation (``chat = await client.conversation(...)``).
    """
    return AsyncConversation(
        client, model, user_id=user_id, session_id=session_id, system_prompt=system_prompt, **options
    )


def _uuid(value: str, field: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected a UUID string, got {type(value).__name__} ({value!r})")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError(
            f"{field}: {value!r} is not a UUID (the ChatServer stores history under UUIDs)"
        ) from None


def _check_options(options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - TURN_OPTIONS)
    if unknown:
        raise TypeError(
            f"conversation(): unexpected option(s) {', '.join(map(repr, unknown))};"
            f" it takes {', '.join(sorted(TURN_OPTIONS))} (model, user_id and session_id are its own)"
        )
    return {name: value for name, value in options.items() if value is not None}


def _transcript(detail: ChatSessionDetailResponse) -> list[Message]:
    records = sorted(detail.messages, key=lambda record: record.message_index)
    return [Message(role=record.role, content=record.content) for record in records]


class _State:
    """What both twins share: the transcript, the ids, and the rules of a turn."""

    def __init__(
        self,
        model: str,
        *,
        user_id: str | None,
        session_id: str | None,
        system_prompt: str | None,
        options: Mapping[str, Any],
    ) -> None:
        if not isinstance(model, str) or not model:
            raise ValueError(f"model: expected a model id, got {model!r}")
        self.model: str = model
        self.user_id: str | None = _uuid(user_id, "user_id") if user_id is not None else None
        if session_id is not None:
            if self.user_id is None:
                raise ValueError(
                    f"session_id: resuming {session_id!r} needs user_id (stored sessions belong to a user)"
                )
            session_id = _uuid(session_id, "session_id")
        elif self.user_id is not None:
            session_id = str(uuid.uuid4())
        self.session_id: str | None = session_id
        self.system_prompt: str | None = system_prompt
        self.options: dict[str, Any] = _check_options(options)
        self.messages: list[Message] = []
        self.last_usage: UsageInfo | None = None
        self.needs_reload: bool = False
        self.stream_owner: object | None = None
        """Who holds a streamed turn open (a thread id or a task), to refuse a turn it would deadlock on."""

    @property
    def history(self) -> bool:
        return self.user_id is not None

    def check_not_streaming(self, me: object) -> None:
        if self.stream_owner is not None and self.stream_owner == me:
            raise RuntimeError("the previous streamed turn is still open: read it to the end or close() it")

    def request(self, text: str, *, stream: bool) -> dict[str, Any]:
        """The ``create_completion`` arguments of a turn that says ``text``."""
        arguments: dict[str, Any] = {
            **self.options,
            "model": self.model,
            "messages": [*self.messages, Message(role=MessageRole.USER, content=text)],
            "stream": stream,
        }
        if self.user_id is not None:
            arguments["user"] = self.user_id
        if self.session_id is not None:
            arguments["session_id"] = self.session_id
        if self.system_prompt is not None:
            arguments["system_prompt"] = self.system_prompt
        log.debug(
            "conversation %s: turn %d, sending %d message(s)",
            self.session_id,
            len(self.messages) // 2 + 1,
            len(arguments["messages"]),
        )
        return arguments

    def commit(self, text: str, reply: str, session_id: str | None, usage: UsageInfo | None) -> None:
        self.messages += [
            Message(role=MessageRole.USER, content=text),
            Message(role=MessageRole.ASSISTANT, content=reply),
        ]
        if session_id and session_id != self.session_id:
            if self.session_id is not None:
                log.info(
                    "conversation: the server answered under session %s, not %s", session_id, self.session_id
                )
            self.session_id = session_id
        self.last_usage = usage

    def fail(self) -> None:
        # The server may have stored the user's message before the turn failed.
        self.needs_reload = self.history

    def loaded(self, detail: ChatSessionDetailResponse | None) -> None:
        if detail is not None:
            self.messages = _transcript(detail)
        elif not self.needs_reload:
            log.info(
                "conversation: nothing is stored under session %s yet; it starts with the first turn",
                self.session_id,
            )
        self.needs_reload = False


def _checked_text(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text: expected a non-empty message, got {text!r}")
    return text


def _reply(response: ChatCompletionResponse) -> str:
    if not response.choices:
        return ""
    return response.choices[0].message.text


def _wait(client: Any) -> float:
    wait = getattr(client, "session_wait", None)
    return -1 if wait is None else float(wait)


class Conversation:
    """A multi-turn chat: ``send(text)`` or ``stream(text)`` a turn, read ``messages``.

    Made by :meth:`ChatServerClient.conversation`. Threads may share one: turns
    run one at a time, each sending the transcript as the turn before left it.
    """

    def __init__(
        self,
        client: ChatServerClient,
        model: str,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        system_prompt: str | None = None,
        **options: Any,
    ) -> None:
        resume = session_id is not None
        self._client = client
        self._state = _State(
            model, user_id=user_id, session_id=session_id, system_prompt=system_prompt, options=options
        )
        self._turn = threading.Lock()
        if resume:
            self.reload()
        elif self._state.session_id is not None:
            client._sessions.record(self._state.session_id, [])  # made here: nothing is stored under it

    @property
    def model(self) -> str:
        return self._state.model

    @property
    def user_id(self) -> str | None:
        return self._state.user_id

    @property
    def session_id(self) -> str | None:
        """The session the turns are stored under (a UUID made here, or the server's answer)."""
        return self._state.session_id

    @property
    def messages(self) -> list[Message]:
        """The turns so far, user and assistant messages in order (a copy)."""
        return list(self._state.messages)

    @property
    def last_usage(self) -> UsageInfo | None:
        """Token usage of the last completed turn."""
        return self._state.last_usage

    def reload(self) -> None:
        """Replace ``messages`` with the transcript the server has stored for this session."""
        state = self._state
        if state.user_id is None or state.session_id is None:
            raise RuntimeError("reload(): this conversation has no stored history (no user_id)")
        try:
            detail: ChatSessionDetailResponse | None = self._client.sessions.retrieve(
                state.session_id, user_id=state.user_id
            )
        except NotFoundError:
            detail = None  # nothing stored yet: the first turn starts the session under this id
            self._client._sessions.record(state.session_id, [])
        state.loaded(detail)

    def _begin(self, text: str, *, stream: bool) -> dict[str, Any]:
        text = _checked_text(text)
        self._state.check_not_streaming(threading.get_ident())
        if not self._turn.acquire(timeout=_wait(self._client)):
            raise SessionBusyError(str(self._state.session_id), _wait(self._client))
        try:
            if self._state.needs_reload:
                self.reload()
            return self._state.request(text, stream=stream)
        except BaseException:
            self._turn.release()
            raise

    def send(self, text: str) -> str:
        """Say ``text``; returns the assistant's reply once it is complete."""
        arguments = self._begin(text, stream=False)
        try:
            response = self._client.create_completion(**arguments)
            reply = _reply(response)
            self._state.commit(text, reply, response.system_fingerprint, response.usage)
            return reply
        except BaseException:
            self._state.fail()
            raise
        finally:
            self._turn.release()

    def stream(self, text: str) -> ConversationStream:
        """Say ``text``; iterate the result for the reply's text deltas.

        The turn joins ``messages`` when the stream has been read to its end.
        Use it as a context manager (or ``close()`` it) if you may stop early:
        a turn left unfinished is not part of the transcript.
        """
        arguments = self._begin(text, stream=True)
        try:
            stream = self._client.create_completion(**arguments)
        except BaseException:
            self._state.fail()
            self._turn.release()
            raise
        self._state.stream_owner = threading.get_ident()
        return ConversationStream(self._state, text, stream, self._turn.release)

    def __repr__(self) -> str:
        return (
            f"Conversation(model={self.model!r}, session_id={self.session_id!r},"
            f" messages={len(self._state.messages)})"
        )


class _TurnEnd:
    """How a streamed turn ends, once: joined to the transcript, or left out."""

    def __init__(self, state: _State, text: str, metadata: dict[str, Any], release: Any) -> None:
        self._state = state
        self._text = text
        self._metadata = metadata
        self._release = release
        self.parts: list[str] = []
        self.finished = False

    def end(self, *, completed: bool) -> None:
        if self.finished:
            return
        self.finished = True
        self._state.stream_owner = None
        try:
            if completed:
                metadata = self._metadata
                self._state.commit(
                    self._text, "".join(self.parts), metadata.get("system_fingerprint"), metadata.get("usage")
                )
            else:
                self._state.fail()
        finally:
            self._release()


class ConversationStream:
    """The text deltas of one streamed turn of a :class:`Conversation`."""

    def __init__(self, state: _State, text: str, stream: Stream[str], release: Any) -> None:
        self._stream = stream
        self._end = _TurnEnd(state, text, stream.metadata, release)

    @property
    def text(self) -> str:
        """The reply received so far."""
        return "".join(self._end.parts)

    @property
    def metadata(self) -> dict[str, Any]:
        """What the chunks carried besides text (``system_fingerprint``, ``usage``, ``finish_reason``)."""
        return self._stream.metadata

    @property
    def recovered(self) -> bool:
        """Whether the connection broke and the rest of the reply was read from the stored session."""
        return self._stream.recovered

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._end.finished:
            raise StopIteration
        try:
            delta = next(self._stream)
        except StopIteration:
            self._end.end(completed=True)
            raise
        except BaseException:
            self._end.end(completed=False)
            raise
        self._end.parts.append(delta)
        return delta

    def close(self) -> None:
        """Stop reading; an unfinished turn is left out of the transcript."""
        self._stream.close()
        self._end.end(completed=False)

    def __enter__(self) -> ConversationStream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncConversation:
    """The async twin of :class:`Conversation`: ``await send(text)``, ``await stream(text)``.

    ``client.conversation(...)`` makes one; ``await`` it to read a resumed session's stored history
    now (else it is read before the first turn)."""

    def __init__(
        self,
        client: AsyncChatServerClient,
        model: str,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        system_prompt: str | None = None,
        **options: Any,
    ) -> None:
        # Loading a resumed session needs I/O: it happens when the conversation is awaited, or
        # before its first turn.
        self._client = client
        self._state = _State(
            model, user_id=user_id, session_id=session_id, system_prompt=system_prompt, options=options
        )
        self._turn = asyncio.Lock()
        self._resume_pending = session_id is not None
        if session_id is None and self._state.session_id is not None:
            client._sessions.record(self._state.session_id, [])

    def __await__(self) -> Generator[Any, None, AsyncConversation]:
        """``await chat``: a resumed session's stored history is read now (once); the conversation."""
        return self._loaded().__await__()

    async def _loaded(self) -> AsyncConversation:
        if self._resume_pending:
            await self.reload()
        return self

    @property
    def model(self) -> str:
        return self._state.model

    @property
    def user_id(self) -> str | None:
        return self._state.user_id

    @property
    def session_id(self) -> str | None:
        """The session the turns are stored under (a UUID made here, or the server's answer)."""
        return self._state.session_id

    @property
    def messages(self) -> list[Message]:
        """The turns so far, user and assistant messages in order (a copy); a resumed session's
        stored ones once it is loaded (``await chat``, or after the first turn)."""
        return list(self._state.messages)

    @property
    def last_usage(self) -> UsageInfo | None:
        """Token usage of the last completed turn."""
        return self._state.last_usage

    async def reload(self) -> None:
        """Replace ``messages`` with the transcript the server has stored for this session."""
        state = self._state
        if state.user_id is None or state.session_id is None:
            raise RuntimeError("reload(): this conversation has no stored history (no user_id)")
        try:
            detail: ChatSessionDetailResponse | None = await self._client.sessions.retrieve(
                state.session_id, user_id=state.user_id
            )
        except NotFoundError:
            detail = None
            self._client._sessions.record(state.session_id, [])
        state.loaded(detail)
        self._resume_pending = False

    async def _begin(self, text: str, *, stream: bool) -> dict[str, Any]:
        text = _checked_text(text)
        self._state.check_not_streaming(asyncio.current_task())
        wait = _wait(self._client)
        if not await acquire_within(self._turn, None if wait < 0 else wait):
            raise SessionBusyError(str(self._state.session_id), wait)
        try:
            if self._state.needs_reload or self._resume_pending:
                await self.reload()
            return self._state.request(text, stream=stream)
        except BaseException:
            self._turn.release()
            raise

    async def send(self, text: str) -> str:
        """Say ``text``; returns the assistant's reply once it is complete."""
        arguments = await self._begin(text, stream=False)
        try:
            response = await self._client.create_completion(**arguments)
            reply = _reply(response)
            self._state.commit(text, reply, response.system_fingerprint, response.usage)
            return reply
        except BaseException:
            self._state.fail()
            raise
        finally:
            self._turn.release()

    async def stream(self, text: str) -> AsyncConversationStream:
        """Say ``text``; ``async for`` over the result for the reply's text deltas."""
        arguments = await self._begin(text, stream=True)
        try:
            stream = await self._client.create_completion(**arguments)
        except BaseException:
            self._state.fail()
            self._turn.release()
            raise
        self._state.stream_owner = asyncio.current_task()
        return AsyncConversationStream(self._state, text, stream, self._turn.release)

    def __repr__(self) -> str:
        return (
            f"AsyncConversation(model={self.model!r}, session_id={self.session_id!r},"
            f" messages={len(self._state.messages)})"
        )


class AsyncConversationStream:
    """The text deltas of one streamed turn of an :class:`AsyncConversation`."""

    def __init__(self, state: _State, text: str, stream: AsyncStream[str], release: Any) -> None:
        self._stream = stream
        self._end = _TurnEnd(state, text, stream.metadata, release)

    @property
    def text(self) -> str:
        """The reply received so far."""
        return "".join(self._end.parts)

    @property
    def metadata(self) -> dict[str, Any]:
        return self._stream.metadata

    @property
    def recovered(self) -> bool:
        """Whether the connection broke and the rest of the reply was read from the stored session."""
        return self._stream.recovered

    def __aiter__(self) -> AsyncIterator[str]:
        return self

    async def __anext__(self) -> str:
        if self._end.finished:
            raise StopAsyncIteration
        try:
            delta = await self._stream.__anext__()
        except StopAsyncIteration:
            self._end.end(completed=True)
            raise
        except BaseException:
            self._end.end(completed=False)
            raise
        self._end.parts.append(delta)
        return delta

    async def close(self) -> None:
        """Stop reading; an unfinished turn is left out of the transcript."""
        await self._stream.close()
        self._end.end(completed=False)

    async def __aenter__(self) -> AsyncConversationStream:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
