"""A lost answer is settled from what the server stored, never guessed (issue 16).

A transport-level fake ChatServer stores turns the way upstream does (the user messages
beyond those it holds, then the reply), and can lose an answer at each point of a turn:
before anything is stored, after the user message, or after the reply.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Literal

import httpx2
import pytest

from chatserver_sdk import (
    APIConnectionError,
    ChatServerClient,
    InternalServerError,
    SessionBusyError,
    TurnOutcomeUnknownError,
)

from ..conftest import client_for

MODEL = "claude-sonnet-4-5@20250929"
USER = "00000000-0000-0000-0000-0000000000aa"
ORG = "00000000-0000-0000-0000-0000000000bb"
Loss = Literal["before-storing", "after-the-message", "after-the-reply", "mid-stream"]


class HistoryServer:
    """Completions with history, stored as upstream stores them; ``lose(point)`` loses the next answer."""

    def __init__(self) -> None:
        self.sessions: dict[str, list[tuple[str, str]]] = {}
        self.requests: list[httpx2.Request] = []
        self.admins: list[str] = []
        self.mcp: list[dict[str, Any]] = []
        self._loss: Loss | None = None
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.turn_pause: Callable[[], None] = lambda: None

    def lose(self, point: Loss) -> None:
        self._loss = point

    def posts(self) -> list[httpx2.Request]:
        return [r for r in self.requests if r.method == "POST"]

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        self.requests.append(request)
        path = request.url.path
        if path.startswith("/atoms/chat/sessions/"):
            stored = self.sessions.get(path.rsplit("/", 1)[1])
            if stored is None:
                return httpx2.Response(404, json={"detail": "chat session not found"})
            return httpx2.Response(200, json=_detail(path.rsplit("/", 1)[1], stored))
        if path == "/v1/chat/completions":
            return self._turn(request)
        if path == "/api/v1/platform/admins" and request.method == "POST":
            return self._created(request, lambda body: self.admins.append(body["email"]), 201, None)
        if path == "/api/v1/platform/admins":
            admins = [{"id": str(n), "email": email} for n, email in enumerate(self.admins)]
            return httpx2.Response(200, json={"admins": admins, "count": len(admins)})
        if path == "/atoms/mcp" and request.method == "POST":
            return self._created(request, self._add_mcp, 201, None)
        if path == "/atoms/mcp":
            return httpx2.Response(200, json={"items": [s for s in self.mcp if s["enabled"]]})
        return httpx2.Response(404, json={"detail": "Not Found"})

    def _add_mcp(self, body: dict[str, Any]) -> None:
        created = datetime.now(UTC).isoformat()
        self.mcp.append({**body, "id": str(uuid.uuid4()), "created_at": created})

    def _created(
        self, request: httpx2.Request, store: Callable[[dict[str, Any]], None], status: int, _: Any
    ) -> httpx2.Response:
        body = json.loads(request.content)
        loss, self._loss = self._loss, None
        if loss == "before-storing":
            raise httpx2.ReadError("connection reset", request=request)
        store(body)
        if loss is not None:
            raise httpx2.ReadError("connection reset", request=request)
        if request.url.path.endswith("admins"):
            return httpx2.Response(status, json={"status": "success", "email": body["email"]})
        return httpx2.Response(status, json=self.mcp[-1])

    def _turn(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        session = body["metadata"]["session_id"]
        sent = [(m["role"], m["content"]) for m in body["messages"]]
        loss, self._loss = self._loss, None
        if loss == "before-storing":
            raise httpx2.ReadError("connection reset", request=request)
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            stored = self.sessions.setdefault(session, [])
            if len(sent) < len(stored):
                return httpx2.Response(500, text="Internal Server Error")
            stored.extend(sent[len(stored) :])
            if loss == "after-the-message":
                raise httpx2.ReadError("connection reset", request=request)
            self.turn_pause()
            reply = f"Reply {len(stored) // 2 + 1}: {sent[-1][1]}"
            stored.append(("assistant", reply))
        finally:
            with self.lock:
                self.in_flight -= 1
        if loss == "after-the-reply":
            raise httpx2.ReadError("connection reset", request=request)
        if body.get("stream"):
            return _stream(session, reply, cut=loss == "mid-stream")
        return httpx2.Response(200, json=_completion(session, reply))


def _detail(session: str, stored: list[tuple[str, str]]) -> dict[str, Any]:
    messages = [
        {"id": str(n), "message_index": n, "role": role, "content": content}
        for n, (role, content) in enumerate(stored)
    ]
    return {"session": {"id": session, "user_id": USER}, "messages": messages}


def _completion(session: str, reply: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        "system_fingerprint": session,
    }


def _stream(session: str, reply: str, *, cut: bool) -> httpx2.Response:
    words = reply.split(" ")
    chunks = [
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": MODEL,
            "choices": [{"index": 0, "delta": {"content": w + (" " if i < len(words) - 1 else "")}}],
            "system_fingerprint": session,
        }
        for i, w in enumerate(words)
    ]
    events = [f"data: {json.dumps(c)}\n\n" for c in chunks]
    if cut:
        events = events[:1]  # the connection closes mid-reply
    else:
        events.append("data: [DONE]\n\n")
    return httpx2.Response(200, headers={"content-type": "text/event-stream"}, stream=_Events(events))


class _Events(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A body read as it is iterated, as from a socket (bytes given as content are read at once)."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def __iter__(self) -> Iterator[bytes]:
        for event in self.events:
            yield event.encode()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for event in self.events:
            yield event.encode()


@pytest.fixture
def history() -> HistoryServer:
    return HistoryServer()


def turn(client: ChatServerClient, session: str, text: str, **options: Any) -> Any:
    return client.create_completion(MODEL, [text], user=USER, session_id=session, **options)


# --- the three answers ----------------------------------------------------------------------------


def test_a_reply_that_was_stored_is_returned_marked_recovered(
    history: HistoryServer, caplog: pytest.LogCaptureFixture
) -> None:
    session = str(uuid.uuid4())
    client = client_for(history)
    history.lose("after-the-reply")
    with caplog.at_level(logging.INFO, logger="chatserver_sdk"):
        response = turn(client, session, "Refactor the parser")
    assert response.choices[0].message.content == "Reply 1: Refactor the parser"
    assert response.recovered is True and response.system_fingerprint == session
    assert len(history.posts()) == 1  # never sent twice
    assert "the reply stored in the session is returned (recovered)" in caplog.text


def test_a_message_stored_without_a_reply_is_an_error_that_says_the_agent_may_be_running(
    history: HistoryServer,
) -> None:
    session = str(uuid.uuid4())
    client = client_for(history)
    history.lose("after-the-message")
    with pytest.raises(TurnOutcomeUnknownError) as caught:
        turn(client, session, "Refactor the parser")
    error = caught.value
    assert isinstance(error, APIConnectionError)
    assert error.session_id == session
    assert error.stored == [{"role": "user", "content": "Refactor the parser"}]
    assert "may still be running" in error.message and "Nothing was sent again" in error.message
    assert len(history.posts()) == 1


def test_a_turn_that_never_reached_the_agent_is_sent_once_more(
    history: HistoryServer, caplog: pytest.LogCaptureFixture
) -> None:
    session = str(uuid.uuid4())
    client = client_for(history)
    turn(client, session, "first")
    history.lose("before-storing")
    with caplog.at_level(logging.WARNING, logger="chatserver_sdk"):
        response = turn(client, session, "second")
    assert response.choices[0].message.content == "Reply 2: second"
    assert len(history.posts()) == 3  # the first turn, the lost one, and it once more
    assert "never reached the agent" in caplog.text and "sending it once more" in caplog.text
    assert [role for role, _ in history.sessions[session]] == ["user", "assistant", "user", "assistant"]


def test_openai_s_own_create_is_settled_the_same_way(history: HistoryServer) -> None:
    session = str(uuid.uuid4())
    client = client_for(history)
    history.lose("after-the-reply")
    completion = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Refactor the parser"}],
        extra_body={"metadata": {"user_id": USER, "session_id": session}},
    )
    assert completion.choices[0].message.content == "Reply 1: Refactor the parser"
    assert getattr(completion, "recovered", False) is True


def test_a_stream_cut_mid_reply_ends_with_the_rest_of_the_stored_reply(history: HistoryServer) -> None:
    session = str(uuid.uuid4())
    client = client_for(history)
    history.lose("mid-stream")
    with turn(client, session, "tell me a story", stream=True) as stream:
        text = "".join(stream)
    assert text == "Reply 1: tell me a story"
    assert stream.recovered


def test_without_history_the_error_says_how_to_turn_it_on(history: HistoryServer) -> None:
    history.lose("before-storing")
    with pytest.raises(APIConnectionError) as caught:
        client_for(history).create_completion(MODEL, ["hi"], session_id=str(uuid.uuid4()))
    assert "the SDK reads the session to tell" in caught.value.message
    assert "user=" in caught.value.message


def test_settling_can_be_switched_off(history: HistoryServer) -> None:
    history.lose("after-the-reply")
    with pytest.raises(APIConnectionError):
        turn(client_for(history, settle_lost_answers=False), str(uuid.uuid4()), "hi")
    assert [r.method for r in history.requests] == ["GET", "POST"]  # the resume's lookup, then no more


def test_the_async_client_settles_too(history: HistoryServer) -> None:
    async def main() -> None:
        session = str(uuid.uuid4())
        async with client_for(history, asynchronous=True) as client:
            history.lose("after-the-reply")
            response = await client.create_completion(MODEL, ["hi"], user=USER, session_id=session)
            assert response.recovered is True
            history.lose("after-the-message")
            with pytest.raises(TurnOutcomeUnknownError):
                await client.create_completion(MODEL, ["again"], user=USER, session_id=session)

    asyncio.run(main())


# --- the other creating calls ---------------------------------------------------------------------


def test_an_admin_added_before_the_connection_broke_is_found_not_added_again(history: HistoryServer) -> None:
    history.lose("after-the-reply")
    added = client_for(history).add_admin("wos_1", "ada@example.com")
    assert added.email == "ada@example.com" and added.recovered is True
    assert history.admins == ["ada@example.com"]
    assert [r.method for r in history.requests] == ["POST", "GET"]


def test_an_admin_the_server_never_stored_is_sent_once_more(history: HistoryServer) -> None:
    history.lose("before-storing")
    client_for(history).add_admin("wos_1", "ada@example.com")
    assert history.admins == ["ada@example.com"]
    assert [r.method for r in history.requests] == ["POST", "GET", "POST"]


def test_an_mcp_server_created_before_the_connection_broke_is_found(history: HistoryServer) -> None:
    history.lose("after-the-reply")
    scope = {"type": "organization", "organization_id": ORG}
    server = client_for(history).create_mcp_server("docs", "https://mcp.example.com/", scope)
    assert server.name == "docs" and server.recovered is True
    assert len(history.mcp) == 1


def test_a_disabled_mcp_server_cannot_be_looked_up_so_it_is_not_resent(history: HistoryServer) -> None:
    history.lose("before-storing")
    scope = {"type": "organization", "organization_id": ORG}
    with pytest.raises(APIConnectionError):
        client_for(history).create_mcp_server("docs", "https://mcp.example.com/", scope, enabled=False)
    assert len(history.posts()) == 1


# --- one turn at a time per session ---------------------------------------------------------------


def test_turns_on_one_session_from_six_threads_run_one_at_a_time_and_each_is_stored(
    history: HistoryServer,
) -> None:
    session = str(uuid.uuid4())
    client = client_for(history)
    history.turn_pause = lambda: threading.Event().wait(0.02)
    turn(client, session, "start")
    threads = [threading.Thread(target=turn, args=(client, session, f"turn {n}")) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = history.sessions[session]
    assert history.most_in_flight == 1
    assert [role for role, _ in stored] == ["user", "assistant"] * 7  # never two replies adjacent
    assert sorted(text for role, text in stored if role == "user") == sorted(
        ["start", *(f"turn {n}" for n in range(6))]
    )


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("session_wait", [0, 0.05])
def test_a_turn_behind_one_that_does_not_end_is_refused_after_session_wait(
    history: HistoryServer, session_wait: float, asynchronous: bool
) -> None:
    """The first turn's stream is left open (its turn holds the session); the second gives up."""
    session = str(uuid.uuid4())
    turn(client_for(history), session, "start")  # the session exists: no lookup on the next turn

    def second_turn_on(client: Any) -> Any:
        return client.create_completion(MODEL, ["second"], user=USER, session_id=session)

    def check(error: SessionBusyError) -> None:
        assert isinstance(error, TimeoutError)
        assert session in str(error) and "session_wait" in str(error)

    if asynchronous:

        async def main() -> None:
            async with client_for(history, asynchronous=True, session_wait=session_wait) as client:
                first = await client.create_completion(
                    MODEL, ["first"], user=USER, session_id=session, stream=True
                )
                with pytest.raises(SessionBusyError) as caught:
                    await second_turn_on(client)
                await first.close()
                assert (await second_turn_on(client)).choices  # the session is free again
                check(caught.value)

        asyncio.run(main())
    else:
        client = client_for(history, session_wait=session_wait)
        first = client.create_completion(MODEL, ["first"], user=USER, session_id=session, stream=True)
        with pytest.raises(SessionBusyError) as caught:
            second_turn_on(client)
        first.close()
        assert second_turn_on(client).choices
        check(caught.value)


def test_session_wait_is_checked_and_kept_by_with_options() -> None:
    client = ChatServerClient(base_url="http://127.0.0.1:9", session_wait=5)
    assert client.session_wait == 5.0
    assert client.with_options(max_retries=1).session_wait == 5.0
    assert client.with_options(session_wait=None).session_wait is None
    for bad in (-1, "5", True, float("inf")):
        with pytest.raises(ValueError, match=f"session_wait: .*got {bad!r}"):
            ChatServerClient(base_url="http://127.0.0.1:9", session_wait=bad)


def test_a_conversation_turn_is_one_request(history: HistoryServer) -> None:
    client = client_for(history)
    chat = client.conversation(MODEL, user_id=USER)
    for text in ("one", "two", "three"):
        chat.send(text)
    assert [r.method for r in history.requests] == ["POST", "POST", "POST"]
    resumed = client_for(history).conversation(MODEL, user_id=USER, session_id=chat.session_id)
    resumed.send("four")
    assert [r.method for r in history.requests[3:]] == ["GET", "POST"]  # the resume, then the turn


def test_threads_sharing_a_conversation_each_send_the_transcript_as_it_then_stands(
    history: HistoryServer,
) -> None:
    client = client_for(history)
    chat = client.conversation(MODEL, user_id=USER)
    history.turn_pause = lambda: threading.Event().wait(0.02)
    threads = [threading.Thread(target=chat.send, args=(f"message {n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(chat.messages) == 8
    assert [(m.role, m.text) for m in chat.messages] == [
        tuple(pair) for pair in history.sessions[chat.session_id or ""]
    ]
    assert all(r.method == "POST" for r in history.requests)


def test_openai_s_own_create_resumes_from_the_stored_transcript_and_then_needs_no_lookup(
    history: HistoryServer,
) -> None:
    session = str(uuid.uuid4())
    client = client_for(history)
    turn(client_for(history), session, "first")  # another client started the session
    metadata = {"user_id": USER, "session_id": session}
    client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "second"}], extra_body={"metadata": metadata}
    )
    sent = json.loads(history.posts()[-1].content)["messages"]
    assert [m["content"] for m in sent] == ["first", "Reply 1: first", "second"]
    whole = [*sent, {"role": "assistant", "content": "Reply 2: second"}, {"role": "user", "content": "third"}]
    before = len(history.requests)
    client.chat.completions.create(model=MODEL, messages=whole, extra_body={"metadata": metadata})
    assert [r.method for r in history.requests[before:]] == ["POST"]  # it knows what is stored


def test_a_turn_the_server_refused_with_a_500_and_did_not_store_is_not_sent_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Another user's session id: upstream answers 500 and stores nothing; the lookup finds no session
    for this user. A second POST would fail the same way (the newcomer trial saw two)."""
    posts: list[httpx2.Request] = []

    def server(request: httpx2.Request) -> httpx2.Response:
        if request.method == "GET":
            return httpx2.Response(404, json={"detail": "chat session not found"})
        posts.append(request)
        return httpx2.Response(500, text="Internal Server Error")

    client = client_for(server)
    with caplog.at_level(logging.WARNING, "chatserver_sdk"), pytest.raises(InternalServerError) as caught:
        client.create_completion(MODEL, ["hi"], user=USER, session_id=str(uuid.uuid4()))
    assert len(posts) == 1
    assert "sending it once more" not in caplog.text
    assert "another user" in caught.value.message  # the likely cause, from what the SDK knows


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_error_with_nothing_stored_is_sent_once_more(status: int) -> None:
    posts: list[httpx2.Request] = []

    def server(request: httpx2.Request) -> httpx2.Response:
        if request.method == "GET":
            return httpx2.Response(404, json={"detail": "chat session not found"})
        posts.append(request)
        if len(posts) == 1:
            return httpx2.Response(status, text="Bad Gateway")
        return httpx2.Response(
            200, json=_completion(str(json.loads(request.content)["metadata"]["session_id"]), "hi")
        )

    reply = client_for(server).create_completion(MODEL, ["hi"], user=USER, session_id=str(uuid.uuid4()))
    assert len(posts) == 2 and reply.choices[0].message.content == "hi"
