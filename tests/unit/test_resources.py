"""The resources as a user meets them: pages that walk themselves, raw and streaming views, openai's
endpoints a ChatServer does not serve, ``models.retrieve``, and the package's public names.

Mocked at the transport (``FakeServer``): each test counts the requests a call makes.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import uuid
from typing import Any

import httpx2
import pytest

import chatserver_sdk
from chatserver_sdk import (
    NotFoundError,
    UnsupportedEndpointError,
)
from chatserver_sdk._pagination import (
    AsyncPaginator,
    AsyncSessionPage,
    SyncAuditPage,
    SyncMCPServerPage,
    SyncSessionPage,
)
from chatserver_sdk._response import RawResponse

from ..conftest import FakeServer, client_for

USER = "00000000-0000-0000-0000-000000000001"
ORG = "00000000-0000-0000-0000-0000000000aa"


def sessions_server(total: int, *, ignore_paging: bool = False) -> FakeServer:
    """``total`` sessions, newest first, served a page at a time (or always the first page)."""
    sessions = [
        {"id": str(uuid.UUID(int=n + 1)), "title": f"session {n}", "message_count": 2} for n in range(total)
    ]

    def answer(request: httpx2.Request) -> httpx2.Response:
        page = 1 if ignore_paging else int(request.url.params.get("page", "1"))
        size = int(request.url.params.get("page_size", "20"))
        chunk = sessions[(page - 1) * size : page * size]
        has_more = (page - 1) * size + len(chunk) < total
        return httpx2.Response(
            200,
            json={"sessions": chunk, "total": total, "page": page, "page_size": size, "has_more": has_more},
        )

    server = FakeServer()
    server.on("GET", "/atoms/chat/sessions", answer)
    return server


def audit_server(total: int) -> FakeServer:
    entries = [
        {
            "id": str(uuid.UUID(int=n + 1)),
            "timestamp": f"2026-12-07T12:{59 - n // 60:02d}:{59 - n % 60:02d}Z",
            "user_id": USER,
            "action": f"action {n}",
            "resource": "admin",
        }
        for n in range(total)
    ]

    def answer(request: httpx2.Request) -> httpx2.Response:
        limit = int(request.url.params.get("limit", "50"))
        offset = int(request.url.params.get("offset", "0"))
        page = entries[offset : offset + limit]
        return httpx2.Response(
            200, json={"entries": page, "count": len(page), "limit": limit, "offset": offset}
        )

    server = FakeServer()
    server.on("GET", "/api/v1/platform/audit", answer)
    return server


def requests_to(server: FakeServer, path: str) -> int:
    return sum(1 for request in server.requests if request.url.path == path)


# --- sync pages -------------------------------------------------------------------------------------


def test_a_session_page_is_the_server_s_page_and_walks_every_later_one_lazily() -> None:
    server = sessions_server(45)
    client = client_for(server)
    page = client.sessions.list(USER, page_size=20)
    assert isinstance(page, SyncSessionPage)
    assert (page.total, len(page.sessions), page.has_more) == (45, 20, True)
    assert requests_to(server, "/atoms/chat/sessions") == 1

    walked = iter(page)
    first = [next(walked) for _ in range(20)]
    assert requests_to(server, "/atoms/chat/sessions") == 1  # the next page is fetched when needed
    rest = list(walked)
    assert [s.title for s in first + rest] == [f"session {n}" for n in range(45)]
    assert requests_to(server, "/atoms/chat/sessions") == 3
    assert [r.url.params["page"] for r in server.requests] == ["1", "2", "3"]


def test_has_next_page_get_next_page_and_iter_pages() -> None:
    server = sessions_server(45)
    page = client_for(server).sessions.list(USER, page_size=20)
    assert page.has_next_page()
    second = page.get_next_page()
    assert isinstance(second, SyncSessionPage) and second.sessions[0].title == "session 20"
    third = second.get_next_page()
    assert not third.has_next_page()
    with pytest.raises(RuntimeError, match="has_next_page"):
        third.get_next_page()
    assert [len(p.sessions) for p in page.iter_pages()] == [20, 20, 5]


def test_a_server_that_ignores_paging_ends_the_walk_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    server = sessions_server(45, ignore_paging=True)
    with caplog.at_level(logging.WARNING, "chatserver_sdk"):
        walked = list(client_for(server).sessions.list(USER, page_size=20))
    assert [s.title for s in walked] == [f"session {n}" for n in range(20)]  # each once
    assert requests_to(server, "/atoms/chat/sessions") == 3  # the first, then two that brought nothing
    assert "may ignore paging" in caplog.text


def test_the_audit_log_walks_every_entry_once() -> None:
    server = audit_server(130)
    page = client_for(server).platform.audit.list(limit=50)
    assert isinstance(page, SyncAuditPage) and len(page.entries) == 50
    assert [e.action for e in page] == [f"action {n}" for n in range(130)]


def test_lists_the_server_answers_whole_iterate_their_items_with_no_next_page() -> None:
    server = FakeServer()
    server.on("GET", "/atoms/mcp", {"items": [{"id": "m1", "name": "docs", "endpoint": "https://x/"}]})
    server.on("GET", "/api/v1/platform/admins", {"admins": [{"email": "ada@example.com"}], "count": 1})
    client = client_for(server)
    servers = client.mcp_servers.list(ORG)
    assert isinstance(servers, SyncMCPServerPage) and not servers.has_next_page()
    assert [s.name for s in servers] == ["docs"]
    assert [a.email for a in client.platform.admins.list()] == ["ada@example.com"]
    assert len(server.requests) == 2


def test_a_page_size_the_server_would_refuse_is_refused_before_sending() -> None:
    server = sessions_server(1)
    client = client_for(server)
    for bad in (0, 101):
        with pytest.raises(ValueError, match=f"page_size: {bad!r}"):
            client.sessions.list(USER, page_size=bad)
    for wrong in ("20", True, 2.5):
        with pytest.raises(TypeError, match=f"page_size: expected an int, got .*{wrong!r}"):
            client.sessions.list(USER, page_size=wrong)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="limit"):
        client.platform.audit.list(limit=201)
    assert server.requests == []


# --- async pages ------------------------------------------------------------------------------------


def test_an_async_list_is_awaited_for_a_page_or_walked_with_async_for() -> None:
    server = sessions_server(45)

    async def main() -> None:
        async with client_for(server, asynchronous=True) as client:
            listing = client.sessions.list(USER, page_size=20)
            assert isinstance(listing, AsyncPaginator)
            assert server.requests == []  # nothing is sent until it is awaited or walked
            page = await listing
            assert isinstance(page, AsyncSessionPage) and page.has_next_page()
            second = await page.get_next_page()
            assert second.sessions[0].title == "session 20"
            titles = [s.title async for s in client.sessions.list(USER, page_size=20)]
            assert titles == [f"session {n}" for n in range(45)]
            sizes = [len(p.sessions) async for p in page.iter_pages()]
            assert sizes == [20, 20, 5]

    asyncio.run(main())


# --- raw and streaming views ------------------------------------------------------------------------


def test_the_raw_view_gives_the_http_response_and_parses_to_what_the_method_returns() -> None:
    server = sessions_server(45)
    client = client_for(server)
    raw = client.with_raw_response.sessions.list(USER, page_size=20)
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200 and raw.headers["content-type"] == "application/json"
    page = raw.parse()
    assert isinstance(page, SyncSessionPage)
    assert len(list(page)) == 45  # a parsed page still walks


def test_the_streaming_view_reads_the_body_only_when_asked() -> None:
    server = FakeServer()
    server.on("GET", "/api/v1/platform/stats", {"total_users": 7, "system_health": {"status": "healthy"}})
    client = client_for(server)
    with client.with_streaming_response.platform.stats() as response:
        assert response.status_code == 200
        assert response.parse().total_users == 7


def test_raw_views_of_the_async_client() -> None:
    server = FakeServer()
    server.on("GET", "/api/v1/platform/stats", {"total_users": 7, "system_health": {"status": "healthy"}})

    async def main() -> None:
        async with client_for(server, asynchronous=True) as client:
            raw = await client.with_raw_response.platform.stats()
            assert raw.status_code == 200 and raw.parse().total_users == 7
            async with client.with_streaming_response.platform.stats() as response:
                assert (await response.parse()).total_users == 7

    asyncio.run(main())


# --- openai's endpoints a ChatServer does not serve -------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.embeddings.create(model="m", input="text"),
        lambda c: c.images.generate(prompt="a cat"),
        lambda c: c.responses.create(model="m", input="hi"),
        lambda c: c.files.list(),
        lambda c: c.chat.completions.list(),
        lambda c: c.chat.completions.retrieve("chatcmpl-1"),
        lambda c: c.chat.completions.messages.list("chatcmpl-1"),
        lambda c: c.models.delete("m"),
    ],
    ids=[
        "embeddings",
        "images",
        "responses",
        "files",
        "stored-list",
        "stored-retrieve",
        "messages",
        "delete",
    ],
)
def test_an_endpoint_a_chatserver_does_not_serve_is_refused_without_a_request(call: Any) -> None:
    server = FakeServer()
    with pytest.raises(UnsupportedEndpointError) as caught:
        call(client_for(server))
    assert isinstance(caught.value, NotImplementedError)
    assert str(caught.value).startswith("client.") and "does not serve" in str(caught.value)
    assert len(str(caught.value)) <= 300
    assert server.requests == []


def test_models_retrieve_is_answered_from_the_listing() -> None:
    server = FakeServer()
    listing = {
        "object": "list",
        "data": [{"id": "claude-sonnet-4-5@20250929", "object": "model", "owned_by": "x"}],
    }
    server.on("GET", "/v1/models", listing)
    client = client_for(server)
    model = client.models.retrieve("claude-sonnet-4-5@20250929")
    assert model.id == "claude-sonnet-4-5@20250929"
    with pytest.raises(NotFoundError, match="no-such-model"):
        client.models.retrieve("no-such-model")
    with pytest.raises(ValueError, match="model"):
        client.models.retrieve("")
    assert {r.url.path for r in server.requests} == {"/v1/models"}

    async def main() -> None:
        async with client_for(server, asynchronous=True) as aclient:
            assert (await aclient.models.retrieve("claude-sonnet-4-5@20250929")).id == model.id
            with pytest.raises(NotFoundError):
                await aclient.models.retrieve("no-such-model")

    asyncio.run(main())


# --- the package's names and version ----------------------------------------------------------------


def test_every_public_name_is_in_all_and_imports() -> None:
    exported = set(chatserver_sdk.__all__)
    assert len(exported) == len(chatserver_sdk.__all__)  # no name twice
    assert exported == {"__version__", *chatserver_sdk._SUBMODULES, *chatserver_sdk._WHERE}
    for name in exported:
        assert getattr(chatserver_sdk, name) is not None, name
    assert {"ChatServerClient", "AsyncChatServerClient", "UnsupportedParameterError"} <= exported


def test_one_version_everywhere() -> None:
    version = chatserver_sdk.__version__
    assert version == importlib.metadata.version("chatserver-sdk") == "1.0.0"
    server = FakeServer()
    server.on("GET", "/v1/models", {"object": "list", "data": []})
    client_for(server).models.list()
    assert server.last.headers["user-agent"].startswith(f"chatserver-sdk/{version} ")

    async def main() -> None:
        async with client_for(server, asynchronous=True) as aclient:
            await aclient.models.list()

    asyncio.run(main())
    assert server.last.headers["user-agent"].startswith(f"chatserver-sdk/{version} ")
