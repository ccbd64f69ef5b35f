"""``CHATSERVER_LOG=debug|info``: the SDK's logging on stderr, never a key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chatserver_sdk.emulator import run_emulator

from ..unit.test_logging import KEY, OTHER, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with run_emulator(api_keys=[KEY]) as url:
        yield url


@pytest.mark.slow
def test_debug_logs_requests_and_decisions_without_a_key(server: str) -> None:
    log = run(server, "debug").stderr
    assert f'HTTP Request: GET {server}/v1/models "HTTP/1.1 200 OK"' in log
    assert f"HTTP Request: POST {server}/v1/chat/completions" in log
    assert "- openai._base_client - DEBUG]" in log  # openai's own attempts
    assert "- chatserver_sdk - INFO] Authorization: Bearer <redacted>, key <redacted>" in log
    assert KEY not in log and OTHER not in log


@pytest.mark.slow
def test_info_leaves_out_the_debug_lines(server: str) -> None:
    log = run(server, "INFO").stderr
    assert f'HTTP Request: GET {server}/v1/models "HTTP/1.1 200 OK"' in log
    assert "DEBUG]" not in log
    assert KEY not in log and OTHER not in log


@pytest.mark.slow
def test_unset_the_sdk_prints_nothing(server: str) -> None:
    assert run(server, None).stderr == ""


@pytest.mark.slow
def test_a_value_it_does_not_know_is_said_once_and_ignored(server: str) -> None:
    log = run(server, "verbose").stderr
    assert log == "chatserver_sdk: ignoring CHATSERVER_LOG='verbose': expected one of debug, info\n"
