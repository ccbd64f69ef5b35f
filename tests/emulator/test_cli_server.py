"""``chatserver emulator`` as a process: stopping it with streams open, where it listens, its options."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import pytest

from chatserver_sdk.cli import _server_cmds, build_parser
from chatserver_sdk.emulator import agent, guard

from .test_persistence import REPO_ROOT

pytestmark = pytest.mark.slow

# Liveness bounds, not speed claims: a server that never stops would otherwise stall the run.
PATIENCE = 30.0
BANNER = re.compile(r"ChatServer emulator on (http://\S+)")


@contextmanager
def cli(*arguments: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``chatserver emulator --port 0 ARGUMENTS``, running (stderr into stdout); its process and base URL.

    Read the rest of its output with :func:`finish`.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("CHATSERVER_EMULATOR_API_KEYS", None)
    command = [sys.executable, "-m", "chatserver_sdk.cli", "emulator", "--port", "0", *arguments]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            found = BANNER.search(line)
            if found:
                yield process, found.group(1)
                break
        else:
            pytest.fail(f"chatserver emulator exited with {process.wait()} before it listened")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def finish(process: subprocess.Popen[str]) -> str:
    """The rest of the process's output, once it has exited."""
    assert process.stdout is not None
    rest = process.stdout.read()
    process.wait(PATIENCE)
    return rest


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("CHATSERVER_EMULATOR_API_KEYS", None)
    command = [sys.executable, "-m", "chatserver_sdk.cli", "emulator", "--port", "0", *arguments]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=PATIENCE, check=False)


def test_ctrl_c_with_a_completion_and_an_event_stream_open_stops_cleanly() -> None:
    read: dict[str, Any] = {}
    opened = {"completion": threading.Event(), "events": threading.Event()}
    with cli("--agent-delay", "60") as (process, base_url):

        def completion() -> None:
            body = {"model": "m", "messages": [{"role": "user", "content": "a long answer"}], "stream": True}
            with (
                httpx2.Client(timeout=PATIENCE) as client,
                client.stream("POST", f"{base_url}/v1/chat/completions", json=body) as response,
            ):
                opened["completion"].set()
                read["completion"] = [line for line in response.iter_lines() if line]

        def events() -> None:
            with (
                httpx2.Client(timeout=PATIENCE) as client,
                client.stream("GET", f"{base_url}/events") as response,
            ):
                lines = response.iter_lines()
                read["events"] = [next(lines)]
                opened["events"].set()
                read["events"] += [line for line in lines if line]

        readers = [threading.Thread(target=completion), threading.Thread(target=events)]
        for reader in readers:
            reader.start()
        assert all(event.wait(PATIENCE) for event in opened.values())
        # The agent-control agent is running too.
        httpx2.post(f"{base_url}/message", json={"content": "work", "type": "user"}, timeout=PATIENCE)
        process.send_signal(signal.SIGINT)
        err = finish(process)
        for reader in readers:
            reader.join(PATIENCE)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Cancel" not in err, err
    # The server ended both streams properly: the completion with an error event and [DONE].
    assert read["completion"][-2:] == [
        'data: {"error": {"message": "the emulator is shutting down; the reply was not stored",'
        ' "type": "server_error"}}',
        "data: [DONE]",
    ]
    assert read["events"][:2] == [
        "event: status_change",
        'data: {"agent_type": "claude", "status": "stable"}',
    ]


def test_sigterm_stops_it_cleanly_too_and_ends_by_the_signal() -> None:
    with cli() as (process, base_url):
        with (
            httpx2.Client(timeout=PATIENCE) as client,
            client.stream("GET", f"{base_url}/events") as response,
        ):
            lines = response.iter_lines()
            assert next(lines) == "event: status_change"
            process.send_signal(signal.SIGTERM)
            assert [line for line in lines if line] == ['data: {"agent_type": "claude", "status": "stable"}']
        err = finish(process)
    assert process.returncode == -signal.SIGTERM and "Traceback" not in err, err


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_a_host_other_machines_reach_without_an_api_key_is_refused(host: str) -> None:
    result = run_cli("--host", host)
    assert result.returncode == 1 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"chatserver emulator: --host '{host}' lets other machines reach the emulator")
    assert "--api-key KEY" in line and "--allow-open-access" in line and len(line) < 300


def test_a_host_other_machines_reach_is_served_with_a_key_or_when_asked() -> None:
    with cli("--host", "0.0.0.0", "--api-key", "k") as (process, base_url):
        assert base_url.startswith("http://0.0.0.0:")
        port = base_url.rsplit(":", 1)[1]
        headers = {"Authorization": "Bearer k"}
        assert httpx2.get(f"http://127.0.0.1:{port}/health", headers=headers).status_code == 200
        process.send_signal(signal.SIGINT)
        out = finish(process)
    # Requests must still name an allowed host: it says so, and how to add one.
    assert "add --allowed-host NAME" in out
    with cli("--host", "0.0.0.0", "--allow-open-access") as (process, base_url):
        port = base_url.rsplit(":", 1)[1]
        assert httpx2.get(f"http://127.0.0.1:{port}/health").status_code == 200


def test_bad_options_are_one_line() -> None:
    result = run_cli("--allowed-host", "localhost:80")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "chatserver emulator: allowed_hosts: 'localhost:80' must be a hostname without a port"
    )
    for bad in ("-1", "nan", "soon", "7200"):
        result = run_cli("--agent-delay", bad)
        assert result.returncode == 2 and "--agent-delay" in result.stderr, result.stderr


def test_agent_delay_option() -> None:
    assert build_parser().parse_args(["emulator"]).agent_delay == 0.0
    assert build_parser().parse_args(["emulator", "--agent-delay", "2.5"]).agent_delay == 2.5


def test_the_command_lines_copies_of_the_emulators_bounds_agree() -> None:
    # Kept apart so that parsing the command line needs no server stack.
    assert _server_cmds.MAX_AGENT_DELAY == agent.MAX_AGENT_DELAY
    assert _server_cmds.DEFAULT_ALLOWED_HOSTS == guard.DEFAULT_ALLOWED_HOSTS
