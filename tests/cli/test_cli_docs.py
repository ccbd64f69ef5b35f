"""docs/cli.md: every shell block runs as written, in order, against an emulator.

The first block is the server the others talk to (``chatserver emulator``); the test
gives them an emulator of its own through ``CHATSERVER_BASE_URL``, as that one would be.
A block that starts ``# runs until Ctrl-C`` holds commands that keep going: each is run
until it has printed, then stopped with Ctrl-C. The ```text block after the error
examples is what they print, checked too.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from chatserver_sdk import ChatServerClient
from chatserver_sdk.cli import build_parser

from .helpers import FINISH, environment

pytestmark = pytest.mark.slow

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
BIN = Path(sys.executable).parent
ENDLESS = "# runs until Ctrl-C"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.M | re.S)


def shell(server: str) -> dict[str, str]:
    # `chatserver` and `python` of this environment first, as for a user who installed the SDK.
    env = environment(server)
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    return env


def test_the_shell_blocks_run_as_written(chatserver_emulator: str, tmp_path: Path) -> None:
    start, *rest = blocks("bash")
    assert start.strip() == "chatserver emulator"
    assert build_parser().parse_args(["emulator"]).port == 3284  # where the docs' server is
    script = "\n".join(block for block in rest if not block.startswith(ENDLESS))
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        env=shell(chatserver_emulator),
        capture_output=True,
        text=True,
        timeout=FINISH * 3,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for expected in [
        f"{chatserver_emulator}: healthy",
        "MODEL ",
        "Echo (turn 1): Write a haiku about pagination",
        "Echo (turn 2): Add a museum",
        "Echo (turn 1): Summarise this file",
        "Echo (turn 3): What about food?",
        "Echo (turn 4): /etc/hosts is a file name",
        "# Plan a trip to Rome",
        "up",
        "added ada@example.com as a platform admin",
        "removed ada@example.com from the platform admins",
        "exit status 1",
        "exit status 2",
        "claude: stable",
        "Echo (turn 1): Run the tests",
        "sent ESC to claude, which was already stable",
        "uploaded notes.txt to ",
    ]:
        assert expected in done.stdout, f"{expected!r} not in:\n{done.stdout}"
    assert re.search(r"^removed docs \([0-9a-f-]{36}\)$", done.stdout, re.M), done.stdout
    assert "chatserver chat: using " in done.stderr  # no --model: the server's first, named
    (printed,) = blocks("text")
    for line in printed.strip().splitlines():
        assert line in done.stderr, f"{line!r} not in:\n{done.stderr}"
    assert (tmp_path / "session.json").is_file() and (tmp_path / "_chatserver").is_file()


@pytest.mark.parametrize("line", [1, 2])
def test_the_endless_commands_run_until_ctrl_c(chatserver_emulator: str, line: int) -> None:
    (endless,) = [block for block in blocks("bash") if block.startswith(ENDLESS)]
    command = endless.splitlines()[line]
    process = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        env=shell(chatserver_emulator),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    if command.startswith("chatserver audit"):
        with ChatServerClient(base_url=chatserver_emulator) as client:
            client.add_admin("w", "x@example.com")
        assert "platform_admin.added" in process.stdout.readline()
    else:
        assert process.stdout.readline() == "status: stable\n"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=FINISH) == 130
    assert "Traceback" not in process.stderr.read()
