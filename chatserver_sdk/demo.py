"""``chatserver demo``: the earlier SDK's scenarios, against an emulator started here.

Each scenario is a short function that uses the public API the way the README
shows it; ``run_demo`` starts the emulator on a free port (unless pointed at
a server) and runs them in order, printing what a person wants to see.
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

from . import ChatServerClient, Message, MessageRole
from .exceptions import BadRequestError, NotFoundError, UnprocessableEntityError

__all__ = ["SCENARIOS", "run_demo"]

MODEL = "claude-3-haiku"
USER_ID = "00000000-0000-0000-0000-000000000001"


@dataclass(frozen=True)
class Demo:
    client: ChatServerClient
    say: Callable[[str], None]
    owns_server: bool
    """True for the emulator started here; a server given by URL is only read."""


Scenario = Callable[[Demo], None]


def models(demo: Demo) -> None:
    client, say = demo.client, demo.say
    for model in client.list_models().data:
        capabilities = ", ".join(model.capabilities) or "-"
        context = f"{model.context_length or 0:,} tokens"
        say(f"{model.id:<26} {model.provider or '?':<9} {context:>15}  [{capabilities}]")


def completion(demo: Demo) -> None:
    client, say = demo.client, demo.say
    response = client.create_completion(
        model=MODEL,
        messages=[
            Message(role=MessageRole.SYSTEM, content="You are a helpful assistant."),
            Message(role=MessageRole.USER, content="Write a hello world function in Python."),
        ],
    )
    say(f"assistant: {response.choices[0].message.content}")
    usage = response.usage
    say(f"tokens: {usage.prompt_tokens} in + {usage.completion_tokens} out = {usage.total_tokens}")
    say(f"session: {response.system_fingerprint}")


def streaming(demo: Demo) -> None:
    client, say = demo.client, demo.say
    with client.create_completion(model=MODEL, messages=["Tell me a story"], stream=True) as stream:
        deltas = list(stream)
    say("deltas: " + " | ".join(repr(delta) for delta in deltas))
    say(f"text:   {''.join(deltas)}")
    say(f"session: {stream.metadata.get('system_fingerprint')}, usage: {stream.metadata.get('usage')}")


def multi_turn(demo: Demo) -> None:
    client, say = demo.client, demo.say
    conversation: list[Message | str] = [Message(role=MessageRole.USER, content="What is recursion?")]
    first = client.create_completion(model=MODEL, messages=conversation)
    say(f"turn 1: {first.choices[0].message.content}")
    conversation += [first.choices[0].message, "Can you give me an example?"]
    second = client.create_completion(model=MODEL, messages=conversation)
    say(f"turn 2: {second.choices[0].message.content}")


def session_history(demo: Demo) -> None:
    client, say = demo.client, demo.say
    first = client.create_completion(model=MODEL, messages=["Draft a project update email."], user=USER_ID)
    session_id = first.system_fingerprint or ""
    say(f"started session {session_id}")
    with client.create_completion(
        model=MODEL,
        messages=["Add a bullet list of risks."],
        stream=True,
        user=USER_ID,
        session_id=session_id,
    ) as stream:
        say(f"resumed, streamed: {''.join(stream)}")
    page = client.list_sessions(USER_ID)
    say(f"{page.total} stored session(s) for user {USER_ID}")
    detail = client.get_session(session_id, user_id=USER_ID)
    summary = detail.session
    say(f"'{summary.title}': {summary.message_count} messages, {summary.tokens_total} tokens")
    for record in detail.messages:
        say(f"  #{record.message_index} {record.role:<9} {record.content}")


def administration(demo: Demo) -> None:
    client, say = demo.client, demo.say
    if demo.owns_server:
        client.add_admin("user_demo", "ada@example.com", "Ada Lovelace")
    stats = client.get_platform_stats()
    say(
        f"users: {stats.total_users} (active {stats.active_users}), requests: {stats.total_requests}, "
        f"tokens: {stats.total_tokens}"
    )
    health = stats.system_health
    say(
        f"health: {health.status}, circuit breaker: {health.circuit_breaker_status}, "
        f"agents: {', '.join(health.active_agents)}"
    )
    admins = client.list_admins()
    say(f"admins ({admins['count']}): " + ", ".join(admin.email for admin in admins.admins))
    if demo.owns_server:
        client.remove_admin("ada@example.com")
    for entry in client.get_audit_log(limit=5).entries:
        say(f"  audit [{entry.timestamp}] {entry.action} {entry.resource} {entry.resource_id or ''}")


def error_handling(demo: Demo) -> None:
    client, say = demo.client, demo.say
    attempts: list[tuple[str, Callable[[], object]]] = [
        ("empty model and messages", lambda: client.create_completion(model="", messages=[])),
        ("unknown model", lambda: client.create_completion(model="gpt-0", messages=["hi"])),
        ("temperature 3", lambda: client.create_completion(model=MODEL, messages=["hi"], temperature=3)),
        ("user id that is not a UUID", lambda: client.list_sessions("bob")),
        ("someone else's session", lambda: client.get_session(USER_ID, user_id=USER_ID)),
    ]
    for what, attempt in attempts:
        try:
            attempt()
        except (BadRequestError, UnprocessableEntityError, NotFoundError) as error:
            message = textwrap.shorten(error.message, 100)
            say(f"{what}: {type(error).__name__} ({error.status_code}) {message}")


SCENARIOS: list[tuple[str, Scenario]] = [
    ("Models", models),
    ("Chat completion", completion),
    ("Streaming", streaming),
    ("Multi-turn conversation", multi_turn),
    ("Session history and resume", session_history),
    ("Platform administration and audit", administration),
    ("Error handling", error_handling),
]


@contextlib.contextmanager
def _server(base_url: str | None) -> Iterator[str]:
    if base_url is not None:
        yield base_url
        return
    from .emulator import run_emulator

    with run_emulator() as url:
        yield url


def run_demo(base_url: str | None = None, out: TextIO | None = None) -> int:
    """Walk through every scenario; returns a process exit code."""

    def say(line: str) -> None:
        print(f"  {line}", file=out, flush=True)

    with _server(base_url) as url:
        print(f"ChatServer {'at' if base_url else 'emulator on'} {url}\n", file=out)
        with ChatServerClient(base_url=url) as client:
            demo = Demo(client, say, owns_server=base_url is None)
            for number, (title, scenario) in enumerate(SCENARIOS, start=1):
                print(f"{number}. {title}", file=out)
                scenario(demo)
                print(file=out)
    print("Done. Next: `chatserver emulator` for a server of your own, and the README for the API.", file=out)
    return 0
