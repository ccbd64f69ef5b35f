"""Recorded-HTTP (cassette) tests: the SDK against a ChatServer's recorded answers.

Every endpoint the SDK covers and every scenario of the earlier SDK's README is
exercised here through the public API; the HTTP interactions live in
``cassettes/<test module>/<test name>.yaml`` (vcrpy, driven by pytest-recording).

Replay (the default, and what CI runs)::

    python -m pytest tests/cassettes

needs no server and no network: the client points at ``http://chatserver.cassette``,
sockets are blocked, and a request the cassette does not hold fails the test.
Every recorded interaction must also be played, so a cassette cannot go stale.

Re-record (one command; it replaces the cassettes of the tests it runs)::

    python -m pytest tests/cassettes --record-mode=rewrite

records against whatever ``CHATSERVER_BASE_URL`` points at: unset, each test
gets a fresh bundled emulator, called with an API key so that scrubbing is
exercised; set, the live ChatServer there, called with ``CHATSERVER_API_KEY``::

    CHATSERVER_BASE_URL=https://chat.example.com CHATSERVER_API_KEY=sk-... \\
        python -m pytest tests/cassettes --record-mode=rewrite

Add ``-k NAME`` to re-record only some tests. A test that fails while recording
saves no cassette (and ``test_cassette_hygiene`` then reports it missing).
Against a live server the tests marked ``emulator_only`` (the never-ending
agent event stream, which only the emulator can be told to end) are skipped and
keep their emulator cassettes, and replies are not expected to be the
emulator's echoes (each cassette records which kind of server it came from).

Before anything is written, credentials are scrubbed (see :mod:`.scrubbing`):
credential headers, query parameters and JSON fields become ``REDACTED``, the
key used for recording is removed wherever it appears, and the server address
becomes ``http://chatserver.cassette``. ``test_cassette_hygiene`` fails if any
cassette still holds a credential.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import vcr as vcrpy
from vcr.persisters.filesystem import FilesystemPersister

from chatserver_sdk import AsyncChatServerClient, ChatServerClient

# Cassettes record which kind of server they came from (vcrpy 9's cassette
# metadata), and vcrpy 9 needs Python 3.11: say so rather than fail obscurely.
if int(vcrpy.__version__.split(".")[0]) < 9:
    raise pytest.UsageError(
        f"tests/cassettes need vcrpy >= 9.4 (found {vcrpy.__version__}), which needs Python >= 3.11; "
        "run the rest of the suite with --ignore=tests/cassettes"
    )

from .scrubbing import (
    CREDENTIAL_HEADERS,
    CREDENTIAL_QUERY_PARAMETERS,
    REDACTED,
    REPLAY_BASE_URL,
    request_scrubber,
    response_scrubber,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
CASSETTE_ROOT = REPO_ROOT / "cassettes"
RECORD_COMMAND = "python -m pytest tests/cassettes --record-mode=rewrite"

# The key the emulator demands while recording: it must never reach a cassette.
EMULATOR_API_KEY = "sk-record-secret"
# What replay sends instead; the cassettes hold REDACTED either way.
REPLAY_API_KEY = "sk-replay-placeholder"


def is_live(config: pytest.Config) -> bool:
    """Whether this run records, i.e. its requests reach a real server."""
    return (config.getoption("--record-mode") or "none") != "none"


def recording_against_live_chatserver(config: pytest.Config) -> bool:
    return is_live(config) and bool(os.environ.get("CHATSERVER_BASE_URL"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "emulator_only: needs the bundled emulator to record (skipped when recording against a live server)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The hygiene tests check the cassettes the others use, or have just written: they run last.
    hygiene = [item for item in items if item.path.name == "test_cassette_hygiene.py"]
    items[:] = [item for item in items if item not in hygiene] + hygiene
    if recording_against_live_chatserver(config):
        skip = pytest.mark.skip(reason="recorded against the emulator only; its cassette is kept")
        for item in items:
            if item.get_closest_marker("emulator_only"):
                item.add_marker(skip)


# --- matching ----------------------------------------------------------------------------


def _comparable_body(request: Any) -> tuple[str, Any]:
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    content_type = request.headers.get("Content-Type", "") or ""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        with contextlib.suppress(ValueError):
            return "json", json.loads(body)
    if media_type.startswith("multipart/"):
        # Each request draws a random boundary; the parts are what must match.
        boundary = re.search(r'boundary="?([^";]+)', content_type)
        if boundary:
            body = body.replace(boundary.group(1).encode(), b"BOUNDARY")
        return "multipart", body
    return "raw", body


def body_matcher(r1: Any, r2: Any) -> None:
    """Bodies are equal as JSON, as multipart with boundaries ignored, or byte for byte."""
    left, right = _comparable_body(r1), _comparable_body(r2)
    assert left == right, f"body {left!r} != {right!r}"


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_matcher("chatserver_body", body_matcher)
    # pytest-recording 0.14's own persister (for extra cassettes named in the vcr mark,
    # which these tests do not use) cannot load a cassette holding vcrpy 9's metadata;
    # vcrpy's plain file persister can.
    vcr.register_persister(FilesystemPersister)


# --- the server under test -------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where requests go. ``app`` is the emulator's app when this run started one."""

    base_url: str
    api_key: str
    live: bool
    app: Any = None


@contextlib.contextmanager
def _emulator() -> Iterator[tuple[str, Any]]:
    """A fresh emulator requiring :data:`EMULATOR_API_KEY`, and its app (to end event streams)."""
    from chatserver_sdk.emulator import create_app, run_emulator

    app = create_app(api_keys=[EMULATOR_API_KEY], admin_keys=[EMULATOR_API_KEY])
    with run_emulator(app=app) as url:
        yield url, app


def _assert_offline() -> None:
    """Replay must not depend on anything listening: every connection attempt is refused here."""
    try:
        socket.create_connection(("127.0.0.1", 3284), timeout=1).close()
    except RuntimeError as err:  # pytest-recording's network guard
        assert "Network is disabled" in str(err)
    else:
        pytest.fail("replay ran with the network open; mark the module with pytest.mark.block_network")


@pytest.fixture
def chatserver_endpoint(request: pytest.FixtureRequest) -> Iterator[Endpoint]:
    if not is_live(request.config):
        yield Endpoint(REPLAY_BASE_URL, REPLAY_API_KEY, live=False)
        return
    base_url = os.environ.get("CHATSERVER_BASE_URL")
    if base_url:
        yield Endpoint(base_url, os.environ.get("CHATSERVER_API_KEY", ""), live=True)
        return
    with _emulator() as (url, app):
        yield Endpoint(url, EMULATOR_API_KEY, live=True, app=app)


@dataclass(frozen=True)
class ChatServer:
    """What a test knows about the server behind its cassette."""

    base_url: str
    api_key: str
    live: bool
    emulator: bool
    """Whether the answers come from the bundled emulator (its echo replies can be predicted)."""
    app: Any = None

    def pause(self, seconds: float) -> None:
        """Wait for the server to make progress; replay has nothing to wait for."""
        if self.live:
            threading.Event().wait(seconds)

    async def apause(self, seconds: float) -> None:
        if self.live:
            await asyncio.sleep(seconds)

    @contextlib.contextmanager
    def ending_agent_event_streams(self) -> Iterator[None]:
        """While recording against the emulator, end ``/events`` streams once the agent is idle.

        ``/events`` never ends by itself, and vcrpy records a response only once
        its body has ended; the emulator ends its streams when told to.
        """
        if self.app is None:
            yield
            return
        controller = self.app.state.agent
        stop = threading.Event()

        def close_when_stable() -> None:
            while not stop.wait(0.1):
                if controller.status == "stable":
                    controller.close_streams_threadsafe()

        closer = threading.Thread(target=close_when_stable, daemon=True)
        closer.start()
        try:
            yield
        finally:
            stop.set()
            closer.join()


@pytest.fixture
def chatserver(request: pytest.FixtureRequest, chatserver_endpoint: Endpoint, vcr: Any) -> ChatServer:
    endpoint = chatserver_endpoint
    kind = "emulator" if endpoint.app is not None else "chatserver"
    if not endpoint.live:
        _assert_offline()
    if vcr is not None:
        if not endpoint.live and not Path(vcr.path).exists():
            pytest.fail(f"no cassette at {vcr.path}; record it with: {RECORD_COMMAND}")
        kind = vcr.get_metadata("recorded_against", kind)
    return ChatServer(endpoint.base_url, endpoint.api_key, endpoint.live, kind == "emulator", endpoint.app)


@pytest.fixture
def client(chatserver: ChatServer) -> Iterator[ChatServerClient]:
    with ChatServerClient(api_key=chatserver.api_key, base_url=chatserver.base_url, max_retries=0) as c:
        yield c


@pytest.fixture
async def aclient(chatserver: ChatServer) -> AsyncIterator[AsyncChatServerClient]:
    async with AsyncChatServerClient(
        api_key=chatserver.api_key, base_url=chatserver.base_url, max_retries=0
    ) as c:
        yield c


# --- vcr ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """``cassettes/<test module>/`` at the repository root."""
    return str(CASSETTE_ROOT / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture
def vcr_config(chatserver_endpoint: Endpoint) -> dict[str, Any]:
    secrets = sorted(
        {EMULATOR_API_KEY, chatserver_endpoint.api_key, os.environ.get("CHATSERVER_API_KEY", "")} - {""},
        key=len,
        reverse=True,
    )
    return {
        "filter_headers": [(name, REDACTED) for name in CREDENTIAL_HEADERS],
        "filter_query_parameters": [(name, REDACTED) for name in CREDENTIAL_QUERY_PARAMETERS],
        "before_record_request": request_scrubber(chatserver_endpoint.base_url, secrets),
        "before_record_response": response_scrubber(secrets),
        "decode_compressed_response": True,
        # Not host or port: the recording server listened on a random port; the
        # scrubber rewrites its address to REPLAY_BASE_URL anyway.
        "match_on": ["method", "scheme", "path", "query", "chatserver_body"],
    }


_CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
    return report


@pytest.fixture(autouse=True)
def _cassette_fully_used(request: pytest.FixtureRequest, vcr: Any) -> Iterator[None]:
    """A cassette test must have talked to the server, and in replay have used every interaction.

    A test that fails while recording saves nothing: pytest does not pass the
    failure to vcrpy, whose ``record_on_exception`` therefore never triggers.
    """
    yield
    if vcr is None or not request.node.get_closest_marker("vcr"):
        return
    report = request.node.stash.get(_CALL_REPORT, None)
    if report is None or not report.passed:
        if is_live(request.config):
            vcr.dirty = False
        return
    assert len(vcr) > 0, f"{request.node.name} made no HTTP request; it needs no cassette"
    if not is_live(request.config):
        unplayed = [
            f"{r.method} {r.uri}" for index, r in enumerate(vcr.requests) if vcr.play_counts[index] == 0
        ]
        assert not unplayed, f"recorded but never requested (re-record with {RECORD_COMMAND}): {unplayed}"
