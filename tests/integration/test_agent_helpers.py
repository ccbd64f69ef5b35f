"""Agent helpers on the emulator: ``wait_for_agent``, ``ask_agent`` and ``iter_agent_events``."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from chatserver_sdk import (
    AsyncChatServerClient,
    ChatServerClient,
    MessageUpdateEvent,
    NotFoundError,
    StatusChangeEvent,
)

from ..proxies import CuttingProxy
from ..servers import UpstreamServer
from ..unit.test_agent_helpers import EXAMPLES, LONG_TASK

pytestmark = pytest.mark.slow


@pytest.fixture
def proxy(emulator: str) -> Iterator[CuttingProxy]:
    proxy = CuttingProxy(emulator)
    yield proxy
    proxy.close()


def test_an_idle_agent_is_stable_at_once(emulator: str) -> None:
    with ChatServerClient(base_url=emulator) as client:
        status = client.wait_for_agent(timeout=30)
    assert (status.status, status.agent_type) == ("stable", "claude")


@pytest.mark.chatserver_emulator(agent_delay=1.0)  # a turn that is seen running
def test_waiting_ends_when_the_reply_is_complete(emulator: str) -> None:
    with ChatServerClient(base_url=emulator) as client:
        client.send_agent_message("Run the tests")
        assert client.get_agent_status().status == "running"
        assert client.wait_for_agent(timeout=30).status == "stable"
        messages = client.get_agent_messages().messages
    assert [(m.role, m.content) for m in messages] == [
        ("user", "Run the tests"),
        ("agent", "Echo (turn 1): Run the tests"),
    ]


@pytest.mark.chatserver_emulator(agent_delay=2.0)  # a turn that is seen running
def test_a_wait_that_outlasts_its_timeout_raises_timeout_error(emulator: str) -> None:
    with ChatServerClient(base_url=emulator) as client:
        client.send_agent_message(LONG_TASK)
        with pytest.raises(
            TimeoutError,
            match=r"agent.wait: the agent was not done within the deadline of 0.2 s \(status: running\)",
        ):
            client.wait_for_agent(timeout=0.2)
        assert client.wait_for_agent(timeout=60).status == "stable"


@pytest.mark.parametrize("timeout", [0, -1, "10", True])
def test_a_timeout_that_is_not_a_positive_number_is_refused(emulator: str, timeout: object) -> None:
    with ChatServerClient(base_url=emulator) as client, pytest.raises(ValueError, match="timeout: expected"):
        client.wait_for_agent(timeout=timeout)  # type: ignore[arg-type]


def test_ask_returns_only_the_agents_new_messages(emulator: str) -> None:
    with ChatServerClient(base_url=emulator) as client:
        first = client.ask_agent("Run the tests", timeout=30)
        second = client.ask_agent("Now the linters", timeout=30)
        everything = client.get_agent_messages().messages
    assert [(m.id, m.role, m.content) for m in first] == [(1, "agent", "Echo (turn 1): Run the tests")]
    assert [(m.id, m.role, m.content) for m in second] == [(3, "agent", "Echo (turn 2): Now the linters")]
    assert len(everything) == 4


@pytest.mark.chatserver_emulator(agent_delay=2.0)  # a turn that is seen running
def test_ask_waits_for_a_busy_agent_before_sending(emulator: str) -> None:
    with ChatServerClient(base_url=emulator) as client:
        client.send_agent_message("First task")  # still running when ask starts: ask must not be refused
        answer = client.ask_agent("Second task", timeout=60)
    assert [m.content for m in answer] == ["Echo (turn 2): Second task"]


@pytest.mark.chatserver_emulator(agent_delay=2.0)  # a turn that is seen running
def test_ask_that_outlasts_its_timeout_raises_and_sends_once(emulator: str) -> None:
    with ChatServerClient(base_url=emulator) as client:
        with pytest.raises(
            TimeoutError, match=r"agent.ask: the agent was not done within the deadline of 0.3 s"
        ):
            client.ask_agent(LONG_TASK, timeout=0.3)
        client.wait_for_agent(timeout=60)
        users = [m for m in client.get_agent_messages().messages if m.role == "user"]
    assert [m.content for m in users] == [LONG_TASK]


@pytest.mark.chatserver_emulator(agent_delay=2.0)  # a reply that grows in pieces
def test_the_event_stream_reconnects_and_repeats_nothing(emulator: str, proxy: CuttingProxy) -> None:
    with ChatServerClient(base_url=proxy.url) as client, ChatServerClient(base_url=emulator) as direct:
        events = client.iter_agent_events()
        assert next(events) == StatusChangeEvent(agent_type="claude", status="stable")  # the replay
        direct.send_agent_message(LONG_TASK)
        received = [next(events) for _ in range(6)]  # user message, running, the reply growing
        proxy.cut()  # mid-reply
        for event in events:
            received.append(event)
            if isinstance(event, StatusChangeEvent) and event.status == "stable":
                break
        events.close()
        final = direct.get_agent_messages().messages
    assert proxy.connections >= 2 and proxy.cuts == 1
    updates = [(e.id, e.message) for e in received if isinstance(e, MessageUpdateEvent)]
    assert len(updates) == len(set(updates)), "an event was repeated"
    statuses = [e.status for e in received if isinstance(e, StatusChangeEvent)]
    assert statuses == ["running", "stable"]
    assert updates[0] == (0, LONG_TASK)
    assert updates[-1] == (1, final[1].content)  # nothing of the reply was lost either
    assert final[1].content == f"Echo (turn 1): {LONG_TASK}"


def test_ask_survives_an_events_connection_cut_mid_reply(emulator: str, proxy: CuttingProxy) -> None:
    # Events on the first connection: the replay (status), then the user message, running, the reply...
    proxy.cut_stream_after(7)
    with ChatServerClient(base_url=proxy.url) as client:
        answer = client.ask_agent("Run the tests", timeout=60)
    assert proxy.cuts == 1
    assert [(m.role, m.content) for m in answer] == [("agent", "Echo (turn 1): Run the tests")]


@pytest.mark.chatserver_emulator(agent_delay=2.0)  # a reply that grows in pieces
def test_async_helpers_and_a_dropped_connection(emulator: str, proxy: CuttingProxy) -> None:
    async def main() -> None:
        async with AsyncChatServerClient(base_url=proxy.url) as client:
            assert (await client.wait_for_agent(timeout=30)).status == "stable"
            proxy.cut_stream_after(5)
            answer = await client.ask_agent("Run the tests", timeout=60)
            assert [m.content for m in answer] == ["Echo (turn 1): Run the tests"]
            seen: list[object] = []
            async for event in client.iter_agent_events():
                seen.append(event)
                if len(seen) == 3:  # the replay: two messages and the status
                    break
            assert seen[2] == StatusChangeEvent(agent_type="claude", status="stable")
            with pytest.raises(TimeoutError, match=r"agent\.ask"):
                await client.ask_agent(LONG_TASK, timeout=0.3)
            assert (await client.wait_for_agent(timeout=60)).status == "stable"

    asyncio.run(main())
    assert proxy.cuts == 1


@pytest.mark.slow
def test_a_server_without_agent_control_is_an_error_not_a_reconnect_loop(upstream: UpstreamServer) -> None:
    with ChatServerClient(base_url=upstream.base_url) as client:
        with pytest.raises(NotFoundError):
            next(client.iter_agent_events())
        with pytest.raises(NotFoundError):
            client.wait_for_agent(timeout=30)


@pytest.mark.slow
def test_the_example_script(emulator: str) -> None:
    env = {**os.environ, "CHATSERVER_BASE_URL": emulator}
    env.pop("CHATSERVER_API_KEY", None)
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "agent_helpers.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout.startswith(
        "Agent is stable\n"
        "Agent: Echo (turn 1): Run the tests\n"
        "  message #0 (user): Run the tests\n"
        "  message #1 (agent): Echo (turn 1): Run the tests\n"
        "  status: stable\n"
        "  message #2 (user): Now the linters\n"
        "  status: running\n"
    )
    assert done.stdout.endswith("  message #3 (agent): Echo (turn 2): Now the linters\n  status: stable\n")
