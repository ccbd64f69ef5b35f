"""``chatserver sessions | stats | admins | audit | mcp``: reading and changing what the server stores."""

from __future__ import annotations

import argparse
import itertools
import os
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._common import UsageError, add_client_options, add_user_option, make_client, user_from, uuid_arg
from ._output import Column, Output, when

if TYPE_CHECKING:
    from .._client import ChatServerClient
    from ..types.mcp import MCPServer
    from ..types.platform import AuditLogEntry

__all__ = ["register"]

DEFAULT_LIMIT = 20
FOLLOW_INTERVAL = 2.0
# A follow poll that cannot find the last entry it showed stops looking after this many.
FOLLOW_LOOKBACK = 10_000


def _add(commands: Any, name: str, help_text: str, run: Callable[[argparse.Namespace, Output], int]) -> Any:
    parser = commands.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
    add_client_options(parser, suppress=True)
    parser.set_defaults(run=run)
    return parser


def _actions(commands: Any, name: str, help_text: str) -> Any:
    parser = commands.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    return actions


def register(commands: Any) -> None:
    sessions = _actions(commands, "sessions", "stored chat sessions")
    listing = _add(sessions, "list", "list a user's sessions, most recent first", run_sessions_list)
    add_user_option(listing, "whose sessions")
    _add_limit(listing, "sessions", 100)
    show = _add(sessions, "show", "show a stored session and its transcript", run_sessions_show)
    show.add_argument("session_id", metavar="SESSION", help="the session's id")
    add_user_option(show, "whose session it is")

    _add(commands, "stats", "platform statistics and health (platform admins)", run_stats)

    admins = _actions(commands, "admins", "platform administrators")
    _add(admins, "list", "list the platform administrators", run_admins_list)
    add = _add(admins, "add", "make someone a platform administrator", run_admins_add)
    add.add_argument("email")
    add.add_argument("--workos-id", required=True, metavar="ID", help="their WorkOS user id")
    add.add_argument("--name", default="", help="their name")
    remove = _add(admins, "remove", "remove a platform administrator", run_admins_remove)
    remove.add_argument("email")

    audit = _add(commands, "audit", "the audit log, newest first (platform admins)", run_audit)
    _add_limit(audit, "entries", 200)
    audit.add_argument(
        "-f",
        "--follow",
        action="store_true",
        help="show the last entries oldest first, then new ones as they arrive (Ctrl-C stops);"
        " with --json, one JSON object per line",
    )
    audit.add_argument(
        "--interval",
        type=float,
        default=FOLLOW_INTERVAL,
        metavar="SECONDS",
        help=f"how often --follow asks for new entries (default: {FOLLOW_INTERVAL:g})",
    )

    mcp = _actions(commands, "mcp", "the MCP server registry")
    mcp_list = _add(mcp, "list", "list the MCP servers an organisation (and a user) can use", run_mcp_list)
    mcp_list.add_argument("--org", required=True, metavar="UUID", help="the organisation")
    add_user_option(mcp_list, "include this user's own servers")
    mcp_list.add_argument("--no-platform", action="store_true", help="leave out platform-wide servers")
    mcp_add = _add(mcp, "add", "register an MCP server", run_mcp_add)
    mcp_add.add_argument("name")
    mcp_add.add_argument("endpoint", help="the server's URL")
    mcp_add.add_argument("--scope", choices=["platform", "organization", "user"], required=True)
    mcp_add.add_argument("--org", metavar="UUID", help="the organisation (scope organization)")
    add_user_option(mcp_add, "the user (scope user)")
    mcp_add.add_argument("--auth", choices=["none", "bearer", "oauth"], default="none")
    mcp_add.add_argument(
        "--bearer-token-env",
        metavar="VAR",
        help="read the bearer token from this environment variable (kept off the command line)",
    )
    mcp_add.add_argument("--oauth-provider", metavar="NAME")
    mcp_add.add_argument("--arg", dest="args", action="append", default=[], help="an argument (repeatable)")
    mcp_add.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="repeatable")
    mcp_add.add_argument("--disabled", action="store_true", help="register it switched off")
    update = _add(mcp, "update", "change an MCP server (only the options given)", run_mcp_update)
    update.add_argument("mcp_id", metavar="ID")
    update.add_argument("--name")
    update.add_argument("--endpoint")
    state = update.add_mutually_exclusive_group()
    state.add_argument("--enable", dest="enabled", action="store_const", const=True)
    state.add_argument("--disable", dest="enabled", action="store_const", const=False)
    mcp_remove = _add(mcp, "remove", "remove an MCP server", run_mcp_remove)
    mcp_remove.add_argument("mcp_id", metavar="ID")


def _add_limit(parser: argparse.ArgumentParser, what: str, max_page: int) -> None:
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument(
        "-n",
        "--limit",
        type=_count,
        default=DEFAULT_LIMIT,
        help=f"show this many {what} (default: {DEFAULT_LIMIT})",
    )
    amount.add_argument("--all", action="store_true", help="show every one, fetched a page at a time")
    parser.add_argument(
        "--page-size",
        type=_count,
        metavar="N",
        help=f"{what} per request, 1-{max_page} (default: the largest)",
    )


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


def _first(items: Iterable[Any], args: argparse.Namespace) -> Iterable[Any]:
    return items if args.all else itertools.islice(items, args.limit)


def _page_size(args: argparse.Namespace, largest: int) -> int:
    if args.page_size is not None:
        return int(args.page_size)
    return largest if args.all else min(args.limit, largest)


def _stream_json(out: Output, items: Iterable[Any]) -> None:
    """A JSON array written as the items arrive, so ``--all`` holds one page in memory."""
    first = True
    for item in items:
        out.write(("[\n" if first else ",\n") + _indented(item))
        first = False
    out.line("[]" if first else "\n]")


def _indented(item: Any) -> str:
    import json

    from ._output import jsonable

    return "\n".join(
        "  " + line for line in json.dumps(jsonable(item), indent=2, ensure_ascii=False).splitlines()
    )


# --- sessions ----------------------------------------------------------------------------------

# The id is whole at any width (it is what gets copied); the title gives way.
SESSION_COLUMNS = [
    Column("SESSION"),
    Column("TITLE", cut=True),
    Column("MSGS"),
    Column("TOKENS"),
    Column("LAST"),
]


def run_sessions_list(args: argparse.Namespace, out: Output) -> int:
    user = user_from(args, required=True) or ""
    with make_client(args) as client:
        sessions = _first(client.iter_sessions(user, page_size=_page_size(args, 100)), args)
        if out.json_mode:
            _stream_json(out, sessions)
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


def run_sessions_show(args: argparse.Namespace, out: Output) -> int:
    user = user_from(args, required=True) or ""
    session_id = uuid_arg(args.session_id, "SESSION")
    with make_client(args) as client:
        detail = client.get_session(session_id, user_id=user)
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


# --- platform ----------------------------------------------------------------------------------


def run_stats(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        stats = client.get_platform_stats()
    if out.json_mode:
        out.json(stats)
        return 0
    health = stats.system_health
    out.pairs(
        [
            ("users", f"{stats.total_users} ({stats.active_users} active)"),
            ("organizations", stats.total_organizations),
            ("requests", f"{stats.total_requests} ({stats.requests_today} today)"),
            ("tokens", f"{stats.total_tokens} ({stats.tokens_today} today)"),
            ("MCP servers", stats.total_mcp_servers),
            ("health", health.status),
            ("circuit breaker", health.circuit_breaker_status or "-"),
            ("agents", ", ".join(health.active_agents) or "-"),
        ]
    )
    return 0


def run_admins_list(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        admins = client.list_admins().admins
    if out.json_mode:
        out.json(admins)
        return 0
    out.table(
        [Column("EMAIL"), Column("NAME", cut=True), Column("ID"), Column("ADDED")],
        [[a.email, a.name or "-", a.id or "-", when(a.created_at)] for a in admins],
        empty="(no admins)",
    )
    return 0


def run_admins_add(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        result = client.add_admin(args.workos_id, args.email, args.name)
    if out.json_mode:
        out.json(result)
    else:
        out.line(f"added {result.email} as a platform admin")
    return 0


def run_admins_remove(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        result = client.remove_admin(args.email)
    if out.json_mode:
        out.json(result)
    else:
        out.line(f"removed {result.email} from the platform admins")
    return 0


def _audit_line(entry: AuditLogEntry) -> str:
    target = " ".join(part for part in (entry.resource, entry.resource_id) if part)
    by = f"  by {entry.user_id}" if entry.user_id else ""
    return f"{when(entry.timestamp)}  {entry.action:<28} {target}{by}"


def run_audit(args: argparse.Namespace, out: Output) -> int:
    if args.interval <= 0:
        raise UsageError(f"--interval: {args.interval:g} is not a number of seconds above 0")
    with make_client(args) as client:
        entries = _first(client.iter_audit_log(page_size=_page_size(args, 200)), args)
        if args.follow:
            return _follow(client, list(entries), out, args.interval)
        if out.json_mode:
            _stream_json(out, entries)
            return 0
        for entry in entries:
            out.line(_audit_line(entry))
    return 0


def _follow(client: ChatServerClient, newest_first: list[AuditLogEntry], out: Output, interval: float) -> int:
    def show(entry: AuditLogEntry) -> None:
        out.json_line(entry) if out.json_mode else out.line(_audit_line(entry))

    for entry in reversed(newest_first):
        show(entry)
    newest = newest_first[0] if newest_first else None
    while True:
        time.sleep(interval)
        arrived = _since(client, newest)
        for entry in reversed(arrived):
            show(entry)
        if arrived:
            newest = arrived[0]


def _since(client: ChatServerClient, newest: AuditLogEntry | None) -> list[AuditLogEntry]:
    """The entries added after ``newest``, newest first."""
    arrived: list[AuditLogEntry] = []
    for entry in client.iter_audit_log(page_size=50 if newest else 200):
        if newest is not None and (entry.id == newest.id or _before(entry, newest)):
            break
        arrived.append(entry)
        if len(arrived) >= FOLLOW_LOOKBACK:
            break
    return arrived


def _before(entry: AuditLogEntry, other: AuditLogEntry) -> bool:
    # Only if the entry last shown has gone (it is looked for by id first).
    a, b = entry.timestamp, other.timestamp
    if isinstance(a, datetime) and isinstance(b, datetime) and (a.tzinfo is None) == (b.tzinfo is None):
        return a < b
    return False


# --- MCP registry ---------------------------------------------------------------------------------


def _mcp_rows(servers: list[MCPServer]) -> list[list[object]]:
    return [
        [
            s.id,
            s.name,
            s.scope.type.value if s.scope else "-",
            s.auth_type,
            "enabled" if s.enabled else "disabled",
            s.endpoint,
        ]
        for s in servers
    ]


MCP_COLUMNS = [
    Column("ID"),
    Column("NAME", cut=True),
    Column("SCOPE"),
    Column("AUTH"),
    Column("STATE"),
    Column("ENDPOINT", cut=True),
]


def run_mcp_list(args: argparse.Namespace, out: Output) -> int:
    org = uuid_arg(args.org, "--org")
    user = user_from(args, required=False)
    with make_client(args) as client:
        servers = client.list_mcp_servers(org, user_id=user, include_platform=not args.no_platform).items
    if out.json_mode:
        out.json(servers)
    else:
        out.table(MCP_COLUMNS, _mcp_rows(servers), empty="(no MCP servers)")
    return 0


def run_mcp_add(args: argparse.Namespace, out: Output) -> int:
    scope: dict[str, str] = {"type": args.scope}
    if args.scope == "organization":
        if not args.org:
            raise UsageError("--scope organization needs --org")
        scope["organization_id"] = uuid_arg(args.org, "--org")
    elif args.scope == "user":
        scope["user_id"] = user_from(args, required=True) or ""
        if args.org:
            scope["organization_id"] = uuid_arg(args.org, "--org")
    token = None
    if args.bearer_token_env:
        token = os.environ.get(args.bearer_token_env)
        if not token:
            raise UsageError(f"--bearer-token-env: ${args.bearer_token_env} is not set")
    env = {}
    for pair in args.env:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--env: expected NAME=VALUE, got {pair!r}")
        env[name] = value
    with make_client(args) as client:
        server = client.create_mcp_server(
            args.name,
            args.endpoint,
            scope,
            auth_type=args.auth,
            bearer_token=token,
            oauth_provider=args.oauth_provider,
            enabled=not args.disabled,
            metadata={"args": args.args, "env": env} if args.args or env else None,
        )
    if out.json_mode:
        out.json(server)
    else:
        out.line(f"registered {server.name} as {server.id}")
    return 0


def run_mcp_update(args: argparse.Namespace, out: Output) -> int:
    changes = {
        key: value
        for key, value in (("name", args.name), ("endpoint", args.endpoint), ("enabled", args.enabled))
        if value is not None
    }
    if not changes:
        raise UsageError("nothing to change: give --name, --endpoint, --enable or --disable")
    with make_client(args) as client:
        server = client.update_mcp_server(args.mcp_id, **changes)
    if out.json_mode:
        out.json(server)
    else:
        out.table(MCP_COLUMNS, _mcp_rows([server]), empty="(no MCP server)")
    return 0


def run_mcp_remove(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        client.delete_mcp_server(args.mcp_id)
    if out.json_mode:
        out.json({"id": args.mcp_id, "deleted": True})
    else:
        out.line(f"removed {args.mcp_id}")
    return 0
