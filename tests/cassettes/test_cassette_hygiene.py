"""The cassettes themselves: no credential in any of them, one for every test, none left over,
and each recorded against upstream's server unless its test says why it could not be.

These tests read files and make no HTTP request, so they have no cassette.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from vcr.request import Request

from ..conformance.targets import upstream_commit
from ..servers import upstream_available
from .conftest import CASSETTE_ROOT, EMULATOR_MARKER, RECORD_COMMAND, RECORDING_API_KEY
from .provenance import METADATA_KEY, UPSTREAM_COMMIT, provenance_problem
from .scrubbing import (
    REDACTED,
    find_credentials,
    find_forbidden_text,
    is_credential_name,
    request_scrubber,
    response_scrubber,
)

HERE = Path(__file__).resolve().parent
# Values the recording run is known to send; none may reach a cassette.
MCP_BEARER_TOKEN = "super-secret-token"


def forbidden_values() -> list[str]:
    values = [RECORDING_API_KEY, MCP_BEARER_TOKEN, os.environ.get("CHATSERVER_API_KEY", "")]
    return [value for value in values if value]


def cassette_files() -> list[Path]:
    return sorted(path for path in CASSETTE_ROOT.rglob("*") if path.is_file())


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a vcrpy cassette"
    return data


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes):
        yield value.decode("utf-8", "replace")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def credentials_in_file(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    findings = find_forbidden_text(text, forbidden_values())
    if path.suffix in (".yaml", ".yml"):
        cassette = load(path)
        findings += find_credentials(cassette)
        # YAML may fold a long string across lines; check each value unfolded too.
        for value in strings_in(cassette):
            findings += find_forbidden_text(value, forbidden_values())
    return sorted(set(findings))


def test_no_credentials_in_cassettes() -> None:
    files = cassette_files()
    assert files, f"no cassettes under {CASSETTE_ROOT}; record them with: {RECORD_COMMAND}"
    problems = {
        str(path.relative_to(CASSETTE_ROOT)): found for path in files if (found := credentials_in_file(path))
    }
    assert not problems, f"credentials in cassettes: {problems}"


def test_scrubbing_was_exercised() -> None:
    """The recording sent a key and a bearer token; the cassettes hold only their redactions."""
    authorizations: list[str] = []
    bearer_tokens: list[Any] = []
    for path in cassette_files():
        for interaction in load(path).get("interactions") or []:
            request = interaction["request"]
            for name, values in (request.get("headers") or {}).items():
                if name.lower() == "authorization":
                    authorizations += values
            body = request.get("body") or ""
            if "bearer_token" in str(body):
                bearer_tokens.append(json.loads(body)["bearer_token"])
    assert authorizations, "no cassette recorded an Authorization header: record with an API key"
    assert set(authorizations) == {REDACTED}
    assert bearer_tokens and set(bearer_tokens) == {REDACTED}


# --- one cassette per test ---------------------------------------------------------------------


def _marks_vcr(node: ast.expr) -> bool:
    return "mark.vcr" in ast.unparse(node)


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments, to read marker arguments given by name."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _emulator_reason(
    function: ast.FunctionDef | ast.AsyncFunctionDef, constants: dict[str, str]
) -> str | None:
    for decorator in function.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == EMULATOR_MARKER
        ):
            [argument] = decorator.args
            if isinstance(argument, ast.Constant):
                return str(argument.value)
            assert isinstance(argument, ast.Name), ast.unparse(argument)
            return constants[argument.id]
    return None


def recorded_tests() -> dict[str, dict[str, str | None]]:
    """Test functions that run under a cassette, by module, each with the reason it is recorded
    against the emulator (None: recorded against upstream's server)."""
    tests: dict[str, dict[str, str | None]] = {}
    for module in sorted(HERE.glob("test_*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        constants = _constants(tree)
        module_marked = any(
            isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets)
            and _marks_vcr(node.value)
            for node in tree.body
        )
        functions = {
            node.name: _emulator_reason(node, constants)
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name.startswith("test_")
            and (module_marked or any(_marks_vcr(decorator) for decorator in node.decorator_list))
        }
        if functions:
            tests[module.stem] = functions
    return tests


def test_every_recorded_test_has_its_cassette() -> None:
    tests = recorded_tests()
    assert {"test_readme_scenarios", "test_endpoints", "test_async"} <= set(tests)
    missing = [
        f"{module}/{name}.yaml"
        for module, names in tests.items()
        for name in names
        if not (CASSETTE_ROOT / module / f"{name}.yaml").is_file()
    ]
    assert not missing, f"tests without a cassette (record them with: {RECORD_COMMAND}): {missing}"
    for module, names in tests.items():
        for name in names:
            cassette = load(CASSETTE_ROOT / module / f"{name}.yaml")
            assert cassette.get("interactions"), f"{module}/{name}.yaml holds no interaction"


def test_cassettes_say_which_server_recorded_them() -> None:
    """Upstream's server records every cassette it can serve, and the cassette names its commit;
    the rest say they come from the emulator, and why."""
    commit = upstream_commit() if upstream_available() else None
    wrong = []
    for module, names in recorded_tests().items():
        for name, reason in names.items():
            metadata = load(CASSETTE_ROOT / module / f"{name}.yaml").get(METADATA_KEY)
            problem = provenance_problem(metadata, reason)
            if problem is None and reason is None and commit and metadata[UPSTREAM_COMMIT] != commit:
                problem = f"recorded at upstream {metadata[UPSTREAM_COMMIT]}, upstream is now at {commit}"
            if problem is not None:
                wrong.append(f"{module}/{name}.yaml: {problem}")
    assert not wrong, f"re-record with {RECORD_COMMAND}: {wrong}"


def test_no_cassette_without_a_test() -> None:
    expected = {
        CASSETTE_ROOT / module / f"{name}.yaml"
        for module, names in recorded_tests().items()
        for name in names
    }
    orphans = [str(path.relative_to(CASSETTE_ROOT)) for path in cassette_files() if path not in expected]
    assert not orphans, f"cassettes no test uses (delete them): {orphans}"


# --- the rules themselves ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "x-api-key",
        "api_key",
        "apiKey",
        "bearer_token",
        "bearerToken",
        "password",
        "client_secret",
        "refresh_token",
        "access_token",
        "GITHUB_TOKEN",
        "webhook_secret",
        "token",
        "Set-Cookie",
    ],
)
def test_credential_names(name: str) -> None:
    assert is_credential_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "max_tokens",
        "total_tokens",
        "tokens_total",
        "prompt_tokens",
        "bearer_token_id",
        "auth_type",
        "session_id",
        "user_id",
        "content",
        "keyboard",
    ],
)
def test_not_credential_names(name: str) -> None:
    assert not is_credential_name(name)


def test_scrubbers_remove_planted_credentials() -> None:
    secret = "sk-planted-0123456789"
    request = Request(
        "POST",
        f"http://127.0.0.1:4567/atoms/mcp?api_key={secret}&organization_id=o",
        (
            '{"name": "x", "bearer_token": "tok-123456789", "max_tokens": 5, "bearer_token_id": "id-1",'
            f' "metadata": {{"env": {{"GITHUB_TOKEN": "ghp_abcdefgh"}}, "note": "Bearer {secret}"}}}}'
        ),
        {"Authorization": f"Bearer {secret}", "Content-Type": "application/json", "Host": "127.0.0.1:4567"},
    )
    cassette = {
        "interactions": [
            {
                "request": {
                    "uri": request.uri,
                    "headers": {k: [v] for k, v in request.headers.items()},
                    "body": request.body.decode(),
                },
                "response": {
                    "headers": {"Set-Cookie": ["session=abc"], "Content-Type": ["application/json"]},
                    "body": {"string": '{"client_secret": "cs-1", "id": "1"}'},
                },
            }
        ]
    }
    planted = find_credentials(cassette)
    assert len(planted) >= 6, planted
    assert find_forbidden_text(str(cassette), [secret])

    scrubbed_request = request_scrubber("http://127.0.0.1:4567", [secret])(request)
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {
            "Set-Cookie": ["session=abc"],
            "Content-Type": ["application/json"],
            "Content-Length": ["37"],
        },
        "body": {"string": b'{"client_secret": "cs-1", "id": "1"}'},
    }
    scrubbed_response = response_scrubber([secret])(response)
    clean = {
        "interactions": [
            {
                "request": {
                    "uri": scrubbed_request.uri,
                    "headers": {k: [v] for k, v in scrubbed_request.headers.items()},
                    "body": scrubbed_request.body.decode(),
                },
                "response": scrubbed_response,
            }
        ]
    }
    assert find_credentials(clean) == []
    assert find_forbidden_text(str(clean), [secret]) == []
    assert scrubbed_request.uri.startswith("http://chatserver.cassette/atoms/mcp?")
    assert scrubbed_request.headers["Host"] == "chatserver.cassette"
    body = yaml.safe_load(scrubbed_request.body)
    assert (body["max_tokens"], body["bearer_token_id"]) == (5, "id-1")
    assert scrubbed_response["headers"]["Content-Length"] == [str(len(scrubbed_response["body"]["string"]))]


def test_event_stream_bodies_are_scrubbed() -> None:
    stream = b'data: {"id": "1", "access_token": "at-1"}\n\ndata: [DONE]\n\n'
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": ["text/event-stream; charset=utf-8"]},
        "body": {"string": stream},
    }
    scrubbed = response_scrubber([])(response)["body"]["string"]
    assert b"at-1" not in scrubbed
    assert scrubbed.endswith(b"data: [DONE]\n\n")
