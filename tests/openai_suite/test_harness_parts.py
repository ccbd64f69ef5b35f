"""The harness's own parts, without running openai's suite: the swap, openai's pytest settings,
the sdist extraction, the CI rule and the shape of the differences list."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import openai
import pytest

from .conftest import unavailable
from .differences import EXPECTED_DIFFERENCES
from .fetch import FetchError, _extract, cached_tests
from .runner import HarnessError, _prepare, pytest_ini, swap_clients

OPENAI_STYLE = """from __future__ import annotations

import httpx2
from openai import (
    OpenAI,
    AsyncOpenAI,
    OpenAIError,
)
from openai._models import BaseModel

# openai's test module builds clients at import time (parametrize lists): they must be ours.
BUILT_AT_IMPORT = (OpenAI, AsyncOpenAI)
"""


def test_the_swap_rebinds_both_clients_before_the_module_body_uses_them() -> None:
    from chatserver_sdk import AsyncChatServerClient, ChatServerClient

    text, names = swap_clients(OPENAI_STYLE, "test_client.py")
    namespace: dict[str, object] = {}
    exec(compile(text, "test_client.py", "exec"), namespace)

    assert names == {"OpenAI", "AsyncOpenAI"}
    assert namespace["BUILT_AT_IMPORT"] == (ChatServerClient, AsyncChatServerClient)
    assert namespace["OpenAIError"] is openai.OpenAIError  # the rest of openai's import is untouched


def test_the_swap_rebinds_only_the_names_a_module_imports() -> None:
    text, names = swap_clients("from openai import OpenAI\nclient_class = OpenAI\n", "utils.py")

    assert names == {"OpenAI"}
    assert "ChatServerClient as OpenAI" in text and "AsyncOpenAI" not in text


def test_a_module_without_openais_clients_is_left_alone() -> None:
    source = "from openai import OpenAIError\nimport openai\n"

    assert swap_clients(source, "utils.py") == (source, set())


def test_a_test_module_that_stopped_importing_the_clients_is_an_error(tmp_path: Path) -> None:
    tests = tmp_path / "sdist" / "tests"
    tests.mkdir(parents=True)
    (tests / "test_client.py").write_text("import openai\n")
    (tmp_path / "sdist" / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    (tmp_path / "run").mkdir()

    with pytest.raises(HarnessError, match=r"test_client\.py no longer imports OpenAI and AsyncOpenAI"):
        _prepare(tests, tmp_path / "run", "chatserver")


def test_pytest_ini_keeps_openais_settings_but_not_its_xdist_addopts(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\naddopts = "--tb=short -n auto"\n'
        'xfail_strict = true\nasyncio_mode = "auto"\nfilterwarnings = ["error", "ignore::ResourceWarning"]\n'
    )

    ini = pytest_ini(pyproject)

    assert ini.splitlines() == [
        "[pytest]",
        "testpaths =",
        "    tests",
        "xfail_strict = true",
        "asyncio_mode = auto",
        "filterwarnings =",
        "    error",
        "    ignore::ResourceWarning",
    ]


def _sdist(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


def test_only_the_tests_and_pyproject_are_extracted(tmp_path: Path) -> None:
    sdist = _sdist(
        tmp_path / "openai-9.0.0.tar.gz",
        {
            "openai-9.0.0/tests/test_client.py": b"from openai import OpenAI, AsyncOpenAI\n",
            "openai-9.0.0/tests/respx2/router.py": b"",
            "openai-9.0.0/pyproject.toml": b"[tool.pytest.ini_options]\n",
            "openai-9.0.0/src/openai/__init__.py": b"",
        },
    )
    root = tmp_path / "cache"
    root.mkdir()

    _extract(sdist, "9.0.0", root / "9.0.0")

    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == [
        "9.0.0/pyproject.toml",
        "9.0.0/tests/respx2/router.py",
        "9.0.0/tests/test_client.py",
    ]
    assert cached_tests("9.0.0", root) == root / "9.0.0" / "tests"
    assert cached_tests("9.0.1", root) is None


def test_an_archive_member_leaving_the_folder_is_refused(tmp_path: Path) -> None:
    sdist = _sdist(tmp_path / "openai-9.0.0.tar.gz", {"openai-9.0.0/tests/../../../escape.py": b""})

    with pytest.raises(FetchError, match="refusing the archive member"):
        _extract(sdist, "9.0.0", tmp_path / "out")
    assert not (tmp_path / "escape.py").exists()


def test_missing_suite_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no network"):
        unavailable("no network")

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"no network \(CI must run"):
        unavailable("no network")


def test_each_difference_has_a_one_line_reason_and_distinct_tests() -> None:
    seen: dict[str, str] = {}
    for cause, entry in EXPECTED_DIFFERENCES.items():
        assert entry.kind in ("deliberate", "bug"), cause
        assert "\n" not in entry.reason and len(entry.reason) < 300, cause
        assert entry.tests, f"{cause}: names no test"
        for test in entry.tests:
            assert "::" in test, f"{cause}: {test!r} is not Class::test"
            assert test not in seen, f"{test} is listed under {seen[test]!r} and {cause!r}"
            seen[test] = cause
