"""A ChatServer that checks API keys: callers without a valid one are refused.

Upstream's Python server checks none (a deployment puts authentication in front of it) and
the emulator checks none unless given keys, so these run only against a ChatServer you name
with ``CHATSERVER_CONFORMANCE_API_KEY``.
"""

from __future__ import annotations

import httpx2
import openai
import pytest

from chatserver_sdk import ChatServerClient
from chatserver_sdk.exceptions import UnauthorizedError

from .targets import Target

pytestmark = pytest.mark.needs("auth")

WRONG_KEY = "sk-conformance-not-a-key"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": f"Bearer {WRONG_KEY}"}], ids=["no-key", "wrong-key"]
)
@pytest.mark.parametrize(("method", "path"), [("GET", "/v1/models"), ("GET", "/api/v1/platform/stats")])
def test_callers_without_a_valid_key_are_refused(
    target: Target, headers: dict[str, str], method: str, path: str
) -> None:
    response = httpx2.request(method, f"{target.base_url}{path}", headers=headers, timeout=30.0)
    assert response.status_code == 401, (response.status_code, response.text[:300])


def test_sdk_with_a_wrong_key(target: Target) -> None:
    with (
        ChatServerClient(base_url=target.base_url, api_key=WRONG_KEY, max_retries=0) as stranger,
        pytest.raises(UnauthorizedError) as denied,
    ):
        stranger.create_completion(model=target.model, messages=["hi"])
    assert denied.value.status_code == 401
    assert isinstance(denied.value, openai.AuthenticationError)
    assert WRONG_KEY not in str(denied.value) and WRONG_KEY not in repr(denied.value)
