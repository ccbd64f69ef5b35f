"""The parser alone: what every command accepts and documents, and usage errors (no server needed)."""

from __future__ import annotations

import argparse
import io
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from chatserver_sdk._agent_helpers import DEFAULT_AGENT_TIMEOUT
from chatserver_sdk.cli import _agent_cmds, build_parser, main


def parsers(
    parser: argparse.ArgumentParser | None = None, path: str = "chatserver"
) -> Iterator[tuple[str, Any]]:
    """Every parser of the command line, with its command path."""
    parser = parser or build_parser()
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, f"{path} {name}")


def leaves() -> list[tuple[str, Any]]:
    """The commands that run something (not the groups of actions)."""
    return [
        (path, parser)
        for path, parser in parsers()
        if path != "chatserver"
        and not any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)
    ]


def test_the_default_wait_is_the_sdks() -> None:
    # Written out in the command line so that its help does not import the SDK.
    assert _agent_cmds.DEFAULT_AGENT_TIMEOUT == DEFAULT_AGENT_TIMEOUT


def test_every_option_and_positional_has_help() -> None:
    missing = []
    for path, parser in parsers():
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"{path} {a.dest}" for a in action._choices_actions if not a.help]
            elif not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{path} {action.option_strings or action.dest}")
    assert missing == []


def test_every_command_shows_examples_in_its_help() -> None:
    without = []
    for path, parser in parsers():
        text = parser.format_help()
        examples = text.partition("\nexamples:\n")[2]
        if not examples.startswith("  ") or not re.search(rf"{re.escape(path)}(\s|$)", examples, re.M):
            without.append(path)
    assert without == []


def test_every_help_fits_an_80_column_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps its own text to this; ours must fit too
    wide = [
        f"{path}: {line!r}"
        for path, parser in parsers()
        for line in parser.format_help().splitlines()
        if len(line) > 80
    ]
    assert wide == []


def test_every_client_command_takes_json() -> None:
    without_json = sorted(path for path, leaf in leaves() if "--json" not in leaf._option_string_actions)
    assert without_json == ["chatserver completion", "chatserver demo", "chatserver emulator"]
    assert {path.split()[1] for path, _ in leaves()} >= {
        "models",
        "chat",
        "sessions",
        "stats",
        "admins",
        "audit",
        "mcp",
        "agent",
    }


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """``main(argv)`` with no server anywhere: a usage error must not need one."""
    for name in ("CHATSERVER_MODEL", "CHATSERVER_USER_ID", "CHATSERVER_API_KEY", "CHATSERVER_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHATSERVER_BASE_URL", "http://127.0.0.1:9")  # nothing listens there

    def run(*argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        status = main(list(argv))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate' (choose from "),
        (
            ["models", "--no-such-option"],
            "unrecognized arguments: --no-such-option (`chatserver models --help` shows the usage)",
        ),
        (
            ["sessions"],
            "the following arguments are required: ACTION (`chatserver sessions --help` shows the usage)",
        ),
        (
            ["agent", "ask"],
            "the following arguments are required: content (`chatserver agent ask --help` shows the usage)",
        ),
        (["audit", "-n", "0"], "argument -n/--limit: '0' is out of range; give a whole number from 1 to"),
    ],
)
def test_a_usage_error_is_one_line_with_status_2(cli: Any, argv: list[str], message: str) -> None:
    status, out, err = cli(*argv)
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("chatserver") and ": error: " in err, err
    assert message in err


def test_no_command_is_a_usage_error_with_the_usage_on_stderr(cli: Any) -> None:
    status, out, err = cli()
    assert (status, out) == (2, "")
    assert err.startswith("usage: chatserver")
    assert "a COMMAND is required" in err


def test_help_goes_to_stdout_with_status_0(cli: Any) -> None:
    status, out, err = cli("agent", "ask", "--help")
    assert (status, err) == (0, "")
    assert out.startswith("usage: chatserver agent ask")
    assert "\nexamples:\n  chatserver agent ask " in out
