"""``chatserver models`` and ``chatserver chat`` (one turn, or an interactive session that can resume)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

from . import _argtypes
from ._common import (
    MODEL_ENV,
    USER_ENV,
    CommandError,
    Interrupted,
    UsageError,
    add_user_option,
    make_client,
    user_from,
)
from ._output import Column, Output
from ._parser import command

if TYPE_CHECKING:
    from .._client import ChatServerClient
    from .._conversation import Conversation

__all__ = ["register"]

EXIT_WORDS = ("/exit", "/quit")
HELP = "/help lists the commands, /exit (or Ctrl-D) leaves"
# Each turn runs a coding agent: a mistyped command must never become one.
COMMANDS = """\
Commands (a line that starts with / is never sent):
  /help           this list
  /history        the conversation so far
  /session        the stored session's id (resume it with --session)
  /exit, /quit    leave (Ctrl-D too)
  //text          send "/text": a doubled slash sends a line that starts with one"""


def register(commands: Any) -> None:
    command(
        commands,
        "models",
        summary="list the models the server offers",
        run=run_models,
        examples=["chatserver models", "chatserver models --json"],
    )

    chat = command(
        commands,
        "chat",
        summary="chat with a model: one turn, or an interactive session",
        description="Send MESSAGE and print the reply as it streams. Without MESSAGE: an interactive"
        " session on a terminal, or the text piped in as one message. With --user-id the chat is stored"
        " (resume it with --session); every turn sends the whole conversation.",
        run=run_chat,
        examples=[
            'chatserver chat -m claude-sonnet-4-5@20250929 "Write a haiku about pagination"',
            "git diff | chatserver chat --system 'Review this diff'",
            'chatserver chat --user-id "$USER_UUID" --session "$SESSION" "And then?"',
            "chatserver chat -i < questions.txt",
        ],
    )
    chat.add_argument(
        "message", nargs="*", help="what to say ('-' or nothing, when piped: read it from stdin)"
    )
    chat.add_argument(
        "-m", "--model", type=_argtypes.text("a model id"), help=f"model id (default: ${MODEL_ENV})"
    )
    chat.add_argument("-i", "--interactive", action="store_true", help="a session of turns read from stdin")
    add_user_option(chat, "store the chat for this user")
    chat.add_argument(
        "--session",
        metavar="UUID",
        type=_argtypes.uuid_text,
        help=f"resume this stored session (needs ${USER_ENV})",
    )
    chat.add_argument("--system", metavar="PROMPT", help="system prompt for every turn")
    chat.add_argument("--temperature", type=_argtypes.number(0, 2), help="sampling temperature, 0-2")
    chat.add_argument(
        "--max-tokens", metavar="N", type=_argtypes.whole(1, 10_000_000), help="longest reply, in tokens"
    )
    chat.add_argument(
        "--no-stream", action="store_true", help="wait for the whole reply instead of streaming it"
    )


def run_models(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        models = client.list_models().data
    if out.json_mode:
        out.json(models)
        return 0
    rows = [
        [
            m.id,
            m.provider or "-",
            f"{m.context_length:,}" if m.context_length else "-",
            ", ".join(m.capabilities),
        ]
        for m in models
    ]
    columns = [Column("MODEL"), Column("PROVIDER"), Column("CONTEXT"), Column("CAPABILITIES", cut=True)]
    out.table(columns, rows, empty="(no models)")
    return 0


def _model(args: argparse.Namespace, client: ChatServerClient, out: Output) -> str:
    """--model, else $CHATSERVER_MODEL, else the first model the server lists (said on stderr)."""
    model: str | None = args.model or os.environ.get(MODEL_ENV, "").strip()
    if model:
        return model
    models = client.list_models().data
    if not models:
        raise CommandError(f"the server lists no models; pass --model ID or set ${MODEL_ENV}")
    out.note(
        f"chatserver chat: using {models[0].id}, the server's first model (--model or ${MODEL_ENV} picks one)"
    )
    return models[0].id


def run_chat(args: argparse.Namespace, out: Output) -> int:
    user = user_from(args, required=args.session is not None)
    stdin: TextIO = sys.stdin
    text = " ".join(args.message) if args.message else None
    interactive = args.interactive or (text is None and stdin.isatty())
    if interactive and text is not None:
        raise UsageError("give a MESSAGE or --interactive, not both")
    if interactive and out.json_mode:
        raise UsageError("--json prints one turn's result: give a MESSAGE, or leave out --json for a session")
    if not interactive:
        if text is None or text == "-":
            try:
                text = stdin.read()
            except UnicodeDecodeError as err:
                raise UsageError(
                    f"stdin: the text piped in is not {err.encoding} (byte {err.object[err.start]:#04x}"
                    f" at offset {err.start}); convert it first, e.g. with iconv"
                ) from None
        if not text.strip():
            raise UsageError("nothing to send: give a MESSAGE, or pipe one in")
    options = {"temperature": args.temperature, "max_tokens": args.max_tokens}
    with make_client(args) as client:
        model = _model(args, client, out)
        chat = client.conversation(
            model, user_id=user, session_id=args.session, system_prompt=args.system, **options
        )
        if interactive:
            return _interactive(chat, out, stdin)
        try:
            _turn(chat, (text or "").strip(), out, stream=not (args.no_stream or out.json_mode))
        except KeyboardInterrupt:
            raise Interrupted(_cut_short(chat)) from None
        if out.json_mode:
            out.json(
                {
                    "model": chat.model,
                    "session_id": chat.session_id,
                    "reply": chat.messages[-1].text,
                    "usage": chat.last_usage,
                }
            )
        elif chat.user_id is not None:
            out.note(f"session {chat.session_id} (continue with --session {chat.session_id})")
    return 0


def _turn(chat: Conversation, text: str, out: Output, *, stream: bool) -> None:
    with out.progress(f"waiting for {chat.model}"):
        if not stream:
            reply = chat.send(text)
            if not out.json_mode:
                out.line(reply)
            return
        written = False
        try:
            with chat.stream(text) as deltas:
                for delta in deltas:
                    written = written or bool(delta)  # before writing: Ctrl-C may land inside the write
                    out.write(delta)
        except BaseException:
            if written:
                out.line()  # end a reply cut short, so what follows starts on a line of its own
            raise
        out.line()


def _interactive(chat: Conversation, out: Output, stdin: TextIO) -> int:
    from ..exceptions import APIError
    from ._errors import describe, one_line

    if chat.messages:
        out.note(f"Resumed session {chat.session_id}: {len(chat.messages)} messages so far.")
    out.note(f"Chatting with {chat.model}. {HELP}.")
    read = _line_reader(stdin)
    typing = stdin.isatty()  # a prompt is for a person typing, not for lines piped in
    while True:
        if typing:
            out.prompt("you> ")
        line = read()
        if line is None:
            out.note("")
            break
        text = line.strip()
        if not text:
            continue
        if text.startswith("//"):
            text = text[1:]
        elif text.startswith("/"):
            word = text.split()[0]
            if word in EXIT_WORDS:
                break
            if word == "/help":
                out.note(COMMANDS)
            elif word == "/history":
                for message in chat.messages:
                    out.line(f"{message.role}: {message.text}")
            elif word == "/session":
                out.note(f"session: {chat.session_id or 'none yet'}")
            else:
                out.note(f"{word}: no such command, not sent (/help lists them; //text sends /text)")
            continue
        try:
            _turn(chat, text, out, stream=True)
        except KeyboardInterrupt:
            # Going on would resend a transcript the server may be extending: stop, and say how to resume.
            raise Interrupted(_cut_short(chat)) from None
        except APIError as error:
            described = describe(error)
            out.note(f"error: {described[0] if described else one_line(error)}")
    if chat.user_id is not None and chat.messages:
        out.note(
            f"session {chat.session_id}: resume with --user-id {chat.user_id} --session {chat.session_id}"
        )
    return 0


def _cut_short(chat: Conversation) -> str:
    """What Ctrl-C during a turn leaves: the server's agent may go on (and store the turn)."""
    if chat.user_id is None:
        return (
            "interrupted: the server may still be running that turn; nothing of this chat is stored"
            " (--user-id keeps one)"
        )
    session, user = chat.session_id, chat.user_id
    return (
        "interrupted: the server may still be running that turn, and store it;"
        f" `chatserver sessions show {session} --user-id {user}` shows what it holds,"
        f" --session {session} resumes"
    )


def _line_reader(stdin: TextIO) -> Any:
    if stdin.isatty():
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())

        def read_terminal() -> str | None:
            try:
                return input()
            except EOFError:
                return None

        return read_terminal

    def read_pipe() -> str | None:
        line = stdin.readline()
        return line or None

    return read_pipe
