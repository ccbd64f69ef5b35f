"""The generated client source: up to date, and what help(), jedi and go-to-definition show."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import pydoc
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import jedi
import pytest

import chatserver_sdk
from chatserver_sdk import AsyncChatServerClient, ChatServerClient, PlatformStats
from chatserver_sdk._codegen import generate
from chatserver_sdk._operations import ENDPOINTS, HELPERS

PACKAGE = Path(chatserver_sdk.__file__).parent
OPTIONS = ["extra_headers", "extra_query", "extra_body", "timeout"]
RESOURCE_ENDPOINTS = [endpoint for endpoint in ENDPOINTS if endpoint.resource]


def test_the_checked_in_files_are_what_the_generator_writes() -> None:
    for path, text in generate().items():
        assert path.read_text() == text, f"{path.name}: run `python -m chatserver_sdk._codegen` and commit it"
    assert (PACKAGE.parent / "api.md") in generate()


def _limits(endpoint: object) -> list[str]:
    return ["deadline", "idle_timeout"] if endpoint.limits else []  # type: ignore[attr-defined]


def _resource(client: object, path: str) -> object:
    for part in path.split("."):
        client = getattr(client, part)
    return client


@pytest.mark.parametrize("cls", [ChatServerClient, AsyncChatServerClient])
@pytest.mark.parametrize("endpoint", RESOURCE_ENDPOINTS, ids=lambda e: f"{e.resource}.{e.method}")
def test_every_resource_method_has_the_builders_parameters_plus_per_call_options(
    cls: type, endpoint: object
) -> None:
    resource = _resource(cls(base_url="http://chatserver.test"), endpoint.resource)  # type: ignore[attr-defined]
    method = getattr(type(resource), endpoint.method)  # type: ignore[attr-defined]
    built = inspect.signature(endpoint.build).parameters  # type: ignore[attr-defined]
    signature = inspect.signature(method).parameters
    assert list(signature) == ["self", *built, *OPTIONS, *_limits(endpoint)]
    positional = [name for name, p in signature.items() if p.kind is p.POSITIONAL_OR_KEYWORD][1:]
    by_position = [name for name, p in built.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional == by_position[: endpoint.positional]  # type: ignore[attr-defined]
    assert method.__doc__ and method.__doc__.startswith(endpoint.build.__doc__.split("\n")[0])  # type: ignore[attr-defined]
    assert Path(inspect.getsourcefile(method) or "").parent == PACKAGE / "resources"
    if cls is AsyncChatServerClient and endpoint.page is None:  # type: ignore[attr-defined]
        assert inspect.iscoroutinefunction(method)


@pytest.mark.parametrize("cls", [ChatServerClient, AsyncChatServerClient])
@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.flat], ids=lambda e: e.flat)
def test_every_earlier_name_keeps_the_earlier_signature(cls: type, endpoint: object) -> None:
    method = getattr(cls, endpoint.flat)  # type: ignore[attr-defined]
    built = inspect.signature(endpoint.build).parameters  # type: ignore[attr-defined]
    signature = inspect.signature(method).parameters
    assert list(signature) == ["self", *built, *OPTIONS, *_limits(endpoint)]
    for name, parameter in built.items():
        assert signature[name].kind == parameter.kind, name
        assert signature[name].default == parameter.default, name
    assert f"client.{endpoint.resource}.{endpoint.method}" in (method.__doc__ or "")  # type: ignore[attr-defined]


def _help(thing: object) -> str:
    """``help()``'s text on one line: Python 3.13 breaks a long signature over lines."""
    text = re.sub(r"^ \|", "", pydoc.render_doc(thing, renderer=pydoc.plaintext), flags=re.MULTILINE)
    return re.sub(r"\(\s+", "(", re.sub(r",?\s+\)", ")", " ".join(text.split())))


def test_help_shows_the_real_return_type_and_signature() -> None:
    text = _help(ChatServerClient.get_platform_stats)
    # Quoted, as in openai-python: both modules use postponed annotations.
    assert "-> 'PlatformStats'" in text and "Operation" not in text
    assert "extra_headers: 'Headers | None' = None" in text
    assert typing.get_type_hints(ChatServerClient.get_platform_stats)["return"] is PlatformStats
    completion = _help(ChatServerClient.create_completion)
    assert "(*args, **kwargs)" not in completion and "session_id: 'str | None' = None" in completion
    sessions = _help(importlib.import_module("chatserver_sdk.resources").Sessions)
    assert "list(self, user_id: 'str', *, page: 'int' = 1, page_size: 'int' = 20" in sessions


def _jedi(source: str) -> jedi.Script:
    return jedi.Script(
        "from chatserver_sdk import ChatServerClient\nclient = ChatServerClient()\n" + source, path="e.py"
    )


def test_jedi_sees_signature_docstring_and_definition_of_resource_methods() -> None:
    line = "client.sessions.list("
    (signature,) = _jedi(line).get_signatures(3, len(line))
    assert [p.name for p in signature.params] == ["user_id", "page", "page_size", *OPTIONS]
    assert "One page of a user's stored chat sessions" in signature.docstring()
    (definition,) = _jedi(line).goto(3, len("client.sessions.li"))
    assert definition.module_path == PACKAGE / "resources" / "sessions.py"
    source = definition.module_path.read_text().splitlines()
    assert source[definition.line - 1].strip() == "def list("
    resources = {c.name for c in _jedi("client.").complete(3, len("client."))}
    assert {
        "sessions",
        "platform",
        "mcp_servers",
        "agent",
        "chat",
        "models",
        "create_completion",
    } <= resources
    admins = {c.name for c in _jedi("client.platform.admins.").complete(3, len("client.platform.admins."))}
    assert {"list", "add", "remove", "with_raw_response"} <= admins


def test_jedi_sees_the_earlier_flat_names() -> None:
    line = "client.list_sessions("
    (signature,) = _jedi(line).get_signatures(3, len(line))
    assert [p.name for p in signature.params] == ["user_id", "page", "page_size", *OPTIONS]
    (definition,) = _jedi(line).goto(3, len("client.list_se"))
    assert definition.module_path == PACKAGE / "_client.py"


def test_every_helper_is_on_both_clients() -> None:
    for helper in HELPERS:
        for cls in (ChatServerClient, AsyncChatServerClient):
            if helper.resource:
                resource_cls = type(_resource(cls(base_url="http://chatserver.test"), helper.resource))
                assert callable(getattr(resource_cls, helper.method))
            assert callable(getattr(cls, helper.flat))


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
