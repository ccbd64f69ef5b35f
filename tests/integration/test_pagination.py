"""``iter_sessions`` and ``iter_audit_log``: every entry once, in order, one page in memory."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from chatserver_sdk import AsyncChatServerClient, AuditLogEntry, ChatServerClient
from chatserver_sdk.emulator import run_emulator

from ..servers import UpstreamServer
from ..unit.test_pagination import (
    ALL_ADMIN_CHANGES,
    EXAMPLES,
    MODEL,
    T0,
    Crowd,
    _read_all_pages,
    admin_changes,
)

pytestmark = pytest.mark.slow


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
