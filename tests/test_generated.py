"""The generated client source: up to date, and what help(), jedi and go-to-definition show."""

from __future__ import annotations

import ast
import inspect
import json
import os
import pydoc
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import jedi
import pytest

import chatserver_sdk
from chatserver_sdk import AsyncChatServerClient, ChatServerClient, PlatformStats
from chatserver_sdk._codegen import TARGET, generate
from chatserver_sdk._operations import ENDPOINTS

PACKAGE = Path(chatserver_sdk.__file__).parent
OPTIONS = ["extra_headers", "extra_query", "extra_body", "timeout"]


def test_the_checked_in_endpoints_are_what_the_generator_writes() -> None:
    assert TARGET.read_text() == generate(), "run `python -m chatserver_sdk._codegen` and commit the result"


@pytest.mark.parametrize("cls", [ChatServerClient, AsyncChatServerClient])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_every_method_has_the_builders_signature_plus_per_call_options(cls: type, endpoint: object) -> None:
    name = endpoint.name  # type: ignore[attr-defined]
    method = getattr(cls, name)
    built = list(inspect.signature(endpoint.build).parameters)  # type: ignore[attr-defined]
    assert list(inspect.signature(method).parameters) == ["self", *built, *OPTIONS]
    assert method.__doc__ and method.__doc__.startswith(endpoint.build.__doc__.split("\n")[0])  # type: ignore[attr-defined]
    assert inspect.getsourcefile(method) == str(PACKAGE / "_endpoints.py")
    if cls is AsyncChatServerClient:
        assert inspect.iscoroutinefunction(method)


def test_help_shows_the_real_return_type_and_signature() -> None:
    text = pydoc.render_doc(ChatServerClient.get_platform_stats, renderer=pydoc.plaintext)
    # Quoted, as in openai-python: both modules use postponed annotations.
    assert "-> 'PlatformStats'" in text and "Operation" not in text
    assert "extra_headers: 'Headers | None' = None" in text
    assert typing.get_type_hints(ChatServerClient.get_platform_stats)["return"] is PlatformStats
    completion = pydoc.render_doc(ChatServerClient.create_completion, renderer=pydoc.plaintext)
    assert "(*args, **kwargs)" not in completion and "session_id: 'str | None' = None" in completion


SCRIPT = "from chatserver_sdk import ChatServerClient\nclient = ChatServerClient()\nclient.list_sessions("


def test_jedi_sees_signature_docstring_and_definition() -> None:
    script = jedi.Script(SCRIPT, path="example.py")
    line, column = 3, len("client.list_sessions(")
    (signature,) = script.get_signatures(line, column)
    assert [p.name for p in signature.params] == ["user_id", "page", "page_size", *OPTIONS]
    assert "One page of a user's stored chat sessions" in signature.docstring()
    (definition,) = script.goto(3, len("client.list_se"))
    assert definition.module_path == PACKAGE / "_endpoints.py"
    source = (PACKAGE / "_endpoints.py").read_text().splitlines()
    assert source[definition.line - 1].strip() == "def list_sessions("
    completions = {c.name for c in jedi.Script(SCRIPT[: -len("list_sessions(")], path="e.py").complete(3, 7)}
    assert {"create_completion", "iter_sessions", "get_platform_stats", "chat", "models"} <= completions


def _private_openai_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openai._"):
            uses.append(f"imports {node.module}")
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_") and not node.name.startswith("__"):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Name) and decorator.id == "override":
                    uses.append(f"overrides {node.name}")
    return uses


def test_private_openai_names_are_used_in_one_module_only() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): uses
        for path in PACKAGE.rglob("*.py")
        if path.name != "_openai_compat.py" and (uses := _private_openai_uses(path))
    }
    assert offenders == {}
    assert _private_openai_uses(PACKAGE / "_openai_compat.py")  # the seam itself is found by the same scan


@pytest.mark.slow
def test_pyright_knows_the_type_of_every_public_symbol() -> None:
    # pyright runs in this interpreter's environment, where the package is installed.
    env = {
        **os.environ,
        "VIRTUAL_ENV": sys.prefix,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    pyright = shutil.which("pyright", path=env["PATH"])
    assert pyright, "pyright is in the dev extra: pip install -e '.[dev]'"
    result = subprocess.run(
        [pyright, "--verifytypes", "chatserver_sdk", "--ignoreexternal", "--outputjson"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    report = json.loads(result.stdout)["typeCompleteness"]
    unknown = [
        f"{symbol['name']}: {diagnostic['message'].splitlines()[0]}"
        for symbol in report["symbols"]
        for diagnostic in symbol["diagnostics"]
        if diagnostic["severity"] == "error" and "docstring" not in diagnostic["message"]
    ]
    assert unknown == []
    assert report["completenessScore"] == 1
    assert report["exportedSymbolCounts"]["withKnownType"] > 900
