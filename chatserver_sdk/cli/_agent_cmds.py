"""``chatserver agent``: the agent-control API (coder/agentapi) from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _argtypes
from ._common import CommandError, UsageError, make_client
from ._output import Output, when
from ._parser import command, group

if TYPE_CHECKING:
    from ..types.agent import AgentEvent

__all__ = ["register"]

# The SDK's DEFAULT_AGENT_TIMEOUT (a test keeps them equal): importing it would load openai for --help.
DEFAULT_AGENT_TIMEOUT = 600.0


def register(commands: Any) -> None:
    actions = group(
        commands,
        "agent",
        summary="control the agent: status, messages, ask, events",
        examples=['chatserver agent ask "Run the tests"', "chatserver agent status"],
    )
    command(
        actions,
        "status",
        summary="whether the agent is running or stable (idle)",
        run=run_status,
        examples=["chatserver agent status"],
    )
    command(
        actions,
        "messages",
        summary="the agent's conversation so far",
        run=run_messages,
        examples=["chatserver agent messages", "chatserver agent messages --json"],
    )
    send = command(
        actions,
        "send",
        summary="send the agent a message without waiting",
        run=run_send,
        examples=['chatserver agent send "Now the linters" && chatserver agent wait'],
    )
    send.add_argument("content", nargs="+", help="the message (words are joined with spaces)")
    send.add_argument(
        "--raw", action="store_true", help="send keystrokes to the terminal, not a user message"
    )
    ask = command(
        actions,
        "ask",
        summary="wait until the agent is idle, send a message, print its answer",
        run=run_ask,
        examples=[
            'chatserver agent ask "Run the tests"',
            'chatserver agent ask --wait-timeout 60 "Quick one"',
        ],
    )
    ask.add_argument("content", nargs="+", help="the message (words are joined with spaces)")
    _timeout(ask)
    wait = command(
        actions,
        "wait",
        summary="wait until the agent is idle",
        run=run_wait,
        examples=["chatserver agent wait", "chatserver agent wait --wait-timeout 30"],
    )
    _timeout(wait)
    command(
        actions,
        "interrupt",
        summary="interrupt the agent's current turn (sends ESC, as agentapi's web UI does)",
        run=run_interrupt,
        examples=["chatserver agent interrupt", "chatserver agent interrupt && chatserver agent wait"],
    )
    command(
        actions,
        "events",
        summary="print agent events as they happen, reconnecting if dropped (Ctrl-C stops)",
        run=run_events,
        examples=["chatserver agent events", "chatserver agent events --json | jq .status"],
    )
    upload = command(
        actions,
        "upload",
        summary="upload a file to the agent's workspace",
        run=run_upload,
        examples=["chatserver agent upload notes.txt", "chatserver agent upload build.log --name latest.log"],
    )
    upload.add_argument("file", type=Path, help="the file to upload")
    upload.add_argument(
        "--name", type=_argtypes.text("a file name"), help="file name on the server (default: the file's own)"
    )


def _timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait-timeout",
        type=_argtypes.seconds,
        default=DEFAULT_AGENT_TIMEOUT,
        metavar="SECONDS",
        help=f"give up after this long (default: {DEFAULT_AGENT_TIMEOUT:g})",
    )


def _content(args: argparse.Namespace) -> str:
    content = " ".join(args.content)
    if not content.strip():
        raise UsageError("the message is blank; give the words to send")
    return content


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
    if not messages:
        out.note("(no messages)")
    for message in messages:
        out.line(f"#{message.id} {message.role} [{when(message.time)}]: {message.content}")
    return 0


def run_send(args: argparse.Namespace, out: Output) -> int:
    content = " ".join(args.content) if args.raw else _content(args)
    with make_client(args) as client:
        result = client.send_agent_message(content, "raw" if args.raw else "user")
    if out.json_mode:
        out.json(result)
    else:
        out.line("sent" if result.ok else "not accepted")
    return 0 if result.ok else 1


def run_ask(args: argparse.Namespace, out: Output) -> int:
    content = _content(args)
    with make_client(args) as client, out.progress("the agent is working"):
        answer = client.ask_agent(content, timeout=args.wait_timeout)
    if out.json_mode:
        out.json(answer)
        return 0
    if not answer:
        out.note("(no answer: the agent went idle without a message)")
    for message in answer:
        out.line(message.content)
    return 0


def run_wait(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client, out.progress("waiting for the agent"):
        status = client.wait_for_agent(timeout=args.wait_timeout)
    if out.json_mode:
        out.json(status)
    else:
        out.line(f"{status.agent_type or 'agent'}: {status.status}")
    return 0


def run_interrupt(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        before = client.get_agent_status()
        result = client.interrupt_agent()
    agent = before.agent_type or "the agent"
    if out.json_mode:
        out.json(
            {
                "sent": "\u001b",
                "ok": result.ok,
                "agent_type": before.agent_type,
                "status_before": before.status,
            }
        )
    elif not result.ok:
        out.line(f"sent ESC to {agent}, which did not accept it")
    elif before.status == "running":
        out.line(f"sent ESC to {agent}, which was running: it stops its turn (`chatserver agent wait` waits)")
    else:
        out.line(f"sent ESC to {agent}, which was already {before.status}: there was no turn to stop")
    return 0 if result.ok else 1


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
        raise UsageError(
            f"FILE: cannot read {str(path)!r} ({err.strerror or err}); give a readable file"
        ) from None
    with make_client(args) as client:
        result = client.upload_file(args.name or path.name, content)
    if not result.ok:
        raise CommandError(f"the server did not accept {path}")
    if out.json_mode:
        out.json(result)
    else:
        out.line(f"uploaded {path} to {result.file_path}")
    return 0
