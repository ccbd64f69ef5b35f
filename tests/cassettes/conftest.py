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

starts upstream's own ChatServer from ``../shared/upstream-server`` (``tests/servers.py``;
an empty database per test) and records against it. Each cassette says so in its ``metadata``
(written and read by :mod:`.provenance`, with vcrpy 8 or 9): ``recorded_against: upstream``
and ``upstream_commit``. What upstream's Python server cannot serve — agent control
(coder/agentapi's routes) and an API key check — is recorded against a fresh bundled emulator
instead, by the tests marked ``recorded_against_emulator(reason)``, whose cassettes say
``recorded_against: emulator`` and give the reason. Replay fails a test whose cassette says
otherwise.

Add ``-k NAME`` to re-record only some tests. A test that fails while recording
saves no cassette (and ``test_cassette_hygiene`` then reports it missing).

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
import re
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from chatserver_sdk import AsyncChatServerClient, ChatServerClient

from ..conformance.targets import FAULTS, Fault, upstream_commit
from ..servers import UpstreamServer
from .provenance import (
    EMULATOR,
    RECORDED_AGAINST,
    UPSTREAM,
    ProvenancePersister,
    provenance_for,
    provenance_problem,
)
from .scrubbing import (
    CREDENTIAL_HEADERS,
    CREDENTIAL_QUERY_PARAMETERS,
    REDACTED,
    REPLAY_BASE_URL,
    request_scrubber,
    response_scrubber,
)

HARNESS_PREFIX = "/__harness/"
REPO_ROOT = Path(__file__).resolve().parents[2]
CASSETTE_ROOT = REPO_ROOT / "cassettes"
RECORD_COMMAND = "python -m pytest tests/cassettes --record-mode=rewrite"

# The key every recording sends (the emulator demands it; upstream's server checks none):
# it must never reach a cassette.
RECORDING_API_KEY = "sk-record-secret"
# What replay sends instead; the cassettes hold REDACTED either way.
REPLAY_API_KEY = "sk-replay-placeholder"

EMULATOR_MARKER = "recorded_against_emulator"


def is_live(config: pytest.Config) -> bool:
    """Whether this run records, i.e. its requests reach a real server."""
    return (config.getoption("--record-mode") or "none") != "none"


def emulator_reason(node: pytest.Item) -> str | None:
    """Why a test is recorded against the emulator, or None when upstream's server records it."""
    marker = node.get_closest_marker(EMULATOR_MARKER)
    if marker is None:
        return None
    if len(marker.args) != 1 or not str(marker.args[0]).strip():
        raise pytest.UsageError(f"{node.nodeid}: {EMULATOR_MARKER} takes one argument, the reason")
    return str(marker.args[0])


# One persister for the run: it holds what each cassette said when loaded, and what to write with it.
_PERSISTER = pytest.StashKey[ProvenancePersister]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_PERSISTER] = ProvenancePersister()
    config.addinivalue_line(
        "markers",
        f"{EMULATOR_MARKER}(reason): upstream's Python server cannot serve this test; record it against "
        "the bundled emulator, and say why in its cassette",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The hygiene tests check the cassettes the others use, or have just written: they run last.
    hygiene = [item for item in items if item.path.name == "test_cassette_hygiene.py"]
    items[:] = [item for item in items if item not in hygiene] + hygiene


# --- matching ----------------------------------------------------------------------------


def _comparable_body(request: Any) -> tuple[str, Any]:
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    content_type = request.headers.get("Content-Type", "") or ""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        with contextlib.suppress(ValueError):
            return "json", _without_session_id(json.loads(body))
    if media_type.startswith("multipart/"):
        # Each request draws a random boundary; the parts are what must match.
        boundary = re.search(r'boundary="?([^";]+)', content_type)
        if boundary:
            body = body.replace(boundary.group(1).encode(), b"BOUNDARY")
        return "multipart", body
    return "raw", body


def _without_session_id(body: Any) -> Any:
    """A completion body with ``metadata.session_id`` masked.

    The SDK gives each new history session a fresh random UUID, so the id a replay sends
    can never be the recorded one. Replay plays interactions in recorded order, so the
    answer still belongs to the request.
    """
    metadata = body.get("metadata") if isinstance(body, dict) else None
    if isinstance(metadata, dict) and "session_id" in metadata:
        return {**body, "metadata": {**metadata, "session_id": "<session id>"}}
    return body


def body_matcher(r1: Any, r2: Any) -> None:
    """Bodies are equal as JSON, as multipart with boundaries ignored, or byte for byte."""
    left, right = _comparable_body(r1), _comparable_body(r2)
    assert left == right, f"body {left!r} != {right!r}"


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_matcher("chatserver_body", body_matcher)
    # Replaces pytest-recording's own persister, which only adds extra cassettes named in the
    # vcr mark (these tests name none).
    vcr.register_persister(config.stash[_PERSISTER])


# --- the server under test -------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where requests go: the recording server (``kind``), or nowhere in replay (``kind`` None)."""

    base_url: str
    api_key: str
    kind: str | None
    app: Any = None
    """The emulator's app, when this recording started one (to end its event streams)."""
    upstream: UpstreamServer | None = None
    """Upstream's harness, when this recording runs against upstream's server."""

    @property
    def live(self) -> bool:
        return self.kind is not None


@contextlib.contextmanager
def _emulator() -> Iterator[tuple[str, Any]]:
    """A fresh emulator requiring :data:`RECORDING_API_KEY`, and its app (to end event streams)."""
    from chatserver_sdk.emulator import create_app, run_emulator

    app = create_app(api_keys=[RECORDING_API_KEY], admin_keys=[RECORDING_API_KEY])
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
        yield Endpoint(REPLAY_BASE_URL, REPLAY_API_KEY, kind=None)
        return
    if emulator_reason(request.node) is not None:
        with _emulator() as (url, app):
            yield Endpoint(url, RECORDING_API_KEY, EMULATOR, app=app)
        return
    # Upstream's own server, started once for the run, with an empty database for this test.
    server: UpstreamServer = request.getfixturevalue("upstream")
    yield Endpoint(server.base_url, RECORDING_API_KEY, UPSTREAM, upstream=server)


@dataclass(frozen=True)
class ChatServer:
    """What a test knows about the server behind its cassette."""

    base_url: str
    api_key: str
    live: bool
    kind: str
    """``upstream`` or ``emulator``: the server the cassette was recorded against."""
    app: Any = None
    upstream: UpstreamServer | None = None

    @property
    def emulator(self) -> bool:
        """Whether the answers come from the bundled emulator (its echo replies can be predicted)."""
        return self.kind == EMULATOR

    def failing(
        self, fault: Fault, messages: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """``messages`` and the metadata that make the recording server's agent fail with ``fault``."""
        injection = FAULTS[self.kind][fault]
        return injection.messages(messages), dict(injection.metadata)

    def seed(self, table: str, row: dict[str, object]) -> None:
        """Put a row in upstream's database while recording (the harness route is never recorded)."""
        if self.live and self.upstream is not None:
            self.upstream.seed(table, row)

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
    if not endpoint.live:
        _assert_offline()
    kind = endpoint.kind
    if vcr is not None:
        kind = _cassette_provenance(request, endpoint)
    if kind not in (UPSTREAM, EMULATOR):
        pytest.fail(f"{request.node.nodeid}: replay without a cassette cannot say which server answers")
    return ChatServer(
        endpoint.base_url, endpoint.api_key, endpoint.live, kind, endpoint.app, endpoint.upstream
    )


def _cassette_provenance(request: pytest.FixtureRequest, endpoint: Endpoint) -> str:
    """Which server the test's cassette was (or is being) recorded against.

    Recording writes it into the cassette; replay reads it back and fails the test
    if it is missing or disagrees with how the test is marked.
    """
    directory, name = (request.getfixturevalue(f) for f in ("vcr_cassette_dir", "default_cassette_name"))
    path = Path(directory) / f"{name}.yaml"
    persister = request.config.stash[_PERSISTER]
    reason = emulator_reason(request.node)
    loaded = persister.loaded(path)
    if endpoint.live:
        assert endpoint.kind is not None
        # A cassette extended (record mode new_episodes) keeps what it said first.
        commit = upstream_commit() if endpoint.kind == UPSTREAM else None
        persister.will_save(
            path, loaded or provenance_for(endpoint.kind, upstream_commit=commit, why_not_upstream=reason)
        )
        return endpoint.kind
    if loaded is None:
        pytest.fail(f"no cassette at {path}; record it with: {RECORD_COMMAND}")
    problem = provenance_problem(loaded, reason)
    if problem is not None:
        pytest.fail(f"cassette {path}: {problem}; re-record it with: {RECORD_COMMAND}")
    return str(loaded[RECORDED_AGAINST])


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
    secrets = sorted({RECORDING_API_KEY, chatserver_endpoint.api_key} - {""}, key=len, reverse=True)
    return {
        "filter_headers": [(name, REDACTED) for name in CREDENTIAL_HEADERS],
        "filter_query_parameters": [(name, REDACTED) for name in CREDENTIAL_QUERY_PARAMETERS],
        "before_record_request": _unless_harness(request_scrubber(chatserver_endpoint.base_url, secrets)),
        "before_record_response": response_scrubber(secrets),
        "decode_compressed_response": True,
        # Not host or port: the recording server listened on a random port; the
        # scrubber rewrites its address to REPLAY_BASE_URL anyway.
        "match_on": ["method", "scheme", "path", "query", "chatserver_body"],
    }


def _unless_harness(scrub: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Upstream's harness routes (seeding its database) are set-up, not ChatServer traffic: never recorded."""

    def before_record_request(request: Any) -> Any:
        if urlsplit(request.uri).path.startswith(HARNESS_PREFIX):
            return None
        return scrub(request)

    return before_record_request


_CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
    return report


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    # vcrpy saves a recording as the test's cassette closes, during teardown: a refused one fails here.
    yield
    refusals = item.config.stash[_PERSISTER].take_refusals()
    if refusals:
        raise AssertionError("; ".join(refusals))


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
