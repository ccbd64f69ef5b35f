"""``chatserver agent``: the agent-control API (coder/agentapi) from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._common import CommandError, UsageError, add_client_options, make_client
from ._output import Output, when

if TYPE_CHECKING:
    from ..types.agent import AgentEvent

__all__ = ["register"]

# The SDK's DEFAULT_AGENT_TIMEOUT (a test keeps them equal): importing it would load openai for --help.
DEFAULT_AGENT_TIMEOUT = 600.0


def register(commands: Any) -> None:
    agent = commands.add_parser(
        "agent", help="control the agent: status, messages, ask, events", description="Control the agent."
    )
    actions = agent.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_text: str, run: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(
            name, help=help_text, description=help_text[0].upper() + help_text[1:] + "."
        )
        add_client_options(parser, suppress=True)
        parser.set_defaults(run=run)
        return parser

    action("status", "whether the agent is running or stable (idle)", run_status)
    action("messages", "the agent's conversation so far", run_messages)
    send = action("send", "send the agent a message without waiting", run_send)
    send.add_argument("content", nargs="+", help="the message")
    send.add_argument(
        "--raw", action="store_true", help="send keystrokes to the terminal, not a user message"
    )
    ask = action("ask", "wait until the agent is idle, send a message, print its answer", run_ask)
    ask.add_argument("content", nargs="+", help="the message")
    _timeout(ask)
    wait = action("wait", "wait until the agent is idle", run_wait)
    _timeout(wait)
    action("events", "print agent events as they happen, reconnecting if dropped (Ctrl-C stops)", run_events)
    upload = action("upload", "upload a file to the agent's workspace", run_upload)
    upload.add_argument("file", type=Path)
    upload.add_argument("--name", help="file name on the server (default: the file's own)")


def _timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait-timeout",
        type=float,
        default=DEFAULT_AGENT_TIMEOUT,
        metavar="SECONDS",
        help=f"give up after this long (default: {DEFAULT_AGENT_TIMEOUT:g})",
    )


def _wait_timeout(args: argparse.Namespace) -> float:
    if args.wait_timeout <= 0:
        raise UsageError(f"--wait-timeout: {args.wait_timeout:g} is not a number of seconds above 0")
    return float(args.wait_timeout)


def run_status(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        status = client.get_agent_status()
    if out.json_mode:
        out.json(status)
    else:
        out.line(f"{status.agent_type or 'agent'}: {status.status}")
    return 0


def run_messages(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        messages = client.get_agent_messages().messages
    if out.json_mode:
        out.json(messages)
        return 0
    for message in messages:
        out.line(f"#{message.id} {message.role} [{when(message.time)}]: {message.content}")
    return 0


def run_send(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        result = client.send_agent_message(" ".join(args.content), "raw" if args.raw else "user")
    if out.json_mode:
        out.json(result)
    else:
        out.line("sent" if result.ok else "not accepted")
    return 0 if result.ok else 1


def run_ask(args: argparse.Namespace, out: Output) -> int:
    timeout = _wait_timeout(args)
    with make_client(args) as client, out.progress("the agent is working"):
        answer = client.ask_agent(" ".join(args.content), timeout=timeout)
    if out.json_mode:
        out.json(answer)
        return 0
    for message in answer:
        out.line(message.content)
    return 0


def run_wait(args: argparse.Namespace, out: Output) -> int:
    timeout = _wait_timeout(args)
    with make_client(args) as client, out.progress("waiting for the agent"):
        status = client.wait_for_agent(timeout=timeout)
    if out.json_mode:
        out.json(status)
    else:
        out.line(f"{status.agent_type or 'agent'}: {status.status}")
    return 0


def _event_line(event: AgentEvent) -> str:
    from ..types.agent import MessageUpdateEvent

    if isinstance(event, MessageUpdateEvent):
        return f"message #{event.id} ({event.role}): {event.message}"
    return f"status: {event.status}"


def run_events(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        for event in client.iter_agent_events():
            if out.json_mode:
                out.json_line(event)
            else:
                out.line(_event_line(event))
    return 0


def run_upload(args: argparse.Namespace, out: Output) -> int:
    path: Path = args.file
    try:
        content = path.read_bytes()
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from None
    with make_client(args) as client:
        result = client.upload_file(args.name or path.name, content)
    if not result.ok:
        raise CommandError(f"the server did not accept {path}")
    if out.json_mode:
        out.json(result)
    else:
        out.line(f"uploaded {path} to {result.file_path}")
    return 0
