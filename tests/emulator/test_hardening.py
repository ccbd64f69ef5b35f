"""Bad input gets a 4xx with a clear detail; the emulator is not reachable from foreign hosts or origins."""

from __future__ import annotations

import httpx2
import pytest

from chatserver_sdk.emulator import run_emulator

from .conftest import USER

# Every test here starts an emulator (or a process).
pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("text", "encoding", "word"),
    [
        ('{"model":"m","messages":[{"role":"user","content":"x"}],"metadata":{"v":NaN}}', "utf-8", "NaN"),
        (
            '{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":Infinity}',
            "utf-8",
            "Infinity",
        ),
        ('{"model":"m","messages":[{"role":"user","content":"\\ud800"}]}', "utf-8", "surrogate"),
        ('{"model":"m","messages":[],"metadata":' + "[" * 5000 + "]" * 5000 + "}", "utf-8", "nested"),
        # Surrogate code points encoded as such (json decodes bodies with "surrogatepass").
        ('{"model":"m","messages":[{"role":"user","content":"a\ud800b"}]}', "utf-8", "surrogate"),
        ('{"model":"m","messages":[{"role":"user","content":"a\udc00b"}]}', "utf-16-le", "surrogate"),
        ('{"model":"m","messages":[{"role":"user","content":"\\udfff"}]}', "utf-16", "surrogate"),
    ],
    ids=[
        "NaN",
        "Infinity",
        "escaped-surrogate",
        "nested",
        "utf8-surrogate",
        "utf16-surrogate",
        "utf16-escape",
    ],
)
@pytest.mark.parametrize("size", ["small", "large"])
def test_non_finite_numbers_surrogates_and_deep_nesting_are_400(
    text: str, encoding: str, word: str, size: str
) -> None:
    if size == "large":  # parsed off the event loop, in pieces
        text = '{"padding":"' + "x" * 70_000 + '",' + text[1:]
    raw = text.encode(encoding, "surrogatepass")
    with run_emulator() as base_url, httpx2.Client(base_url=base_url) as client:
        response = client.post(
            "/v1/chat/completions", content=raw, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400 and word in response.json()["detail"]
        # Nothing was stored, so the user's sessions stay readable.
        assert client.get("/atoms/chat/sessions", params={"user_id": USER}).status_code == 200


def test_deep_nesting_to_message_is_a_problem_400() -> None:
    with run_emulator() as base_url, httpx2.Client(base_url=base_url) as client:
        raw = b'{"content":' + b"[" * 100_000 + b"]" * 100_000 + b',"type":"user"}'
        response = client.post("/message", content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"


def test_bodies_over_the_limit_are_413() -> None:
    with run_emulator(max_body_bytes=1000) as base_url, httpx2.Client(base_url=base_url) as client:
        body = {"model": "m", "messages": [{"role": "user", "content": "x" * 2000}]}
        response = client.post("/v1/chat/completions", json=body)
        assert response.status_code == 413 and "1000-byte limit" in response.json()["detail"]

        def chunked() -> object:
            yield b'{"model":"m","messages":[{"role":"user","content":"'
            yield b"x" * 2000
            yield b'"}]}'

        response = client.post(
            "/v1/chat/completions", content=chunked(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 413


@pytest.mark.parametrize("name", ["..", ".", "x" * 300, "dir/"])
def test_upload_names_that_name_no_file_are_400(name: str) -> None:
    with run_emulator() as base_url, httpx2.Client(base_url=base_url) as client:
        response = client.post("/upload", files={"file": (name, b"data")})
        assert response.status_code == 400, response.text
        assert "file name" in response.json()["detail"]


def test_oversized_upload_is_refused_while_streaming() -> None:
    with run_emulator(max_upload_bytes=1000) as base_url, httpx2.Client(base_url=base_url) as client:
        response = client.post("/upload", files={"file": ("big.bin", b"x" * 5000)})
        assert response.status_code == 400 and "exceeds" in response.json()["detail"]
        assert client.post("/upload", files={"file": ("ok.bin", b"x" * 1000)}).status_code == 200


def test_foreign_host_is_refused_like_agentapi() -> None:
    with run_emulator() as base_url, httpx2.Client(base_url=base_url) as client:
        response = client.get("/status", headers={"Host": "attacker.example:3284"})
        assert response.status_code == 400 and response.text.startswith("Invalid host header")
        assert client.get("/status", headers={"Host": "localhost:1"}).status_code == 200
    with run_emulator(allowed_hosts=["*"]) as base_url, httpx2.Client(base_url=base_url) as client:
        assert client.get("/status", headers={"Host": "anything.example"}).status_code == 200


def test_cross_site_origin_is_refused() -> None:
    with run_emulator() as base_url, httpx2.Client(base_url=base_url) as client:
        evil = {"Origin": "https://evil.example"}
        response = client.post("/message", json={"content": "rm -rf", "type": "user"}, headers=evil)
        assert response.status_code == 403 and "evil.example" in response.json()["detail"]
        assert client.post("/upload", files={"file": ("a.txt", b"x")}, headers=evil).status_code == 403
        assert client.get("/messages").json() == {"messages": []}
        allowed = client.get("/status", headers={"Origin": "http://localhost:3000"})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert client.get("/status", headers={"Origin": base_url}).status_code == 200  # same origin


def test_guard_options_are_checked() -> None:
    with pytest.raises(ValueError, match="allowed_hosts"), run_emulator(allowed_hosts=["localhost:80"]):
        pass
    with pytest.raises(ValueError, match="max_body_bytes"), run_emulator(max_body_bytes=0):
        pass


@pytest.mark.parametrize(("depth", "refused"), [(250, False), (300, True)])
def test_the_nesting_limit_is_the_emulators_own_on_every_python(depth: int, refused: bool) -> None:
    # Python 3.13's json parser takes documents far deeper than 3.11's; the limit must not depend on it.
    metadata = "[" * (depth - 2) + "]" * (depth - 2)
    raw = ('{"model":"m","messages":[],"metadata":{"deep":' + metadata + "}}").encode()
    with run_emulator() as base_url, httpx2.Client(base_url=base_url) as client:
        response = client.post(
            "/v1/chat/completions", content=raw, headers={"content-type": "application/json"}
        )
    if refused:
        assert response.status_code == 400 and "nested more than 256 levels" in response.json()["detail"]
    else:
        assert response.status_code == 400 and "messages array must include" in response.json()["detail"]
