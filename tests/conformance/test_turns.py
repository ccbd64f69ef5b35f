"""Raw HTTP: a turn while it runs — a client that goes away, a second turn on the same session.

Measured on upstream's server with a slow agent (its stub agent answers at once, so
``tests/upstream_launcher.py`` serves upstream's app with the stub wrapped: a prompt holding
``[[delay:SECONDS]]`` spreads the reply over that long). The emulator is slowed down by its own
``agent_delay``. Upstream stores a turn's question before its agent runs and the reply after
(``services/chat_history.py``); what happens in between:

* a non-streamed turn whose client goes away still finishes, and its reply is stored;
* a streamed turn whose client goes away mid-stream ends there: its reply is not stored;
* a second turn on a session whose first turn is still running waits for it, then runs: both
  are answered 200, and the history holds both questions, then both replies — upstream trusts
  the message count, so it cannot tell. The emulator refuses such a turn instead (see
  ``differences.py``: "Turns on one session").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest

from chatserver_sdk.emulator import run_emulator

from ..servers import delay_marker
from .targets import EMULATOR, UPSTREAM, Target, new_id
from .wire import completion_body, json_body, user

# A slow agent is one a scenario can control: upstream's stub and the emulator can be slowed down,
# a ChatServer you name cannot ("faults": its agent can be told how to behave).
pytestmark = [pytest.mark.slow]

DELAY = 2.0
# Liveness bounds, not speed claims: a turn that never ends would otherwise stall the run.
PATIENCE = 30.0


@dataclass(frozen=True)
class SlowServer:
    """The target with an agent that takes ``DELAY`` seconds over each reply."""

    base_url: str
    model: str
    marker: str

    def body(self, messages: list[dict[str, Any]], metadata: dict[str, Any], **fields: Any) -> dict[str, Any]:
        slowed = [dict(m) for m in messages]
        if self.marker:
            # In the first message, so that every later turn of the session is slow too.
            slowed[0]["content"] = f"{slowed[0]['content']} {self.marker}"
        return completion_body(slowed, self.model, metadata=metadata, **fields)

    def client(self, **options: Any) -> httpx2.Client:
        options.setdefault("timeout", PATIENCE)
        return httpx2.Client(base_url=self.base_url, headers={"Connection": "close"}, **options)


@pytest.fixture
def slow(target: Target) -> Iterator[SlowServer]:
    if target.name == UPSTREAM:
        yield SlowServer(target.base_url, target.model, delay_marker(DELAY))
    elif target.name == EMULATOR:
        with run_emulator(agent_delay=DELAY) as base_url:
            yield SlowServer(base_url, target.model, "")
    else:  # pragma: no cover - deselected by the needs mark
        raise LookupError(f"target {target.name} cannot be slowed down")


def stored(server: SlowServer, session_id: str, user_id: str) -> list[tuple[str, str]]:
    with server.client() as client:
        response = client.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": user_id})
    if response.status_code == 404:
        return []
    return [(m["role"], m["content"]) for m in json_body(response, 200)["messages"]]


def eventually(read: Callable[[], Any], done: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + PATIENCE
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def reply_of(response: httpx2.Response) -> str:
    return str(json_body(response, 200)["choices"][0]["message"]["content"])


@pytest.mark.needs("faults")
def test_a_non_streamed_turn_goes_on_when_its_client_goes_away(slow: SlowServer, user_id: str) -> None:
    session_id = new_id()
    body = slow.body([user("Summarise the repository")], {"user_id": user_id, "session_id": session_id})
    with (
        slow.client(timeout=httpx2.Timeout(PATIENCE, read=DELAY / 6)) as client,
        pytest.raises(httpx2.ReadTimeout),
    ):
        client.post("/v1/chat/completions", json=body)
    # The question was stored before the agent ran; the agent goes on without the client.
    assert [role for role, _ in stored(slow, session_id, user_id)] == ["user"]
    history = eventually(lambda: stored(slow, session_id, user_id), lambda h: len(h) > 1)
    assert [role for role, _ in history] == ["user", "assistant"]


@pytest.mark.needs("faults")
def test_a_streamed_reply_is_not_stored_when_its_client_goes_away_mid_stream(
    slow: SlowServer, user_id: str
) -> None:
    session_id = new_id()
    metadata = {"user_id": user_id, "session_id": session_id}
    question = [user("Write the release notes")]
    with (
        slow.client() as client,
        client.stream(
            "POST", "/v1/chat/completions", json=slow.body(question, metadata, stream=True)
        ) as response,
    ):
        assert response.status_code == 200
        first = next(line for line in response.iter_lines() if line.startswith("data: "))
        assert '"content"' in first
    # The client has gone. Resending the same transcript answers the stored question again; it runs
    # once the dropped turn has ended, so a reply stored by that turn would come first.
    with slow.client() as client:
        retry = eventually(
            lambda: client.post("/v1/chat/completions", json=slow.body(question, metadata)),
            lambda r: r.status_code != 409,  # the emulator, until it has seen the client go
        )
    assert stored(slow, session_id, user_id) == [
        ("user", slow.body(question, metadata)["messages"][0]["content"]),
        ("assistant", reply_of(retry)),
    ]


@pytest.mark.needs("faults")
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_second_turn_while_the_first_runs_waits_for_it_and_both_questions_come_first(
    slow: SlowServer, user_id: str, stream: bool
) -> None:
    session_id = new_id()
    metadata = {"user_id": user_id, "session_id": session_id}
    first_question = [user("Fix the failing test")]
    answers: dict[str, httpx2.Response] = {}

    def first_turn() -> None:
        with slow.client() as client:
            answers["first"] = client.post("/v1/chat/completions", json=slow.body(first_question, metadata))

    runner = threading.Thread(target=first_turn)
    runner.start()
    try:
        # The first turn is running once its question is stored.
        assert len(eventually(lambda: stored(slow, session_id, user_id), bool)) == 1
        # The second client resends the transcript as stored, plus its own question.
        second_body = slow.body([*first_question, user("And update the changelog")], metadata, stream=stream)
        with slow.client() as client:
            second = client.post("/v1/chat/completions", json=second_body)
    finally:
        runner.join(PATIENCE)
    assert second.status_code == 200, second.text
    assert answers["first"].status_code == 200
    history = stored(slow, session_id, user_id)
    assert [role for role, _ in history] == ["user", "user", "assistant", "assistant"]
    assert history[2][1] == reply_of(answers["first"])


def test_a_resend_that_differs_from_the_stored_transcript_keeps_the_stored_messages(
    raw: httpx2.Client, target: Target, user_id: str
) -> None:
    metadata = {"user_id": user_id, "session_id": new_id()}
    first = raw.post(
        "/v1/chat/completions",
        json=completion_body([user("Original question")], target.model, metadata=metadata),
    )
    rewritten = [user("Rewritten question"), {"role": "assistant", "content": reply_of(first)}, user("Next")]
    second = raw.post(
        "/v1/chat/completions", json=completion_body(rewritten, target.model, metadata=metadata)
    )
    assert second.status_code == 200
    response = raw.get(f"/atoms/chat/sessions/{metadata['session_id']}", params={"user_id": user_id})
    contents = [m["content"] for m in json_body(response, 200)["messages"]]
    # Upstream counts messages: the stored question stays, the resent one is dropped.
    assert contents == ["Original question", reply_of(first), "Next", reply_of(second)]
