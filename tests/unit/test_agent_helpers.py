"""Agent helpers on the emulator: ``wait_for_agent``, ``ask_agent`` and ``iter_agent_events``.

Dropped connections are real: the client talks to the emulator through
:class:`CuttingProxy`, a TCP proxy in this file that can cut its connections.
(upstream's Python server does not serve agent control: coder/agentapi does.)
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from chatserver_sdk import (
    APIConnectionError,
    ChatServerClient,
    MessageUpdateEvent,
    StatusChangeEvent,
)
from chatserver_sdk._agent_helpers import EventFilter

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LONG_TASK = " ".join(f"step{number}" for number in range(60))


# --- waiting ------------------------------------------------------------------------------------


# --- asking -------------------------------------------------------------------------------------


# --- dropped connections ------------------------------------------------------------------------


def test_the_event_stream_gives_up_when_the_server_is_gone() -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    with (
        ChatServerClient(base_url=f"http://127.0.0.1:{port}", max_retries=0) as client,
        pytest.raises(APIConnectionError),
    ):
        next(client.iter_agent_events(max_reconnects=1))


def test_the_filter_drops_what_a_reader_has_seen() -> None:
    seen = EventFilter()
    stable = StatusChangeEvent(agent_type="claude", status="stable")
    hello = MessageUpdateEvent(id=0, role="user", message="hello")
    assert seen.is_new(hello) and seen.is_new(stable)
    # A reconnection replays the same state: nothing in it is new.
    assert not seen.is_new(MessageUpdateEvent(id=0, role="user", message="hello"))
    assert not seen.is_new(StatusChangeEvent(agent_type="claude", status="stable"))
    assert seen.is_new(MessageUpdateEvent(id=1, role="agent", message="Ech"))
    assert seen.is_new(MessageUpdateEvent(id=1, role="agent", message="Echo"))  # grown: new
    assert seen.is_new(StatusChangeEvent(agent_type="claude", status="running"))
    assert seen.is_new(stable)
