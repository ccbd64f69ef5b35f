"""History rules: the SDK never sends a completion the real server fails on (issue 7)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx2
import pytest

from chatserver_sdk import ChatServerClient, Message, MessageRole

from ..servers import UpstreamServer
from ..unit.test_history import SESSION, USER

pytestmark = pytest.mark.slow


@pytest.mark.slow
def test_the_earlier_sdks_resume_flow_works_on_upstream(upstream: UpstreamServer) -> None:
    client = ChatServerClient(base_url=upstream.base_url)
    first = client.create_completion(
        "claude-sonnet-4-5@20250929", ["Draft a project update email."], user=USER
    )
    session_id = first.system_fingerprint
    assert session_id is not None and uuid.UUID(session_id)
    with client.create_completion(
        "claude-sonnet-4-5@20250929",
        ["Add a bullet list of risks."],
        stream=True,
        user=USER,
        session_id=session_id,
    ) as stream:
        assert "".join(stream)
    parts = Message(role=MessageRole.USER, content=[{"type": "text", "text": "One more thing"}])  # type: ignore[list-item]
    client.create_completion("claude-sonnet-4-5@20250929", [parts], user=USER, session_id=session_id)
    sessions = client.list_sessions(USER)
    assert [s.id for s in sessions.sessions] == [session_id]
    detail = client.get_session(session_id, user_id=USER)
    assert [(m.role, m.content) for m in detail.messages][::2] == [
        ("user", "Draft a project update email."),
        ("user", "Add a bullet list of risks."),
        ("user", "One more thing"),
    ]
    assert len(detail.messages) == 6


@pytest.mark.slow
def test_what_the_sdk_prevents_does_fail_on_upstream(upstream: UpstreamServer) -> None:
    # The raw requests the SDK refuses or rewrites: proof that the rules are upstream's.
    # A fresh connection each time: after an unhandled 500 the server may drop a kept-alive one.
    http = httpx2.Client(base_url=upstream.base_url, timeout=30, headers={"Connection": "close"})

    def complete(messages: list[Any], **metadata: Any) -> int:
        body = {"model": "m", "messages": messages, "metadata": metadata}
        return http.post("/v1/chat/completions", json=body).status_code

    hi = [{"role": "user", "content": "hi"}]
    parts = [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert complete(hi, user_id="bob") == 500
    assert complete(parts, user_id=USER, session_id=str(uuid.uuid4())) == 500
    assert complete(hi, user_id=USER, session_id=SESSION) == 200
    assert (
        complete([{"role": "user", "content": "only the new one"}], user_id=USER, session_id=SESSION) == 500
    )
    # Without a session id the session is stored as atoms_session_<hex>, which breaks the user's list.
    assert complete(hi, user_id=USER) == 200
    assert http.get("/atoms/chat/sessions", params={"user_id": USER}).status_code == 500
