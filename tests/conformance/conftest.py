"""The conformance suite: each scenario once, run against every target.

A test that takes the ``target`` fixture runs once per target (``[upstream]``,
``[emulator]``, and ``[custom]`` when ``CHATSERVER_CONFORMANCE_URL`` names your
ChatServer). ``@pytest.mark.needs("faults")`` and the like keep a scenario away from a
target that cannot do what it needs (such combinations are deselected, not skipped).
Where the emulator differs from upstream on purpose, ``differences.py`` says so, and the
scenario is a strict ``xfail`` on the emulator target only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from chatserver_sdk import AsyncChatServerClient, ChatServerClient

from ..servers import UpstreamServer
from .differences import EMULATOR_DIFFERS
from .targets import (
    CAPABILITIES,
    EMULATOR,
    Target,
    capabilities,
    custom_target,
    emulator_target,
    enabled_targets,
    new_id,
    upstream_target,
)

HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "needs(*capabilities): run this conformance scenario only against targets that can "
        f"({', '.join(sorted(CAPABILITIES))})",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        names = enabled_targets()
        metafunc.parametrize("target", names, indirect=True, ids=names)


def _scenario_key(item: pytest.Item) -> str:
    function = getattr(item, "originalname", item.name)
    return f"{item.path.name}::{function}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = {scenario for scenarios in EMULATOR_DIFFERS.values() for scenario in scenarios}
    keep: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        if HERE not in item.path.parents or callspec is None or "target" not in callspec.params:
            keep.append(item)
            continue
        name = callspec.params["target"]
        needed = {need for mark in item.iter_markers("needs") for need in mark.args}
        unknown = needed - CAPABILITIES
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: unknown capability {sorted(unknown)}")
        if not needed <= capabilities(name):
            deselected.append(item)
            continue
        keep.append(item)
        if name == EMULATOR and _scenario_key(item) in known:
            row = next(row for row, scenarios in EMULATOR_DIFFERS.items() if _scenario_key(item) in scenarios)
            item.add_marker(pytest.mark.xfail(strict=True, reason=f"the emulator differs: {row}"))
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = keep


# --- targets ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _emulator_target() -> Iterator[Target]:
    # One emulator for the session: scenarios use fresh ids, as they must on a server you name.
    with emulator_target() as target:
        yield target


@pytest.fixture(scope="session")
def _custom_target() -> Target:
    return custom_target()


@pytest.fixture
def target(request: pytest.FixtureRequest) -> Target:
    name = request.param
    if name == "upstream":
        # Skipped in a lone clone (an error under CI=true); an empty database per test.
        server: UpstreamServer = request.getfixturevalue("upstream")
        return upstream_target(server)
    if name == EMULATOR:
        emulator: Target = request.getfixturevalue("_emulator_target")
        return emulator
    custom: Target = request.getfixturevalue("_custom_target")
    return custom


# --- clients ----------------------------------------------------------------------------------------


@pytest.fixture
def raw(target: Target) -> Iterator[httpx2.Client]:
    with target.raw() as client:
        yield client


@pytest.fixture
def admin_raw(target: Target) -> Iterator[httpx2.Client]:
    with target.raw(admin=True) as client:
        yield client


SdkFactory = Callable[..., ChatServerClient]


@pytest.fixture
def make_sdk(target: Target) -> Iterator[SdkFactory]:
    """``make_sdk(admin=False, **options)``: an SDK client of the target, closed after the test.

    ``max_retries=0`` unless given: a completion runs an agent and must never be sent twice
    by a scenario that did not mean to.
    """
    clients: list[ChatServerClient] = []

    def make(*, admin: bool = False, **options: Any) -> ChatServerClient:
        key = (target.admin_key or target.api_key) if admin else target.api_key
        options.setdefault("max_retries", 0)
        client = ChatServerClient(base_url=target.base_url, api_key=key, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def sdk(make_sdk: SdkFactory) -> ChatServerClient:
    return make_sdk()


@pytest.fixture
def admin_sdk(make_sdk: SdkFactory) -> ChatServerClient:
    return make_sdk(admin=True)


@pytest.fixture
async def asdk(target: Target) -> AsyncIterator[AsyncChatServerClient]:
    async with AsyncChatServerClient(
        base_url=target.base_url, api_key=target.api_key, max_retries=0
    ) as client:
        yield client


# --- fresh ids ----------------------------------------------------------------------------------------


@pytest.fixture
def user_id() -> str:
    return new_id()


@pytest.fixture
def other_user_id() -> str:
    return new_id()


@pytest.fixture
def org_id() -> str:
    return new_id()
