"""Large bodies are parsed and validated off the event loop, in pieces: the answers stay FastAPI's own.

Each body is sent to the emulator and to a plain FastAPI app with the same route and model (the
reference): their 422s must be the same bytes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from chatserver_sdk.emulator import run_emulator
from chatserver_sdk.emulator.schemas import ChatCompletionRequest

from .conftest import MODEL, USER

# Every test here starts an emulator (or a process).
pytestmark = pytest.mark.slow

MANY = 5000  # messages: ~240 KB of JSON, well past the size parsed off the loop


def reference_app() -> FastAPI:
    app = FastAPI()
    app.state.agent = None

    @app.post("/v1/chat/completions")
    def create_chat_completion(body: ChatCompletionRequest) -> JSONResponse:
        return JSONResponse({"messages": len(body.messages)})

    return app


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[httpx2.Client, httpx2.Client]]:
    with (
        run_emulator() as emulator_url,
        run_emulator(app=reference_app()) as reference_url,
        httpx2.Client(base_url=emulator_url, timeout=30) as emulator,
        httpx2.Client(base_url=reference_url, timeout=30) as reference,
    ):
        yield emulator, reference


def messages(count: int = MANY) -> list[dict[str, Any]]:
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": f"message {i}"} for i in range(count)]


def with_history(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "metadata": {"user_id": USER, "session_id": str(uuid.uuid4())}}


def bad_at(index: int, message: Any) -> list[Any]:
    items: list[Any] = messages()
    items[index] = message
    return items


INVALID = {
    "no-model": {"messages": messages()},
    "bad-message-late": {"model": MODEL, "messages": bad_at(MANY - 2, {"role": "robot", "content": 5})},
    "messages-that-are-not-objects": {"model": MODEL, "messages": [*bad_at(3, "text")[:-1], ["x"]]},
    "bad-fields-around": {"model": 7, "messages": bad_at(MANY // 2, {}), "temperature": 5, "stream": "x"},
    "messages-not-a-list": {"model": MODEL, "messages": {"m": messages()}},
}


@pytest.mark.parametrize("name", INVALID)
def test_invalid_large_bodies_get_fastapis_422(
    servers: tuple[httpx2.Client, httpx2.Client], name: str
) -> None:
    emulator, reference = servers
    body = INVALID[name]
    ours = emulator.post("/v1/chat/completions", json=body)
    theirs = reference.post("/v1/chat/completions", json=body)
    assert (ours.status_code, theirs.status_code) == (422, 422)
    assert ours.headers["content-type"] == theirs.headers["content-type"] == "application/json"
    assert ours.content == theirs.content


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({"model": MODEL, "messages": messages()})[:-10].encode(),
        json.dumps({"model": MODEL, "messages": messages()}).encode() + b" trailing",
        json.dumps([{"model": MODEL, "messages": messages()}]).encode(),
        b'{"model": "m", "messages": [' + b'{"role": "user", "content": "x"},' * MANY + b"]}",
    ],
    ids=["cut-short", "trailing-data", "top-level-array", "trailing-comma"],
)
def test_malformed_large_bodies_get_fastapis_answer(
    servers: tuple[httpx2.Client, httpx2.Client], raw: bytes
) -> None:
    emulator, reference = servers
    headers = {"content-type": "application/json"}
    ours = emulator.post("/v1/chat/completions", content=raw, headers=headers)
    theirs = reference.post("/v1/chat/completions", content=raw, headers=headers)
    assert ours.status_code == theirs.status_code == 422
    assert ours.content == theirs.content


def test_small_bodies_with_errors_that_echo_a_container_are_fastapis(
    servers: tuple[httpx2.Client, httpx2.Client],
) -> None:
    for body in (
        {"messages": [{"role": "user", "content": "é😀"}]},
        {"model": "m", "messages": [{"role": "x"}]},
    ):
        ours, theirs = (client.post("/v1/chat/completions", json=body) for client in servers)
        assert ours.status_code == theirs.status_code == 422
        assert ours.content == theirs.content


def test_a_large_valid_body_is_stored_whole(servers: tuple[httpx2.Client, httpx2.Client]) -> None:
    emulator, _ = servers
    body = with_history(
        {"model": MODEL, "messages": [*messages(MANY - 1), {"role": "user", "content": "ünï 😀"}]}
    )
    reply = emulator.post("/v1/chat/completions", json=body)
    assert reply.status_code == 200, reply.text[:300]
    assert reply.json()["choices"][0]["message"]["content"] == f"Echo (turn {MANY // 2 + 1}): ünï 😀"
    detail = emulator.get(f"/atoms/chat/sessions/{body['metadata']['session_id']}", params={"user_id": USER})
    # Rendered in pieces, byte for byte what JSONResponse renders.
    assert detail.content == JSONResponse(detail.json()).body
    assert detail.headers["content-type"] == "application/json"
    stored = detail.json()["messages"]
    assert [(m["role"], m["content"]) for m in stored[:-1]] == [
        (m["role"], m["content"]) for m in body["messages"]
    ]
    assert [m["message_index"] for m in stored] == list(range(MANY + 1))


def test_a_large_body_of_another_content_type_is_fastapis_answer(
    servers: tuple[httpx2.Client, httpx2.Client],
) -> None:
    raw = json.dumps({"model": MODEL, "messages": messages()}).encode()
    ours, theirs = (
        client.post("/v1/chat/completions", content=raw, headers={"content-type": "text/plain"})
        for client in servers
    )
    assert ours.status_code == theirs.status_code == 422
    assert ours.content == theirs.content
