"""Raw HTTP: chat history — what is stored, how a session is resumed, and the session routes.

Upstream records history only when ``metadata.user_id`` is set. It stores the transcript it
is sent: messages beyond those it already holds are appended, then the reply. So a client
resumes by resending the whole conversation; anything else fails (read off
``services/chat_history.py`` and measured on upstream's server).
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from .targets import Fault, Target, new_id
from .wire import (
    RECORD_KEYS,
    SESSION_KEYS,
    SESSION_LIST_KEYS,
    assert_iso_timestamp,
    assert_server_error,
    assistant,
    completion_body,
    detail,
    json_body,
    sse_events,
    user,
    validation_errors,
)

# Every scenario runs against live servers (upstream's and the emulator).
pytestmark = pytest.mark.slow

SESSION_NOT_FOUND = "chat session not found"


def complete(
    raw: httpx2.Client,
    target: Target,
    messages: list[dict[str, Any]],
    metadata: dict[str, Any],
    **fields: Any,
) -> httpx2.Response:
    return raw.post(
        "/v1/chat/completions", json=completion_body(messages, target.model, metadata=metadata, **fields)
    )


def turn(
    raw: httpx2.Client, target: Target, messages: list[dict[str, Any]], metadata: dict[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = json_body(complete(raw, target, messages, metadata), 200)
    return body


def sessions(raw: httpx2.Client, user_id: str, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = json_body(
        raw.get("/atoms/chat/sessions", params={"user_id": user_id, **params}), 200
    )
    return body


def session_detail(raw: httpx2.Client, session_id: str, user_id: str) -> dict[str, Any]:
    body: dict[str, Any] = json_body(
        raw.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": user_id}), 200
    )
    return body


def reply_of(body: dict[str, Any]) -> str:
    return str(body["choices"][0]["message"]["content"])


def assert_summary(summary: dict[str, Any]) -> None:
    assert set(summary) == SESSION_KEYS, summary
    for key in ("created_at", "updated_at"):
        assert_iso_timestamp(summary[key])
    if summary["last_message_at"] is not None:
        assert_iso_timestamp(summary["last_message_at"])
    assert summary["archived"] is False


# --- what is stored ------------------------------------------------------------------------------------


def test_history_is_stored_when_metadata_names_a_user(
    raw: httpx2.Client, target: Target, user_id: str
) -> None:
    session_id = new_id()
    first = turn(
        raw, target, [user("Draft a project update email.")], {"user_id": user_id, "session_id": session_id}
    )
    assert first["system_fingerprint"] == session_id

    listing = sessions(raw, user_id)
    assert set(listing) == SESSION_LIST_KEYS
    assert (listing["total"], listing["page"], listing["page_size"], listing["has_more"]) == (1, 1, 20, False)
    [summary] = listing["sessions"]
    assert_summary(summary)
    usage = first["usage"]
    assert summary == {
        **summary,
        "id": session_id,
        "user_id": user_id,
        "organization_id": None,
        "title": "Draft a project update email.",
        "model": target.model,
        "agent_type": None,
        "message_count": 2,
        "tokens_in": usage["prompt_tokens"],
        "tokens_out": usage["completion_tokens"],
        "tokens_total": usage["total_tokens"],
        "metadata": {"workflow": None, "variables": {}},
    }
    assert summary["last_message_at"] is not None

    stored = session_detail(raw, session_id, user_id)
    assert set(stored) == {"session", "messages"}
    assert stored["session"] == summary
    records = stored["messages"]
    for record in records:
        assert set(record) == RECORD_KEYS, record
        assert record["metadata"] == {}
        assert_iso_timestamp(record["created_at"])
    assert [(r["message_index"], r["role"], r["content"]) for r in records] == [
        (0, "user", "Draft a project update email."),
        (1, "assistant", reply_of(first)),
    ]
    # A user message has no token count; the reply has its completion's total.
    assert [r["tokens"] for r in records] == [None, usage["total_tokens"]]


def test_resending_the_whole_transcript_appends_to_the_session(
    raw: httpx2.Client, target: Target, user_id: str
) -> None:
    metadata = {"user_id": user_id, "session_id": new_id()}
    conversation = [user("What is recursion?")]
    first = turn(raw, target, conversation, metadata)
    conversation += [assistant(reply_of(first)), user("Give me an example.")]
    second = turn(raw, target, conversation, metadata)
    assert second["system_fingerprint"] == metadata["session_id"]

    stored = session_detail(raw, metadata["session_id"], user_id)
    assert [(r["message_index"], r["role"], r["content"]) for r in stored["messages"]] == [
        (0, "user", "What is recursion?"),
        (1, "assistant", reply_of(first)),
        (2, "user", "Give me an example."),
        (3, "assistant", reply_of(second)),
    ]
    summary = stored["session"]
    assert summary["message_count"] == 4
    assert summary["title"] == "What is recursion?"
    # Session totals are the sums of the replies' usage.
    for key, usage_key in (
        ("tokens_in", "prompt_tokens"),
        ("tokens_out", "completion_tokens"),
        ("tokens_total", "total_tokens"),
    ):
        assert summary[key] == first["usage"][usage_key] + second["usage"][usage_key]


def test_streamed_reply_is_stored(raw: httpx2.Client, target: Target, user_id: str) -> None:
    metadata = {"user_id": user_id, "session_id": new_id()}
    response = raw.post(
        "/v1/chat/completions",
        json=completion_body([user("Tell me a story")], target.model, stream=True, metadata=metadata),
    )
    *chunks, final = sse_events(response)
    text = "".join(chunk["choices"][0]["delta"]["content"] for chunk in chunks)
    stored = session_detail(raw, metadata["session_id"], user_id)
    assert [(r["role"], r["content"]) for r in stored["messages"]] == [
        ("user", "Tell me a story"),
        ("assistant", text),
    ]
    assert stored["messages"][1]["tokens"] == final["usage"]["total_tokens"]
    assert stored["session"]["tokens_total"] == final["usage"]["total_tokens"]


def test_session_keeps_organization_agent_type_workflow_and_variables(
    raw: httpx2.Client, target: Target, user_id: str, org_id: str
) -> None:
    metadata = {
        "user_id": user_id,
        "session_id": new_id(),
        "organization_id": org_id,
        "agent_type": "claude",
        "workflow": "code-review",
        "variables": {"repo": "chatserver"},
        "allowed_tools": ["Read"],
    }
    # A system prompt of our own, so no stored prompt or workflow template is needed.
    raw.post(
        "/v1/chat/completions",
        json=completion_body(
            [user("Review this diff")], target.model, metadata=metadata, system_prompt="Be terse."
        ),
    ).raise_for_status()
    summary = session_detail(raw, metadata["session_id"], user_id)["session"]
    assert (summary["organization_id"], summary["agent_type"]) == (org_id, "claude")
    # Only the workflow and the variables are kept with the session.
    assert summary["metadata"] == {"workflow": "code-review", "variables": {"repo": "chatserver"}}


def test_title_is_the_first_line_of_the_first_user_message_cut_at_80(
    raw: httpx2.Client, target: Target, user_id: str
) -> None:
    long_line = "x" * 100
    metadata = {"user_id": user_id, "session_id": new_id()}
    turn(
        raw,
        target,
        [{"role": "system", "content": "Be brief."}, user(f"  {long_line}\nsecond line")],
        metadata,
    )
    assert session_detail(raw, metadata["session_id"], user_id)["session"]["title"] == long_line[:80]


def test_the_user_field_alone_stores_nothing(raw: httpx2.Client, target: Target, user_id: str) -> None:
    # History follows metadata.user_id; the OpenAI "user" field is only passed to the agent.
    raw.post(
        "/v1/chat/completions", json=completion_body([user("Hi")], target.model, user=user_id)
    ).raise_for_status()
    assert sessions(raw, user_id)["total"] == 0


# --- resuming the wrong way ------------------------------------------------------------------------


def test_sending_only_the_new_message_is_a_500(raw: httpx2.Client, target: Target, user_id: str) -> None:
    metadata = {"user_id": user_id, "session_id": new_id()}
    first = turn(raw, target, [user("Draft a project update email.")], metadata)
    # The server takes this one message as index 0, which it already holds.
    assert_server_error(complete(raw, target, [user("Add a bullet list of risks.")], metadata))
    stored = session_detail(raw, metadata["session_id"], user_id)
    assert [r["content"] for r in stored["messages"]] == ["Draft a project update email.", reply_of(first)]


def test_another_users_session_is_a_500(
    raw: httpx2.Client, target: Target, user_id: str, other_user_id: str
) -> None:
    session_id = new_id()
    conversation = [user("Mine")]
    first = turn(raw, target, conversation, {"user_id": user_id, "session_id": session_id})
    conversation += [assistant(reply_of(first)), user("Not yours")]
    assert_server_error(
        complete(raw, target, conversation, {"user_id": other_user_id, "session_id": session_id})
    )
    assert session_detail(raw, session_id, user_id)["session"]["message_count"] == 2
    assert sessions(raw, other_user_id)["total"] == 0


def test_content_parts_with_history_are_a_500(raw: httpx2.Client, target: Target, user_id: str) -> None:
    # Without a user id the same message is fine (test_completions.py).
    metadata = {"user_id": user_id, "session_id": new_id()}
    assert_server_error(complete(raw, target, [user([{"type": "text", "text": "Hi"}])], metadata))


def test_default_session_id_breaks_the_users_session_routes(
    raw: httpx2.Client, target: Target, user_id: str
) -> None:
    # No session id: upstream stores the session under its own non-UUID id ...
    session_id = turn(raw, target, [user("Hi")], {"user_id": user_id})["system_fingerprint"]
    assert session_id.startswith("atoms_session_")
    # ... which the session routes cannot read back.
    assert_server_error(raw.get("/atoms/chat/sessions", params={"user_id": user_id}))
    [error] = validation_errors(raw.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": user_id}))
    assert (error["loc"], error["type"]) == (["path", "session_id"], "uuid_parsing")


@pytest.mark.needs("faults")
def test_agent_failure_keeps_the_user_message_and_a_retry_completes_the_session(
    raw: httpx2.Client, target: Target, user_id: str
) -> None:
    metadata = {"user_id": user_id, "session_id": new_id()}
    injection = target.inject(Fault.REJECTED)
    failing = injection.messages([user("Tell me a story")])
    assert detail(complete(raw, target, failing, {**metadata, **injection.metadata}), 400)
    stored = session_detail(raw, metadata["session_id"], user_id)
    assert [r["role"] for r in stored["messages"]] == ["user"]
    assert stored["session"]["message_count"] == 1

    # Resending the same transcript adds no second copy of the question.
    retried = turn(raw, target, [user("Tell me a story")], metadata)
    stored = session_detail(raw, metadata["session_id"], user_id)
    assert [(r["role"], r["message_index"]) for r in stored["messages"]] == [("user", 0), ("assistant", 1)]
    assert stored["messages"][1]["content"] == reply_of(retried)


@pytest.mark.needs("faults")
def test_error_mid_stream_stores_no_reply(raw: httpx2.Client, target: Target, user_id: str) -> None:
    metadata = {"user_id": user_id, "session_id": new_id()}
    injection = target.inject(Fault.FAILED)
    body = completion_body(
        injection.messages([user("Tell me a story")]),
        target.model,
        stream=True,
        metadata={**metadata, **injection.metadata},
    )
    assert "error" in sse_events(raw.post("/v1/chat/completions", json=body))[-1]
    stored = session_detail(raw, metadata["session_id"], user_id)
    assert [r["role"] for r in stored["messages"]] == ["user"]
    assert stored["session"]["tokens_total"] == 0


# --- the session routes ------------------------------------------------------------------------------------


def test_detail_of_another_users_session_is_not_found(
    raw: httpx2.Client, target: Target, user_id: str, other_user_id: str
) -> None:
    metadata = {"user_id": user_id, "session_id": new_id()}
    turn(raw, target, [user("Private")], metadata)
    response = raw.get(f"/atoms/chat/sessions/{metadata['session_id']}", params={"user_id": other_user_id})
    assert detail(response, 404) == SESSION_NOT_FOUND


def test_detail_of_a_missing_session_is_not_found(raw: httpx2.Client, user_id: str) -> None:
    response = raw.get(f"/atoms/chat/sessions/{new_id()}", params={"user_id": user_id})
    assert detail(response, 404) == SESSION_NOT_FOUND


@pytest.mark.parametrize(
    ("path", "params", "location", "error_type"),
    [
        pytest.param("/atoms/chat/sessions", {}, ["query", "user_id"], "missing", id="list-no-user"),
        pytest.param(
            "/atoms/chat/sessions",
            {"user_id": "bob"},
            ["query", "user_id"],
            "uuid_parsing",
            id="list-user-not-uuid",
        ),
        pytest.param(
            "/atoms/chat/sessions/00000000-0000-0000-0000-000000000001",
            {},
            ["query", "user_id"],
            "missing",
            id="detail-no-user",
        ),
        pytest.param(
            "/atoms/chat/sessions/not-a-uuid",
            {"user_id": "00000000-0000-0000-0000-000000000001"},
            ["path", "session_id"],
            "uuid_parsing",
            id="detail-session-not-uuid",
        ),
        pytest.param(
            "/atoms/chat/sessions/00000000-0000-0000-0000-000000000001",
            {"user_id": "bob"},
            ["query", "user_id"],
            "uuid_parsing",
            id="detail-user-not-uuid",
        ),
    ],
)
def test_session_route_validation(
    raw: httpx2.Client, path: str, params: dict[str, str], location: list[str], error_type: str
) -> None:
    [error] = validation_errors(raw.get(path, params=params))
    assert (error["loc"], error["type"]) == (location, error_type)


# --- pagination ------------------------------------------------------------------------------------------


def test_pages_of_sessions(raw: httpx2.Client, target: Target, user_id: str) -> None:
    started = []
    for topic in ("One", "Two", "Three"):
        metadata = {"user_id": user_id, "session_id": new_id()}
        started.append((metadata, turn(raw, target, [user(f"Topic {topic}")], metadata)))

    first = sessions(raw, user_id, page=1, page_size=2)
    second = sessions(raw, user_id, page=2, page_size=2)
    beyond = sessions(raw, user_id, page=3, page_size=2)
    assert [
        (p["page"], p["page_size"], p["total"], len(p["sessions"]), p["has_more"])
        for p in (first, second, beyond)
    ] == [
        (1, 2, 3, 2, True),
        (2, 2, 3, 1, False),
        (3, 2, 3, 0, False),
    ]
    # Most recently active first.
    ids = [s["id"] for s in first["sessions"] + second["sessions"]]
    assert ids == [metadata["session_id"] for metadata, _ in reversed(started)]

    # Resuming the oldest session brings it to the front.
    metadata, reply = started[0]
    turn(raw, target, [user("Topic One"), assistant(reply_of(reply)), user("More")], metadata)
    assert sessions(raw, user_id, page_size=1)["sessions"][0]["id"] == metadata["session_id"]


@pytest.mark.parametrize(
    ("params", "location", "error_type"),
    [
        pytest.param({"page": 0}, "page", "greater_than_equal", id="page-0"),
        pytest.param({"page": -1}, "page", "greater_than_equal", id="page-negative"),
        pytest.param({"page": "x"}, "page", "int_parsing", id="page-not-a-number"),
        pytest.param({"page_size": 0}, "page_size", "greater_than_equal", id="page_size-0"),
        pytest.param({"page_size": 101}, "page_size", "less_than_equal", id="page_size-101"),
        pytest.param({"page_size": 2.5}, "page_size", "int_parsing", id="page_size-fraction"),
    ],
)
def test_session_page_bounds(
    raw: httpx2.Client, user_id: str, params: dict[str, Any], location: str, error_type: str
) -> None:
    [error] = validation_errors(raw.get("/atoms/chat/sessions", params={"user_id": user_id, **params}))
    assert (error["loc"], error["type"]) == (["query", location], error_type)


@pytest.mark.parametrize(("page", "page_size"), [(1, 1), (1, 100), (1000, 100)])
def test_session_page_bounds_accepted(raw: httpx2.Client, user_id: str, page: int, page_size: int) -> None:
    listing = sessions(raw, user_id, page=page, page_size=page_size)
    assert (listing["page"], listing["page_size"], listing["sessions"], listing["has_more"]) == (
        page,
        page_size,
        [],
        False,
    )


def test_a_page_past_a_bigint_offset(raw: httpx2.Client, user_id: str) -> None:
    # Upstream's harness answers an empty page (its database would overflow the OFFSET instead);
    # the emulator refuses it with a 422, a difference listed in the README.
    listing = sessions(raw, user_id, page=2**63, page_size=1)
    assert (listing["page"], listing["sessions"], listing["has_more"]) == (2**63, [], False)
