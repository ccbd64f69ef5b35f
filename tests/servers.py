"""Real servers for tests: upstream's own ChatServer, started from ``../shared/upstream-server``.

``upstream_server()`` runs upstream's FastAPI app (what ``serve PORT`` runs: only Supabase, the
Claude agent and Vertex model listing are stubbed) on a free loopback port and yields its base URL
once ``GET /health`` answers. It is started through ``upstream_launcher.py``, which serves the same
app but lets a prompt slow the stub agent down: a prompt holding ``delay_marker(seconds)`` spreads
its reply over that long, so a turn can be seen running (upstream's stub otherwise answers at once).
Tests share one server per session and call ``reset()`` for an empty database, so each sees only
its own data.

Where ``shared/`` is not beside this clone (a lone clone), tests that need upstream are
skipped with the reason; under ``CI=true`` that is an error instead, because CI must check
the real server every run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
UPSTREAM_DIR_ENV = "CHATSERVER_UPSTREAM_DIR"
LAUNCHER = Path(__file__).resolve().with_name("upstream_launcher.py")
# The first start may build upstream's venv (a few minutes); CI builds it before the tests.
STARTUP_TIMEOUT = float(os.environ.get("CHATSERVER_UPSTREAM_STARTUP_TIMEOUT", "600"))


def upstream_dir() -> Path:
    """Where upstream's server and its ``serve`` script live."""
    override = os.environ.get(UPSTREAM_DIR_ENV)
    return Path(override) if override else REPO_ROOT.parent / "shared" / "upstream-server"


def upstream_venv() -> Path:
    """Where ``serve`` keeps upstream's venv (its own rule: ``$UPSTREAM_VENV``, else the user's cache)."""
    override = os.environ.get("UPSTREAM_VENV")
    if override:
        return Path(override)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "chatserver-upstream" / "venv"


def delay_marker(seconds: float) -> str:
    """The prompt marker that makes upstream's stub agent take ``seconds`` over its reply (the launcher's)."""
    return f"[[delay:{seconds:g}]]"


def upstream_available() -> bool:
    return (upstream_dir() / "serve").is_file()


def require_upstream() -> None:
    """Skip the calling test where upstream's server is not here; fail instead under CI."""
    if upstream_available():
        return
    reason = (
        f"upstream's ChatServer is not at {upstream_dir()} (clone beside shared/, or set ${UPSTREAM_DIR_ENV})"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run against it", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class UpstreamServer:
    """A running upstream ChatServer: its URL, and the harness routes that reset and inspect it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._http = httpx2.Client(base_url=base_url, timeout=30.0)

    def reset(self) -> None:
        """Empty the (in-memory, stubbed) database and the record of agent runs."""
        self._http.post("/__harness/reset").raise_for_status()

    def seed(self, table: str, row: dict[str, object]) -> dict[str, object]:
        response = self._http.post(f"/__harness/seed/{table}", json=row)
        response.raise_for_status()
        result: dict[str, object] = response.json()
        return result

    def rows(self, table: str) -> list[dict[str, object]]:
        response = self._http.get(f"/__harness/rows/{table}")
        response.raise_for_status()
        result: list[dict[str, object]] = response.json()
        return result

    def agent_runs(self) -> list[dict[str, object]]:
        """The options each (stubbed) Claude agent run received, oldest first."""
        response = self._http.get("/__harness/claude")
        response.raise_for_status()
        result: list[dict[str, object]] = response.json()
        return result

    def close(self) -> None:
        self._http.close()


def _venv_is_built() -> bool:
    """Whether upstream's venv matches its requirements, by ``serve``'s own stamp."""
    requirements = upstream_dir() / "requirements.txt"
    stamp = hashlib.sha1(requirements.read_bytes()).hexdigest()[:12]
    try:
        return (upstream_venv() / ".stamp").read_text().strip() == stamp
    except OSError:
        return False


@contextlib.contextmanager
def _running(command: list[str], env: dict[str, str], log_path: Path) -> Iterator[str]:
    port = _free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen([*command, str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def upstream_server() -> Iterator[UpstreamServer]:
    """Start upstream's ChatServer on a free port; stop it when the block ends."""
    with tempfile.TemporaryDirectory(prefix="chatserver-upstream-") as scratch:
        log_path = Path(scratch) / "server.log"
        env = {
            **os.environ,
            "HARNESS_TMP": str(Path(scratch) / "harness"),
            "CHATSERVER_UPSTREAM_STUBS": str(upstream_dir() / "stubs"),
        }
        if not _venv_is_built():
            # ``serve`` builds upstream's venv on its first run (its own steps, kept in one place).
            with _running(["bash", str(upstream_dir() / "serve")], env, log_path):
                pass
        python = str(upstream_venv() / "bin" / "python")
        with _running([python, str(LAUNCHER)], env, log_path) as base_url:
            server = UpstreamServer(base_url)
            try:
                yield server
            finally:
                server.close()


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"upstream's ChatServer exited with {process.returncode}:\n{tail}")
        try:
            if httpx2.get(f"{base_url}/health", timeout=1.0).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"upstream's ChatServer did not answer /health within {STARTUP_TIMEOUT:.0f} s")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def upstream_session() -> Iterator[UpstreamServer]:
    require_upstream()
    with upstream_server() as server:
        yield server


@pytest.fixture
def upstream(upstream_session: UpstreamServer) -> UpstreamServer:
    """Upstream's ChatServer with an empty database: ``upstream.base_url`` for clients."""
    upstream_session.reset()
    return upstream_session
