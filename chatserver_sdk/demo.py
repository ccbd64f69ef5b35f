"""``chatserver demo``: the SDK's scenarios, against an emulator started here or a server you name.

Each scenario is a short function that uses the public API the way the README
shows it; ``run_demo`` starts the emulator on a free port (unless pointed at
a server) and runs them in order, printing what a person wants to see.

Against a server given by URL the demo changes no administration (it adds
and removes no admin); its chats are stored under a user id made for the run.
A section that needs a platform admin's key says so and is skipped when the
key is not one; API errors end the demo with one line, through the command
line's error handling.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from . import ChatServerClient, Message, MessageRole
from .exceptions import APIStatusError, ForbiddenError, NotFoundError

__all__ = ["SCENARIOS", "run_demo"]

PREFERRED_MODEL = "claude"
"""The demo talks to the first model whose id starts with this, else the first listed."""
ADMIN_EMAIL = "ada@example.com"


@dataclass
class Demo:
    client: ChatServerClient
    say: Callable[[str], None]
    owns_server: bool
    """True for the emulator started here; a server given by URL keeps its administration as it was."""
    user_id: str
    model: str = "claude-sonnet-4-5@20250929"
    skipped: list[str] = field(default_factory=list)

    def skip(self, what: str, error: ForbiddenError) -> None:
        self.say(f"{what}: skipped, it needs a platform admin's key ({error.status_code} Forbidden)")
        self.skipped.append(what)


Scenario = Callable[[Demo], None]


def models(demo: Demo) -> None:
    client, say = demo.client, demo.say
    listed = client.list_models().data
    for model in listed:
        capabilities = ", ".join(model.capabilities) or "-"
        context = f"{model.context_length or 0:,} tokens"
        say(f"{model.id:<28} {model.provider or '?':<9} {context:>17}  [{capabilities}]")
    preferred = [model.id for model in listed if model.id.startswith(PREFERRED_MODEL)]
    if preferred or listed:
        demo.model = (preferred or [listed[0].id])[0]
    say(f"the demo talks to {demo.model}")


def completion(demo: Demo) -> None:
    client, say = demo.client, demo.say
    response = client.create_completion(
        model=demo.model,
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
    with client.create_completion(model=demo.model, messages=["Tell me a story"], stream=True) as stream:
        deltas = list(stream)
    say("deltas: " + " | ".join(repr(delta) for delta in deltas))
    say(f"text:   {''.join(deltas)}")
    say(f"session: {stream.metadata.get('system_fingerprint')}, usage: {stream.metadata.get('usage')}")


def multi_turn(demo: Demo) -> None:
    client, say = demo.client, demo.say
    conversation: list[Message | str] = [Message(role=MessageRole.USER, content="What is recursion?")]
    first = client.create_completion(model=demo.model, messages=conversation)
    say(f"turn 1: {first.choices[0].message.content}")
    conversation += [first.choices[0].message, "Can you give me an example?"]
    second = client.create_completion(model=demo.model, messages=conversation)
    say(f"turn 2: {second.choices[0].message.content}")


def session_history(demo: Demo) -> None:
    client, say, user = demo.client, demo.say, demo.user_id
    first = client.create_completion(model=demo.model, messages=["Draft a project update email."], user=user)
    session_id = first.system_fingerprint or ""
    say(f"started session {session_id}")
    with client.create_completion(
        model=demo.model,
        messages=["Add a bullet list of risks."],  # the SDK puts the stored transcript in front
        stream=True,
        user=user,
        session_id=session_id,
    ) as stream:
        say(f"resumed, streamed: {''.join(stream)}")
    page = client.sessions.list(user)
    say(f"{page.total} stored session(s) for user {user}")
    detail = client.sessions.retrieve(session_id, user_id=user)
    summary = detail.session
    say(f"'{summary.title}': {summary.message_count} messages, {summary.tokens_total} tokens")
    for record in detail.messages:
        say(f"  #{record.message_index} {record.role:<9} {record.content}")


def conversation_helper(demo: Demo) -> None:
    client, say = demo.client, demo.say
    chat = client.conversation(demo.model, user_id=demo.user_id)
    say(f"conversation under session {chat.session_id} (made before the first turn)")
    say(f"you: Plan a trip to Rome.  assistant: {chat.send('Plan a trip to Rome.')}")
    with chat.stream("Three days only.") as deltas:
        say(f"you: Three days only.  assistant (streamed): {''.join(deltas)}")
    resumed = client.conversation(demo.model, user_id=demo.user_id, session_id=chat.session_id)
    say(f"resumed from the stored history: {len(resumed.messages)} messages")
    say(f"you: Add a museum.  assistant: {resumed.send('Add a museum.')}")
    stored = client.sessions.retrieve(resumed.session_id or "", user_id=demo.user_id)
    say(f"the session now holds {len(stored.messages)} messages, each turn sent with the whole transcript")


def administration(demo: Demo) -> None:
    client, say = demo.client, demo.say
    try:
        stats = client.platform.stats()
    except ForbiddenError as error:
        demo.skip("platform administration", error)
        return
    say(
        f"users: {stats.total_users} (active {stats.active_users}), requests: {stats.total_requests}, "
        f"tokens: {stats.total_tokens}"
    )
    health = stats.system_health
    say(
        f"health: {health.status}, circuit breaker: {health.circuit_breaker_status}, "
        f"agents: {', '.join(health.active_agents)}"
    )
    if demo.owns_server:
        client.platform.admins.add("user_demo", ADMIN_EMAIL, name="Ada Lovelace")
        say(f"added {ADMIN_EMAIL} (Ada Lovelace) as a platform admin, for this demo")
    admins = client.platform.admins.list()
    say(f"admins ({admins.count}): " + (", ".join(admin.email for admin in admins.admins) or "none"))
    if demo.owns_server:
        client.platform.admins.remove(ADMIN_EMAIL)
        say(f"removed {ADMIN_EMAIL} again: the audit log below records both changes")
    else:
        say("(a server you named: its admins are listed, never changed)")
    for entry in client.platform.audit.list(limit=5).entries:
        say(f"  audit [{entry.timestamp}] {entry.action} {entry.resource} {entry.resource_id or ''}")


def mcp_registry(demo: Demo) -> None:
    client, say = demo.client, demo.say
    organization = str(uuid.uuid4())
    if not demo.owns_server:
        listed = client.mcp_servers.list(organization, include_platform=True)
        say(f"platform-wide MCP servers: {', '.join(s.name for s in listed) or 'none'}")
        say("(a server you named: its registry is listed, never changed)")
        return
    scope = {"type": "organization", "organization_id": organization}
    docs = client.mcp_servers.create(
        "docs", "https://mcp.example.com/docs", scope, auth_type="bearer", bearer_token="a-demo-token"
    )
    say(f"registered {docs.name} for organization {organization} (its token is never sent back)")
    say(f"listed: {[s.name for s in client.mcp_servers.list(organization)]}")
    client.mcp_servers.update(docs.id, enabled=False)
    enabled = [server.name for server in client.mcp_servers.list(organization)]
    say(f"disabled, lists hold enabled servers only: {enabled}")
    client.mcp_servers.delete(docs.id)
    say("deleted again")


def agent_control(demo: Demo) -> None:
    client, say = demo.client, demo.say
    try:
        status = client.agent.wait(timeout=60)
    except NotFoundError:
        say("this server serves no agent control (coder/agentapi answers those routes)")
        return
    say(f"agent ({status.agent_type}) is {status.status}")
    for message in client.agent.ask("Run the tests", timeout=60):
        say(f"  {message.role}: {message.content}")
    say(f"messages so far: {len(client.agent.messages().messages)}")


def pages(demo: Demo) -> None:
    client, say = demo.client, demo.say
    titles = [session.title for session in client.sessions.list(demo.user_id, page_size=1)]
    say(f"sessions.list(page_size=1), walked: {len(titles)} sessions, one request each: {titles}")
    try:
        newest = list(itertools.islice(client.platform.audit.list(limit=2), 4))
    except ForbiddenError as error:
        demo.skip("the audit log", error)
        return
    say(f"platform.audit.list(limit=2), the first {len(newest)} entries, fetched as needed:")
    for entry in newest:
        say(f"  {entry.action} {entry.resource_id or ''}")


def error_handling(demo: Demo) -> None:
    client, say = demo.client, demo.say
    attempts: list[tuple[str, Callable[[], object]]] = [
        ("empty model and messages", lambda: client.create_completion(model="", messages=[])),
        ("unknown model", lambda: client.create_completion(model="gpt-0", messages=["hi"])),
        ("temperature 3", lambda: client.create_completion(model=demo.model, messages=["hi"], temperature=3)),
        ("user id that is not a UUID", lambda: client.sessions.list("bob")),
        ("someone else's session", lambda: client.sessions.retrieve(demo.user_id, user_id=demo.user_id)),
    ]
    for what, attempt in attempts:
        try:
            attempt()
        except (APIStatusError, ValueError) as error:
            status = f" ({error.status_code})" if isinstance(error, APIStatusError) else ""
            message = error.message if isinstance(error, APIStatusError) else str(error)
            say(f"{what}: {type(error).__name__}{status} {textwrap.shorten(message, 100)}")
        else:
            say(f"{what}: accepted by this server")


SCENARIOS: list[tuple[str, Scenario]] = [
    ("Models", models),
    ("Chat completion", completion),
    ("Streaming", streaming),
    ("Multi-turn conversation", multi_turn),
    ("Session history and resume", session_history),
    ("The Conversation helper", conversation_helper),
    ("Platform administration and audit", administration),
    ("MCP server registry", mcp_registry),
    ("Agent control", agent_control),
    ("Walking every page", pages),
    ("Error handling", error_handling),
]


@contextlib.contextmanager
def _server(base_url: str | None, out: TextIO) -> Iterator[str]:
    if base_url is not None:
        print(f"Walking through the ChatServer at {base_url}", file=out, flush=True)
        yield base_url
        return
    print("Starting a ChatServer emulator on a free port...", file=out, flush=True)
    from .emulator import run_emulator

    with run_emulator() as url:
        print(f"ChatServer emulator on {url}", file=out, flush=True)
        yield url


def run_demo(
    base_url: str | None = None,
    out: TextIO | None = None,
    *,
    api_key: str | None = None,
    timeout: float | None = None,
    err: TextIO | None = None,
) -> int:
    """Walk through every scenario; returns a process exit code (1 if a section was skipped)."""
    out = out or sys.stdout
    err = err or sys.stderr

    def say(line: str) -> None:
        print(f"  {line}", file=out, flush=True)

    with _server(base_url, out) as url:
        # The emulator started here needs no key: one in the environment is not sent to it.
        options: dict[str, Any] = {"api_key": api_key if base_url is not None else ""}
        if timeout is not None:
            options["timeout"] = timeout
        with ChatServerClient(base_url=url, **options) as client:
            demo = Demo(client, say, owns_server=base_url is None, user_id=str(uuid.uuid4()))
            say(f"chats are stored for user {demo.user_id}, made for this run")
            print(file=out)
            for number, (title, scenario) in enumerate(SCENARIOS, start=1):
                print(f"{number}. {title}", file=out, flush=True)
                scenario(demo)
                print(file=out, flush=True)
    if demo.skipped:
        skipped = ", ".join(demo.skipped)
        print(
            f"chatserver demo: skipped {skipped}: set $CHATSERVER_API_KEY to a platform admin's key", file=err
        )
        return 1
    print("Done. Next: `chatserver emulator` for a server of your own, and the README for the API.", file=out)
    return 0
