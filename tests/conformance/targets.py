"""The ChatServers the conformance suite runs against, and what each one can be asked to do.

Three targets, each a ``Target``:

``upstream``
    Upstream's own Python ChatServer, started from ``../shared/upstream-server/serve`` (the
    ``upstream`` fixture of ``tests/servers.py``: one server per test session, an empty
    database per test). Skipped with the reason in a lone clone; an error under ``CI=true``.
``emulator``
    The bundled emulator, in its default configuration (no keys: open, like upstream).
``custom``
    A ChatServer you name with ``CHATSERVER_CONFORMANCE_URL`` (plus the key variables below),
    to check your own deployment. Absent from the parametrisation when the variable is unset.

Scenarios never depend on an empty server: each uses fresh user, organisation and admin ids,
so they run unchanged against a deployment that already holds data.

What a target can do differs, and scenarios say what they need with
``@pytest.mark.needs(...)`` (see ``conftest.py``); a scenario is not run against a target
that lacks a capability (it is deselected, never skipped):

``agent_control``     serves coder/agentapi's ``/status``, ``/messages``, ``/message``,
                      ``/events``, ``/upload`` (upstream's Python server alone does not: 404)
``no_agent_control``  the opposite, for the scenario that pins upstream's 404s
``faults``            can be told to make its agent fail (see ``FAULTS``)
``auth``              checks an API key
``disposable``        its data is thrown away after the run (not a server you name): scenarios
                      that leave behind what they cannot remove need it
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

import httpx2

from ..servers import UpstreamServer, upstream_dir

UPSTREAM = "upstream"
EMULATOR = "emulator"
CUSTOM = "custom"

URL_ENV = "CHATSERVER_CONFORMANCE_URL"
API_KEY_ENV = "CHATSERVER_CONFORMANCE_API_KEY"
ADMIN_KEY_ENV = "CHATSERVER_CONFORMANCE_ADMIN_KEY"
MODEL_ENV = "CHATSERVER_CONFORMANCE_MODEL"
AGENT_CONTROL_ENV = "CHATSERVER_CONFORMANCE_AGENT_CONTROL"
TARGETS_ENV = "CHATSERVER_CONFORMANCE_TARGETS"

CAPABILITIES = frozenset({"agent_control", "no_agent_control", "faults", "auth", "disposable"})


def enabled_targets() -> list[str]:
    """The targets of this run: upstream and the emulator, and yours when you name one;
    ``CHATSERVER_CONFORMANCE_TARGETS=custom`` (comma-separated) picks some of them."""
    names = [UPSTREAM, EMULATOR]
    if os.environ.get(URL_ENV):
        names.append(CUSTOM)
    chosen = os.environ.get(TARGETS_ENV)
    if not chosen:
        return names
    picked = [name.strip() for name in chosen.split(",") if name.strip()]
    unknown = [name for name in picked if name not in names]
    if unknown:
        raise ValueError(
            f"${TARGETS_ENV}={chosen!r}: {unknown} not among the targets of this run {names}"
            + (f" (custom needs ${URL_ENV})" if CUSTOM in unknown else "")
        )
    return picked


def capabilities(name: str) -> frozenset[str]:
    """What target ``name`` can do, known before any server starts (scenarios are chosen by it)."""
    if name == UPSTREAM:
        return frozenset({"no_agent_control", "faults", "disposable"})
    if name == EMULATOR:
        return frozenset({"agent_control", "faults", "disposable"})
    agent_control = os.environ.get(AGENT_CONTROL_ENV, "1") != "0"
    found = {"agent_control" if agent_control else "no_agent_control"}
    if os.environ.get(API_KEY_ENV):
        found.add("auth")
    return frozenset(found)


# --- making the agent fail ----------------------------------------------------------------------


class Fault(Enum):
    """Ways upstream's agent backend can fail, and what upstream's route makes of each.

    The names follow upstream's ``create_chat_completion``: ``ValueError`` and
    ``RuntimeError`` are caught (400 / 503, or an error event inside a stream), anything
    else is not (a plain-text 500, or a stream cut off).
    """

    REJECTED = "value"
    """The agent rejects the request after its first message (ValueError)."""
    FAILED = "runtime"
    """The agent backend fails after its first message (RuntimeError)."""
    UNAVAILABLE = "first"
    """The agent backend fails before its first message (RuntimeError)."""
    CRASHED = "other"
    """The agent fails after its first message with an exception upstream does not handle."""


@dataclass(frozen=True)
class FaultInjection:
    """How one target is told to fail: a marker in the prompt, or a metadata field."""

    prompt_marker: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def messages(self, messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """``messages`` with the marker appended to the last user message."""
        result = [dict(message) for message in messages]
        if self.prompt_marker:
            last_user = max(i for i, message in enumerate(result) if message["role"] == "user")
            result[last_user]["content"] = f"{result[last_user]['content']} {self.prompt_marker}"
        return result


# The one place that says how each target is made to fail.
FAULTS: dict[str, dict[Fault, FaultInjection]] = {
    # Upstream's stubbed Claude agent (stubs/fake_claude.py) fails on a marker in its prompt.
    UPSTREAM: {fault: FaultInjection(prompt_marker=f"[[fail:{fault.value}]]") for fault in Fault},
    # The emulator takes an emulator-only metadata field.
    EMULATOR: {
        Fault.REJECTED: FaultInjection(metadata={"emulator_fault": "bad_request"}),
        Fault.FAILED: FaultInjection(metadata={"emulator_fault": "stream_error"}),
        Fault.UNAVAILABLE: FaultInjection(metadata={"emulator_fault": "unavailable"}),
        Fault.CRASHED: FaultInjection(metadata={"emulator_fault": "crash"}),
    },
    # A ChatServer you name runs a real agent, which cannot be told to fail: no fault scenarios.
}


# --- the target ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One ChatServer under test, and how to talk to it."""

    name: str
    base_url: str
    api_key: str | None = None
    admin_key: str | None = None
    """Sent to the platform routes; falls back to ``api_key``."""
    agent_control: bool = False
    faults: Mapping[Fault, FaultInjection] | None = None
    upstream: UpstreamServer | None = None
    """Upstream's harness routes (seed and inspect its database), on the upstream target only."""
    model: str = ""
    """A model the target lists; completions use it."""
    agent_timeout: float = 10.0
    """How long an agent-control run may take to become stable again."""

    def headers(self, *, admin: bool = False) -> dict[str, str]:
        key = (self.admin_key or self.api_key) if admin else self.api_key
        return {"Authorization": f"Bearer {key}"} if key else {}

    def raw(self, *, admin: bool = False) -> httpx2.Client:
        """A plain HTTP client. ``Connection: close``: upstream's uvicorn resets a kept-alive
        connection after an unhandled error, and raw scenarios pin answers, not connection reuse
        (``test_sdk_errors.py`` checks what that means for the SDK)."""
        return httpx2.Client(
            base_url=self.base_url,
            headers={**self.headers(admin=admin), "Connection": "close"},
            timeout=30.0,
        )

    def inject(self, fault: Fault) -> FaultInjection:
        if self.faults is None or fault not in self.faults:
            raise LookupError(f"target {self.name} cannot be told to fail ({fault.name})")
        return self.faults[fault]


def _first_model(base_url: str, headers: Mapping[str, str]) -> str:
    response = httpx2.get(f"{base_url}/v1/models", headers=dict(headers), timeout=30.0)
    response.raise_for_status()
    models = response.json()["data"]
    if not models:
        raise RuntimeError(f"{base_url}/v1/models lists no model; set ${MODEL_ENV}")
    return str(models[0]["id"])


def upstream_target(server: UpstreamServer) -> Target:
    target = Target(UPSTREAM, server.base_url, faults=FAULTS[UPSTREAM], upstream=server)
    return replace(target, model=_first_model(server.base_url, {}))


@contextlib.contextmanager
def emulator_target() -> Iterator[Target]:
    from chatserver_sdk.emulator import run_emulator

    with run_emulator() as base_url:
        target = Target(EMULATOR, base_url, agent_control=True, faults=FAULTS[EMULATOR])
        yield replace(target, model=_first_model(base_url, {}))


def custom_target() -> Target:
    """The ChatServer named by ``CHATSERVER_CONFORMANCE_URL`` and its companion variables."""
    base_url = os.environ[URL_ENV].rstrip("/")
    api_key = os.environ.get(API_KEY_ENV) or None
    target = Target(
        CUSTOM,
        base_url,
        api_key=api_key,
        admin_key=os.environ.get(ADMIN_KEY_ENV) or None,
        agent_control=os.environ.get(AGENT_CONTROL_ENV, "1") != "0",
        # A real agent answers in seconds to minutes.
        agent_timeout=300.0,
    )
    model = os.environ.get(MODEL_ENV) or _first_model(base_url, target.headers())
    return replace(target, model=model)


# --- fresh ids, so scenarios never collide with data already on a server ----------------------------


def new_id() -> str:
    return str(uuid.uuid4())


def new_email(label: str) -> str:
    return f"conformance-{label}-{uuid.uuid4().hex[:12]}@example.com"


# --- upstream's provenance ----------------------------------------------------------------------------

_COMMIT = re.compile(r"\bcommit ([0-9a-f]{7,40})\b")


def upstream_commit() -> str:
    """The upstream commit ``../shared/upstream-server`` holds, as its README states it."""
    readme = upstream_dir() / "README.md"
    found = _COMMIT.search(readme.read_text(encoding="utf-8"))
    if found is None:
        raise LookupError(f"{readme} does not name upstream's commit ('commit <hash>')")
    return found.group(1)
