"""Fixtures for testing the emulator over real sockets, with every response checked against the spec."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from chatserver_sdk.emulator import run_emulator

from .spec import SpecChecker, find_agentapi_spec, find_spec, load_openapi

USER = "00000000-0000-0000-0000-000000000001"
OTHER_USER = "00000000-0000-0000-0000-000000000002"
ORG = "00000000-0000-0000-0000-0000000000aa"
MODEL = "claude-sonnet-4-5@20250929"


@pytest.fixture(scope="session")
def spec_checker() -> SpecChecker:
    spec = find_spec()
    return SpecChecker(load_openapi(spec), load_openapi(find_agentapi_spec(spec)))


ClientFactory = Callable[..., httpx2.Client]


@pytest.fixture
def make_client(spec_checker: SpecChecker) -> Iterator[ClientFactory]:
    """Build httpx2 clients whose every non-streaming response is validated against the spec."""
    clients: list[httpx2.Client] = []

    def factory(base_url: str, api_key: str | None = None, **kwargs: Any) -> httpx2.Client:
        headers = dict(kwargs.pop("headers", {}))
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        hooks = {"response": [spec_checker.hook]}
        kwargs.setdefault("timeout", 10.0)
        client = httpx2.Client(base_url=base_url, headers=headers, event_hooks=hooks, **kwargs)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def emulator(chatserver_emulator: str) -> str:
    """A fresh emulator's base URL: the shipped fixture (configured with its marker)."""
    return chatserver_emulator


@pytest.fixture
def client(emulator: str, make_client: ClientFactory) -> httpx2.Client:
    """A client of a fresh emulator: the test sees only its own data."""
    return make_client(emulator)


@pytest.fixture(scope="module")
def shared_client(spec_checker: SpecChecker) -> Iterator[httpx2.Client]:
    """A client of an emulator shared by the module, for tests that do not depend on global state.

    Starting a server per test costs ~0.15 s (uvicorn's shutdown alone sleeps 0.1 s), which
    adds up over the many small validation cases.
    """
    hooks = {"response": [spec_checker.hook]}
    with (
        run_emulator() as base_url,
        httpx2.Client(base_url=base_url, event_hooks=hooks, timeout=10) as client,
    ):
        yield client


def completion_body(
    *messages: str | dict[str, Any],
    user_id: str | None = USER,
    session_id: str | None = None,
    stream: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    metadata: dict[str, Any] = dict(extra.pop("metadata", {}))
    if user_id is not None:
        metadata["user_id"] = user_id
        # As the SDK does: upstream's own default id ("atoms_session_<hex>") breaks the session routes.
        # Pass session_id="" to send none.
        if session_id is None:
            session_id = str(uuid.uuid4())
    if session_id:
        metadata["session_id"] = session_id
    return {
        "model": extra.pop("model", MODEL),
        "messages": [m if isinstance(m, dict) else {"role": "user", "content": m} for m in messages],
        "stream": stream,
        "metadata": metadata,
        **extra,
    }
