"""openai's own client tests on our clients: every test that passes on ``openai.OpenAI`` passes on
``ChatServerClient``, or is a difference listed in ``differences.py`` with its reason.

Runs openai's ``tests/test_client.py`` (from the installed version's sdist) in two subprocesses,
unchanged and with our clients swapped in, and compares them test by test.
"""

from __future__ import annotations

import pytest

from .conftest import SuiteRuns
from .differences import EXPECTED_DIFFERENCES, expected_to_differ

pytestmark = pytest.mark.slow


def _failure(runs: SuiteRuns, test: str) -> str:
    result = runs.chatserver.tests.get(test)
    return "not run" if result is None else f"{result.outcome}: {result.message}"


def _require_collected(runs: SuiteRuns, *, ours: bool = True) -> None:
    """A comparison means nothing unless both runs collected openai's tests: say why not, once."""
    baseline = runs.openai
    assert baseline.collection_errors == {}, (
        f"openai's own tests do not collect on openai's clients (a test dependency missing?): "
        f"{baseline.collection_errors}; see {baseline.log}"
    )
    if ours:
        assert runs.chatserver.collection_errors == {}, (
            f"openai's tests/test_client.py does not collect with our clients: "
            f"{runs.chatserver.collection_errors}; see {runs.chatserver.log}"
        )


def test_the_baseline_is_openai_unchanged(suite_runs: SuiteRuns) -> None:
    baseline = suite_runs.openai
    _require_collected(suite_runs, ours=False)
    assert baseline.clients["tests.test_client.OpenAI"] == "openai.OpenAI"
    assert baseline.clients["tests.test_client.AsyncOpenAI"] == "openai.AsyncOpenAI"
    assert baseline.clients["tests"].startswith(str(baseline.log.parent)), "the tests package is not openai's"
    assert baseline.passed(), f"no test passed on openai's own clients; see {baseline.log}"


def test_our_clients_are_swapped_in(suite_runs: SuiteRuns) -> None:
    ours = suite_runs.chatserver
    _require_collected(suite_runs)
    for module in ("tests.test_client", "tests.conftest"):
        assert ours.clients[f"{module}.OpenAI"] == "chatserver_sdk._client.ChatServerClient"
        assert ours.clients[f"{module}.AsyncOpenAI"] == "chatserver_sdk._client.AsyncChatServerClient"
    assert ours.tests.keys() == suite_runs.openai.tests.keys(), "the two runs collected different tests"


def test_every_test_passing_on_openai_passes_on_ours_or_is_a_listed_difference(
    suite_runs: SuiteRuns,
) -> None:
    _require_collected(suite_runs)
    listed = expected_to_differ()
    unexplained = sorted(suite_runs.openai.passed() - suite_runs.chatserver.passed() - listed.keys())
    assert not unexplained, (
        f"{len(unexplained)} of openai's tests pass on openai.OpenAI and fail on our clients, and are not "
        "in tests/openai_suite/differences.py (fix the SDK, or list the test under its cause):\n"
        + "\n".join(f"  {test}  -- {_failure(suite_runs, test)}" for test in unexplained)
        + f"\nFull output: {suite_runs.chatserver.log}"
    )


def test_every_listed_difference_still_holds(suite_runs: SuiteRuns) -> None:
    _require_collected(suite_runs)
    baseline, ours = suite_runs.openai, suite_runs.chatserver
    stale: list[str] = []
    for test, cause in sorted(expected_to_differ().items()):
        if test not in baseline.tests:
            stale.append(f"  {test}  [{cause}]: openai's suite has no such test (renamed or removed?)")
        elif test not in baseline.passed():
            outcome = baseline.tests[test].outcome
            stale.append(f"  {test}  [{cause}]: does not pass on openai.OpenAI ({outcome})")
        elif test in ours.passed():
            kind = EXPECTED_DIFFERENCES[cause].kind
            fixed = "the bug is fixed" if kind == "bug" else "the difference is gone"
            stale.append(f"  {test}  [{cause}]: passes on our clients now ({fixed}: delete it from the list)")
    assert not stale, "tests/openai_suite/differences.py is out of date:\n" + "\n".join(stale)
