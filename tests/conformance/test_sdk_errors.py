"""Through the SDK: living with a server's errors.

After an exception it does not handle, upstream's server (uvicorn) answers with a plain-text
500 and then drops the kept-alive connection it answered on; the next request sent on that
connection is reset. A client that works against the emulator must keep working against
upstream here, with its default settings, without sending a completion twice.
"""

from __future__ import annotations

import pytest

from chatserver_sdk import AsyncChatServerClient, ChatServerClient
from chatserver_sdk.exceptions import InternalServerError, NotFoundError

from .targets import Target, new_email

# Every scenario runs against live servers (upstream's and the emulator).
pytestmark = pytest.mark.slow


def test_sdk_call_after_a_server_error(target: Target) -> None:
    # Whether the reset hits depends on how soon the next request follows (about one round in
    # three here), so enough rounds that a client which cannot cope fails reliably.
    with ChatServerClient(base_url=target.base_url, api_key=target.admin_key or target.api_key) as client:
        for round_number in range(12):
            email = new_email(f"after-500-{round_number}")
            client.add_admin(workos_id="user_after_500", email=email)
            try:
                with pytest.raises(InternalServerError):
                    client.add_admin(workos_id="user_after_500", email=email)
                prompt = f"Are you still there? {email}"
                response = client.create_completion(model=target.model, messages=[prompt])
                assert response.choices[0].message.content
                if target.upstream is not None:
                    # Sent once: one agent run saw this prompt.
                    runs = [run for run in target.upstream.agent_runs() if prompt in str(run["prompts"])]
                    assert len(runs) == 1, runs
            finally:
                with target.raw(admin=True) as raw:
                    raw.delete(f"/api/v1/platform/admins/{email}")


async def test_async_sdk_call_after_a_server_error(target: Target) -> None:
    async with AsyncChatServerClient(
        base_url=target.base_url, api_key=target.admin_key or target.api_key
    ) as client:
        for round_number in range(12):
            email = new_email(f"async-after-500-{round_number}")
            await client.add_admin(workos_id="user_after_500", email=email)
            try:
                with pytest.raises(InternalServerError):
                    await client.add_admin(workos_id="user_after_500", email=email)
                prompt = f"Are you still there? {email}"
                response = await client.create_completion(model=target.model, messages=[prompt])
                assert response.choices[0].message.content
                if target.upstream is not None:
                    runs = [run for run in target.upstream.agent_runs() if prompt in str(run["prompts"])]
                    assert len(runs) == 1, runs
            finally:
                with target.raw(admin=True) as raw:
                    raw.delete(f"/api/v1/platform/admins/{email}")


@pytest.mark.needs("no_agent_control")
def test_sdk_agent_control_on_the_python_server_alone(sdk: ChatServerClient) -> None:
    calls = {
        "get_agent_status": sdk.get_agent_status,
        "get_agent_messages": sdk.get_agent_messages,
        "send_agent_message": lambda: sdk.send_agent_message("hi"),
        "upload_file": lambda: sdk.upload_file("x.txt", b"x"),
    }
    for name, call in calls.items():
        with pytest.raises(NotFoundError) as caught:
            call()
        # The server's words first, then what the SDK knows: agent control is agentapi's.
        assert caught.value.message.startswith("Not Found. "), name
        assert "serves no agent control" in caught.value.message and "agentapi" in caught.value.message, name
