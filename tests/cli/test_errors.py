"""The error line: the status once, then the server's own words (or that it gave none), in one line."""

from __future__ import annotations

import io
import json
import sys
import uuid
from typing import Any

import pytest

from chatserver_sdk.cli import main

from ..servers import UpstreamServer
from .scripted import Reply, scripted

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in ("CHATSERVER_MODEL", "CHATSERVER_USER_ID", "CHATSERVER_API_KEY", "CHATSERVER_ORG_ID"):
        monkeypatch.delenv(name, raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        status = main(list(argv))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


PROBLEM = {"title": "Internal Server Error", "status": 500, "detail": "failed to send message: agent busy"}


@pytest.mark.parametrize(
    ("reply", "line"),
    [
        (Reply.text("Internal Server Error", 500), "500 Internal Server Error (the server sent no details)"),
        (Reply(500, b""), "500 Internal Server Error (the server sent no details)"),
        (Reply.json({"detail": "database is down"}, 500), "500 Internal Server Error: database is down"),
        (
            Reply(500, json.dumps(PROBLEM).encode(), "application/problem+json"),
            "500 Internal Server Error: failed to send message: agent busy",
        ),
        (Reply.text("Service Unavailable", 503), "503 Service Unavailable (the server sent no details)"),
        (Reply.json({"detail": "chat session not found"}, 404), "404 Not Found: chat session not found"),
    ],
)
def test_the_status_is_said_once(cli: Any, reply: Reply, line: str) -> None:
    with scripted(lambda request: reply) as server:
        status, out, err = cli("agent", "status", "--base-url", server.url)
    assert (status, out) == (1, "")
    assert err == f"chatserver agent status: {line}\n"


def test_an_unknown_mcp_id_on_upstream(cli: Any, upstream: UpstreamServer) -> None:
    # Upstream answers a bare 500 for an id it does not hold; the command line knows what that likely means.
    status, out, err = cli("mcp", "update", str(uuid.uuid4()), "--name", "x", "--base-url", upstream.base_url)
    assert (status, out) == (1, "")
    assert err == (
        "chatserver mcp update: 500 Internal Server Error (the server sent no details); an id the registry"
        " does not hold gets this answer: `chatserver mcp list --org UUID` shows the ids\n"
    )
    assert len(err) < 300
