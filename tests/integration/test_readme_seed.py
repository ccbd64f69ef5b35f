"""The earlier SDK's README examples, run unchanged against the emulator.

The examples are read from ``sdk-readme-seed.md`` at test time, so what runs is
exactly what that README shows; only where the server is changes (the
``localhost:3284`` literal and ``CHATSERVER_BASE_URL`` point at the emulator).
The emulator answers as upstream's ChatServer (its model ids, ``atoms_session_<hex>``
for a completion recorded under no user). A live server: the module is ``slow``.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest

import chatserver_sdk
from chatserver_sdk import ChatServerClient
from chatserver_sdk.emulator import run_emulator

from ..spec import spec_path

pytestmark = pytest.mark.slow

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UPSTREAM_SESSION = r"atoms_session_[0-9a-f]{32}"  # a ChatServer's own id for a session it was not given


def python_blocks(markdown: str) -> dict[str, str]:
    """Python code blocks, named by the heading above them (``#2`` for a second one).

    A block ends at a closing fence or at the next opening one: the seed leaves
    one block unclosed, and the stray ``###`` heading inside it is a Python
    comment that still names the blocks after it.
    """
    blocks: dict[str, str] = {}
    heading, name, lines, inside = "", "", [], False

    def close() -> None:
        blocks[name if name not in blocks else f"{name} #2"] = "\n".join(lines)

    for line in markdown.splitlines():
        if line.startswith("```python"):
            if inside:
                close()
            inside, name, lines = True, heading, []
        elif line.startswith("```") and inside:
            close()
            inside = False
        else:
            if line.startswith("#") and not line.startswith("# "):
                heading = line.lstrip("#").strip()
            if inside:
                lines.append(line)
    return blocks


BLOCKS = python_blocks((spec_path().parent / "sdk-readme-seed.md").read_text(encoding="utf-8"))

EXPECTED: dict[str, list[str]] = {
    "Quick Start": [
        r"Available models: \[.*'claude-sonnet-4-5@20250929'",  # upstream's Vertex ids
        r"Assistant: Echo \(turn 1\): .+",  # claude-3-haiku, not listed, is still accepted
        r"Tokens used: [1-9]\d*",
    ],
    "Quick Start #2": [r"^.+\n$"],  # the context-manager example
    # No user: history is off, and the server names the session itself.
    "Streaming Completions": [rf"Session fingerprint: {UPSTREAM_SESSION}\n"],
    "Multi-turn Conversations": [r".+"],
    "Session History and Resume": [rf"Stream recorded under: {UUID}", r"Loaded [1-9]\d* stored messages"],
    "Platform Administration": [
        r"Total users: \d+",
        r"Platform admins: \d+",
        r"\[\d{4}-\d\d-\d\d[ T][\d:.+]+\] \S+: ",
    ],
    "Error Handling": [r"Bad request: messages array must include at least one message", "Status code: 400"],
    "Message Formats": [],
}


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    with run_emulator() as url:
        yield url


def run_example(code: str, url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, Any]]:
    monkeypatch.setenv("CHATSERVER_BASE_URL", url)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code.replace("http://localhost:3284", url), "<sdk-readme-seed>", "exec"), namespace)
    return out.getvalue(), namespace


def test_every_python_block_is_covered() -> None:
    assert set(BLOCKS) == set(EXPECTED), "a heading changed in sdk-readme-seed.md"


@pytest.mark.parametrize("heading", [h for h in EXPECTED if h != "Message Formats"])
def test_example_runs_unchanged(heading: str, emulator_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if heading == "Platform Administration":
        # Give the audit log something to show, as a live server would have.
        ChatServerClient(base_url=emulator_url).add_admin("wos_seed", "seed-admin@example.com", "Seed")
    output, _ = run_example(BLOCKS[heading], emulator_url, monkeypatch)
    for pattern in EXPECTED[heading]:
        assert re.search(pattern, output), f"{pattern!r} not in output:\n{output}"


def test_message_formats_are_all_accepted(emulator_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The block builds three `messages` lists without importing; give it the
    # package's names, then send each list as the README says it can be sent.
    code = BLOCKS["Message Formats"]
    sent = []
    for part in re.split(r"\n(?=# )", code):
        _, namespace = run_example("from chatserver_sdk import *\n" + part, emulator_url, monkeypatch)
        if "messages" in namespace:
            with ChatServerClient(base_url=emulator_url) as client:
                reply = client.create_completion(model="claude-3-haiku", messages=namespace["messages"])
            sent.append(reply.choices[0].message.content)
    assert len(sent) == 3 and all(sent)


def test_names_the_readme_lists_exist() -> None:
    for name in [
        "ChatCompletionRequest",
        "ChatSessionSummary",
        "ChatSessionListResponse",
        "ChatSessionDetailResponse",
        "Message",
        "MessageRole",
        "ChatCompletionResponse",
    ]:
        assert hasattr(chatserver_sdk, name)
    for name in [
        "BadRequestError",
        "UnauthorizedError",
        "ForbiddenError",
        "NotFoundError",
        "InternalServerError",
        "ChatServerError",
    ]:
        assert hasattr(chatserver_sdk.exceptions, name)
