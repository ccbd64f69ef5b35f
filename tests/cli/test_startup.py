"""What ``chatserver`` loads before it can print help, its version or a usage error.

Those answers need only argparse: ``python -X importtime`` lists every module a
process imports, and neither openai nor pydantic (nor httpx2) may be among them.
How long start-up takes is measured by ``benchmarks/startup.py``, not asserted here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chatserver_sdk import __version__

pytestmark = pytest.mark.slow  # each case starts an interpreter

CHATSERVER = Path(sys.executable).with_name("chatserver")
HEAVY = ("openai", "pydantic", "pydantic_core", "httpx2")


def imported(*argv: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(CHATSERVER), *argv],
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                modules.add(name)
    return done, modules


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["--help"], 0),
        (["--version"], 0),
        (["sessions", "list", "--help"], 0),
        (["frobnicate"], 2),
        (["chat", "--temperature", "9", "hi"], 2),
        (["sessions", "list", "--user-id", "bob"], 2),
        ([], 2),
    ],
)
def test_help_version_and_usage_errors_import_neither_openai_nor_pydantic(
    argv: list[str], status: int
) -> None:
    done, modules = imported(*argv)
    assert done.returncode == status, done.stderr[-2000:]
    assert "chatserver_sdk.cli" in modules  # the listing is real: the command's own modules are in it
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == [], f"chatserver {' '.join(argv)} imported {heavy[:10]}"


def test_the_version_still_names_openai_and_python() -> None:
    done, _ = imported("--version")
    import openai

    assert done.stdout == (
        f"chatserver {__version__} (chatserver-sdk; openai {openai.__version__};"
        f" Python {sys.version.split()[0]})\n"
    )


def test_a_command_that_talks_to_a_server_does_load_the_client() -> None:
    # The other side of the laziness: the client is imported when a command needs it.
    done, modules = imported("models", "--base-url", "http://127.0.0.1:9")
    assert done.returncode == 1
    assert "openai" in modules
