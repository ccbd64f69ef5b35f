"""The parser alone: what every command accepts and documents (no server, no process)."""

from __future__ import annotations

from chatserver_sdk._agent_helpers import DEFAULT_AGENT_TIMEOUT
from chatserver_sdk.cli import _agent_cmds


def test_the_default_wait_is_the_sdks() -> None:
    # Written out in the command line so that its help does not import the SDK.
    assert _agent_cmds.DEFAULT_AGENT_TIMEOUT == DEFAULT_AGENT_TIMEOUT
