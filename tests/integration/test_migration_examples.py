"""The earlier SDK's ``examples.py`` runs unchanged, imports aside, against real servers."""

from __future__ import annotations

import re
import uuid

import pytest

from chatserver_sdk import ChatServerClient

from ..servers import UpstreamServer
from ..unit.test_migration_examples import (
    ADMIN_KEY,
    USER,
    USER_KEY,
    Target,
    describe,
    expected_output,
    forwarded_to_earlier_address,
    run_example,
)

pytestmark = [pytest.mark.slow, pytest.mark.chatserver_emulator(api_keys=[USER_KEY], admin_keys=[ADMIN_KEY])]


@pytest.fixture
def emulator_target(chatserver_emulator: str) -> Target:
    with ChatServerClient(api_key=ADMIN_KEY, base_url=chatserver_emulator) as admin:
        admin.add_admin("user_01", "ada@example.com", "Ada Lovelace")  # audited by the emulator
    return Target(chatserver_emulator, ADMIN_KEY, r"Echo \(turn \d\): ")


@pytest.fixture
def upstream_target(upstream: UpstreamServer) -> Target:
    with ChatServerClient(base_url=upstream.base_url) as admin:
        admin.add_admin("user_01", "ada@example.com", "Ada Lovelace")
    # Upstream writes no audit entries of its own.
    upstream.seed(
        "audit_logs",
        {
            "id": str(uuid.uuid4()),
            "timestamp": "2025-01-02T03:04:05+00:00",
            "action": "platform_admin.added",
            "resource_type": "platform_admin",
            "resource_id": "ada@example.com",
            "details": {"user_id": "user_01", "organization_id": "org_1"},
            "success": True,
        },
    )
    # Upstream has no authentication: any key goes.
    return Target(upstream.base_url, "sk-ignored-by-upstream", "Upstream reply to: ")


@pytest.fixture(params=["emulator", "upstream"])
def target(request: pytest.FixtureRequest) -> Target:
    fixture = "emulator_target" if request.param == "emulator" else "upstream_target"
    result: Target = request.getfixturevalue(fixture)
    return result


def test_earlier_example_runs_unchanged(target: Target) -> None:
    with forwarded_to_earlier_address(target.base_url):
        result = run_example(target.api_key)
    assert result.returncode == 0, describe(result)
    assert result.stderr == "", describe(result)
    # main() prints "Error: ..." for a section that raised, and the admin section its own line.
    assert not re.search(r"^Error: |^Platform admin error", result.stdout, re.MULTILINE), describe(result)
    for pattern in expected_output(target):
        found = re.search(pattern, result.stdout, re.MULTILINE)
        assert found, f"no match for {pattern!r}\n{describe(result)}"
    assert target.api_key not in result.stdout


def test_earlier_example_error_handling_on_a_server_with_keys(emulator_target: Target) -> None:
    # Only the emulator checks keys: the earlier example's "invalid_key" must fail there as it did.
    with forwarded_to_earlier_address(emulator_target.base_url):
        result = run_example(emulator_target.api_key)
    expected = (
        r"^Expected error occurred:\n  Type: UnauthorizedError\n"
        r"  Message: Invalid API key\n  Status code: 401$"
    )
    assert re.search(expected, result.stdout, re.MULTILINE), describe(result)


def test_stored_messages_carry_their_session_id_on_upstream(upstream: UpstreamServer) -> None:
    # Upstream's message records have no session_id; the earlier SDK's did.
    session_id = str(uuid.uuid4())
    with ChatServerClient(base_url=upstream.base_url) as client:
        client.create_completion("claude-3-haiku", ["Plan the release"], user=USER, session_id=session_id)
        detail = client.get_session(session_id, user_id=USER)
    assert [record.session_id for record in detail.messages] == [session_id, session_id]
    assert [record["role"] for record in detail.messages] == ["user", "assistant"]
    assert detail.session.get("title") == "Plan the release"
