"""``chatserver agent``: the agent-control API (coder/agentapi) from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _argtypes, _width
from ._common import CommandError, Interrupted, UsageError, make_client
from ._output import Output, when
from ._parser import command, group

if TYPE_CHECKING:
    from .._client import ChatServerClient
    from ..types.agent import AgentEvent, MessageUpdateEvent

__all__ = ["register"]

# The SDK's DEFAULT_AGENT_TIMEOUT (a test keeps them equal): importing it would load openai for --help.
DEFAULT_AGENT_TIMEOUT = 600.0
# agentapi refuses a larger upload (400); checked before the file is read into memory.
MAX_UPLOAD_BYTES = 10 * 2**20


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
    ask.add_argument(
        "--interrupt-on-ctrl-c",
        action="store_true",
        help="on Ctrl-C, also interrupt the agent's turn (if the message was sent); without it the agent"
        " goes on",
    )
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
    with make_client(args) as client:
        # Where the conversation stood: a user message after it on Ctrl-C is ours, sent.
        before = max((m.id for m in client.get_agent_messages().messages), default=-1)
        try:
            with out.progress("the agent is working"):
                answer = client.ask_agent(content, timeout=args.wait_timeout)
        except KeyboardInterrupt:
            raise Interrupted(_cancelled(client, before, interrupt=args.interrupt_on_ctrl_c)) from None
    if out.json_mode:
        out.json(answer)
        return 0
    if not answer:
        out.note("(no answer: the agent went idle without a message)")
    for message in answer:
        out.line(message.content)
    return 0


def _cancelled(client: ChatServerClient, before: int, *, interrupt: bool) -> str:
    """What Ctrl-C during ``ask`` left behind; with ``interrupt``, stop the agent's turn if it is ours."""
    if not interrupt:
        return (
            "interrupted: the agent may still be working on it; `chatserver agent status` shows whether"
            " it is, `chatserver agent messages` its answer so far, `chatserver agent interrupt` stops it"
        )
    sent = any(m.id > before and m.role == "user" for m in client.get_agent_messages().messages)
    if not sent:  # still waiting for another turn to end: that one is not ours to stop
        return "interrupted: the message was not sent yet, so the agent was left alone"
    client.interrupt_agent()
    return "interrupted, and so was the agent (sent ESC): its turn stops"


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


def run_events(args: argparse.Namespace, out: Output) -> int:
    printer = None if out.json_mode else _EventPrinter(out)
    try:
        with make_client(args) as client:
            for event in client.iter_agent_events():
                if printer is None:
                    out.json_line(event)
                else:
                    printer.feed(event)
    finally:
        if printer is not None:
            printer.close()
    return 0


class _EventPrinter:
    """One line per event; an agent message is printed once it is complete, not each time it grows.

    agentapi sends the agent's message again every time its text changes. It is
    complete when the next event comes (the status goes ``stable``, or another
    message starts); until then a terminal shows its last line, drawn over in
    place, and a pipe gets nothing. A multi-line message goes on indented lines.
    """

    def __init__(self, out: Output) -> None:
        self._out = out
        self._terminal = out.stdout_is_terminal
        self._pending: MessageUpdateEvent | None = None
        self._drawn = False

    def feed(self, event: AgentEvent) -> None:
        from ..types.agent import MessageUpdateEvent

        if isinstance(event, MessageUpdateEvent):
            if self._pending is not None and self._pending.id != event.id:
                self._finish()
            if event.role == "agent":
                self._pending = event
                self._draw()
            else:
                self._print(event)  # the user's messages do not grow
            return
        self._finish()
        self._out.line(_other_event_line(event))

    def close(self) -> None:
        self._finish(incomplete=True)

    def _draw(self) -> None:
        if not self._terminal or self._pending is None:
            return
        import shutil

        last = (self._pending.message.rstrip().splitlines() or [""])[-1]
        preview = f"message #{self._pending.id} ({self._pending.role}, writing): {_width.one_line(last)}"
        self._out.write("\r\x1b[K" + _width.cut(preview, shutil.get_terminal_size().columns - 1))
        self._drawn = True

    def _finish(self, *, incomplete: bool = False) -> None:
        if self._pending is not None:
            self._print(self._pending, incomplete=incomplete)
            self._pending = None

    def _print(self, event: MessageUpdateEvent, *, incomplete: bool = False) -> None:
        if self._drawn:
            self._out.write("\r\x1b[K")
            self._drawn = False
        first, *rest = event.message.rstrip("\n").split("\n")
        label = f"{event.role}, incomplete" if incomplete else event.role
        self._out.line("\n  ".join([f"message #{event.id} ({label}): {first}", *rest]))


def _other_event_line(event: AgentEvent) -> str:
    status = getattr(event, "status", None)
    if status is not None:
        return f"status: {status}"
    # An event of a newer agentapi (agent_error: message and level) or one this version does not know.
    message, level = getattr(event, "message", None), getattr(event, "level", None)
    if message is not None:
        return f"{level or 'event'}: {_width.one_line(str(message))}"
    return f"event: {_width.one_line(str(event))}"


def run_upload(args: argparse.Namespace, out: Output) -> int:
    path: Path = args.file
    try:
        if not path.is_file():  # a directory, a FIFO or /dev/zero would fail or never end
            raise UsageError(f"FILE: {str(path)!r} is not a regular file; give a file to upload")
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            raise UsageError(
                f"FILE: {str(path)!r} is {size / 2**20:.1f} MiB; agentapi takes files up to"
                f" {MAX_UPLOAD_BYTES >> 20} MiB"
            )
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
