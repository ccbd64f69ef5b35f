"""The README's Logging section: its shell block (the command line) and its Python block log what
they say, against an emulator named by ``CHATSERVER_BASE_URL``. (Every Python block of the README
runs in ``tests/integration/test_readme.py``; the command line's own page, docs/cli.md, in
``test_cli_docs.py``.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatserver_sdk.emulator import run_emulator

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[2] / "README.md"
BIN = Path(sys.executable).parent
FINISH = 180


def blocks(section: str) -> list[tuple[str, str]]:
    """``(language, code)`` of each fenced block in the README's ``## section``."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"no section {section!r}"
    return re.findall(r"^```(\w+)\n(.*?)^```$", match[1], re.MULTILINE | re.DOTALL)


@pytest.fixture
def server() -> Iterator[str]:
    with run_emulator() as url:
        yield url


def environment(server: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATSERVER_", "OPENAI_"))}
    env["CHATSERVER_BASE_URL"] = server  # where `chatserver emulator` would be: localhost:3284
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # `chatserver` and `python` of this venv
    return env


def run_python(code: str, server: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=environment(server), capture_output=True, text=True, timeout=FINISH
    )


def test_the_logging_blocks(server: str) -> None:
    (_, shell), (_, code) = blocks("Logging")
    done = subprocess.run(
        ["bash", "-c", shell], env=environment(server), capture_output=True, text=True, timeout=FINISH
    )
    assert done.returncode == 0, done.stderr
    assert f'- httpx2 - INFO] HTTP Request: GET {server}/v1/models "HTTP/1.1 200 OK"' in done.stderr
    logged = run_python(code, server)
    assert logged.returncode == 0
    assert f"HTTP Request: GET {server}/v1/models" in logged.stderr
    assert "- openai._base_client - DEBUG]" in logged.stderr
