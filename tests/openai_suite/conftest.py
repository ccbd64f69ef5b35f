"""Fixtures for the harness: openai's test files, and the two runs of them (once per session)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from .fetch import FetchError, installed_openai_version, openai_tests
from .runner import Run, SuiteRun


@dataclass(frozen=True)
class SuiteRuns:
    openai: SuiteRun
    chatserver: SuiteRun


def unavailable(reason: str) -> NoReturn:
    """Skip with the reason; under CI a missing suite is a failure, not a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run openai's tests against our clients)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def openai_test_files() -> Path:
    try:
        return openai_tests()
    except FetchError as err:
        unavailable(f"openai {installed_openai_version()}'s own tests could not be obtained: {err}")


@pytest.fixture(scope="session")
def suite_runs(openai_test_files: Path, tmp_path_factory: pytest.TempPathFactory) -> SuiteRuns:
    root = tmp_path_factory.mktemp("openai-suite")
    # Both runs at once: they share nothing but the interpreter.
    baseline = Run(openai_test_files, root / "openai", "openai")
    try:
        ours = Run(openai_test_files, root / "chatserver", "chatserver")
    except BaseException:
        baseline.stop()
        raise
    try:
        return SuiteRuns(openai=baseline.result(), chatserver=ours.result())
    finally:
        baseline.stop()
        ours.stop()
