"""``chatserver`` as its own process: entry points, closed pipes, terminals, signals, the emulator command.

(In-process tests of every command are in ``test_cli.py``.)
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from chatserver_sdk import ChatServerClient, __version__
from chatserver_sdk.emulator import run_emulator

pytestmark = pytest.mark.slow

CHATSERVER = Path(sys.executable).with_name("chatserver")
FINISH = 60  # seconds a process is given to finish, so a hang fails instead of blocking the suite


def environment(base_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATSERVER_")}
    if base_url is not None:
        env["CHATSERVER_BASE_URL"] = base_url
    return env


def run(*argv: str, base_url: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHATSERVER), *argv], capture_output=True, text=True, timeout=FINISH, env=environment(base_url)
    )


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        return int(placeholder.getsockname()[1])


@pytest.fixture
def server() -> Iterator[str]:
    with run_emulator() as url:
        yield url


# --- entry points ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        [str(CHATSERVER)],
        [sys.executable, "-m", "chatserver_sdk"],
        [sys.executable, "-m", "chatserver_sdk.cli"],
    ],
)
def test_every_entry_point_is_the_same_command(command: list[str], server: str) -> None:
    version = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=FINISH)
    assert version.returncode == 0
    assert version.stdout.startswith(f"chatserver {__version__} ")
    models = subprocess.run(
        [*command, "models", "--json"],
        capture_output=True,
        text=True,
        timeout=FINISH,
        env=environment(server),
    )
    assert models.returncode == 0, models.stderr
    assert '"id": "claude-sonnet-4-5@20250929"' in models.stdout


# --- closed pipes -----------------------------------------------------------------------------


def test_a_closed_pipe_ends_a_data_command_quietly(server: str) -> None:
    process = subprocess.Popen(
        [str(CHATSERVER), "agent", "events"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(server),
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline() == "status: stable\n"
    process.stdout.close()  # as `| head -1` does
    with ChatServerClient(base_url=server) as client:
        client.send_agent_message("Wake up")  # the next event is written to a pipe nobody reads
    assert process.wait(timeout=FINISH) == 141
    assert process.stderr.read() == ""


def test_the_demo_says_in_one_line_that_its_output_was_closed() -> None:
    process = subprocess.Popen(
        [str(CHATSERVER), "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith("Starting a ChatServer emulator")
    process.stdout.close()
    assert process.wait(timeout=FINISH) == 141
    assert process.stderr.read() == "chatserver demo: stopped: its output was closed (broken pipe)\n"


# --- the emulator command ------------------------------------------------------------------------


def test_a_taken_port_is_one_line_and_no_banner() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = run("emulator", "--port", str(port))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f"chatserver emulator: cannot listen on 127.0.0.1:{port}: Address already in use: another program"
        " listens there; pick another --port (0: any free one)\n"
    )


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["--port", "99999"], 2, "argument --port: 99999 is not a port number (0-65535; 0 picks a free one)"),
        (["--port", "http"], 2, "argument --port: 'http' is not a port number"),
        (
            ["--db", "/nonexistent/dir/x.db"],
            1,
            "cannot use --db /nonexistent/dir/x.db: unable to open database file",
        ),
        (["--host", "no-such-host.invalid"], 1, "cannot listen on no-such-host.invalid: "),
    ],
)
def test_bad_emulator_options_are_one_line(argv: list[str], status: int, message: str) -> None:
    done = run("emulator", *argv)
    assert done.returncode == status
    assert done.stdout == ""
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith("chatserver emulator: ")


def test_an_unusable_db_file_is_one_line(tmp_path: Path) -> None:
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("these are notes, not SQLite\n" * 100)
    done = run("emulator", "--db", str(not_a_database), "--port", "0")
    assert done.returncode == 1
    assert done.stderr == f"chatserver emulator: cannot use --db {not_a_database}: file is not a database\n"


def test_the_banner_comes_once_the_emulator_listens() -> None:
    process = subprocess.Popen(
        [str(CHATSERVER), "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment(),
    )
    assert process.stdout is not None
    try:
        banner = process.stdout.readline()
        url = r"(http://127\.0\.0\.1:(\d+))"
        banner_format = rf"ChatServer emulator on {url} \(db: in-memory, api keys: 0, admin keys: 0\)"
        match = re.fullmatch(banner_format + "\n", banner)
        assert match, banner
        assert int(match[2]) != 0  # port 0 is shown as the port it got
        # No retry loop: by the time the banner is out, the server answers.
        assert httpx2.get(f"{match[1]}/health", timeout=5).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=FINISH) == 0


def test_the_emulator_reports_a_closed_output_in_one_line() -> None:
    process = subprocess.Popen(
        [str(CHATSERVER), "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # nobody will read the banner
    assert process.wait(timeout=FINISH) == 141
    log = process.stderr.read()
    assert "chatserver emulator: stopped: its output was closed (broken pipe)\n" in log
    assert "Traceback" not in log


# --- terminals and signals ----------------------------------------------------------------------


def read_all(fd: int, process: subprocess.Popen[bytes]) -> str:
    chunks = []
    deadline = time.monotonic() + FINISH
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    return b"".join(chunks).decode(errors="replace")


LONG = " ".join(f"w{number}" for number in range(40))  # the emulator's agent takes about a second


def test_a_long_turn_shows_progress_on_a_terminal_and_nothing_when_piped(server: str) -> None:
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [str(CHATSERVER), "agent", "ask", LONG],
        stdout=subprocess.PIPE,
        stderr=secondary,
        env=environment(server),
    )
    os.close(secondary)
    terminal = read_all(main, process)
    assert process.wait(timeout=FINISH) == 0
    os.close(main)
    assert process.stdout is not None
    assert process.stdout.read().decode() == f"Echo (turn 1): {LONG}\n"
    assert re.search(r"[|/\\-] the agent is working \ds", terminal), terminal
    assert terminal.endswith("\r\x1b[K")  # erased before the answer

    piped = run("agent", "ask", LONG, base_url=server)
    assert (piped.returncode, piped.stdout, piped.stderr) == (0, f"Echo (turn 2): {LONG}\n", "")


def test_an_interactive_chat_on_a_terminal(server: str) -> None:
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [str(CHATSERVER), "chat", "-m", "claude-sonnet-4-5@20250929"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=environment(server),
    )
    os.close(secondary)
    os.write(main, b"Hello\n")
    os.write(main, b"/exit\n")
    screen = read_all(main, process)
    assert process.wait(timeout=FINISH) == 0
    os.close(main)
    assert "Chatting with claude-sonnet-4-5@20250929." in screen
    assert screen.count("you> ") == 2
    assert "Echo (turn 1): Hello" in screen


def test_ctrl_c_ends_audit_follow_with_130_and_no_traceback(server: str) -> None:
    with ChatServerClient(base_url=server) as client:
        client.add_admin("w0", "first@example.com")
        process = subprocess.Popen(
            [str(CHATSERVER), "audit", "--follow", "-n", "1", "--interval", "0.1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(server),
        )
        assert process.stdout is not None and process.stderr is not None
        assert "platform_admin.added" in process.stdout.readline()
        client.add_admin("w1", "second@example.com")
        client.remove_admin("second@example.com")
        assert re.search(r"platform_admin\.added +platform_admin second@", process.stdout.readline())
        assert re.search(r"platform_admin\.removed +platform_admin second@", process.stdout.readline())
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=FINISH) == 130
    assert process.stderr.read() == "following; Ctrl-C stops\n"


def test_follow_on_a_quiet_server_says_it_is_following(server: str) -> None:
    process = subprocess.Popen(
        [str(CHATSERVER), "audit", "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(server),
    )
    assert process.stderr is not None and process.stdout is not None
    assert process.stderr.readline() == "(no entries yet)\n"
    assert process.stderr.readline() == "following; Ctrl-C stops\n"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=FINISH) == 130
    assert process.stdout.read() == ""


def test_follow_as_json_lines(server: str) -> None:
    with ChatServerClient(base_url=server) as client:
        process = subprocess.Popen(
            [str(CHATSERVER), "audit", "--follow", "--json", "--interval", "0.1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(server),
        )
        assert process.stdout is not None
        client.add_admin("w2", "third@example.com")
        line = process.stdout.readline()
    process.send_signal(signal.SIGINT)
    process.wait(timeout=FINISH)
    entry = json.loads(line)
    assert (entry["action"], entry["resource_id"]) == ("platform_admin.added", "third@example.com")
