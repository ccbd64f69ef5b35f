"""Every script in ``examples/`` runs against one emulator and prints what it promises.

The scripts run as their users run them: a separate Python process that finds the
server in ``CHATSERVER_BASE_URL`` and its key in ``CHATSERVER_API_KEY``. The
emulator requires keys, so a script that ignored either would fail here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatserver_sdk.emulator import run_emulator

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
USER_KEY = "sk-examples-user"
ADMIN_KEY = "sk-examples-admin"
# Printed nowhere, whatever the example does with them.
SECRETS = (USER_KEY, ADMIN_KEY, "sk-docs-token")

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
USER_ID = re.escape("00000000-0000-0000-0000-000000000001")
ANY = r"(?s:.*)"  # any text, across lines, between two parts of one pattern

# Patterns are searched in the example's stdout with re.MULTILINE (^ and $ match at each line).
EXPECTED: dict[str, list[str]] = {
    "quickstart.py": [
        r"^Available models: \[.*'claude-3-haiku'.*\]$",
        r"^Assistant: Echo \(turn 1\): Write a hello world function in Python\.$",
        r"^Tokens used: [1-9]\d*$",
        rf"^Session: {UUID}$",
    ],
    "context_manager.py": [
        r"^Echo \(turn 1\): Hello!$",
        r"^Client closed: True$",
    ],
    "streaming.py": [
        r"^Streaming response:\nEcho \(turn 1\): Tell me a story$",
        rf"^Session: {UUID}$",
        r"^Finish reason: stop, usage: prompt_tokens=\d+ completion_tokens=[1-9]\d* total_tokens=\d+$",
        r"^Stopped after 3 deltas: 'Echo \(turn 1\): '$",
    ],
    "multi_turn.py": [
        r"^Assistant: Echo \(turn 1\): What is recursion\?\n"
        r"Assistant: Echo \(turn 2\): Can you give me an example\?$",
    ],
    "session_history.py": [
        r"^Assistant: Echo \(turn 1\): Draft a project update email\.$",
        # The streamed reply continues the first session: turn 2, recorded under the same id.
        r"^Assistant: Echo \(turn 2\): Add a bullet list of risks\.$",
        rf"^Started session ({UUID})${ANY}^Stream recorded under: \1${ANY}^  \1  'Draft a project",
        rf"^[1-9]\d* stored session\(s\) for user {USER_ID}:$",
        r"^Loaded 4 stored messages$",
        r"^  #0 user      Draft a project update email\.$",
        r"^  #3 assistant Echo \(turn 2\): Add a bullet list of risks\.$",
    ],
    "platform_admin.py": [
        r"^Total users: \d+ \(active: \d+\)$",
        r"^Total requests: \d+ \(today: \d+\)$",
        r"^Health: healthy, agents: claude, droid, ccrouter$",
        r"^Platform admins: 1\n  ada@example\.com \(Ada Lovelace\)$",
        r"^Removed admin: ada@example\.com$",
        r"^Audit log \([1-9]\d* entries\):$",
        r"^  \[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] platform_admin\.removed: platform_admin ada@example\.com\n"
        r"  \[[^]]+\] platform_admin\.added: platform_admin ada@example\.com$",
    ],
    "error_handling.py": [
        r"^Bad request: messages array must include at least one message\nStatus code: 400$",
        r"^  unknown model: BadRequestError 400: model 'gpt-0' is not available; available models: ",
        r"^  temperature out of range: UnprocessableEntityError 422: body\.temperature: "
        r"Input should be less than or equal to 2",
        r"^  unknown session: NotFoundError 404: chat session not found$",
        r"^  wrong API key: UnauthorizedError 401: Invalid API key$",
        r"^  unknown message role: ValueError: messages\[0\]\.role: 'robot' is not one of ",
    ],
    "async_client.py": [
        r"^Assistant: Echo \(turn 1\): Hello!$",
        r"^Streaming: Echo \(turn 1\): Tell me a story$",
        rf"^Session: {UUID}$",
        r"^Concurrent: Echo \(turn 1\): What is a coroutine\?\n"
        r"Concurrent: Echo \(turn 1\): What is an event loop\?\n"
        r"Concurrent: Echo \(turn 1\): What is a task\?$",
    ],
    "native_openai.py": [
        r"^Models: \[.*'claude-3-haiku'.*\]$",
        r"^Assistant: Echo \(turn 1\): Review this function\.$",
        rf"^Session: {UUID}$",
        # Turn 2: the metadata in extra_body resumed the session.
        r"^Streamed, same session: Echo \(turn 2\): Now suggest a better name\.$",
        r"^openai\.BadRequestError 400: model 'no-such-model' is not available",
    ],
    "langchain_chat.py": [
        r"^invoke: Echo \(turn 1\): What is LangChain\?$",
        rf"^Session: {UUID}$",
        r"^invoke: Echo \(turn 2\): And what is a runnable\?$",
        r"^stream: Echo \(turn 3\): Explain streaming\.$",
        r"^batch: Echo \(turn 4\): Summarise\.\nbatch: Echo \(turn 5\): Thank you!$",
        r"^Session history \(10 messages\):$",
        r"^  #0 user      What is LangChain\?$",
        r"^  #9 assistant Echo \(turn 5\): Thank you!$",
    ],
    "agent_control.py": [
        r"^Agent status: stable$",
        # The replayed state, then the reply growing live between running and stable.
        rf"^  status: stable\n  message #0 \(user\): Run the tests\n  status: running${ANY}"
        r"^  message #1 \(agent\): Echo \(turn 1\): Run the tests\n  status: stable\nConversation:$",
        r"^  user  Run the tests\n  agent Echo \(turn 1\): Run the tests$",
        r"^Uploaded notes\.txt to \S+notes\.txt$",
    ],
    "mcp_registry.py": [
        rf"^Registered docs \({UUID}\), token id {UUID}$",
        rf"^Registered scratch \({UUID}\)$",
        r"^Visible to the organisation and the user:\n"
        r"  docs +organization bearer enabled +https://mcp\.example\.com/docs\n"
        r"  scratch +user +none +enabled +https://mcp\.example\.com/scratch$",
        r"^After disabling docs:\n  docs +organization bearer disabled ",
        r"^After deleting both: 0 server\(s\)$",
    ],
}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with run_emulator(api_keys=[USER_KEY], admin_keys=[ADMIN_KEY]) as base_url:
        yield base_url


def run_example(name: str, base_url: str, api_key: str = ADMIN_KEY) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHATSERVER_BASE_URL": base_url, "CHATSERVER_API_KEY": api_key}
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        env=env,
        cwd=EXAMPLES.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit code {result.returncode}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"


def test_every_example_is_checked() -> None:
    assert sorted(path.name for path in EXAMPLES.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example(server: str, name: str) -> None:
    result = run_example(name, server)
    assert result.returncode == 0, describe(result)
    assert result.stderr == "", describe(result)
    for pattern in EXPECTED[name]:
        assert re.search(pattern, result.stdout, re.MULTILINE), (
            f"{name}: no match for {pattern!r}\n" + describe(result)
        )
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr


def test_platform_admin_without_admin_key(server: str) -> None:
    result = run_example("platform_admin.py", server, api_key=USER_KEY)
    assert result.returncode == 1, describe(result)
    assert result.stdout == ""
    expected = "Platform admin access required: set CHATSERVER_API_KEY to a platform admin's key\n"
    assert result.stderr == expected, describe(result)
