"""Pytest plugin providing a live emulator.

Installing ``chatserver-sdk[emulator]`` registers it through the ``pytest11`` entry
point, so there is nothing to register: do not also list it in ``pytest_plugins``
or pass ``-p``, which would register it twice and stop pytest. Use the fixture::

    def test_models(chatserver_emulator: str) -> None:
        client = ChatServerClient(base_url=chatserver_emulator)

    @pytest.mark.chatserver_emulator(api_keys=["k"], admin_keys=["admin"])
    def test_auth(chatserver_emulator: str) -> None: ...

    @pytest.mark.chatserver_emulator(agent_delay=2.0)    # each agent reply takes about 2 s
    def test_spinner(chatserver_emulator: str) -> None: ...

Each test gets its own in-memory server, so tests cannot see each other's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

_MARKER = "chatserver_emulator"
_ALLOWED = frozenset(
    {
        "db_path",
        "api_keys",
        "admin_keys",
        "host",
        "port",
        "allowed_hosts",
        "allowed_origins",
        "max_body_bytes",
        "max_upload_bytes",
        "agent_delay",
        "allow_open_access",
    }
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(db_path=None, api_keys=(), admin_keys=(), host='127.0.0.1', port=0, allowed_hosts=...,"
        " allowed_origins=..., max_body_bytes=..., max_upload_bytes=..., agent_delay=0):"
        " configure the chatserver_emulator fixture for this test",
    )


@pytest.fixture
def chatserver_emulator(request: pytest.FixtureRequest) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT``) of a running emulator, stopped after the test."""
    from . import run_emulator  # deferred: collecting tests must not need the server stack

    options: dict[str, Any] = {}
    marker = request.node.get_closest_marker(_MARKER)
    if marker is not None:
        unknown = set(marker.kwargs) - _ALLOWED
        if unknown or marker.args:
            raise pytest.UsageError(f"{_MARKER} marker takes only keyword arguments {sorted(_ALLOWED)}")
        options.update(marker.kwargs)
    with run_emulator(**options) as base_url:
        yield base_url
