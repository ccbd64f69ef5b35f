"""Raw HTTP: what a 500 looks like when upstream meets a request it does not handle.

Each of these client mistakes raises inside upstream's code, past its error handling:
Starlette answers ``text/plain`` ``Internal Server Error``, with nothing to say what went
wrong. The scenarios elsewhere check the status and what was (not) stored; this one pins the
body. (The emulator answers them with a JSON ``detail`` instead: a deliberate difference.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from .targets import Target, new_email, new_id
from .wire import assert_internal_error, assistant, completion_body, json_body, user

# Every scenario runs against live servers (upstream's and the emulator).
pytestmark = pytest.mark.slow

Mistake = Callable[[httpx2.Client, Target], httpx2.Response]


def _complete(
    raw: httpx2.Client, target: Target, messages: list[dict[str, Any]], **metadata: Any
) -> httpx2.Response:
    return raw.post("/v1/chat/completions", json=completion_body(messages, target.model, metadata=metadata))


def only_the_new_message(raw: httpx2.Client, target: Target) -> httpx2.Response:
    ids = {"user_id": new_id(), "session_id": new_id()}
    json_body(_complete(raw, target, [user("First")], **ids), 200)
    return _complete(raw, target, [user("Second")], **ids)


def another_users_session(raw: httpx2.Client, target: Target) -> httpx2.Response:
    session_id = new_id()
    first = json_body(_complete(raw, target, [user("Mine")], user_id=new_id(), session_id=session_id), 200)
    conversation = [user("Mine"), assistant(first["choices"][0]["message"]["content"]), user("Not yours")]
    return _complete(raw, target, conversation, user_id=new_id(), session_id=session_id)


def content_parts_with_history(raw: httpx2.Client, target: Target) -> httpx2.Response:
    return _complete(
        raw, target, [user([{"type": "text", "text": "Hi"}])], user_id=new_id(), session_id=new_id()
    )


def user_id_not_a_uuid(raw: httpx2.Client, target: Target) -> httpx2.Response:
    return _complete(raw, target, [user("Hi")], user_id="bob", session_id=new_id())


def sessions_stored_under_upstreams_own_id(raw: httpx2.Client, target: Target) -> httpx2.Response:
    user_id = new_id()
    json_body(_complete(raw, target, [user("Hi")], user_id=user_id), 200)
    return raw.get("/atoms/chat/sessions", params={"user_id": user_id})


def an_admin_added_twice(raw: httpx2.Client, target: Target) -> httpx2.Response:
    email = new_email("twice")
    with target.raw(admin=True) as admin:
        json_body(
            admin.post("/api/v1/platform/admins", json={"workos_id": "user_twice", "email": email}), 201
        )
        try:
            return admin.post("/api/v1/platform/admins", json={"workos_id": "user_twice", "email": email})
        finally:
            admin.delete(f"/api/v1/platform/admins/{email}")


def a_missing_mcp_server_updated(raw: httpx2.Client, target: Target) -> httpx2.Response:
    return raw.put(f"/atoms/mcp/{new_id()}", json={"enabled": True})


MISTAKES: dict[str, Mistake] = {
    "only-the-new-message": only_the_new_message,
    "another-users-session": another_users_session,
    "content-parts-with-history": content_parts_with_history,
    "user-id-not-a-uuid": user_id_not_a_uuid,
    "sessions-under-a-non-uuid-id": sessions_stored_under_upstreams_own_id,
    "admin-added-twice": an_admin_added_twice,
    "missing-mcp-server-updated": a_missing_mcp_server_updated,
}


@pytest.mark.parametrize("mistake", list(MISTAKES.values()), ids=list(MISTAKES))
def test_client_mistakes_get_a_plain_text_500(raw: httpx2.Client, target: Target, mistake: Mistake) -> None:
    assert_internal_error(mistake(raw, target))
