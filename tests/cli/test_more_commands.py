"""``health``, ``sessions export``, ``completion`` and ``agent interrupt``."""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest

from chatserver_sdk import ChatServerClient
from chatserver_sdk.cli import main

from .helpers import CHATSERVER, FINISH, environment
from .scripted import Reply, Request, scripted

pytestmark = pytest.mark.slow

MODEL = "claude-sonnet-4-5@20250929"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in ("CHATSERVER_MODEL", "CHATSERVER_USER_ID", "CHATSERVER_API_KEY", "CHATSERVER_BASE_URL"):
        monkeypatch.delenv(name, raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        status = main(list(argv))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return status, captured.out, captured.err

    return run


# --- health ------------------------------------------------------------------------------------------


def test_health_needs_no_key(cli: Any, chatserver_emulator: str) -> None:
    assert cli("health", "--base-url", chatserver_emulator) == (0, f"{chatserver_emulator}: healthy\n", "")
    status, out, _ = cli("health", "--base-url", chatserver_emulator, "--json")
    assert status == 0 and json.loads(out)["status"] == "healthy"


def test_an_unhealthy_server_exits_1(cli: Any) -> None:
    def script(request: Request) -> Reply:
        assert request.path == "/health"
        return Reply.json({"status": "degraded", "circuit_breaker_status": "open", "active_agents": []})

    with scripted(script) as server:
        status, out, err = cli("health", "--base-url", server.url)
    assert (status, out) == (1, f"{server.url}: degraded\n")
    assert err == "chatserver health: the server reports 'degraded', not 'healthy'\n"


def test_an_unreachable_server_is_unhealthy(cli: Any) -> None:
    with scripted() as server:
        url = server.url  # closed when the block ends: nothing listens there now
    status, out, err = cli("health", "--base-url", url)
    assert (status, out) == (1, "")
    assert err.startswith(f"chatserver health: Could not connect to the ChatServer at {url}")


# --- sessions export ---------------------------------------------------------------------------------


@pytest.fixture
def stored(chatserver_emulator: str) -> tuple[str, str]:
    user = str(uuid.uuid4())
    with ChatServerClient(base_url=chatserver_emulator) as client:
        chat = client.conversation(MODEL, user_id=user)
        chat.send("Plan a trip to Rome")
        chat.send("Add a museum\nand a second line")
    assert chat.session_id is not None
    return user, chat.session_id


def test_export_as_json_is_the_whole_session(
    cli: Any, chatserver_emulator: str, stored: tuple[str, str]
) -> None:
    user, session = stored
    status, out, _ = cli("sessions", "export", session, "--user-id", user, "--base-url", chatserver_emulator)
    assert status == 0
    exported = json.loads(out)
    assert exported["session"]["id"] == session
    assert [m["content"] for m in exported["messages"]] == [
        "Plan a trip to Rome",
        "Echo (turn 1): Plan a trip to Rome",
        "Add a museum\nand a second line",
        "Echo (turn 2): Add a museum\nand a second line",
    ]
    as_json = cli(
        "sessions", "export", session, "--user-id", user, "--base-url", chatserver_emulator, "--json"
    )
    assert json.loads(as_json[1]) == exported


def test_export_as_markdown(cli: Any, chatserver_emulator: str, stored: tuple[str, str]) -> None:
    user, session = stored
    status, out, _ = cli(
        "sessions",
        "export",
        session,
        "--user-id",
        user,
        "--format",
        "markdown",
        "--base-url",
        chatserver_emulator,
    )
    assert status == 0
    assert out.startswith(
        f"# Plan a trip to Rome\n\n- session: `{session}`\n- user: `{user}`\n- model: {MODEL}\n"
    )
    assert out.endswith(
        "\n## user (#0)\n\nPlan a trip to Rome\n"
        "\n## assistant (#1)\n\nEcho (turn 1): Plan a trip to Rome\n"
        "\n## user (#2)\n\nAdd a museum\nand a second line\n"
        "\n## assistant (#3)\n\nEcho (turn 2): Add a museum\nand a second line\n"
    )


def test_export_refuses_two_formats(cli: Any, chatserver_emulator: str, stored: tuple[str, str]) -> None:
    user, session = stored
    status, out, err = cli(
        "sessions",
        "export",
        session,
        "--user-id",
        user,
        "--format",
        "markdown",
        "--json",
        "--base-url",
        chatserver_emulator,
    )
    assert (status, out) == (2, "")
    assert "--format markdown and --json disagree" in err


# --- completion --------------------------------------------------------------------------------------


def complete_in_bash(line: str) -> list[str]:
    """What bash offers for ``line`` (the cursor at its end), with the script loaded as a user would."""
    program = (
        'source <("$CHATSERVER" completion bash)\n'
        'read -ra COMP_WORDS <<< "$LINE"\n'
        '[[ "$LINE" == *" " ]] && COMP_WORDS+=("")\n'
        "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
        "_chatserver\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        ["bash", "--norc", "-c", program],
        capture_output=True,
        text=True,
        timeout=FINISH,
        env=environment(CHATSERVER=str(CHATSERVER), LINE=line),
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout.split()


@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("chatserver ", ["models", "chat", "sessions", "health", "stats", "admins", "audit", "mcp", "agent"]),
        ("chatserver se", ["sessions"]),
        ("chatserver sessions ", ["list", "show", "export"]),
        ("chatserver --json sessions ex", ["export"]),
        ("chatserver --base-url http://localhost:3284 ag", ["agent"]),
        ("chatserver agent in", ["interrupt"]),
        ("chatserver sessions export S --format ", ["json", "markdown"]),
        ("chatserver mcp add docs https://x --scope ", ["platform", "organization", "user"]),
        ("chatserver sessions list --pa", ["--page-size"]),
        ("chatserver completion ", ["bash", "zsh"]),
    ],
)
def test_the_bash_script_completes_commands_options_and_choices(line: str, offered: list[str]) -> None:
    candidates = complete_in_bash(line)
    assert set(offered) <= set(candidates), candidates
    if not line.endswith(" "):  # a prefix: nothing else matches it
        assert sorted(candidates) == sorted(offered)


def test_the_bash_script_offers_files_for_a_file(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes.txt").write_text("x")
    assert complete_in_bash(f"chatserver agent upload {tmp_path}/no") == [f"{tmp_path}/notes.txt"]


def test_the_bash_script_is_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every command and action is offered, so a new one cannot be forgotten.
    from .test_parser import parsers

    for path, parser in parsers():
        subs = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
        if subs:
            assert sorted(complete_in_bash(f"{path} ")) == sorted(subs[0].choices), path


@pytest.mark.skipif(
    shutil.which("zsh") is None and not __import__("os").environ.get("CI"), reason="no zsh here"
)
def test_the_zsh_script_registers_and_completes() -> None:
    program = (
        "autoload -U compinit && compinit -u -D\n"
        'source <("$CHATSERVER" completion zsh)\n'
        "print -r -- ${_comps[chatserver]}\n"
        "_chatserver_candidates '' sessions\n"
        "_chatserver_candidates '' mcp add x https://x --scope\n"
    )
    done = subprocess.run(
        ["zsh", "-f", "-c", program],
        capture_output=True,
        text=True,
        timeout=FINISH,
        env=environment(CHATSERVER=str(CHATSERVER)),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["_chatserver", "list show export", "platform organization user"]


# --- agent interrupt ---------------------------------------------------------------------------------


def test_interrupt_says_what_it_did(
    cli: Any, chatserver_emulator: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="chatserver_sdk.emulator.access")
    idle = cli("agent", "interrupt", "--base-url", chatserver_emulator)
    assert idle == (0, "sent ESC to claude, which was already stable: there was no turn to stop\n", "")
    with ChatServerClient(base_url=chatserver_emulator) as client:
        client.send_agent_message(" ".join(f"w{n}" for n in range(200)))  # a few seconds of work
        deadline = time.monotonic() + FINISH
        while client.get_agent_status().status != "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        status, out, _ = cli("agent", "interrupt", "--base-url", chatserver_emulator, "--json")
    assert status == 0
    assert json.loads(out) == {
        "sent": "\u001b",
        "ok": True,
        "agent_type": "claude",
        "status_before": "running",
    }
    posts = [r.getMessage() for r in caplog.records if '"POST /message"' in r.getMessage()]
    assert len(posts) == 3  # the ESC after the idle check, the message, the ESC while it ran
