"""``chatserver demo``: every scenario against an emulator it starts, or against a server you name.

Each case runs the command in its own process, as a user does.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import pytest

from chatserver_sdk import ChatServerClient
from chatserver_sdk.emulator import run_emulator

from ..servers import UpstreamServer

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TITLES = [
    "Models",
    "Chat completion",
    "Streaming",
    "Multi-turn conversation",
    "Session history and resume",
    "The Conversation helper",
    "Platform administration and audit",
    "MCP server registry",
    "Agent control",
    "Walking every page",
    "Error handling",
]
USER_KEY = "sk-demo-user"
ADMIN_KEY = "sk-demo-admin"

pytestmark = pytest.mark.slow


def demo(*args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATSERVER_")}
    if key is not None:
        env["CHATSERVER_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "chatserver_sdk", "demo", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )


def titles(out: str) -> list[str]:
    return re.findall(r"^\d+\. (.+)$", out, re.MULTILINE)


def test_demo_walks_through_every_scenario() -> None:
    done = demo()
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    # It says what it does while the emulator starts.
    assert out.startswith(
        "Starting a ChatServer emulator on a free port...\nChatServer emulator on http://127.0.0.1:"
    )
    assert titles(out) == TITLES
    for pattern in [
        r"the demo talks to claude-",
        r"assistant: Echo \(turn 1\): Write a hello world function in Python\.",
        r"tokens: (\d+) in \+ (\d+) out = \d+",
        r"deltas: 'Echo ' \| ",
        r"turn 2: Echo \(turn 2\): Can you give me an example\?",
        rf"started session {UUID}",
        r"'Draft a project update email\.': 4 messages",
        r"#3 assistant Echo \(turn 2\): Add a bullet list of risks\.",
        rf"conversation under session {UUID} \(made before the first turn\)",
        r"assistant \(streamed\): Echo \(turn 2\): Three days only\.",
        r"resumed from the stored history: 4 messages",
        r"assistant: Echo \(turn 3\): Add a museum\.",
        r"the session now holds 6 messages",
        r"added ada@example\.com \(Ada Lovelace\) as a platform admin, for this demo",
        r"admins \(1\): ada@example\.com",
        r"removed ada@example\.com again: the audit log below records both changes",
        rf"registered docs for organization {UUID} \(its token is never sent back\)\n  listed: \['docs'\]",
        r"disabled, lists hold enabled servers only: \[\]\n  deleted again",
        r"agent \(claude\) is stable\n    agent: Echo \(turn 1\): Run the tests\n  messages so far: 2",
        r"audit \[.+\] platform_admin\.removed",
        r"sessions\.list\(page_size=1\), walked: 2 sessions, one request each: "
        r"\['Plan a trip to Rome\.', 'Draft a project",
        r"platform\.audit\.list\(limit=2\), the first 4 entries, fetched as needed:\n"
        r"    mcp_server\.deleted .*\n    mcp_server\.updated .*\n    mcp_server\.created .*\n"
        r"    platform_admin\.removed ",
        r"empty model and messages: BadRequestError \(400\) messages array must include at least one message",
        r"temperature 3: UnprocessableEntityError \(422\) body\.temperature",
        r"someone else's session: NotFoundError \(404\) chat session not found",
    ]:
        assert re.search(pattern, out), f"{pattern!r} not in:\n{out}"
    prompt, completion = map(int, re.search(r"tokens: (\d+) in \+ (\d+) out = (\d+)", out).groups()[:2])  # type: ignore[union-attr]
    assert re.search(rf"= {prompt + completion}\n", out)


@pytest.fixture(scope="module")
def keyed_server() -> object:
    with run_emulator(api_keys=[USER_KEY], admin_keys=[ADMIN_KEY]) as url:
        yield url


def admin_changes(url: str) -> list[str]:
    with ChatServerClient(base_url=url, api_key=ADMIN_KEY) as client:
        return [e.action for e in client.iter_audit_log() if e.action.startswith("platform_admin")]


def test_against_a_given_server_it_changes_no_admins(keyed_server: str) -> None:
    done = demo("--base-url", keyed_server, key=ADMIN_KEY)
    assert done.returncode == 0, done.stderr
    assert f"Walking through the ChatServer at {keyed_server}" in done.stdout
    assert titles(done.stdout) == TITLES
    assert "(a server you named: its admins are listed, never changed)" in done.stdout
    assert admin_changes(keyed_server) == []
    assert ADMIN_KEY not in done.stdout + done.stderr


def test_a_non_admin_key_runs_what_it_may_and_says_what_it_skipped(keyed_server: str) -> None:
    done = demo("--base-url", keyed_server, key=USER_KEY)
    assert done.returncode == 1
    assert titles(done.stdout) == TITLES  # every section ran or said why not
    assert "platform administration: skipped, it needs a platform admin's key (403 Forbidden)" in done.stdout
    assert "the audit log: skipped, it needs a platform admin's key (403 Forbidden)" in done.stdout
    assert re.search(r"sessions\.list\(page_size=1\), walked: 2 sessions", done.stdout)
    assert done.stderr == (
        "chatserver demo: skipped platform administration, the audit log:"
        " set $CHATSERVER_API_KEY to a platform admin's key\n"
    )


def test_a_missing_key_is_one_line(keyed_server: str) -> None:
    done = demo("--base-url", keyed_server)
    assert done.returncode == 1
    assert done.stderr == (
        f"chatserver demo: {keyed_server} refused the key (401 Unauthorized: Missing API key):"
        " pass --api-key or set $CHATSERVER_API_KEY to a key this server accepts\n"
    )


def test_an_unreachable_server_is_one_line() -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    done = demo("--base-url", f"http://127.0.0.1:{port}", "--timeout", "5")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(
        f"chatserver demo: Could not connect to the ChatServer at http://127.0.0.1:{port}"
    )


def test_the_demo_passes_against_upstream(upstream: UpstreamServer) -> None:
    done = demo("--base-url", upstream.base_url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert titles(done.stdout) == TITLES
    out = done.stdout
    assert "the demo talks to claude-sonnet-4-5@20250929" in out
    assert "assistant: Upstream reply to: Write a hello world function in Python." in out
    assert "#3 assistant Upstream reply to: Add a bullet list of risks." in out
    assert "the session now holds 6 messages" in out
    assert "unknown model: accepted by this server" in out  # upstream passes any model to its agent
    assert "this server serves no agent control (coder/agentapi answers those routes)" in out
    assert "(a server you named: its registry is listed, never changed)" in out
    assert upstream.rows("platform_admins") == []
