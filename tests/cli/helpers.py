"""Running ``chatserver`` as its own process, on pipes or on a terminal of a given size."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

CHATSERVER = Path(sys.executable).with_name("chatserver")
FINISH = 60  # seconds a process is given to finish, so a hang fails instead of blocking the suite


def environment(base_url: str | None = None, **extra: str) -> dict[str, str]:
    """This process's environment without the user's ChatServer settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATSERVER_", "COLUMNS", "LINES"))}
    if base_url is not None:
        env["CHATSERVER_BASE_URL"] = base_url
    env.update(extra)
    return env


def run(*argv: str, base_url: str | None = None, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHATSERVER), *argv],
        capture_output=True,
        text=True,
        timeout=FINISH,
        env=environment(base_url, **extra),
        stdin=subprocess.DEVNULL,
    )


def read_all(fd: int, process: subprocess.Popen[bytes], timeout: float = FINISH) -> str:
    """Everything written to a terminal's main side until the process ends."""
    chunks = []
    deadline = time.monotonic() + timeout
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


@dataclass
class OnTerminal:
    status: int
    screen: str  # what the terminal received: stdout and stderr, with \r\n line ends


def on_terminal(*argv: str, columns: int, base_url: str | None = None, **extra: str) -> OnTerminal:
    """Run ``chatserver`` with stdout and stderr on a terminal ``columns`` wide."""
    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(
        [str(CHATSERVER), *argv],
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        env=environment(base_url, **extra),
    )
    os.close(secondary)
    try:
        screen = read_all(main, process)
        status = process.wait(timeout=FINISH)
    finally:
        os.close(main)
    return OnTerminal(status, screen.replace("\r\n", "\n"))
