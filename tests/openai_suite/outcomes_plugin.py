"""A pytest plugin for the subprocess that runs openai's tests; this repository's pytest never loads it.

The harness copies it beside openai's ``tests/`` and loads it with ``-p``. It writes, to the
JSON file named by ``$CHATSERVER_OAISUITE_REPORT``, each test's outcome, the collection
errors, and which classes the test module calls ``OpenAI`` and ``AsyncOpenAI`` (so the
harness can tell that the swap happened, and that the ``tests`` package is openai's).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import pytest

_MESSAGE_CHARS = 300

_tests: dict[str, dict[str, str]] = {}
_collection_errors: dict[str, str] = {}
_clients: dict[str, str] = {}


def _message(report: pytest.TestReport | pytest.CollectReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = getattr(crash, "message", None) or str(report.longrepr)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (lines[0] if lines else "")[:_MESSAGE_CHARS]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    entry = _tests.setdefault(report.nodeid, {"outcome": "passed", "message": ""})
    if report.failed:
        if entry["outcome"] != "failed":  # the first failing phase is the cause
            entry.update(outcome="failed", message=f"{report.when}: {_message(report)}")
    elif report.skipped and entry["outcome"] == "passed":
        entry.update(outcome="skipped", message=_message(report))


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _collection_errors[report.nodeid or "<session>"] = _message(report)


def pytest_collection_finish(session: pytest.Session) -> None:
    for module_name in ("tests.test_client", "tests.conftest"):
        module: Any = sys.modules.get(module_name)
        for name in ("OpenAI", "AsyncOpenAI"):
            value = getattr(module, name, None)
            if value is not None:
                _clients[f"{module_name}.{name}"] = f"{value.__module__}.{value.__qualname__}"
    tests_package: Any = sys.modules.get("tests")
    _clients["tests"] = str(getattr(tests_package, "__file__", ""))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = os.environ.get("CHATSERVER_OAISUITE_REPORT")
    if not path:
        return
    report = {"tests": _tests, "collection_errors": _collection_errors, "clients": _clients}
    with open(path, "w", encoding="utf-8") as out:
        json.dump(report, out, indent=1, sort_keys=True)
