"""Integration tests run against a live server: the shipped ``chatserver_emulator`` fixture (one
emulator per test, configured with ``@pytest.mark.chatserver_emulator(...)``), or upstream's own
ChatServer (``tests/servers.py``). ``emulator`` is only a shorter name for the shipped fixture."""

from __future__ import annotations

import pytest


@pytest.fixture
def emulator(chatserver_emulator: str) -> str:
    return chatserver_emulator
