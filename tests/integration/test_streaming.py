"""Streams: text deltas, metadata, and every way a stream can go wrong."""

from __future__ import annotations

import gc
from typing import Any

import openai
import pytest

from chatserver_sdk import (
    ChatServerClient,
    Stream,
)

pytestmark = pytest.mark.slow


def test_a_returned_stream_keeps_its_client_alive(chatserver_emulator: str) -> None:
    # Over real sockets: a client that is garbage-collected closes its connection pool.
    def sdk_stream() -> Stream[str]:
        return ChatServerClient(base_url=chatserver_emulator).create_completion(
            "m", ["Hello there"], stream=True
        )

    def native_stream() -> openai.Stream[Any]:
        return ChatServerClient(base_url=chatserver_emulator).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "Hello there"}], stream=True
        )

    stream = sdk_stream()
    native = native_stream()
    gc.collect()
    assert "Hello there" in "".join(stream)
    assert "Hello there" in "".join(c.choices[0].delta.content or "" for c in native if c.choices)
