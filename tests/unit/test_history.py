"""History rules: the SDK never sends a completion the real server fails on (issue 7).

Upstream's server records history when ``metadata.user_id`` is set, and then: fails with
500 on a user or organisation id that is not a UUID; gives an unasked-for session the id
``atoms_session_<hex>``, which breaks that user's session routes; stores list-of-parts
content badly (500); and appends only the messages beyond those it holds, so a resume that
sends only the new message collides (500). Each case is either sent in the working form or
refused before sending, checked here at the transport and against upstream's own server.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx2
import pytest

from chatserver_sdk import ChatServerClient, Message, MessageRole
from chatserver_sdk._history import resumed_transcript

from ..conftest import FakeServer, completion

USER = "00000000-0000-0000-0000-000000000001"
ORG = "00000000-0000-0000-0000-0000000000aa"
SESSION = "11111111-1111-1111-1111-111111111111"


def stored(*turns: tuple[str, str]) -> dict[str, Any]:
    messages = [
        {"id": str(uuid.uuid4()), "message_index": i, "role": role, "content": content}
        for i, (role, content) in enumerate(turns)
    ]
    return {"session": {"id": SESSION, "user_id": USER}, "messages": messages}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"user": "bob"}, "user"),
        ({"metadata": {"user_id": "bob"}}, "metadata.user_id"),
        ({"organization_id": "acme"}, "metadata.organization_id"),
        ({"user": USER, "session_id": "my-chat"}, "session_id"),
    ],
)
def test_ids_the_server_fails_on_are_refused_before_sending(
    kwargs: dict[str, Any], field: str, client: ChatServerClient, server: FakeServer
) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: '[a-z-]+' is not a UUID; ") as caught:
        client.create_completion("m", ["hi"], **kwargs)
    assert "500" in str(caught.value) or "UUID session ids" in str(caught.value)
    assert server.requests == []


def test_history_without_a_session_id_gets_a_uuid_session(
    client: ChatServerClient, server: FakeServer
) -> None:
    server.on("POST", "/v1/chat/completions", httpx2.Response(200, json=completion()))
    client.create_completion("m", ["hi"], user=USER)
    first = server.last_json()["metadata"]["session_id"]
    client.create_completion("m", ["hi"], user=USER)
    second = server.last_json()["metadata"]["session_id"]
    assert uuid.UUID(first) and uuid.UUID(second) and first != second
    # Without history, the server's own default is harmless and left alone.
    client.create_completion("m", ["hi"])
    assert "metadata" not in server.last_json()


def test_content_parts_become_text_when_history_is_on(client: ChatServerClient, server: FakeServer) -> None:
    server.on("POST", "/v1/chat/completions", httpx2.Response(200, json=completion()))
    parts = Message(role=MessageRole.USER, content=[{"type": "text", "text": "Line one"}, "Line two"])  # type: ignore[list-item]
    client.create_completion("m", [parts], user=USER)
    assert server.last_json()["messages"] == [{"role": "user", "content": "Line one\nLine two"}]
    client.create_completion("m", [parts])
    assert server.last_json()["messages"][0]["content"] == [{"type": "text", "text": "Line one"}, "Line two"]


def test_a_resume_with_only_the_new_message_sends_the_stored_transcript_first(
    client: ChatServerClient, server: FakeServer
) -> None:
    server.on(
        "GET",
        f"/atoms/chat/sessions/{SESSION}",
        stored(("user", "Draft an email."), ("assistant", "Dear team")),
    )
    server.on("POST", "/v1/chat/completions", httpx2.Response(200, json=completion()))
    client.create_completion("m", ["Add a list of risks."], user=USER, session_id=SESSION)
    lookup, _ = server.requests
    assert lookup.url.params["user_id"] == USER
    assert [m["content"] for m in server.last_json()["messages"]] == [
        "Draft an email.",
        "Dear team",
        "Add a list of risks.",
    ]


def test_a_resume_with_the_whole_transcript_is_sent_as_given(
    client: ChatServerClient, server: FakeServer
) -> None:
    server.on(
        "GET",
        f"/atoms/chat/sessions/{SESSION}",
        stored(("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello")),
    )
    server.on("POST", "/v1/chat/completions", httpx2.Response(200, json=completion()))
    whole = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "And?"},
    ]
    client.create_completion("m", whole, user=USER, session_id=SESSION)
    assert server.last_json()["messages"] == whole
    # A system prompt repeated with only the new message is stored once.
    client.create_completion("m", [whole[0], "Again?"], user=USER, session_id=SESSION)
    assert [m["content"] for m in server.last_json()["messages"]] == ["Be brief.", "Hi", "Hello", "Again?"]


def test_a_new_session_chosen_by_the_caller_is_sent_as_given(
    client: ChatServerClient, server: FakeServer
) -> None:
    server.on("POST", "/v1/chat/completions", httpx2.Response(200, json=completion()))
    client.create_completion("m", ["Hi"], user=USER, session_id=SESSION)  # the lookup answers 404
    assert server.last_json()["messages"] == [{"role": "user", "content": "Hi"}]


# --- the same flows against upstream's own server ---------------------------------------------


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        # The whole conversation: sent as given.
        (["u1", "a1", "u2", "a2", "u3"], ["u1", "a1", "u2", "a2", "u3"]),
        # Only the new message: the stored ones first.
        (["u3"], ["u1", "a1", "u2", "a2", "u3"]),
        # A new message equal to the session's first: still a new message.
        (["u1"], ["u1", "a1", "u2", "a2", "u1"]),
        # A transcript that parted from the stored one (its u2 turn failed after the server kept it):
        # continue after what is stored, never repeat it.
        (["u1", "a1", "u9"], ["u1", "a1", "u2", "a2", "u9"]),
    ],
    ids=["whole", "only-new", "repeats-the-first", "parted"],
)
def test_what_a_resume_sends(sent: list[str], expected: list[str]) -> None:
    stored = [("user" if text[0] == "u" else "assistant", text) for text in ["u1", "a1", "u2", "a2"]]
    incoming = [{"role": "user" if text[0] == "u" else "assistant", "content": text} for text in sent]
    merged = resumed_transcript(stored, incoming)
    assert [m["content"] for m in (incoming if merged is None else merged)] == expected
