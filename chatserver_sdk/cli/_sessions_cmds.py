"""``chatserver sessions``: a user's stored chat sessions."""

from __future__ import annotations

import argparse
from typing import Any

from . import _argtypes, _width
from ._common import UsageError, add_user_option, make_client, user_from
from ._listing import add_limit, first, page_size, stream_json
from ._output import Column, Output, when
from ._parser import command, group

__all__ = ["register"]

# The id is whole at any width (it is what gets copied); the title gives way.
SESSION_COLUMNS = [
    Column("SESSION"),
    Column("TITLE", cut=True),
    Column("MSGS"),
    Column("TOKENS"),
    Column("LAST"),
]
MAX_PAGE = 100


def register(commands: Any) -> None:
    actions = group(
        commands,
        "sessions",
        summary="a user's stored chat sessions",
        examples=[
            "chatserver sessions list --user-id 00000000-0000-0000-0000-000000000001",
            'chatserver sessions show "$SESSION"',
        ],
    )
    listing = command(
        actions,
        "list",
        summary="list a user's sessions, most recent first",
        run=run_list,
        examples=[
            "chatserver sessions list --user-id 00000000-0000-0000-0000-000000000001",
            "chatserver sessions list -n 50",
            "chatserver sessions list --all --json > sessions.json",
        ],
    )
    add_user_option(listing, "whose sessions")
    add_limit(listing, "sessions", MAX_PAGE)

    show = command(
        actions,
        "show",
        summary="show a stored session and its transcript",
        run=run_show,
        examples=['chatserver sessions show "$SESSION"', 'chatserver sessions show "$SESSION" --json'],
    )
    show.add_argument(
        "session_id", metavar="SESSION", type=_argtypes.uuid_text, help="the session's id (a UUID)"
    )
    add_user_option(show, "whose session it is")

    export = command(
        actions,
        "export",
        summary="write a stored session, whole, as JSON or Markdown (to stdout)",
        run=run_export,
        examples=[
            'chatserver sessions export "$SESSION" --user-id "$USER_UUID" > session.json',
            'chatserver sessions export "$SESSION" --format markdown > session.md',
        ],
    )
    export.add_argument(
        "session_id", metavar="SESSION", type=_argtypes.uuid_text, help="the session's id (a UUID)"
    )
    add_user_option(export, "whose session it is")
    export.add_argument(
        "--format",
        choices=["json", "markdown"],
        help="json: the session and every message, as the server stores them (the default);"
        " markdown: a readable transcript",
    )


def run_list(args: argparse.Namespace, out: Output) -> int:
    user = user_from(args, required=True) or ""
    with make_client(args) as client:
        sessions = first(client.iter_sessions(user, page_size=page_size(args, MAX_PAGE)), args)
        if out.json_mode:
            stream_json(out, sessions)
            return 0
        rows = [
            [
                s.id,
                s.title or "-",
                s.message_count,
                s.tokens_total,
                when(s.last_message_at or s.updated_at, seconds=False),
            ]
            for s in sessions
        ]
    out.table(SESSION_COLUMNS, rows, empty="(no sessions)")
    return 0


def run_show(args: argparse.Namespace, out: Output) -> int:
    user = user_from(args, required=True) or ""
    with make_client(args) as client:
        detail = client.get_session(args.session_id, user_id=user)
    if out.json_mode:
        out.json(detail)
        return 0
    session = detail.session
    out.pairs(
        [
            ("session", session.id),
            ("title", session.title or "-"),
            ("model", session.model or "-"),
            ("messages", session.message_count),
            ("tokens", f"{session.tokens_total} ({session.tokens_in} in, {session.tokens_out} out)"),
            ("created", when(session.created_at)),
            ("last message", when(session.last_message_at)),
        ]
    )
    out.line()
    for message in detail.messages:
        out.line(f"#{message.message_index} {message.role}: {message.content}")
    return 0


def run_export(args: argparse.Namespace, out: Output) -> int:
    if out.json_mode and args.format == "markdown":
        raise UsageError("--format markdown and --json disagree; give one of them")
    user = user_from(args, required=True) or ""
    with make_client(args) as client:
        detail = client.get_session(args.session_id, user_id=user)
    if args.format != "markdown":
        out.json(detail)
        return 0
    session = detail.session
    out.write(f"# {_width.one_line(session.title or f'Chat session {session.id}')}\n\n")
    for key, value in (
        ("session", f"`{session.id}`"),
        ("user", f"`{user}`"),
        ("model", session.model or "-"),
        ("messages", session.message_count),
        ("tokens", f"{session.tokens_total} ({session.tokens_in} in, {session.tokens_out} out)"),
        ("created", when(session.created_at)),
        ("last message", when(session.last_message_at)),
    ):
        out.write(f"- {key}: {value}\n")
    for message in detail.messages:
        out.write(f"\n## {message.role} (#{message.message_index})\n\n{message.content.rstrip()}\n")
    return 0
