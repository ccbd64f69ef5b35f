"""Where openai's ``tests/test_client.py`` passes on ``openai.OpenAI`` and fails on ours: the one list.

Each entry is a cause: ``deliberate`` (this SDK behaves differently on purpose; the reason is one
sentence for the README's table of deliberate differences) or ``bug`` (the SDK should behave as
openai does; the reason says what to fix, and the entry goes when it is fixed). ``tests`` names
every test the cause makes fail, as ``Class::test[params]`` of openai's ``tests/test_client.py``.

The harness holds this list to the run both ways: a test that passes on openai's clients and
fails on ours must be listed, and a listed test must pass on openai's and fail on ours -- so a
difference that goes away, or a test openai renames, shows at once.

Measured against openai 3.63.0 (the sdist's ``tests/test_client.py``: 294 tests, 292 passing on
``openai.OpenAI``, 2 skipped by openai on every Python). A test that fails for two causes is
listed under the one that fails it first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["EXPECTED_DIFFERENCES", "Difference", "expected_to_differ"]

_HUGE = 10**100  # openai's max_retries=10**100 parameter, as it appears in test ids
_ALL_FAILURE_COUNTS = ("2", "4")  # failures_before_success that need a retry (0 needs none)


@dataclass(frozen=True)
class Difference:
    kind: Literal["deliberate", "bug"]
    reason: str
    tests: tuple[str, ...]


def _twins(*names: str) -> tuple[str, ...]:
    """A test of openai's sync client class and its twin in the async one."""
    return tuple(f"{cls}::{name}" for name in names for cls in ("TestOpenAI", "TestAsyncOpenAI"))


def _post_retry_tests() -> tuple[str, ...]:
    retried = [
        f"test_retries_taken[{max_retries}-status-{failures}]"
        for max_retries in (4, _HUGE)
        for failures in _ALL_FAILURE_COUNTS
    ]
    for name in ("test_omit_retry_count_header", "test_overwrite_retry_count_header"):
        retried += [f"{name}[{failures}]" for failures in _ALL_FAILURE_COUNTS]
    retried += [f"test_retries_taken_new_response_class[{failures}]" for failures in _ALL_FAILURE_COUNTS]
    retried.append("test_multipart_retry_rewinds_seekable_file[rewind]")
    return (
        *_twins(*retried),
        "TestOpenAI::test_binary_content_retry_reuses_known_repeatable_iterable[list]",
        "TestOpenAI::test_binary_content_retry_reuses_known_repeatable_iterable[tuple]",
        "TestOpenAI::test_binary_content_retry_rewinds_seekable_stream",
        "TestOpenAI::test_api_key_refresh_on_retry",
        "TestAsyncOpenAI::test_bearer_token_refresh_async",
    )


EXPECTED_DIFFERENCES: dict[str, Difference] = {
    # --- deliberate: rows of the README's table ---------------------------------------------------
    "POSTs are not retried after they may have reached the server": Difference(
        "deliberate",
        "A POST runs a coding agent: after a 5xx, a read timeout or a dropped connection it may already "
        "have run, so it is retried only when it provably never arrived (or on 429 / x-should-retry: "
        "true); retry_non_idempotent=True restores openai's policy.",
        _post_retry_tests(),
    ),
    "/v1 is appended to base_url": Difference(
        "deliberate",
        "base_url may be the server root or .../v1 (LangChain and openai users write both); either "
        "way requests go to .../v1, where a ChatServer serves openai's paths.",
        _twins(
            "test_base_url_setter",
            "test_base_url_trailing_slash[standard]",
            "test_base_url_trailing_slash[custom http client]",
            "test_base_url_no_trailing_slash[standard]",
            "test_base_url_no_trailing_slash[custom http client]",
            "test_hardcoded_query_params_in_url",
        ),
    ),
    "OPENAI_* environment variables are ignored": Difference(
        "deliberate",
        "The client reads CHATSERVER_API_KEY and CHATSERVER_BASE_URL, never OPENAI_*, so an OpenAI "
        "key, organisation or URL in the environment never reaches a ChatServer.",
        _twins("test_base_url_env"),
    ),
    "No credentials is not an error": Difference(
        "deliberate",
        "A ChatServer may run without keys, so a client without one sends no Authorization header "
        "where openai raises 'Missing credentials' or 'Could not resolve authentication method'.",
        _twins("test_validate_headers", "test_api_key_provider_does_not_fill_admin_auth"),
    ),
    "A 2xx body that is not JSON is an error": Difference(
        "deliberate",
        "Where a model is expected, a 2xx body that is not JSON (a proxy's HTML page) raises "
        "ResponseValidationError even with _strict_response_validation=False, where openai returns "
        "the text as the result.",
        _twins("test_received_text_for_expected_json"),
    ),
    "X-Stainless-* headers are not sent": Difference(
        "deliberate",
        "openai's X-Stainless-* headers describe the client (OS, architecture, runtime) to OpenAI's "
        "telemetry; a ChatServer reads none of them, so they are not sent.",
        _twins("test_default_headers_option"),
    ),
    "Workload identity is OpenAI's token exchange": Difference(
        "deliberate",
        "workload_identity trades a cloud token for an OpenAI one at auth.openai.com, which a "
        "ChatServer cannot accept, so it is not supported (give api_key, or a callable returning one).",
        (
            *_twins("test_workload_identity_preserves_admin_auth"),
            # openai's error for a key beside it is "mutually exclusive"; ours says it is not supported.
            "TestOpenAI::test_workload_identity_is_mutually_exclusive_with_api_key",
            "TestWorkloadIdentity401Retry::test_workload_identity_401_retry",
            "TestWorkloadIdentity401Retry::test_non_401_errors_no_retry",
            "TestAsyncWorkloadIdentity401Retry::test_workload_identity_401_retry",
            "TestAsyncWorkloadIdentity401Retry::test_non_401_errors_no_retry",
        ),
    ),
}


def expected_to_differ() -> dict[str, str]:
    """Each listed test and the cause it is listed under."""
    return {test: cause for cause, entry in EXPECTED_DIFFERENCES.items() for test in entry.tests}
