"""The earlier SDK's ``examples.py`` runs unchanged, imports aside, against real servers.

``examples/earlier_sdk/examples.py`` is the earlier file with only its relative
imports made absolute. It hard-codes the earlier default address,
``http://localhost:3284``, so each server under test is reached there through
a small TCP forwarder; the script runs in its own process, as its users ran it,
against the emulator (with keys) and against upstream's own server (no auth).
"""

from __future__ import annotations

import os
import select
import socket
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "earlier_sdk" / "examples.py"
EARLIER_ADDRESS = ("127.0.0.1", 3284)
USER_KEY = "sk-earlier-user"
ADMIN_KEY = "sk-earlier-admin"
USER = "00000000-0000-0000-0000-000000000001"


# --- reaching a server at the earlier default address ---------------------------------------


class _Pipe(socketserver.BaseRequestHandler):
    server: _Forwarder

    def handle(self) -> None:
        with socket.create_connection(self.server.target) as target:
            ends = {self.request: target, target: self.request}
            while not self.server.closing.is_set():
                readable, _, _ = select.select(list(ends), [], [], 0.2)
                for end in readable:
                    data = end.recv(65536)
                    if not data:
                        return
                    ends[end].sendall(data)


class _Forwarder(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, listen: tuple[str, int], target: tuple[str, int]) -> None:
        super().__init__(listen, _Pipe)
        self.target = target
        self.closing = threading.Event()


@contextmanager
def forwarded_to_earlier_address(base_url: str) -> Iterator[None]:
    """Connections to ``localhost:3284`` reach ``base_url`` while the block runs."""
    url = httpx2.URL(base_url)
    assert url.host and url.port, base_url
    try:
        forwarder = _Forwarder(EARLIER_ADDRESS, (url.host, url.port))
    except OSError as err:
        reason = f"the earlier example needs {EARLIER_ADDRESS[0]}:{EARLIER_ADDRESS[1]}, which is busy ({err})"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    thread = threading.Thread(target=forwarder.serve_forever, name="earlier-address-forwarder", daemon=True)
    thread.start()
    try:
        yield
    finally:
        forwarder.closing.set()
        forwarder.shutdown()
        forwarder.server_close()
        thread.join(timeout=10)


# --- the servers, each with an admin and an audit entry to show ----------------------------


@dataclass
class Target:
    base_url: str
    api_key: str
    reply: str
    """How this server's agent starts a reply (a regex)."""


def expected_output(target: Target) -> list[str]:
    reply = target.reply
    dashes = "-" * 50
    return [
        r"^Available models: [1-9]\d*$",
        r"^  - \S+ \(provider: \S+\)$",
        r"^Response ID: chatcmpl-\S+$",
        r"^Usage: [1-9]\d* tokens$",
        rf"^Assistant: {reply}Write a hello world function in Python\.$",
        rf"^Streaming response:\n{dashes}\n"
        rf"{reply}Tell me a story about a robot learning to code\.\n{dashes}$",
        rf"^User: What is recursion in programming\?\n"
        rf"Assistant: {reply}What is recursion in programming\?\n\n"
        rf"User: Can you give me a simple example\?\n"
        rf"Assistant: {reply}Can you give me a simple example\?$",
        r"^Platform Statistics:\n  Total users: \d+\n  Active users: \d+\n  Total requests: \d+\n"
        r"  Requests today: \d+\n  System health: healthy\n  Active agents: \w+(, \w+)*$",
        r"^Platform admins \(1\):\n  - ada@example\.com \(Ada Lovelace\)$",
        r"^Recent audit log entries \([1-9]\d*\):\n"
        r"  \[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[^]]*\] \S+: platform_admin\.added on platform_admin$",
        r"^Expected validation error:\n  Type: BadRequestError\n"
        r"  Message: messages array must include at least one message$",
        rf"^Answer: {reply}What is the capital of France\?$",
    ]


def run_example(api_key: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHATSERVER_API_KEY": api_key, "PYTHONPATH": str(REPO)}
    env.pop("CHATSERVER_BASE_URL", None)  # the earlier SDK knew no such variable
    return subprocess.run(
        [sys.executable, str(EXAMPLE)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit code {result.returncode}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"


def test_only_the_imports_differ_from_the_earlier_file() -> None:
    earlier = REPO.parent / "shared" / "spec" / "earlier-sdk" / "examples.py"
    if not earlier.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the earlier SDK's examples.py is not at {earlier}", pytrace=False)
        pytest.skip(f"the earlier SDK's examples.py is not at {earlier}")
    ours = EXAMPLE.read_text(encoding="utf-8").splitlines()
    theirs = earlier.read_text(encoding="utf-8").splitlines()
    assert len(ours) == len(theirs)
    changed = [(a, b) for a, b in zip(theirs, ours, strict=True) if a != b]
    assert changed == [
        ("from .client import ChatServerClient", "from chatserver_sdk.client import ChatServerClient"),
        (
            "from .models import Message, MessageRole, ChatCompletionResponse",
            "from chatserver_sdk.models import Message, MessageRole, ChatCompletionResponse",
        ),
    ]
