"""run_emulator's listening socket: how the connections it accepts are set up."""

from __future__ import annotations

import gc
import socket

import httpx2
import pytest

from chatserver_sdk.emulator import run_emulator

# Every test here starts an emulator (or a process).
pytestmark = pytest.mark.slow


def _accepted_connections(port: int) -> list[socket.socket]:
    """The server's ends of its connections: it runs in this process, so its sockets are objects here."""
    found = []
    for candidate in gc.get_objects():
        if not isinstance(candidate, socket.socket) or candidate.fileno() == -1:
            continue
        if candidate.family not in (socket.AF_INET, socket.AF_INET6):
            continue
        try:
            candidate.getpeername()
        except OSError:  # the listening socket itself
            continue
        if candidate.getsockname()[1] == port:
            found.append(candidate)
    return found


def test_accepted_connections_send_without_waiting_for_acks() -> None:
    # Nagle's algorithm holds a response body written after its headers until the client ACKs them,
    # which a keep-alive client delays (~40 ms a request). asyncio turns it off only when the
    # listening socket says it is TCP.
    with run_emulator() as base_url, httpx2.Client(base_url=base_url) as client:
        client.get("/health").raise_for_status()
        connections = _accepted_connections(int(base_url.rsplit(":", 1)[1]))
        assert connections, "the server's end of the client's connection was not found"
        for connection in connections:
            assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
