"""``iter_sessions`` and ``iter_audit_log``: every entry once, in order, one page in memory.

Against the emulator and upstream's own server with more entries than a page, and
against a list-backed fake (behind ``httpx2.MockTransport``) where the log can be
changed between two page requests in ways the real servers cannot be made to.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from chatserver_sdk import AsyncChatServerClient, AuditLogEntry, ChatServerClient
from chatserver_sdk.emulator import run_emulator

from .conftest import client_for
from .servers import UpstreamServer

MODEL = "claude-3-haiku"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
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


@pytest.fixture(scope="module")
def crowd() -> Iterator[Crowd]:
    """An emulator holding 250 sessions of one user and 450 admin changes in its audit log."""
    user = str(uuid.uuid4())
    with run_emulator() as url, ChatServerClient(base_url=url) as client:

        def session(number: int) -> None:
            client.create_completion(model=MODEL, messages=[f"session {number}"], user=user)

        def admin(number: int) -> None:
            email = f"admin{number}@example.com"
            client.add_admin(f"workos-{number}", email, f"Admin {number}")
            client.remove_admin(email)

        with ThreadPoolExecutor(8) as pool:  # the client is shared across threads
            list(pool.map(session, range(250)))
            list(pool.map(admin, range(225)))
        yield Crowd(url, user, *_read_all_pages(client, user))


def admin_changes(entries: list[AuditLogEntry]) -> set[tuple[str, str]]:
    changes = [(e.action, e.resource_id or "") for e in entries if e.action.startswith("platform_admin.")]
    assert len(changes) == len(set(changes))
    return set(changes)


ALL_ADMIN_CHANGES = {
    (f"platform_admin.{change}", f"admin{number}@example.com")
    for number in range(225)
    for change in ("added", "removed")
}


@pytest.mark.slow
@pytest.mark.parametrize("page_size", [100, 7])
def test_every_session_once_in_order_on_the_emulator(crowd: Crowd, page_size: int) -> None:
    with ChatServerClient(base_url=crowd.url) as client:
        walked = list(client.iter_sessions(crowd.user, page_size=page_size))
    assert [session.id for session in walked] == crowd.session_ids
    assert {session.title for session in walked} == {f"session {number}" for number in range(250)}


@pytest.mark.slow
@pytest.mark.parametrize("page_size", [200, 45])
def test_every_audit_entry_once_in_order_on_the_emulator(crowd: Crowd, page_size: int) -> None:
    with ChatServerClient(base_url=crowd.url) as client:
        walked = list(client.iter_audit_log(page_size=page_size))
    assert [entry.id for entry in walked] == crowd.audit_ids
    assert admin_changes(walked) == ALL_ADMIN_CHANGES  # 450 of them


@pytest.mark.slow
def test_async_walks_on_the_emulator(crowd: Crowd) -> None:
    async def walk() -> tuple[list[str], list[AuditLogEntry]]:
        async with AsyncChatServerClient(base_url=crowd.url) as client:
            sessions = [s.id async for s in client.iter_sessions(crowd.user, page_size=33)]
            entries = [entry async for entry in client.iter_audit_log(page_size=64)]
            return sessions, entries

    sessions, entries = asyncio.run(walk())
    assert sessions == crowd.session_ids
    assert [entry.id for entry in entries] == crowd.audit_ids
    assert admin_changes(entries) == ALL_ADMIN_CHANGES


@pytest.mark.slow
def test_admins_added_during_an_audit_walk_on_the_emulator() -> None:
    with run_emulator() as url, ChatServerClient(base_url=url) as client:
        for number in range(30):
            client.add_admin(f"w{number}", f"a{number}@example.com")
        original = [entry.id for entry in client.get_audit_log(limit=200).entries]
        walk = client.iter_audit_log(page_size=10)
        walked = [next(walk).id for _ in range(10)]
        for number in range(30, 55):  # more than a page arrives between two requests
            client.add_admin(f"w{number}", f"a{number}@example.com")
        walked += [entry.id for entry in walk]
    assert walked == original


@pytest.mark.slow
def test_sessions_created_and_resumed_during_a_walk_on_the_emulator() -> None:
    user = str(uuid.uuid4())
    with run_emulator() as url, ChatServerClient(base_url=url) as client:
        for number in range(30):
            client.create_completion(model=MODEL, messages=[f"session {number}"], user=user)
        original = [session.id for session in client.list_sessions(user, page_size=100).sessions]
        walk = client.iter_sessions(user, page_size=10)
        walked = [next(walk).id for _ in range(10)]
        for number in range(5):  # new sessions go to the top
            client.create_completion(model=MODEL, messages=[f"late {number}"], user=user)
        # A new turn on a session already walked past moves it to the top too.
        client.conversation(MODEL, user_id=user, session_id=walked[5]).send("more")
        assert client.list_sessions(user, page_size=1).sessions[0].id == walked[5]
        walked += [session.id for session in walk]
    assert walked == original


@pytest.mark.slow
def test_every_session_and_audit_entry_once_in_order_on_upstream(upstream: UpstreamServer) -> None:
    user = str(uuid.uuid4())
    for number in range(250):
        moment = (T0 + timedelta(minutes=number)).isoformat()
        upstream.seed(
            "chat_sessions",
            {
                "id": str(uuid.uuid4()),
                "user_id": user,
                "title": f"session {number}",
                "created_at": moment,
                "updated_at": moment,
                "last_message_at": moment,
                "message_count": 0,
                "tokens_in": 0,
                "tokens_out": 0,
                "tokens_total": 0,
                "metadata": {},
                "archived": False,
            },
        )
    for number in range(450):
        upstream.seed(
            "audit_logs",
            {
                "id": str(uuid.uuid4()),
                "timestamp": (T0 + timedelta(seconds=number)).isoformat(),
                "action": f"test.action{number}",
                "resource_type": "test",
                "resource_id": str(number),
                "details": json.dumps({"n": number}),
                "success": True,
            },
        )
    with ChatServerClient(base_url=upstream.base_url) as client:
        sessions = list(client.iter_sessions(user, page_size=100))
        entries = list(client.iter_audit_log(page_size=200))
        small_pages = list(client.iter_audit_log(page_size=45))
    assert [session.title for session in sessions] == [f"session {n}" for n in reversed(range(250))]
    assert [entry.resource_id for entry in entries] == [str(n) for n in reversed(range(450))]
    assert [entry.id for entry in small_pages] == [entry.id for entry in entries]
    assert entries[0].metadata == {"n": 449}


@pytest.mark.slow
def test_the_example_script() -> None:
    with run_emulator(api_keys=["sk-user"], admin_keys=["sk-admin"]) as url:
        env = {**os.environ, "CHATSERVER_BASE_URL": url, "CHATSERVER_API_KEY": "sk-admin"}
        done = subprocess.run(
            [sys.executable, str(EXAMPLES / "page_iterators.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    titles = ", ".join(f"Question {number}" for number in reversed(range(7)))
    assert done.stdout.startswith(f"7 sessions, most recent first: {titles}\nNewest audit entries:\n")
    assert len(re.findall(r"^  chat_session\.created [0-9a-f-]{36}$", done.stdout, re.MULTILINE)) == 3
    assert done.stdout.endswith("Async walk: 7 sessions in pages of 2\n")
