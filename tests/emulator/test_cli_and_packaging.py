"""The `chatserver` command, lazy imports and the pytest plugin."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from chatserver_sdk.cli import build_parser, main

from .test_persistence import REPO_ROOT, _free_port

pytest_plugins = ["pytester"]

API_KEY = "cli-secret-key-abc"
ADMIN_KEY = "cli-admin-key-xyz"


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "chatserver --help lists them" in captured.err
    assert main(["--help"]) == 0
    assert "emulator" in capsys.readouterr().out


def test_emulator_options() -> None:
    args = build_parser().parse_args(
        ["emulator", "--port", "9000", "--db", "x.db", "--api-key", "a", "--api-key", "b", "--admin-key", "c"]
    )
    assert (args.host, args.port, args.db, args.api_keys, args.admin_keys) == (
        "127.0.0.1",
        9000,
        "x.db",
        ["a", "b"],
        ["c"],
    )
    defaults = build_parser().parse_args(["emulator"])
    assert (defaults.port, defaults.db, defaults.api_keys) == (3284, None, [])


@pytest.mark.slow
def test_cli_serves_logs_each_request_and_never_a_key(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
        "CHATSERVER_EMULATOR_ADMIN_KEYS": ADMIN_KEY,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "chatserver_sdk.cli", "emulator", "--port", str(port), "--api-key", API_KEY],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx2.get(f"{base_url}/v1/models", timeout=1)
                break
            except httpx2.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
        with httpx2.Client(base_url=base_url, timeout=5) as client:
            assert client.get("/v1/models", headers={"Authorization": f"Bearer {API_KEY}"}).status_code == 200
            assert (
                client.get(
                    "/api/v1/platform/stats", headers={"Authorization": f"Bearer {API_KEY}"}
                ).status_code
                == 403
            )
            stats = client.get("/api/v1/platform/stats", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
            assert stats.status_code == 200
            assert client.get("/v1/models", headers={"Authorization": "Bearer wrong"}).status_code == 401
            with client.stream("GET", "/events", params={"api_key": API_KEY}) as response:
                assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=15)
    log = output.decode()
    assert process.returncode == 0, log
    assert f"http://127.0.0.1:{port}" in log and "api keys: 1, admin keys: 1" in log
    assert API_KEY not in log and ADMIN_KEY not in log
    request_lines = [line for line in log.splitlines() if "chatserver_sdk.emulator.access" in line]
    assert any('"GET /v1/models" 200' in line for line in request_lines)
    assert any('"GET /api/v1/platform/stats" 403' in line for line in request_lines)
    assert any('"GET /v1/models" 401' in line for line in request_lines)
    assert any('"GET /events?api_key=%2A%2A%2A" 200' in line for line in request_lines)


@pytest.mark.slow
def test_importing_the_sdk_does_not_import_the_server_stack() -> None:
    code = (
        "import sys, chatserver_sdk, chatserver_sdk.cli, chatserver_sdk.emulator,"
        " chatserver_sdk.emulator.pytest_plugin\n"
        "heavy = sorted(m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
        "from chatserver_sdk.emulator import create_app, run_emulator\n"
        "assert 'fastapi' in sys.modules and callable(create_app) and callable(run_emulator)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO_ROOT)


@pytest.mark.slow
def test_pytest_plugin_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        """
        import httpx2
        import pytest

        def test_default(chatserver_emulator):
            assert chatserver_emulator.startswith("http://127.0.0.1:")
            assert httpx2.get(chatserver_emulator + "/v1/models").status_code == 200

        @pytest.mark.chatserver_emulator(api_keys=["k"])
        def test_configured(chatserver_emulator):
            assert httpx2.get(chatserver_emulator + "/v1/models").status_code == 401
            headers = {"Authorization": "Bearer k"}
            assert httpx2.get(chatserver_emulator + "/v1/models", headers=headers).status_code == 200
        """
    )
    # Installed packages register the fixture through the pytest11 entry point.
    result = pytester.runpytest_inprocess("-q")
    result.assert_outcomes(passed=2)
