"""``chatserver demo``: one command, every scenario, against an emulator it starts."""

from __future__ import annotations

import re
import subprocess
import sys

from chatserver_sdk import ChatServerClient
from chatserver_sdk.emulator import run_emulator

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def demo(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "chatserver_sdk.cli", "demo", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_demo_walks_through_every_scenario() -> None:
    out = demo()
    titles = re.findall(r"^\d\. (.+)$", out, re.MULTILINE)
    assert titles == [
        "Models",
        "Chat completion",
        "Streaming",
        "Multi-turn conversation",
        "Session history and resume",
        "Platform administration and audit",
        "Error handling",
    ]
    for pattern in [
        r"claude-3-haiku +claude",
        r"assistant: Echo \(turn 1\): Write a hello world function in Python\.",
        r"tokens: (\d+) in \+ (\d+) out = \d+",
        r"deltas: 'Echo ' \| ",
        r"turn 2: Echo \(turn 2\): Can you give me an example\?",
        rf"started session {UUID}",
        r"'Draft a project update email\.': 4 messages",
        r"#3 assistant Echo \(turn 2\): Add a bullet list of risks\.",
        r"admins \(1\): ada@example\.com",
        r"audit \[.+\] platform_admin\.removed",
        r"empty model and messages: BadRequestError \(400\) messages array must include at least one message",
        r"temperature 3: UnprocessableEntityError \(422\) body\.temperature",
        r"someone else's session: NotFoundError \(404\) chat session not found",
    ]:
        assert re.search(pattern, out), f"{pattern!r} not in:\n{out}"
    prompt, completion = map(int, re.search(r"tokens: (\d+) in \+ (\d+) out = (\d+)", out).groups()[:2])  # type: ignore[union-attr]
    assert re.search(rf"= {prompt + completion}\n", out)


def test_demo_against_a_given_server_changes_no_admins() -> None:
    with run_emulator() as url:
        out = demo("--base-url", url)
        assert "ChatServer at " + url in out
        client = ChatServerClient(base_url=url)
        assert client.list_admins().count == 0
        assert not [e for e in client.get_audit_log().entries if e.action.startswith("platform_admin")]
