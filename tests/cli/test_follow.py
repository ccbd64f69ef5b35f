"""``audit --follow`` across a server restart: a real emulator process, stopped and started on its port."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from chatserver_sdk import ChatServerClient

from .helpers import CHATSERVER, FINISH, environment

pytestmark = pytest.mark.slow


def free_port() -> int:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        return int(placeholder.getsockname()[1])


@contextmanager
def emulator_process(port: int, db: Path) -> Iterator[str]:
    """``chatserver emulator`` on ``port`` with its state in ``db``; stopped with Ctrl-C at the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "chatserver_sdk.cli", "emulator", "--port", str(port), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment(),
    )
    assert process.stdout is not None
    try:
        banner = process.stdout.readline()  # printed once it listens
        assert banner.startswith(f"ChatServer emulator on http://127.0.0.1:{port} "), banner
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=FINISH)


def test_follow_waits_through_a_restart_and_goes_on(tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "state.db"
    with emulator_process(port, db) as url:
        with ChatServerClient(base_url=url) as client:
            client.add_admin("w1", "before@example.com")
        follow = subprocess.Popen(
            [str(CHATSERVER), "audit", "--follow", "--interval", "0.2", "-n", "5"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(url),
        )
        assert follow.stdout is not None and follow.stderr is not None
        assert "platform_admin.added" in follow.stdout.readline()
        assert follow.stderr.readline() == "following; Ctrl-C stops\n"
    # The server is gone: the follower says so, and backs off.
    try:
        first = follow.stderr.readline()
        assert re.fullmatch(r"server unreachable \(.+\), retrying in \d+(\.\d)? s\n", first), first
        second = follow.stderr.readline()
        delay = [float(re.search(r"retrying in ([\d.]+) s", line)[1]) for line in (first, second)]  # type: ignore[index]
        assert 0.5 <= delay[0] <= 1.0 and 1.0 <= delay[1] <= 2.0  # doubling, with jitter below the bound
        with emulator_process(port, db) as url:  # back, with the log it had
            with ChatServerClient(base_url=url) as client:
                client.add_admin("w2", "after@example.com")
            line = follow.stdout.readline()
            assert re.search(r"platform_admin\.added +platform_admin after@example\.com", line), line
            notes = []
            while not notes or "retrying" in notes[-1]:
                notes.append(follow.stderr.readline())
            assert notes[-1] == "server reachable again; following\n"
    finally:
        follow.send_signal(signal.SIGINT)
        assert follow.wait(timeout=FINISH) == 130
    assert "before@example.com" not in follow.stdout.read()  # nothing shown twice
