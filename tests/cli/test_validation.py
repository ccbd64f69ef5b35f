"""Bad input is refused before anything is sent: one line naming the option and the value, status 2.

The server here records every request; each case checks it received none.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from chatserver_sdk.cli import main

from .scripted import ScriptedServer, scripted

pytestmark = pytest.mark.slow  # a server (a recording one) runs for these

USER = "00000000-0000-0000-0000-000000000001"
ID = "00000000-0000-0000-0000-0000000000aa"


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    with scripted() as server:
        for name in ("CHATSERVER_MODEL", "CHATSERVER_USER_ID", "CHATSERVER_API_KEY", "CHATSERVER_LOG"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("CHATSERVER_BASE_URL", server.url)
        monkeypatch.setenv("CHATSERVER_MODEL", "claude-sonnet-4-5@20250929")
        yield server


@pytest.fixture
def cli(recorder: ScriptedServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    def run(*argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        status = main(list(argv))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


REFUSED = [
    # (argv, what the error must say: the option and the value)
    (
        ["chat", "--temperature", "9", "hi"],
        "argument --temperature: '9' is out of range; give a number from 0 to 2",
    ),
    (["chat", "--temperature", "nan", "hi"], "argument --temperature: 'nan' is out of range"),
    (["chat", "--temperature", "warm", "hi"], "argument --temperature: 'warm' is not a number"),
    (["chat", "--max-tokens", "0", "hi"], "argument --max-tokens: '0' is out of range"),
    (["chat", "--max-tokens", "1.5", "hi"], "argument --max-tokens: '1.5' is not a whole number"),
    (["chat", "--user-id", "bob", "hi"], "argument --user-id: 'bob' is not a UUID"),
    (["chat", "--user-id", USER, "--session", "s-1", "hi"], "argument --session: 's-1' is not a UUID"),
    (["chat", "-m", " ", "hi"], "argument -m/--model: ' ' is blank"),
    (["sessions", "list", "--user-id", "bob"], "argument --user-id: 'bob' is not a UUID"),
    (
        ["sessions", "list", "--user-id", USER, "--page-size", "0"],
        "argument --page-size: '0' is out of range",
    ),
    (["sessions", "list", "--user-id", USER, "--page-size", "101"], "give a whole number from 1 to 100"),
    (["sessions", "list", "--user-id", USER, "-n", "-3"], "argument -n/--limit: '-3' is out of range"),
    (
        ["sessions", "list", "--user-id", USER, "-n", "99999999999999999999"],
        "'99999999999999999999' is out of range",
    ),
    (["sessions", "show", "nope", "--user-id", USER], "argument SESSION: 'nope' is not a UUID"),
    (
        ["audit", "--page-size", "201"],
        "argument --page-size: '201' is out of range; give a whole number from 1 to 200",
    ),
    (["audit", "--follow", "--interval", "0"], "argument --interval: '0' is out of range"),
    (["audit", "--follow", "--interval", "1e300"], "argument --interval: '1e300' is out of range"),
    (["mcp", "update", "nope", "--name", "x"], "argument ID: 'nope' is not a UUID"),
    (["mcp", "remove", "nope"], "argument ID: 'nope' is not a UUID"),
    (["mcp", "list", "--org", "acme"], "argument --org: 'acme' is not a UUID"),
    (
        ["mcp", "add", "x", "mcp.example.com", "--scope", "platform"],
        "argument endpoint: 'mcp.example.com' is not",
    ),
    (["mcp", "add", "x", "ftp://example.com", "--scope", "platform"], "'ftp://example.com' is not an http"),
    (["mcp", "add", "", "https://example.com", "--scope", "platform"], "argument name: '' is blank"),
    (
        ["mcp", "add", "x", "https://example.com", "--scope", "platform", "--env", "novalue"],
        "'novalue' is not NAME",
    ),
    (["mcp", "add", "x", "https://example.com", "--scope", "org"], "argument --scope: invalid choice: 'org'"),
    (
        ["admins", "add", "notanemail", "--workos-id", "w"],
        "argument email: 'notanemail' is not an email address",
    ),
    (["admins", "add", "a@example.com", "--workos-id", " "], "argument --workos-id: ' ' is blank"),
    (["admins", "remove", "nobody"], "argument email: 'nobody' is not an email address"),
    (["agent", "ask", "--wait-timeout", "0", "hi"], "argument --wait-timeout: '0' is out of range"),
    (["agent", "wait", "--wait-timeout", "-1"], "argument --wait-timeout: '-1' is out of range"),
    (["agent", "send", " "], "the message is blank"),
    (["agent", "ask", ""], "the message is blank"),
    (["agent", "upload", "/nonexistent/notes.txt"], "FILE: '/nonexistent/notes.txt' is not a regular file"),
    (["agent", "upload", "/dev/zero"], "FILE: '/dev/zero' is not a regular file"),
    (["agent", "upload", "/tmp"], "FILE: '/tmp' is not a regular file"),
    (["chat", "-i", "--json"], "--json prints one turn's result"),
    (["models", "--timeout", "0"], "argument --timeout: '0' is out of range"),
    (["models", "--timeout", "nan"], "argument --timeout: 'nan' is out of range"),
    (["models", "--timeout", "soon"], "argument --timeout: 'soon' is not a number of seconds"),
    (["--base-url", "localhost:3284", "models"], "argument --base-url: 'localhost:3284' is not an http"),
    (["models", "--base-url", "http://[::1"], "argument --base-url: 'http://[::1' is not an http"),
    (["models", "--base-url", "http://localhost:port"], "'http://localhost:port' is not an http"),
]


@pytest.mark.parametrize(("argv", "message"), REFUSED, ids=[" ".join(argv) for argv, _ in REFUSED])
def test_refused_locally(cli: Any, recorder: ScriptedServer, argv: list[str], message: str) -> None:
    status, out, err = cli(*argv)
    assert (status, out) == (2, ""), err
    assert err.count("\n") == 1 and ": error: " in err, err
    assert message in err, err
    assert len(err) < 300
    assert recorder.requests == []


def test_a_key_with_whitespace_is_refused_without_quoting_it(cli: Any, recorder: ScriptedServer) -> None:
    status, _, err = cli("models", "--api-key", "sk-secret-value\n")
    assert status == 2
    assert "argument --api-key: the key contains whitespace at position 15" in err
    assert "sk-secret" not in err
    assert recorder.requests == []


def test_a_bad_user_id_in_the_environment_names_the_variable(
    cli: Any, recorder: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHATSERVER_USER_ID", "bob")
    status, _, err = cli("sessions", "list")
    assert status == 2
    assert "$CHATSERVER_USER_ID: 'bob' is not a UUID" in err
    assert recorder.requests == []


def test_an_upload_over_agentapis_limit_is_refused_before_reading(
    cli: Any, recorder: ScriptedServer, tmp_path: Any
) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as file:
        file.truncate(10 * 2**20 + 1)  # sparse: nothing is written, the size is what counts
    status, _, err = cli("agent", "upload", str(big))
    assert status == 2
    assert f"FILE: '{big}' is 10.0 MiB; agentapi takes files up to 10 MiB" in err
    assert recorder.requests == []


def test_text_piped_in_that_is_not_utf8_is_refused(recorder: ScriptedServer) -> None:
    import subprocess

    from .helpers import CHATSERVER, environment

    done = subprocess.run(
        [str(CHATSERVER), "chat", "-m", "m"],
        input=b"caf\xe9\n",
        capture_output=True,
        env=environment(recorder.url, LANG="C.UTF-8", PYTHONIOENCODING="utf-8"),
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.decode() == (
        "chatserver chat: error: stdin: the text piped in is not utf-8 (byte 0xe9 at offset 3);"
        " convert it first, e.g. with iconv\n"
    )
    assert recorder.requests == []
