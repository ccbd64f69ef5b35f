"""Run openai's ``tests/test_client.py`` in a subprocess pytest, as openai wrote it or with our clients.

Each run gets its own copy of openai's ``tests/`` in a fresh folder, with:

* a ``pytest.ini`` made from openai's own ``[tool.pytest.ini_options]`` (``filterwarnings =
  error``, ``asyncio_mode = auto``, ``xfail_strict`` ...) minus its ``addopts``, which ask for
  pytest-xdist (``-n auto``); the suite runs in one process instead;
* only the plugins openai's suite needs: pytest-asyncio (its conftest imports it), its vendored
  ``respx2`` (its conftest loads it) and pytest-timeout so a hang becomes a failure. Plugin
  autoloading is off, so neither suite's plugins reach the other;
* for our clients, each module of openai's ``tests/`` that imports ``OpenAI``/``AsyncOpenAI``
  from ``openai`` gets one line right after that import rebinding the names to
  ``ChatServerClient``/``AsyncChatServerClient``. The rewrite is textual, before import, so the
  clients openai's tests build at import time (parametrize lists) are ours too; nothing of the
  SDK is patched.

The run for our clients sets openai's own ``TEST_API_BASE_URL`` to its default plus ``/v1``, the
way openai users write a ChatServer's URL: our clients append ``/v1`` to a server root, and with
openai's bare default every mocked route would miss for that one reason and hide every other
difference. The tests that see the appended ``/v1`` directly are listed in ``differences.py``.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "CHATSERVER_BASE_URL",
    "OUR_CLIENTS",
    "HarnessError",
    "Outcome",
    "Run",
    "SuiteRun",
    "pytest_ini",
    "swap_clients",
]

Clients = Literal["openai", "chatserver"]

TEST_MODULE = "tests/test_client.py"
# openai's default TEST_API_BASE_URL (tests/conftest.py, tests/test_client.py) plus /v1.
CHATSERVER_BASE_URL = "http://127.0.0.1:4010/v1"
OUR_CLIENTS = {"OpenAI": "ChatServerClient", "AsyncOpenAI": "AsyncChatServerClient"}
PER_TEST_TIMEOUT_S = 120
RUN_TIMEOUT_S = 900
_PLUGIN = Path(__file__).with_name("outcomes_plugin.py")
_PLUGIN_MODULE = "_chatserver_outcomes"
# Settings from the caller's environment that would change what either run does.
_DROPPED_ENV_PREFIXES = ("OPENAI_", "CHATSERVER_", "PYTEST_")
_DROPPED_ENV = {"TEST_API_BASE_URL"}


class HarnessError(RuntimeError):
    """openai's suite could not be run as the harness expects (layout changed, run broke, ...)."""


@dataclass(frozen=True)
class Outcome:
    outcome: Literal["passed", "failed", "skipped"]
    message: str


@dataclass(frozen=True)
class SuiteRun:
    clients: dict[str, str]
    tests: dict[str, Outcome]
    collection_errors: dict[str, str]
    seconds: float
    log: Path

    def passed(self) -> set[str]:
        return {test for test, result in self.tests.items() if result.outcome == "passed"}


def swap_clients(source: str, filename: str) -> tuple[str, set[str]]:
    """``source`` with ``OpenAI``/``AsyncOpenAI`` rebound to our clients right after openai's import.

    Returns the new text and the names rebound (empty when the module imports neither).
    """
    tree = ast.parse(source, filename=filename)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "openai" and node.level == 0:
            names = {alias.asname or alias.name for alias in node.names} & set(OUR_CLIENTS)
            if not names:
                continue
            rebinding = ", ".join(f"{OUR_CLIENTS[name]} as {name}" for name in sorted(names))
            lines = source.splitlines(keepends=True)
            swap = f"from chatserver_sdk import {rebinding}  # the harness's swap\n"
            lines.insert(node.end_lineno or node.lineno, swap)
            return "".join(lines), names
    return source, set()


def pytest_ini(pyproject: Path) -> str:
    """A ``pytest.ini`` with openai's pytest settings, without its ``addopts``."""
    settings = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("pytest", {})
    options = dict(settings.get("ini_options", {}))
    options.pop("addopts", None)
    lines = ["[pytest]"]
    for key, value in options.items():
        if isinstance(value, list):
            lines.append(f"{key} =")
            lines.extend(f"    {item}" for item in value)
        elif isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        else:
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def _prepare(openai_tests: Path, folder: Path, clients: Clients) -> None:
    shutil.copytree(openai_tests, folder / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    pyproject = openai_tests.parent / "pyproject.toml"
    (folder / "pytest.ini").write_text(pytest_ini(pyproject), encoding="utf-8")
    shutil.copyfile(_PLUGIN, folder / f"{_PLUGIN_MODULE}.py")
    if clients == "openai":
        return
    swapped: dict[str, set[str]] = {}
    for module in sorted((folder / "tests").glob("*.py")):
        text, names = swap_clients(module.read_text(encoding="utf-8"), module.name)
        if names:
            module.write_text(text, encoding="utf-8")
            swapped[module.name] = names
    if swapped.get("test_client.py") != set(OUR_CLIENTS):
        raise HarnessError(
            "openai's tests/test_client.py no longer imports OpenAI and AsyncOpenAI from openai at its top "
            "level, so the harness cannot swap our clients in; update runner.swap_clients."
        )


def _environment(report: Path, clients: Clients) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_DROPPED_ENV_PREFIXES) and name not in _DROPPED_ENV
    }
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["CHATSERVER_OAISUITE_REPORT"] = str(report)
    if clients == "chatserver":
        env["TEST_API_BASE_URL"] = CHATSERVER_BASE_URL
    return env


class Run:
    """One subprocess run of openai's ``test_client.py``, started at once; :meth:`result` waits."""

    def __init__(self, openai_tests: Path, folder: Path, clients: Clients) -> None:
        folder.mkdir(parents=True)
        _prepare(openai_tests, folder, clients)
        self.clients = clients
        self.report = folder / "outcomes.json"
        self.log = folder / "pytest.log"
        command = [
            sys.executable, "-m", "pytest", TEST_MODULE,
            "-p", "no:cacheprovider", "-p", "pytest_asyncio.plugin", "-p", _PLUGIN_MODULE,
            "-p", "pytest_timeout", f"--timeout={PER_TEST_TIMEOUT_S}",
            "-q", "--tb=short", "-rfE",
        ]  # fmt: skip
        self._started = time.monotonic()
        with open(self.log, "wb") as log:
            self._process = subprocess.Popen(
                command,
                cwd=folder,
                env=_environment(self.report, clients),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def stop(self) -> None:
        """End the run if it is still going (the harness failed elsewhere)."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def result(self) -> SuiteRun:
        try:
            self._process.wait(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            raise HarnessError(
                f"openai's suite ({self.clients} clients) ran over {RUN_TIMEOUT_S} s and was stopped; "
                f"see {self.log}"
            ) from None
        seconds = time.monotonic() - self._started
        if not self.report.is_file():
            tail = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
            raise HarnessError(
                f"openai's suite ({self.clients} clients) wrote no report (exit {self._process.returncode}); "
                f"the end of {self.log}:\n" + "\n".join(tail)
            )
        data = json.loads(self.report.read_text(encoding="utf-8"))
        tests = {
            _short_id(nodeid): Outcome(outcome=entry["outcome"], message=entry["message"])
            for nodeid, entry in data["tests"].items()
        }
        return SuiteRun(
            clients=data["clients"],
            tests=tests,
            collection_errors=data["collection_errors"],
            seconds=seconds,
            log=self.log,
        )


def _short_id(nodeid: str) -> str:
    """``tests/test_client.py::TestOpenAI::test_x[1]`` as ``TestOpenAI::test_x[1]``."""
    prefix = TEST_MODULE + "::"
    return nodeid[len(prefix) :] if nodeid.startswith(prefix) else nodeid
