"""Every ``chatserver`` command, run in-process (``main([...])``) against an emulator.

Subprocess cases (entry points, pipes, terminals, the emulator command, the demo)
are in ``test_cli_processes.py``; the parser alone in ``test_parser.py``.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chatserver_sdk import ChatServerClient, __version__
from chatserver_sdk.cli import main

from ..servers import UpstreamServer

USER_KEY = "sk-cli-user"
ADMIN_KEY = "sk-cli-admin"
MODEL = "claude-sonnet-4-5@20250929"
ORG = "00000000-0000-0000-0000-0000000000aa"


@dataclass
class Run:
    status: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


pytestmark = [pytest.mark.slow, pytest.mark.chatserver_emulator(api_keys=[USER_KEY], admin_keys=[ADMIN_KEY])]


@pytest.fixture
def server(chatserver_emulator: str) -> str:
    return chatserver_emulator


@pytest.fixture(autouse=True)
def environment(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a user's shell would hold; each test may change it.
    monkeypatch.setenv("CHATSERVER_BASE_URL", server)
    monkeypatch.setenv("CHATSERVER_API_KEY", ADMIN_KEY)
    for name in ("CHATSERVER_MODEL", "CHATSERVER_USER_ID", "CHATSERVER_LOG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    def run(*argv: str, stdin: str = "") -> Run:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        status = main(list(argv))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Run(status, captured.out, captured.err)

    return run


def one_line_error(result: Run, status: int, pattern: str) -> None:
    assert result.status == status, result
    assert result.err.count("\n") == 1, result.err
    assert re.search(pattern, result.err), result.err


# --- the command itself --------------------------------------------------------------------


def test_version(cli: Any) -> None:
    result = cli("--version")
    assert result.status == 0
    assert result.out.startswith(f"chatserver {__version__} (chatserver-sdk; openai ")


# --- models ----------------------------------------------------------------------------------


def test_models_table_and_json(cli: Any) -> None:
    table = cli("models")
    assert table.status == 0
    assert re.match(r"MODEL +PROVIDER +CONTEXT +CAPABILITIES\n", table.out)
    assert re.search(rf"^{re.escape(MODEL)} +vertexai +1,048,576 +chat\.completion$", table.out, re.MULTILINE)
    # --json before or after the subcommand
    for argv in (["models", "--json"], ["--json", "models"]):
        models = cli(*argv).json()
        assert MODEL in [m["id"] for m in models]


def test_flags_win_over_the_environment(cli: Any, monkeypatch: pytest.MonkeyPatch, server: str) -> None:
    monkeypatch.setenv("CHATSERVER_API_KEY", "sk-wrong")
    assert cli("models").status == 1
    assert cli("models", "--api-key", USER_KEY).status == 0
    monkeypatch.setenv("CHATSERVER_BASE_URL", "http://127.0.0.1:9")
    assert cli("--base-url", server, "--api-key", USER_KEY, "models").status == 0


# --- chat -----------------------------------------------------------------------------------


def test_chat_streams_one_turn(cli: Any) -> None:
    result = cli("chat", "-m", MODEL, "Hello", "there")
    assert (result.status, result.out) == (0, "Echo (turn 1): Hello there\n")
    assert result.err == ""  # no progress when stderr is not a terminal


def test_chat_without_streaming_and_from_stdin(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATSERVER_MODEL", MODEL)
    assert cli("chat", "--no-stream", "Hello").out == "Echo (turn 1): Hello\n"
    assert cli("chat", stdin="Piped in\n").out == "Echo (turn 1): Piped in\n"
    assert cli("chat", "-", stdin="Dash\n").out == "Echo (turn 1): Dash\n"


def test_chat_json(cli: Any) -> None:
    result = cli("chat", "-m", MODEL, "--json", "Hello")
    reply = result.json()
    assert reply["reply"] == "Echo (turn 1): Hello"
    assert reply["model"] == MODEL and reply["usage"]["completion_tokens"] > 0


def test_chat_stored_and_resumed(cli: Any) -> None:
    user = str(uuid.uuid4())
    first = cli("chat", "-m", MODEL, "--user-id", user, "--json", "First")
    session = first.json()["session_id"]
    second = cli("chat", "-m", MODEL, "--user-id", user, "--session", session, "Second")
    assert second.out == "Echo (turn 2): Second\n"
    assert f"session {session} (continue with --session {session})" in second.err
    with ChatServerClient() as client:
        stored = client.get_session(session, user_id=user).messages
    assert [m.content for m in stored] == ["First", "Echo (turn 1): First", "Second", "Echo (turn 2): Second"]


def test_interactive_chat_resumes_and_shows_history(cli: Any) -> None:
    user = str(uuid.uuid4())
    session = cli("chat", "-m", MODEL, "--user-id", user, "--json", "Start").json()["session_id"]
    lines = "Next\n\n/history\n/session\nLast\n/exit\nnever sent\n"
    result = cli("chat", "-i", "-m", MODEL, "--user-id", user, "--session", session, stdin=lines)
    assert result.status == 0
    assert result.out.splitlines() == [
        "Echo (turn 2): Next",
        "user: Start",
        "assistant: Echo (turn 1): Start",
        "user: Next",
        "assistant: Echo (turn 2): Next",
        "Echo (turn 3): Last",
    ]
    assert f"Resumed session {session}: 2 messages so far." in result.err
    assert f"session: {session}" in result.err
    assert "you>" not in result.err  # lines piped in get no prompts


def test_interactive_slash_words_are_commands_and_never_sent(cli: Any) -> None:
    lines = "/help\n/frobnicate now\n//etc/hosts is a file\n/usr/bin\nHello\n/exit\n"
    result = cli("chat", "-i", "-m", MODEL, stdin=lines)
    assert result.status == 0
    # Two turns reached the server: the line sent with its slash doubled, and Hello.
    assert result.out == "Echo (turn 1): /etc/hosts is a file\nEcho (turn 2): Hello\n"
    for command in ("/help", "/history", "/session", "/exit", "//"):
        assert command in result.err
    assert "/frobnicate: no such command, not sent (/help lists them; //text sends /text)" in result.err
    assert "/usr/bin: no such command, not sent" in result.err


def test_interactive_chat_ends_at_end_of_input_and_keeps_no_history_without_a_user(cli: Any) -> None:
    result = cli("chat", "-i", "-m", MODEL, stdin="One\nTwo\n")
    assert (result.status, result.out) == (0, "Echo (turn 1): One\nEcho (turn 2): Two\n")
    assert "resume with" not in result.err


@pytest.mark.parametrize(
    ("argv", "pattern"),
    [
        (["chat", "-m", MODEL, "--session", str(uuid.UUID(int=3)), "hi"], r"no user: pass --user-id"),
        (["chat", "-m", MODEL], r"nothing to send"),
        (["chat", "-m", MODEL, "-i", "hi"], r"not both"),
    ],
)
def test_chat_usage_errors(cli: Any, argv: list[str], pattern: str) -> None:
    one_line_error(cli(*argv), 2, pattern)


def test_without_a_model_the_first_listed_is_used_and_named(cli: Any, server: str) -> None:
    with ChatServerClient(base_url=server, api_key=USER_KEY) as client:
        first = client.list_models().data[0].id
    result = cli("chat", "Hello")
    assert (result.status, result.out) == (0, "Echo (turn 1): Hello\n")
    assert result.err == (
        f"chatserver chat: using {first}, the server's first model (--model or $CHATSERVER_MODEL picks one)\n"
    )
    assert cli("chat", "--json", "Hello").json()["model"] == first


def test_the_model_from_the_environment_is_used_quietly(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATSERVER_MODEL", "some-other-model")
    result = cli("chat", "--json", "Hello")
    assert (result.json()["model"], result.err) == ("some-other-model", "")


def test_a_server_with_no_models_needs_one_named(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from .scripted import Reply, scripted

    with scripted(lambda request: Reply.json({"object": "list", "data": []})) as empty:
        monkeypatch.setenv("CHATSERVER_BASE_URL", empty.url)
        result = cli("chat", "Hello")
        assert [r.path for r in empty.requests] == ["/v1/models"]
    one_line_error(result, 1, r"^chatserver chat: the server lists no models; pass --model ID")


def test_a_session_id_with_nothing_stored_starts_that_session(cli: Any) -> None:
    # As create_completion does: a new UUID is a new session under that id (issue 18).
    user, session = str(uuid.uuid4()), str(uuid.uuid4())
    result = cli("chat", "-m", MODEL, "--user-id", user, "--session", session, "hi")
    assert (result.status, result.out) == (0, "Echo (turn 1): hi\n")
    assert f"continue with --session {session}" in result.err


# --- sessions -------------------------------------------------------------------------------


@pytest.fixture
def user_with_sessions(server: str) -> tuple[str, list[str]]:
    user = str(uuid.uuid4())
    with ChatServerClient(base_url=server, api_key=USER_KEY) as client:
        for number in range(5):
            client.create_completion(model=MODEL, messages=[f"topic {number}"], user=user)
        ids = [s.id for s in client.list_sessions(user).sessions]
    return user, ids


def test_sessions_list(
    cli: Any, user_with_sessions: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    user, ids = user_with_sessions
    table = cli("sessions", "list", "--user-id", user)
    assert table.out.splitlines()[0].split() == ["SESSION", "TITLE", "MSGS", "TOKENS", "LAST"]
    assert [line.split()[0] for line in table.out.splitlines()[1:]] == ids
    assert re.search(rf"^{ids[0]}  topic 4 +2 +\d+ +\d{{4}}-\d\d-\d\d \d\d:\d\d$", table.out, re.MULTILINE)
    assert [s["id"] for s in cli("sessions", "list", "--user-id", user, "-n", "2", "--json").json()] == ids[
        :2
    ]
    monkeypatch.setenv("CHATSERVER_USER_ID", user)
    everything = cli("sessions", "list", "--all", "--page-size", "2", "--json").json()
    assert [s["id"] for s in everything] == ids


def test_sessions_show(cli: Any, user_with_sessions: tuple[str, list[str]]) -> None:
    user, ids = user_with_sessions
    text = cli("sessions", "show", ids[-1], "--user-id", user).out
    assert re.search(r"^title: +topic 0$", text, re.MULTILINE)
    assert text.endswith("#0 user: topic 0\n#1 assistant: Echo (turn 1): topic 0\n")
    detail = cli("sessions", "show", ids[-1], "--user-id", user, "--json").json()
    assert detail["session"]["id"] == ids[-1] and len(detail["messages"]) == 2


def test_an_empty_listing(cli: Any) -> None:
    assert cli("sessions", "list", "--user-id", str(uuid.uuid4()), "--json").json() == []
    empty = cli("sessions", "list", "--user-id", str(uuid.uuid4()))
    assert (empty.status, empty.out, empty.err) == (0, "", "(no sessions)\n")


# --- platform ---------------------------------------------------------------------------------


def test_empty_results_say_so_on_stderr(cli: Any) -> None:
    for argv, note in [
        (["audit"], "(no entries)\n"),
        (["admins", "list"], "(no admins)\n"),
        (["mcp", "list", "--org", ORG], "(no MCP servers)\n"),
        (["agent", "messages"], "(no messages)\n"),
        (["sessions", "list", "--user-id", str(uuid.uuid4())], "(no sessions)\n"),
    ]:
        empty = cli(*argv)
        assert (empty.status, empty.out, empty.err) == (0, "", note), argv
        as_json = cli(*argv, "--json")  # JSON says it itself, and stderr stays quiet
        assert (as_json.json(), as_json.err) == ([], ""), argv


def test_stats(cli: Any) -> None:
    text = cli("stats").out
    assert re.search(r"^health: +healthy$", text, re.MULTILINE)
    assert cli("stats", "--json").json()["system_health"]["status"] == "healthy"


def test_a_non_admin_key_is_one_line_naming_what_is_needed(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATSERVER_API_KEY", USER_KEY)
    for argv in (["stats"], ["admins", "list"], ["audit"]):
        one_line_error(cli(*argv), 1, r": 403 Forbidden: .*\(this needs a platform admin's key\)$")


def test_admins_add_list_remove(cli: Any) -> None:
    added = cli("admins", "add", "grace@example.com", "--workos-id", "wos-1", "--name", "Grace Hopper")
    assert added.out == "added grace@example.com as a platform admin\n"
    table = cli("admins", "list").out
    assert re.search(r"^grace@example\.com +Grace Hopper +\S+ +\d{4}-", table, re.MULTILINE)
    assert "grace@example.com" in [a["email"] for a in cli("admins", "list", "--json").json()]
    assert cli("admins", "remove", "grace@example.com", "--json").json()["email"] == "grace@example.com"
    assert "grace@example.com" not in cli("admins", "list").out


def test_audit_newest_first(cli: Any) -> None:
    for number in range(3):
        cli("admins", "add", f"audit{number}@example.com", "--workos-id", f"w{number}")
    lines = cli("audit", "-n", "3").out.splitlines()
    # date, time, action, resource, resource id, "by", who
    assert [line.split()[2:5] for line in lines] == [
        ["platform_admin.added", "platform_admin", f"audit{n}@example.com"] for n in (2, 1, 0)
    ]
    entries = cli("audit", "--all", "--page-size", "2", "--json").json()
    with ChatServerClient() as client:
        assert [e["id"] for e in entries] == [e.id for e in client.iter_audit_log()]


# --- MCP registry ---------------------------------------------------------------------------------


def test_mcp_add_list_update_remove(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCS_TOKEN", "sk-docs-secret")
    added = cli(
        *["mcp", "add", "docs", "https://mcp.example.com/docs", "--scope", "organization", "--org", ORG],
        *[
            "--auth",
            "bearer",
            "--bearer-token-env",
            "DOCS_TOKEN",
            "--arg=--verbose",
            "--env",
            "LEVEL=2",
            "--json",
        ],
    )
    server = added.json()
    assert (server["name"], server["auth_type"], server["metadata"]["env"]) == (
        "docs",
        "bearer",
        {"LEVEL": "2"},
    )
    assert "sk-docs-secret" not in added.out
    listed = cli("mcp", "list", "--org", ORG).out
    assert re.search(
        rf"^{server['id']}  docs +organization +bearer +enabled +https://mcp\.example\.com/docs$",
        listed,
        re.M,
    )
    updated = cli("mcp", "update", server["id"], "--name", "docs2").out
    assert re.search(r"docs2 +organization +bearer +enabled", updated)
    assert cli("mcp", "remove", server["id"], "--org", ORG).out == f"removed docs2 ({server['id']})\n"
    assert cli("mcp", "list", "--org", ORG, "--json").json() == []


def test_a_disabled_mcp_server_is_removed_unchecked(cli: Any) -> None:
    mcp_id = cli(
        "mcp", "add", "off", "https://x.example.com", "--scope", "organization", "--org", ORG, "--json"
    )
    mcp_id = mcp_id.json()["id"]
    assert re.search(r"off +organization +none +disabled", cli("mcp", "update", mcp_id, "--disable").out)
    # Lists leave out disabled servers, so looking first cannot find it ...
    one_line_error(
        cli("mcp", "remove", mcp_id, "--org", ORG), 1, r"not found: .*\(--unchecked removes a disabled"
    )
    # ... and --unchecked says what it did, not "removed": the server's answer does not tell.
    unchecked = cli("mcp", "remove", mcp_id, "--unchecked")
    assert (
        unchecked.out
        == f"sent the removal of {mcp_id}; the server answers the same whether or not it existed\n"
    )
    with ChatServerClient() as client, pytest.raises(Exception, match="no MCP server"):
        client.update_mcp_server(mcp_id, enabled=True)  # it is gone


def deletes(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if '"DELETE ' in r.getMessage()]


def test_removing_what_is_not_there_says_not_found_and_sends_no_delete(
    cli: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="chatserver_sdk.emulator.access")
    one_line_error(
        cli("admins", "remove", "nobody@example.com"),
        1,
        r"^chatserver admins remove: not found: nobody@example\.com is not a platform admin"
        r" \(`chatserver admins list` shows them\)$",
    )
    unknown = str(uuid.uuid4())
    one_line_error(
        cli("mcp", "remove", unknown, "--org", ORG),
        1,
        rf"^chatserver mcp remove: not found: no MCP server {unknown} among those organisation {ORG} can use",
    )
    assert deletes(caplog) == []
    one_line_error(
        cli("mcp", "remove", unknown), 2, r"no organisation: pass --org UUID or set \$CHATSERVER_ORG_ID"
    )
    monkeypatch.setenv("CHATSERVER_ORG_ID", ORG)
    one_line_error(cli("mcp", "remove", unknown), 1, r"not found: no MCP server")


def test_mcp_update_changes_auth_token_and_metadata(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    created = cli(
        "mcp", "add", "tools", "https://mcp.example.com/t", "--scope", "organization", "--org", ORG, "--json"
    )
    mcp_id = created.json()["id"]
    monkeypatch.setenv("TOOLS_TOKEN", "sk-tools-secret")
    updated = cli(
        *["mcp", "update", mcp_id, "--auth", "bearer", "--bearer-token-env", "TOOLS_TOKEN"],
        *["--arg=--verbose", "--env", "LEVEL=2", "--oauth-provider", "none-really", "--json"],
    )
    server = updated.json()
    assert (server["auth_type"], server["metadata"]) == (
        "bearer",
        {"args": ["--verbose"], "env": {"LEVEL": "2"}},
    )
    assert "sk-tools-secret" not in updated.out + updated.err
    cleared = cli("mcp", "update", mcp_id, "--no-args", "--env", "LEVEL=3", "--json").json()
    assert cleared["metadata"] == {"args": [], "env": {"LEVEL": "3"}}


def test_mcp_auth_and_metadata_usage_errors_send_nothing(cli: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="chatserver_sdk.emulator.access")
    mcp_id = str(uuid.uuid4())
    for argv, pattern in [
        (
            ["mcp", "add", "x", "https://x", "--scope", "platform", "--auth", "bearer"],
            r"--auth bearer needs a token: pass --bearer-token-env VAR",
        ),
        (["mcp", "update", mcp_id, "--auth", "bearer"], r"--auth bearer needs a token"),
        (
            ["mcp", "add", "x", "https://x", "--scope", "platform", "--bearer-token-env", "HOME"],
            r"--bearer-token-env: a token goes with --auth bearer",
        ),
        (
            ["mcp", "update", mcp_id, "--env", "A=1"],
            r"--env: the server replaces the metadata whole, so give --arg \(or --no-args\) too",
        ),
        (["mcp", "update", mcp_id, "--arg", "x"], r"give --env NAME=VALUE \(or --no-env\) too"),
    ]:
        one_line_error(cli(*argv), 2, pattern)
    assert [r for r in caplog.records if "/atoms/mcp" in r.getMessage()] == []


@pytest.mark.parametrize(
    ("argv", "pattern"),
    [
        (["mcp", "add", "x", "http://x", "--scope", "organization"], r"no organisation: pass --org UUID"),
        (["mcp", "add", "x", "http://x", "--scope", "user"], "no user"),
        (
            [
                "mcp",
                "add",
                "x",
                "http://x",
                "--scope",
                "platform",
                "--auth",
                "bearer",
                "--bearer-token-env",
                "NOPE_UNSET",
            ],
            "is not set",
        ),
        (["mcp", "update", ORG], "nothing to change"),
    ],
)
def test_mcp_usage_errors(cli: Any, argv: list[str], pattern: str) -> None:
    one_line_error(cli(*argv), 2, pattern)


# --- agent ------------------------------------------------------------------------------------------


def test_agent_commands(cli: Any, tmp_path: Path) -> None:
    assert cli("agent", "status").out == "claude: stable\n"
    assert cli("agent", "ask", "Run", "the", "tests").out == "Echo (turn 1): Run the tests\n"
    asked = cli("agent", "ask", "Again", "--json").json()
    assert [(m["role"], m["content"]) for m in asked] == [("agent", "Echo (turn 2): Again")]
    assert cli("agent", "send", "Third").out == "sent\n"
    assert cli("agent", "wait", "--json").json()["status"] == "stable"
    messages = cli("agent", "messages").out.splitlines()
    assert messages[-1].startswith("#5 agent [") and messages[-1].endswith("]: Echo (turn 3): Third")
    assert len(cli("agent", "messages", "--json").json()) == 6
    notes = tmp_path / "notes.txt"
    notes.write_text("remember the linters\n")
    uploaded = cli("agent", "upload", str(notes), "--name", "todo.txt")
    assert re.fullmatch(rf"uploaded {re.escape(str(notes))} to \S+todo\.txt\n", uploaded.out)


def test_agent_errors(cli: Any, tmp_path: Path) -> None:
    one_line_error(
        cli("agent", "upload", str(tmp_path / "missing.txt")), 2, r"missing\.txt. is not a regular file"
    )
    cli("agent", "send", " ".join(f"w{n}" for n in range(60)))  # about a second of work
    one_line_error(
        cli("agent", "wait", "--wait-timeout", "0.1"),
        1,
        r"^chatserver agent wait: agent\.wait: .* \(status: running\)$",
    )
    assert cli("agent", "wait").status == 0


# --- errors -------------------------------------------------------------------------------------------


def test_a_wrong_key_is_one_line(cli: Any, monkeypatch: pytest.MonkeyPatch, server: str) -> None:
    monkeypatch.setenv("CHATSERVER_API_KEY", "sk-not-a-key")
    result = cli("models")
    one_line_error(result, 1, rf"^chatserver models: {re.escape(server)} refused the key \(401 Unauthorized")
    assert "sk-not-a-key" not in result.err


def test_an_unreachable_server_is_one_line(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    monkeypatch.setenv("CHATSERVER_BASE_URL", f"http://127.0.0.1:{port}")
    one_line_error(
        cli("stats"),
        1,
        rf"^chatserver stats: Could not connect to the ChatServer at http://127\.0\.0\.1:{port}",
    )


@pytest.mark.slow
def test_an_error_mid_reply_ends_the_line_then_says_what_happened(
    cli: Any, monkeypatch: pytest.MonkeyPatch, upstream: UpstreamServer
) -> None:
    monkeypatch.setenv("CHATSERVER_BASE_URL", upstream.base_url)
    result = cli("chat", "-m", MODEL, "Tell me [[fail:runtime]]")
    assert result.status == 1
    assert result.out.startswith("Upstream ") and result.out.endswith("\n")  # the part that came, ended
    assert result.err == (
        "chatserver chat: the server reported an error mid-reply: fake claude: backend failed mid-reply\n"
    )
