"""Every Python block of README.md, examples/README.md and docs/*.md runs as written against a fresh
emulator, and every one that needs no agent control or emulator of its own also against upstream's
own ChatServer.

Each block runs in a Python process of its own, as a reader who pastes it would
run it, with ``CHATSERVER_BASE_URL`` pointing at the server and no
``CHATSERVER_API_KEY`` (the emulator without ``--api-key`` and upstream's server
check no key, so a block may give any). One substitution is made: the address
``localhost:3284`` / ``127.0.0.1:3284`` (what ``chatserver emulator`` listens on)
becomes the test server's, so that the suite never needs that port free. A block
that defines ``test_*`` functions is a pytest file, and runs under pytest.

Blocks that use agent control (coder/agentapi's API, which upstream's Python
server does not serve) or the emulator itself run against the emulator only.

A failure names the block by file, line, the heading above it and its first line,
with the process's output. Every test starts a server and a process: ``slow``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chatserver_sdk.emulator import run_emulator

from ..servers import UpstreamServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [
    ROOT / "README.md",
    ROOT / "examples" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
DEFAULT_ADDRESS = re.compile(r"(?:localhost|127\.0\.0\.1):3284")
TIMEOUT = 120

# What only the emulator serves: agent control (coder/agentapi's routes) and the emulator's own API.
EMULATOR_ONLY = re.compile(
    r"\b(get_agent_status|get_agent_messages|send_agent_message|upload_file|stream_agent_events"
    r"|iter_agent_events|wait_for_agent|ask_agent|run_emulator|chatserver_emulator|create_app"
    r"|emulator_fault)\b|\.agent\."
)


@dataclass(frozen=True)
class Block:
    document: Path
    line: int
    """The line of the opening fence, counted from 1."""
    heading: str
    code: str

    @property
    def first_line(self) -> str:
        return next((line for line in self.code.splitlines() if line.strip()), "")

    @property
    def id(self) -> str:
        return f"{self.document.name}:{self.line} {self.heading}"

    @property
    def where(self) -> str:
        relative = self.document.relative_to(ROOT)
        return f"{relative}, line {self.line}, under '{self.heading}', starting {self.first_line!r}"

    @property
    def is_pytest_file(self) -> bool:
        return re.search(r"^def test_\w+\(", self.code, re.MULTILINE) is not None

    @property
    def needs_the_emulator(self) -> bool:
        return EMULATOR_ONLY.search(self.code) is not None


def python_blocks(document: Path) -> list[Block]:
    """The ```python blocks of a Markdown file, each with the heading above it."""
    blocks: list[Block] = []
    heading, opened, inside = "(top)", 0, False
    lines: list[str] = []
    for number, line in enumerate(document.read_text(encoding="utf-8").splitlines(), start=1):
        if inside:
            if line.strip() == "```":
                blocks.append(Block(document, opened, heading, "\n".join(lines) + "\n"))
                inside = False
            else:
                lines.append(line)
        elif line.strip().startswith("```python"):
            inside, opened, lines = True, number, []
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
    assert not inside, f"{document.name}: the block opened at line {opened} is never closed"
    return blocks


BLOCKS = [block for document in DOCUMENTS for block in python_blocks(document)]


def run_block(block: Block, base_url: str, scratch: Path) -> subprocess.CompletedProcess[str]:
    address = base_url.split("://", 1)[1]
    code = DEFAULT_ADDRESS.sub(address, block.code)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CHATSERVER_", "OPENAI_"))}
    env["CHATSERVER_BASE_URL"] = base_url
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if block.is_pytest_file:
        path = scratch / "test_readme_block.py"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(scratch)]
        command.append(str(path))
    else:
        path = scratch / "readme_block.py"
        command = [sys.executable, str(path)]
    path.write_text(code, encoding="utf-8")
    try:
        return subprocess.run(
            command, cwd=scratch, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as err:
        pytest.fail(f"{block.where}\ndid not finish within {TIMEOUT} s; output so far:\n{err.stdout!r}")


def check(block: Block, result: subprocess.CompletedProcess[str], server: str) -> None:
    # A script prints to stderr only when it turns logging on: a warning a reader would see is a
    # failure. (Under pytest, other plugins' warnings are the reader's environment, not the block.)
    quiet = result.stderr.strip() == "" or "CHATSERVER_LOG" in block.code or block.is_pytest_file
    if result.returncode == 0 and quiet:
        return
    error = result.stderr.strip().splitlines()[-1:] or result.stdout.strip().splitlines()[-1:]
    pytest.fail(
        f"README block failed against {server}: {block.where}\n"
        f"why: {error[0] if error else f'exit code {result.returncode}'}\n"
        f"--- stdout\n{result.stdout[-3000:]}--- stderr\n{result.stderr[-3000:]}",
        pytrace=False,
    )


@pytest.fixture
def emulator() -> Iterator[str]:
    with run_emulator() as base_url:
        yield base_url


def test_the_documents_have_python_blocks() -> None:
    assert BLOCKS, "no ```python blocks found: has the README moved?"
    empty = [block.where for block in BLOCKS if not block.code.strip()]
    assert not empty, empty


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: block.id)
def test_block_runs_on_a_fresh_emulator(block: Block, emulator: str, tmp_path: Path) -> None:
    check(block, run_block(block, emulator, tmp_path), "a fresh emulator")


@pytest.mark.parametrize(
    "block", [block for block in BLOCKS if not block.needs_the_emulator], ids=lambda block: block.id
)
def test_block_runs_on_upstream(block: Block, upstream: UpstreamServer, tmp_path: Path) -> None:
    check(block, run_block(block, upstream.base_url, tmp_path), "upstream's ChatServer")
