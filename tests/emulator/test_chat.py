"""Chat completions (plain and streamed), models and session history."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx2
import pytest

from chatserver_sdk.emulator.agent import count_tokens

from .conftest import MODEL, OTHER_USER, USER, completion_body

# Every test here starts an emulator (or a process).
pytestmark = pytest.mark.slow


def sse_events(response: httpx2.Response) -> list[str]:
    """Split a completion stream into its raw ``data:`` payloads, checking the exact framing."""
    body = response.read().decode()
    assert body.endswith("\n\n")
    frames = body[:-2].split("\n\n")
    for frame in frames:
        assert frame.startswith("data: ") and "\n" not in frame, frame
    return [frame[len("data: ") :] for frame in frames]


def stream_completion(client: httpx2.Client, body: dict[str, Any]) -> list[dict[str, Any]]:
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        payloads = sse_events(response)
    assert payloads[-1] == "[DONE]"
    return [json.loads(p) for p in payloads[:-1]]


def test_models_are_upstreams_vertex_list(shared_client: httpx2.Client) -> None:
    body = shared_client.get("/v1/models").json()
    assert body["object"] == "list"
    by_id = {m["id"]: m for m in body["data"]}
    assert set(by_id) == {
        "gemini-2.5-pro@001",
        "gemini-2.5-flash@001",
        "claude-sonnet-4-5@20250929",
        "claude-haiku-4-5@20251001",
    }
    assert by_id[MODEL] == {
        "id": MODEL,
        "object": "model",
        "owned_by": "anthropic",
        "created": by_id[MODEL]["created"],
        "description": "Claude Sonnet 4.5",
        "context_length": 1_048_576,
        "provider": "vertexai",
        "capabilities": ["chat.completion"],
    }
    assert by_id["gemini-2.5-pro@001"]["context_length"] == 2_097_152


def test_completion_echoes_last_user_message(client: httpx2.Client) -> None:
    body = completion_body(
        {"role": "system", "content": "You are a helpful assistant."},
        "Write a hello world function in Python.",
        user_id=None,
    )
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200
    data = response.json()
    assert data["object"] == "chat.completion"
    assert data["id"].startswith("chatcmpl-")
    message = data["choices"][0]["message"]
    assert message == {
        "role": "assistant",
        "content": "Echo (turn 1): Write a hello world function in Python.",
        "name": None,
    }
    assert data["choices"][0]["finish_reason"] == "stop"
    usage = data["usage"]
    assert usage["prompt_tokens"] == count_tokens("You are a helpful assistant.") + 7
    assert usage["completion_tokens"] == count_tokens(message["content"])
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    # Without metadata.session_id upstream names the session itself, and not with a UUID.
    assert re.fullmatch(r"atoms_session_[0-9a-f]{32}", data["system_fingerprint"])


def test_completion_is_deterministic(shared_client: httpx2.Client) -> None:
    body = completion_body("same", user_id=None)
    first, second = (shared_client.post("/v1/chat/completions", json=body).json() for _ in range(2))
    assert first["choices"] == second["choices"] and first["usage"] == second["usage"]


def test_content_parts_without_history_and_system_prompt(shared_client: httpx2.Client) -> None:
    parts = [{"type": "text", "text": "first part"}, "second part"]
    body = completion_body({"role": "user", "content": parts}, user_id=None, system_prompt="be brief")
    data = shared_client.post("/v1/chat/completions", json=body).json()
    assert data["choices"][0]["message"]["content"] == "Echo (turn 1): first part\nsecond part"
    assert data["usage"]["prompt_tokens"] == count_tokens("be brief first part second part")


def test_max_tokens_is_validated_but_does_not_cut_the_reply(shared_client: httpx2.Client) -> None:
    # Upstream hands max_tokens to the agent and always reports finish_reason "stop".
    data = shared_client.post(
        "/v1/chat/completions", json=completion_body("one two three four", max_tokens=1)
    ).json()
    assert data["choices"][0]["message"]["content"] == "Echo (turn 1): one two three four"
    assert data["choices"][0]["finish_reason"] == "stop"


def test_stream_format(shared_client: httpx2.Client) -> None:
    session_id = str(uuid.uuid4())
    chunks = stream_completion(
        shared_client, completion_body("Tell me a story", session_id=session_id, stream=True)
    )
    assert len(chunks) >= 4
    ids = {c["id"] for c in chunks}
    assert len(ids) == 1 and ids.pop().startswith("chatcmpl-")
    for c in chunks:
        assert c["object"] == "chat.completion.chunk"
        assert c["model"] == MODEL and isinstance(c["created"], int)
        assert c["system_fingerprint"] == session_id
        assert len(c["choices"]) == 1 and c["choices"][0]["index"] == 0
    content, last = chunks[:-1], chunks[-1]
    assert content[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all("role" not in c["choices"][0]["delta"] for c in content[1:])
    assert all(c["choices"][0]["finish_reason"] is None and "usage" not in c for c in content)
    text = "".join(c["choices"][0]["delta"]["content"] for c in content)
    assert text == "Echo (turn 1): Tell me a story"
    assert last["choices"][0]["delta"] == {} and last["choices"][0]["finish_reason"] == "stop"
    usage = last["usage"]
    assert usage["completion_tokens"] == len(content) == count_tokens(text)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_stream_and_plain_agree(shared_client: httpx2.Client) -> None:
    plain = shared_client.post(
        "/v1/chat/completions", json=completion_body("hello there", user_id=None)
    ).json()
    chunks = stream_completion(shared_client, completion_body("hello there", user_id=None, stream=True))
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == plain["choices"][0]["message"]["content"]
    assert chunks[-1]["usage"] == plain["usage"]


@pytest.mark.parametrize(
    ("patch", "location"),
    [
        ({"temperature": 2.5}, ["body", "temperature"]),
        ({"temperature": -0.1}, ["body", "temperature"]),
        ({"max_tokens": 4001}, ["body", "max_tokens"]),
        ({"max_tokens": 0}, ["body", "max_tokens"]),
        ({"top_p": 1.5}, ["body", "top_p"]),
        ({"stream": "sometimes"}, ["body", "stream"]),
        ({"messages": [{"role": "robot", "content": "hi"}]}, ["body", "messages", 0, "role"]),
        ({"messages": [{"role": "user"}]}, ["body", "messages", 0, "content"]),
        ({"metadata": "nope"}, ["body", "metadata"]),
    ],
)
def test_completion_validation_422(
    shared_client: httpx2.Client, patch: dict[str, Any], location: list[Any]
) -> None:
    response = shared_client.post("/v1/chat/completions", json={**completion_body("hi"), **patch})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert any(error["loc"] == location for error in detail), detail


def test_missing_model_field_is_422(shared_client: httpx2.Client) -> None:
    response = shared_client.post(
        "/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "model"]


def test_empty_messages_and_model_are_400(shared_client: httpx2.Client) -> None:
    response = shared_client.post("/v1/chat/completions", json={"model": MODEL, "messages": []})
    assert response.status_code == 400
    assert response.json() == {"detail": "messages array must include at least one message"}
    response = shared_client.post(
        "/v1/chat/completions", json={"model": "", "messages": [{"role": "user", "content": "x"}]}
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "model field is required - fetch available models from /v1/models endpoint"
    }


def test_any_model_string_is_passed_through(shared_client: httpx2.Client) -> None:
    for model in ("gpt-17", "  "):
        data = shared_client.post("/v1/chat/completions", json=completion_body("hi", model=model)).json()
        assert data["model"] == model


def _detail(client: httpx2.Client, session_id: str, user_id: str = USER) -> dict[str, Any]:
    response = client.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": user_id})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_history_recorded_only_with_user_id(client: httpx2.Client) -> None:
    anonymous = client.post("/v1/chat/completions", json=completion_body("hi", user_id=None)).json()
    assert anonymous["system_fingerprint"].startswith("atoms_session_")
    listing = client.get("/atoms/chat/sessions", params={"user_id": USER}).json()
    assert listing["total"] == 0


def test_default_session_id_breaks_the_session_routes_as_upstream(client: httpx2.Client) -> None:
    data = client.post("/v1/chat/completions", json=completion_body("hi", session_id="")).json()
    session_id = data["system_fingerprint"]
    assert re.fullmatch(r"atoms_session_[0-9a-f]{32}", session_id)
    listing = client.get("/atoms/chat/sessions", params={"user_id": USER})
    assert listing.status_code == 500
    assert (
        session_id in listing.json()["detail"] and "metadata.session_id as a UUID" in listing.json()["detail"]
    )
    assert client.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": USER}).status_code == 422


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({"user_id": "alice"}, "metadata.user_id"),
        ({"user_id": 7}, "metadata.user_id"),
        ({"organization_id": "acme"}, "metadata.organization_id"),
        ({"user_id": USER, "organization_id": "acme", "session_id": str(uuid.uuid4())}, "organization_id"),
    ],
)
def test_non_uuid_ids_are_upstreams_500_with_a_detail(
    shared_client: httpx2.Client, metadata: dict[str, Any], field: str
) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "metadata": metadata}
    response = shared_client.post("/v1/chat/completions", json=body)
    assert response.status_code == 500
    detail = response.json()["detail"]
    assert field in detail and "UUID" in detail


def test_non_uuid_org_is_fine_without_history_when_a_system_prompt_is_given(
    shared_client: httpx2.Client,
) -> None:
    body = completion_body("hi", user_id=None, metadata={"organization_id": "acme"}, system_prompt="s")
    assert shared_client.post("/v1/chat/completions", json=body).status_code == 200


def test_resume_with_only_the_new_message_is_upstreams_500(client: httpx2.Client) -> None:
    session_id = str(uuid.uuid4())
    client.post("/v1/chat/completions", json=completion_body("first", session_id=session_id))
    response = client.post("/v1/chat/completions", json=completion_body("second", session_id=session_id))
    assert response.status_code == 500
    detail = response.json()["detail"]
    assert "holds 2 messages" in detail and "sends 1" in detail and "Resend the whole conversation" in detail
    # Nothing was stored by the failed request.
    assert _detail(client, session_id)["session"]["message_count"] == 2


def test_resending_the_stored_transcript_appends_only_the_reply(client: httpx2.Client) -> None:
    session_id = str(uuid.uuid4())
    first = client.post("/v1/chat/completions", json=completion_body("first", session_id=session_id)).json()
    reply = first["choices"][0]["message"]["content"]
    body = completion_body("first", {"role": "assistant", "content": reply}, session_id=session_id)
    assert client.post("/v1/chat/completions", json=body).status_code == 200
    messages = _detail(client, session_id)["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "assistant"]


def test_a_resend_that_differs_from_the_stored_transcript_is_409_and_stores_nothing(
    client: httpx2.Client,
) -> None:
    # Upstream counts messages and would keep "original", drop "rewritten" and answer 200.
    session_id = str(uuid.uuid4())
    client.post("/v1/chat/completions", json=completion_body("original", session_id=session_id))
    body = completion_body("rewritten", "reply", "new", session_id=session_id)
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith("messages[0] differs from message 0 stored in session")
    assert "'original'" in detail and "resend the 2 stored messages" in detail and len(detail) < 300
    contents = [m["content"] for m in _detail(client, session_id)["messages"]]
    assert contents == ["original", "Echo (turn 1): original"]


def test_content_parts_with_history_are_upstreams_500(client: httpx2.Client) -> None:
    parts = {"role": "user", "content": [{"type": "text", "text": "hi"}]}
    response = client.post("/v1/chat/completions", json=completion_body(parts))
    assert response.status_code == 500
    assert "list of parts" in response.json()["detail"] and "string" in response.json()["detail"]


def _resume_transcript(client: httpx2.Client, resend_history: bool) -> dict[str, Any]:
    system = {"role": "system", "content": "You are terse."}
    first_user = {"role": "user", "content": "Draft a project update email.\nIt is for the team."}
    first = client.post("/v1/chat/completions", json=completion_body(system, first_user)).json()
    session_id = first["system_fingerprint"]
    history: list[dict[str, Any]] = [system, first_user, first["choices"][0]["message"]]
    usages = [first["usage"]]
    for text in ("Add a bullet list of risks.", "Now shorten it."):
        new = {"role": "user", "content": text}
        messages = [*history, new] if resend_history else [new]
        if text.startswith("Add"):
            chunks = stream_completion(client, completion_body(*messages, session_id=session_id, stream=True))
            assert all(c["system_fingerprint"] == session_id for c in chunks)
            reply = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
            usages.append(chunks[-1]["usage"])
        else:
            data = client.post(
                "/v1/chat/completions", json=completion_body(*messages, session_id=session_id)
            ).json()
            assert data["system_fingerprint"] == session_id
            reply = data["choices"][0]["message"]["content"]
            usages.append(data["usage"])
        history += [new, {"role": "assistant", "content": reply}]
    detail = _detail(client, session_id)
    assert [(m["role"], m["content"]) for m in detail["messages"]] == [
        (m["role"], m["content"]) for m in history
    ]
    assert [m["message_index"] for m in detail["messages"]] == list(range(len(history)))
    session = detail["session"]
    assert session["message_count"] == len(history)
    assert session["title"] == "Draft a project update email."
    assert session["tokens_in"] == sum(u["prompt_tokens"] for u in usages)
    assert session["tokens_out"] == sum(u["completion_tokens"] for u in usages)
    assert session["tokens_total"] == sum(u["total_tokens"] for u in usages)
    replies = [m["content"] for m in detail["messages"] if m["role"] == "assistant"]
    assert replies[-1] == "Echo (turn 3): Now shorten it."
    # Upstream stores no count for the client's messages and the reply's total for its own.
    assistant_tokens = [m["tokens"] for m in detail["messages"] if m["role"] == "assistant"]
    assert assistant_tokens == [u["total_tokens"] for u in usages]
    assert {m["tokens"] for m in detail["messages"] if m["role"] != "assistant"} == {None}
    assert {json.dumps(m["metadata"]) for m in detail["messages"]} == {"{}"}
    return detail


def test_resume_by_resending_the_transcript(shared_client: httpx2.Client) -> None:
    _resume_transcript(shared_client, resend_history=True)


def test_title_is_first_line_cut_at_80(shared_client: httpx2.Client) -> None:
    long_line = "x" * 120
    data = shared_client.post(
        "/v1/chat/completions", json=completion_body(f"{long_line}\nsecond line")
    ).json()
    assert _detail(shared_client, data["system_fingerprint"])["session"]["title"] == "x" * 80


def test_session_of_another_user_is_404(shared_client: httpx2.Client) -> None:
    session_id = shared_client.post("/v1/chat/completions", json=completion_body("mine")).json()[
        "system_fingerprint"
    ]
    response = shared_client.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": OTHER_USER})
    assert response.status_code == 404
    assert response.json() == {"detail": "chat session not found"}
    response = shared_client.get(f"/atoms/chat/sessions/{uuid.uuid4()}", params={"user_id": USER})
    assert response.json() == {"detail": "chat session not found"}
    # Continuing someone else's session fails upstream with 500; the detail says why.
    body = completion_body("hijack", user_id=OTHER_USER, session_id=session_id)
    response = shared_client.post("/v1/chat/completions", json=body)
    assert response.status_code == 500 and "belongs to another user" in response.json()["detail"]


def test_session_metadata_and_organization(shared_client: httpx2.Client) -> None:
    org = str(uuid.uuid4())
    body = completion_body(
        "hi",
        metadata={"organization_id": org, "workflow": "triage", "variables": {"a": 1}, "agent_type": "droid"},
    )
    session = _detail(
        shared_client, shared_client.post("/v1/chat/completions", json=body).json()["system_fingerprint"]
    )["session"]
    assert session["organization_id"] == org
    assert session["agent_type"] == "droid"
    # Upstream keeps only these two of the request's metadata with the session.
    assert session["metadata"] == {"workflow": "triage", "variables": {"a": 1}}
    assert session["model"] == MODEL and session["created_at"].endswith("Z")
    assert session["archived"] is False


def test_list_sessions_pagination(client: httpx2.Client) -> None:
    created = [
        client.post("/v1/chat/completions", json=completion_body(f"session {i}")).json()["system_fingerprint"]
        for i in range(5)
    ]
    client.post("/v1/chat/completions", json=completion_body("other", user_id=OTHER_USER))
    page1 = client.get("/atoms/chat/sessions", params={"user_id": USER, "page_size": 2}).json()
    assert (page1["total"], page1["page"], page1["page_size"], page1["has_more"]) == (5, 1, 2, True)
    # Most recently active first.
    assert [s["id"] for s in page1["sessions"]] == created[::-1][:2]
    page3 = client.get("/atoms/chat/sessions", params={"user_id": USER, "page": 3, "page_size": 2}).json()
    assert [s["id"] for s in page3["sessions"]] == created[:1] and page3["has_more"] is False
    beyond = client.get("/atoms/chat/sessions", params={"user_id": USER, "page": 9}).json()
    assert beyond["sessions"] == [] and beyond["has_more"] is False and beyond["total"] == 5
    # The last page whose offset a bigint holds is served, empty.
    last = (2**63 - 1) // 100 + 1
    edge = client.get("/atoms/chat/sessions", params={"user_id": USER, "page": last, "page_size": 100})
    assert edge.status_code == 200 and edge.json()["sessions"] == [] and edge.json()["total"] == 5


# Upstream's database cannot start a page past a bigint offset (its harness answers an empty page up
# to 2**64 - 1, then 500): a 422 naming the field, the value and the largest page accepted.
@pytest.mark.parametrize(
    ("page", "page_size", "bound"),
    [
        (2**63, 20, (2**63 - 1) // 20 + 1),
        (2**63 - 1, 20, (2**63 - 1) // 20 + 1),
        ((2**63 - 1) // 100 + 2, 100, (2**63 - 1) // 100 + 1),
        (2**63, 1, 2**63 - 1),
        (2**64, 1, 2**63 - 1),
        (10**40, 7, (2**63 - 1) // 7 + 1),
    ],
    ids=["2**63", "2**63-1", "one-past-at-100", "2**63-at-1", "2**64", "10**40"],
)
def test_pages_past_a_bigint_offset_are_422(
    shared_client: httpx2.Client, page: int, page_size: int, bound: int
) -> None:
    response = shared_client.get(
        "/atoms/chat/sessions", params={"user_id": USER, "page": page, "page_size": page_size}
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"], error["input"], error["ctx"]) == (
        ["query", "page"],
        "less_than_equal",
        str(page),
        {"le": bound},
    )
    assert error["msg"].startswith(f"Input should be less than or equal to {bound} (")
    assert f"page_size={page_size}" in error["msg"] and str(2**63 - 1) in error["msg"]


@pytest.mark.parametrize(
    "params",
    [
        {"user_id": "not-a-uuid"},
        {},
        {"user_id": USER, "page": 0},
        {"user_id": USER, "page_size": 101},
        {"user_id": USER, "page_size": 0},
        {"user_id": USER, "page": "x"},
    ],
)
def test_list_sessions_validation(shared_client: httpx2.Client, params: dict[str, Any]) -> None:
    response = shared_client.get("/atoms/chat/sessions", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_session_detail_validation(shared_client: httpx2.Client) -> None:
    assert shared_client.get("/atoms/chat/sessions/not-a-uuid", params={"user_id": USER}).status_code == 422
    assert (
        shared_client.get(f"/atoms/chat/sessions/{uuid.uuid4()}", params={"user_id": "bob"}).status_code
        == 422
    )
    assert shared_client.get(f"/atoms/chat/sessions/{uuid.uuid4()}").status_code == 422


@pytest.mark.parametrize(
    ("fault", "status"), [("bad_request", 400), ("unavailable", 503), ("stream_error", 503)]
)
def test_emulated_backend_faults(client: httpx2.Client, fault: str, status: int) -> None:
    session_id = str(uuid.uuid4())
    body = completion_body("hi", session_id=session_id, metadata={"emulator_fault": fault})
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == status and "emulated fault" in response.json()["detail"]
    # As upstream: the request's messages were recorded before the agent failed, the reply was not.
    assert [m["role"] for m in _detail(client, session_id)["messages"]] == ["user"]


@pytest.mark.parametrize(
    ("fault", "contents", "kind"),
    [
        ("stream_error", ["Echo "], "server_error"),
        ("unavailable", [], "server_error"),
        ("bad_request", ["Echo "], "invalid_request_error"),
    ],
)
def test_emulated_faults_arrive_inside_a_stream(
    shared_client: httpx2.Client, fault: str, contents: list[str], kind: str
) -> None:
    body = completion_body("tell me more", stream=True, metadata={"emulator_fault": fault})
    with shared_client.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        payloads = sse_events(response)
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert [c["choices"][0]["delta"].get("content") for c in chunks[:-1]] == contents
    assert chunks[-1]["error"]["type"] == kind and "emulated fault" in chunks[-1]["error"]["message"]


@pytest.mark.parametrize("fault", ["gremlins", ["crash"], {"kind": "crash"}, 5, True], ids=repr)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_unknown_fault_is_400_naming_it(shared_client: httpx2.Client, fault: object, stream: bool) -> None:
    body = completion_body("hi", stream=stream, metadata={"emulator_fault": fault})
    response = shared_client.post("/v1/chat/completions", json=body)
    assert response.status_code == 400
    faults = "bad_request, unavailable, stream_error, crash"
    assert response.json()["detail"] == f"metadata.emulator_fault must be one of: {faults}; got {fault!r}"


@pytest.mark.parametrize("count", [1, 300], ids=["one-message", "batches"])
def test_every_character_is_stored_as_sent(client: httpx2.Client, count: int) -> None:
    # Long transcripts are inserted a batch at a time through SQLite's JSON functions, which end a
    # string at a NUL: such batches take another path, and every text comes back as it was sent.
    texts = [f'm{i} é😀\n\t"\\ \u2028' for i in range(count - 1)] + ["nul \u0000 inside", "\u0000"]
    body = completion_body(*texts)
    assert client.post("/v1/chat/completions", json=body).status_code == 200
    session_id = body["metadata"]["session_id"]
    stored = client.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": USER}).json()["messages"]
    assert [m["content"] for m in stored[:-1]] == texts
    assert [m["message_index"] for m in stored] == list(range(len(texts) + 1))
