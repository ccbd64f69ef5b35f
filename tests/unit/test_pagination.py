"""``iter_sessions`` and ``iter_audit_log``: every entry once, in order, one page in memory.

Against the emulator and upstream's own server with more entries than a page, and
against a list-backed fake (behind ``httpx2.MockTransport``) where the log can be
changed between two page requests in ways the real servers cannot be made to.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from chatserver_sdk import AsyncChatServerClient, AuditLogEntry, ChatServerClient

from ..conftest import client_for

MODEL = "claude-3-haiku"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
T0 = datetime(2025, 1, 1, tzinfo=UTC)


# --- a list-backed audit log and session list, at the transport -----------------------------


class ListServer:
    """Serves ``audit`` and ``sessions`` (newest first) from lists a test may change mid-walk."""

    def __init__(self, audit: int = 0, sessions: int = 0) -> None:
        self.audit: list[dict[str, Any]] = []  # newest first
        self.sessions: list[dict[str, Any]] = []
        self.requests: list[httpx2.Request] = []
        self.before_request: list[Any] = []  # callables run before answering the n-th request
        self._audit_made = 0
        self.add_audit(audit)
        self.add_sessions(sessions)

    def add_audit(self, count: int) -> None:
        for _ in range(count):
            number, self._audit_made = self._audit_made, self._audit_made + 1
            self.audit.insert(
                0, {"id": f"a{number}", "timestamp": (T0 + timedelta(seconds=number)).isoformat()}
            )

    def add_sessions(self, count: int) -> None:
        for _ in range(count):
            self.sessions.insert(0, {"id": str(uuid.uuid4()), "title": f"s{len(self.sessions)}"})

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if len(self.requests) <= len(self.before_request):
            self.before_request[len(self.requests) - 1]()
        params = request.url.params
        if request.url.path == "/api/v1/platform/audit":
            limit, offset = int(params["limit"]), int(params["offset"])
            entries = self.audit[offset : offset + limit]
            return httpx2.Response(
                200, json={"entries": entries, "count": len(entries), "limit": limit, "offset": offset}
            )
        if request.url.path == "/atoms/chat/sessions":
            page, size = int(params["page"]), int(params["page_size"])
            chunk = self.sessions[(page - 1) * size : page * size]
            body = {
                "sessions": chunk,
                "total": len(self.sessions),
                "page": page,
                "page_size": size,
                "has_more": (page - 1) * size + len(chunk) < len(self.sessions),
            }
            return httpx2.Response(200, json=body)
        return httpx2.Response(404, json={"detail": "Not Found"})


def mock_client(server: ListServer) -> ChatServerClient:
    return client_for(server, base_url="http://fake.test")


def mock_async_client(server: ListServer) -> AsyncChatServerClient:
    return client_for(server, asynchronous=True, base_url="http://fake.test")


def ids(items: Any) -> list[str]:
    return [item.id if not isinstance(item, dict) else item["id"] for item in items]


# --- page sizes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.iter_sessions(str(uuid.uuid4()), page_size=0), "page_size: 0 is not between 1 and 100"),
        (
            lambda c: c.iter_sessions(str(uuid.uuid4()), page_size=101),
            "page_size: 101 is not between 1 and 100",
        ),
        (lambda c: c.iter_audit_log(page_size=201), "page_size: 201 is not between 1 and 200"),
        (lambda c: c.iter_audit_log(page_size=-5), "page_size: -5 is not between 1 and 200"),
    ],
)
def test_a_page_size_the_server_refuses_fails_at_the_call(call: Any, message: str) -> None:
    server = ListServer(audit=3)
    with mock_client(server) as client, pytest.raises(ValueError, match=message):
        call(client)  # not iterated: the error comes from the call itself
    assert server.requests == []


@pytest.mark.parametrize("page_size", ["10", 2.5, True, None])
def test_a_page_size_that_is_not_an_int_is_a_type_error(page_size: Any) -> None:
    with mock_client(ListServer()) as client, pytest.raises(TypeError, match="page_size: expected an int"):
        client.iter_audit_log(page_size=page_size)


# --- laziness and memory ---------------------------------------------------------------------------


def test_pages_are_fetched_only_as_the_caller_reaches_them() -> None:
    server = ListServer(audit=45)
    with mock_client(server) as client:
        walk = client.iter_audit_log(page_size=10)
        assert server.requests == []
        walked = [next(walk) for _ in range(10)]
        assert len(server.requests) == 1
        walked.append(next(walk))
        assert len(server.requests) == 2
        walked += list(walk)
    assert ids(walked) == ids(server.audit)
    # One page per request, never more: the first asks for 10, the others for 10 plus the anchor.
    limits = [int(request.url.params["limit"]) for request in server.requests]
    assert limits == [10, 11, 11, 11, 11]


def test_the_session_walk_asks_page_after_page_with_the_callers_size() -> None:
    server = ListServer(sessions=23)
    with mock_client(server) as client:
        walked = list(client.iter_sessions(str(uuid.uuid4()), page_size=7))
    assert ids(walked) == ids(server.sessions)
    pages = [(r.url.params["page"], r.url.params["page_size"]) for r in server.requests]
    assert pages == [("1", "7"), ("2", "7"), ("3", "7"), ("4", "7")]


def test_an_empty_listing_is_one_request_and_nothing_yielded() -> None:
    server = ListServer()
    with mock_client(server) as client:
        assert list(client.iter_audit_log()) == []
        assert list(client.iter_sessions(str(uuid.uuid4()))) == []
    assert len(server.requests) == 2


def test_a_listing_of_exactly_one_page_costs_one_more_request_to_see_its_end() -> None:
    server = ListServer(audit=10)
    with mock_client(server) as client:
        assert ids(client.iter_audit_log(page_size=10)) == ids(server.audit)
    assert [r.url.params["offset"] for r in server.requests] == ["0", "9"]


# --- entries arriving while the walk is under way -----------------------------------------------


@pytest.mark.parametrize("arrivals", [1, 9, 10, 11, 25, 60])
def test_new_audit_entries_during_the_walk_neither_repeat_nor_hide_an_entry(arrivals: int) -> None:
    server = ListServer(audit=50)
    original = ids(server.audit)
    # Before the 2nd and 4th requests, `arrivals` new entries land at the top.
    server.before_request = [lambda: None, lambda: server.add_audit(arrivals), lambda: None]
    server.before_request.append(lambda: server.add_audit(arrivals))
    with mock_client(server) as client:
        walked = ids(client.iter_audit_log(page_size=10))
    assert walked == original


def test_new_audit_entries_during_an_async_walk() -> None:
    server = ListServer(audit=30)
    original = ids(server.audit)
    server.before_request = [lambda: None, lambda: server.add_audit(15)]

    async def walk() -> list[str]:
        async with mock_async_client(server) as client:
            return [entry.id async for entry in client.iter_audit_log(page_size=7)]

    assert asyncio.run(walk()) == original


def test_an_audit_entry_removed_under_the_walk_resumes_at_the_next_older_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = ListServer(audit=30)
    original = ids(server.audit)
    # The walk's anchor (the 10th entry, its last yielded) disappears, as under a retention job.
    server.before_request = [lambda: None, lambda: server.audit.pop(9)]
    with mock_client(server) as client, caplog.at_level(logging.WARNING, logger="chatserver_sdk"):
        walked = ids(client.iter_audit_log(page_size=10))
    assert walked == original
    assert f"entry {original[9]} left the log during the walk" in caplog.text


@pytest.mark.parametrize("arrivals", [1, 5, 10])
def test_new_sessions_during_the_walk_are_not_yielded_twice(arrivals: int) -> None:
    server = ListServer(sessions=35)
    original = ids(server.sessions)
    server.before_request = [lambda: None, lambda: server.add_sessions(arrivals)]
    with mock_client(server) as client:
        walked = ids(client.iter_sessions(str(uuid.uuid4()), page_size=10))
    assert walked == original


def test_a_session_updated_after_the_walk_passed_it_is_not_yielded_again() -> None:
    server = ListServer(sessions=25)
    original = ids(server.sessions)

    def touch_the_third() -> None:  # a new message moves a session to the top
        server.sessions.insert(0, server.sessions.pop(2))

    server.before_request = [lambda: None, touch_the_third]
    with mock_client(server) as client:
        walked = ids(client.iter_sessions(str(uuid.uuid4()), page_size=10))
    assert walked == original


# --- real servers: more entries than a page ----------------------------------------------------


@dataclass
class Crowd:
    url: str
    user: str
    # The truth the walks are checked against, read with plain page requests while nothing changes.
    session_ids: list[str]
    audit_ids: list[str]


def _read_all_pages(client: ChatServerClient, user: str) -> tuple[list[str], list[str]]:
    sessions: list[str] = []
    page = 1
    while True:
        listing = client.list_sessions(user, page=page, page_size=100)
        sessions += [session.id for session in listing.sessions]
        if not listing.has_more:
            break
        page += 1
    audit: list[str] = []
    while entries := client.get_audit_log(limit=200, offset=len(audit)).entries:
        audit += [entry.id for entry in entries]
    return sessions, audit


def admin_changes(entries: list[AuditLogEntry]) -> set[tuple[str, str]]:
    changes = [(e.action, e.resource_id or "") for e in entries if e.action.startswith("platform_admin.")]
    assert len(changes) == len(set(changes))
    return set(changes)


ALL_ADMIN_CHANGES = {
    (f"platform_admin.{change}", f"admin{number}@example.com")
    for number in range(225)
    for change in ("added", "removed")
}
