"""Every script in ``examples/`` runs against the emulator and upstream's server and prints what it promises.

The scripts run as their users run them: a separate Python process that finds the
server in ``CHATSERVER_BASE_URL`` and its key in ``CHATSERVER_API_KEY``. The
emulator here requires keys, so a script that ignored either would fail; upstream's
ChatServer checks none, so the same scripts must also run where a key changes
nothing. Agent control is not upstream's (coder/agentapi serves it), so
``agent_control.py`` runs against the emulator only.

Patterns name the agent's replies through the target: the emulator's agent answers
``Echo (turn N): <message>``, upstream's stubbed Claude ``Upstream reply to: <message>``.
Each script is a subprocess and each target a live server: every test here is ``slow``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chatserver_sdk.emulator import run_emulator

from ..servers import UpstreamServer

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
USER_KEY = "sk-examples-user"
ADMIN_KEY = "sk-examples-admin"
# Printed nowhere, whatever the example does with them.
SECRETS = (USER_KEY, ADMIN_KEY, "sk-docs-token")

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UPSTREAM_SESSION = r"atoms_session_[0-9a-f]{32}"  # the id a ChatServer gives a completion without one
USER_ID = re.escape("00000000-0000-0000-0000-000000000001")
MODEL = re.escape("'claude-sonnet-4-5@20250929'")
ANY = r"(?s:.*)"  # any text, across lines, between two parts of one pattern


@dataclass(frozen=True)
class Target:
    name: str
    base_url: str

    def says(self, turn: int, message: str) -> str:
        """The agent's reply to ``message``, the ``turn``-th reply of its session, as a pattern."""
        if self.name == "emulator":
            return rf"Echo \(turn {turn}\): {re.escape(message)}"
        return rf"Upstream reply to: {re.escape(message)}"

    @property
    def is_emulator(self) -> bool:
        return self.name == "emulator"


Expected = Callable[[Target], list[str]]


def quickstart(t: Target) -> list[str]:
    return [
        rf"^Available models: \[.*{MODEL}.*\]$",
        rf"^Assistant: {t.says(1, 'Write a hello world function in Python.')}$",
        r"^Tokens used: [1-9]\d*$",
        rf"^Session: {UPSTREAM_SESSION}$",
    ]


def context_manager(t: Target) -> list[str]:
    return [rf"^{t.says(1, 'Hello!')}$", r"^Client closed: True$"]


def streaming(t: Target) -> list[str]:
    first = "Echo (turn 1): " if t.is_emulator else "Upstream reply to: Tell me a long story"
    return [
        rf"^Streaming response:\n{t.says(1, 'Tell me a story')}$",
        rf"^Session: {UPSTREAM_SESSION}$",
        r"^Finish reason: stop, usage: prompt_tokens=\d+ completion_tokens=[1-9]\d* total_tokens=\d+$",
        rf"^Stopped after 3 deltas: {re.escape(repr(first))}$",
    ]


def multi_turn(t: Target) -> list[str]:
    first, second = t.says(1, "What is recursion?"), t.says(2, "Can you give me an example?")
    return [rf"^Assistant: {first}\nAssistant: {second}$"]


def session_history(t: Target) -> list[str]:
    return [
        rf"^Assistant: {t.says(1, 'Draft a project update email.')}$",
        # The streamed reply continues the first session: turn 2, recorded under the same id.
        rf"^Assistant: {t.says(2, 'Add a bullet list of risks.')}$",
        rf"^Started session ({UUID})${ANY}^Stream recorded under: \1${ANY}^  \1  'Draft a project",
        rf"^1 stored session\(s\) for user {USER_ID}:$",
        r"  4 messages, [1-9]\d* tokens$",
        r"^Loaded 4 stored messages$",
        r"^  #0 user      Draft a project update email\.$",
        rf"^  #3 assistant {t.says(2, 'Add a bullet list of risks.')}$",
    ]


def platform_admin(t: Target) -> list[str]:
    patterns = [
        # Upstream counts tables a ChatServer never writes: users, requests and tokens stay 0.
        r"^Total users: 0 \(active: 0\)$",
        r"^Total requests: 0 \(today: 0\)$",
        r"^Health: healthy, agents: claude, gemini$",
        r"^Platform admins: 1\n  ada@example\.com \(Ada Lovelace\)$",
        r"^Removed admin: ada@example\.com$",
    ]
    if t.is_emulator:  # the emulator's own audit trail; upstream writes none
        patterns += [
            r"^Audit log \(2 entries\):$",
            r"^  \[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] platform_admin\.removed: "
            r"platform_admin ada@example\.com\n"
            r"  \[[^]]+\] platform_admin\.added: platform_admin ada@example\.com$",
        ]
    else:
        patterns.append(r"^Audit log \(0 entries\):$")
    return patterns


def error_handling(t: Target, *, keys: bool | None = None) -> list[str]:
    """``keys``: whether the server checks API keys (this module's emulator does, upstream's server not)."""
    if keys if keys is not None else t.is_emulator:
        wrong_key = r"^  wrong API key: UnauthorizedError 401: Invalid API key$"
    else:
        wrong_key = (
            r"^  wrong API key: no error \(this server checks no API keys; start "
            r"`chatserver emulator --api-key sk-mine` and set CHATSERVER_API_KEY=sk-mine to see "
            r"UnauthorizedError 401\)$"
        )
    return [
        r"^Bad request: messages array must include at least one message\nStatus code: 400\nMore failures:$",
        r"^  no model: BadRequestError 400: model field is required",
        r"^  temperature out of range: UnprocessableEntityError 422: body\.temperature: "
        r"Input should be less than or equal to 2",
        r"^  unknown session: NotFoundError 404: chat session not found$",
        wrong_key,
        r"^  unknown message role: ValueError: messages\[0\]\.role: 'robot' is not one of ",
        r"^  user id that is not a UUID: ValueError: user: 'alice' is not a UUID; ",
        r"^  no server there: APIConnectionError: Could not connect to the ChatServer at http://127\.0\.0\.1:9"
        r".*chatserver emulator",
    ]


def async_client(t: Target) -> list[str]:
    return [
        rf"^Assistant: {t.says(1, 'Hello!')}$",
        rf"^Streaming: {t.says(1, 'Tell me a story')}$",
        rf"^Session: {UPSTREAM_SESSION}$",
        rf"^Concurrent: {t.says(1, 'What is a coroutine?')}\n"
        rf"Concurrent: {t.says(1, 'What is an event loop?')}\n"
        rf"Concurrent: {t.says(1, 'What is a task?')}$",
    ]


def native_openai(t: Target) -> list[str]:
    return [
        rf"^Models: \[.*{MODEL}.*\]$",
        rf"^Assistant: {t.says(1, 'Review this function.')}$",
        rf"^Session: {UUID}$",
        # Turn 2: the whole conversation, resent under the same session, was stored once.
        rf"^Streamed, same session: {t.says(2, 'Now suggest a better name.')}\nStored: 4 messages$",
        r"^openai\.BadRequestError 400: messages array must include at least one message$",
    ]


def langchain_chat(t: Target) -> list[str]:
    return [
        rf"^invoke: {t.says(1, 'What is LangChain?')}\ninvoke: {t.says(2, 'And what is a runnable?')}$",
        rf"^Session: {UUID}$",
        rf"^stream: {t.says(3, 'Explain streaming.')}$",
        # One-off questions: each is the first turn of a session of its own, recorded nowhere.
        rf"^batch: {t.says(1, 'Summarise.')}\nbatch: {t.says(1, 'Thank you!')}$",
        r"^Session history \(6 messages\):$",
        r"^  #0 user      What is LangChain\?$",
        rf"^  #5 assistant {t.says(3, 'Explain streaming.')}$",
    ]


def agent_control(t: Target) -> list[str]:
    return [
        r"^Agent status: stable$",
        # The replayed state, then the reply growing live between running and stable.
        rf"^  status: stable\n  message #0 \(user\): Run the tests\n  status: running${ANY}"
        r"^  message #1 \(agent\): Echo \(turn 1\): Run the tests\n  status: stable\nConversation:$",
        r"^  user  Run the tests\n  agent Echo \(turn 1\): Run the tests$",
        r"^Uploaded notes\.txt to \S+notes\.txt$",
    ]


def mcp_registry(t: Target) -> list[str]:
    return [
        rf"^Registered docs \({UUID}\), auth bearer$",
        rf"^Registered scratch \({UUID}\)$",
        r"^Visible to the organisation and the user:\n"
        r"  docs +organization bearer enabled +https://mcp\.example\.com/docs\n"
        r"  scratch +user +none +enabled +https://mcp\.example\.com/scratch$",
        r"^After disabling docs \(lists show enabled servers only\):\n"
        r"  scratch +user +none +enabled +https://mcp\.example\.com/scratch$",
        r"^After deleting both: 0 server\(s\)$",
    ]


EXPECTED: dict[str, Expected] = {
    "quickstart.py": quickstart,
    "context_manager.py": context_manager,
    "streaming.py": streaming,
    "multi_turn.py": multi_turn,
    "session_history.py": session_history,
    "platform_admin.py": platform_admin,
    "error_handling.py": error_handling,
    "async_client.py": async_client,
    "native_openai.py": native_openai,
    "langchain_chat.py": langchain_chat,
    "agent_control.py": agent_control,
    "mcp_registry.py": mcp_registry,
}
EMULATOR_ONLY = {"agent_control.py"}  # agent control is coder/agentapi's, not upstream's server


@pytest.fixture
def keyed_emulator() -> Iterator[str]:
    """A fresh emulator per script (a start costs a fraction of the script's own), so counts are exact."""
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
        timeout=120,
        check=False,
    )


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit code {result.returncode}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"


def check_output(name: str, result: subprocess.CompletedProcess[str], patterns: list[str]) -> None:
    assert result.returncode == 0, describe(result)
    assert result.stderr == "", describe(result)
    for pattern in patterns:
        assert re.search(pattern, result.stdout, re.MULTILINE), (
            f"{name}: no match for {pattern!r}\n" + describe(result)
        )
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr


# Examples of one feature each, run by that feature's own tests.
CHECKED_ELSEWHERE = {
    "agent_helpers.py": "test_agent_helpers.py",
    "conversation.py": "test_conversation.py",
    "page_iterators.py": "test_pagination.py",
}


def test_every_example_is_checked() -> None:
    assert not set(EXPECTED) & set(CHECKED_ELSEWHERE)
    assert sorted(path.name for path in EXAMPLES.glob("*.py")) == sorted({*EXPECTED, *CHECKED_ELSEWHERE})
    here = Path(__file__).resolve().parent
    for example, test_file in CHECKED_ELSEWHERE.items():
        assert f'EXAMPLES / "{example}"' in (here / test_file).read_text(encoding="utf-8"), (
            f"{test_file} no longer runs examples/{example}"
        )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_on_the_emulator(keyed_emulator: str, name: str) -> None:
    result = run_example(name, keyed_emulator)
    check_output(name, result, EXPECTED[name](Target("emulator", keyed_emulator)))


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - EMULATOR_ONLY))
def test_example_on_upstream(upstream: UpstreamServer, name: str) -> None:
    # Upstream checks no key: the one the script sends must change nothing.
    result = run_example(name, upstream.base_url, api_key=USER_KEY)
    check_output(name, result, EXPECTED[name](Target("upstream", upstream.base_url)))


def test_error_handling_on_the_default_emulator_says_how_to_see_a_401() -> None:
    with run_emulator() as base_url:
        result = run_example("error_handling.py", base_url, api_key="")
    check_output("error_handling.py", result, error_handling(Target("emulator", base_url), keys=False))


def test_platform_admin_without_admin_key(keyed_emulator: str) -> None:
    result = run_example("platform_admin.py", keyed_emulator, api_key=USER_KEY)
    assert result.returncode == 1, describe(result)
    assert result.stdout == ""
    expected = "Platform admin access required: set CHATSERVER_API_KEY to a platform admin's key\n"
    assert result.stderr == expected, describe(result)
