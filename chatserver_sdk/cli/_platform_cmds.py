"""``chatserver stats | admins | audit``: platform administration (a platform admin's key)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from . import _argtypes
from ._common import CommandError, make_client
from ._listing import add_limit, first, page_size, stream_json
from ._output import Column, Output, when
from ._parser import command, group

if TYPE_CHECKING:
    from ..types.platform import AuditLogEntry

__all__ = ["audit_line", "register"]

FOLLOW_INTERVAL = 2.0
MAX_AUDIT_PAGE = 200


def register(commands: Any) -> None:
    command(
        commands,
        "health",
        summary="whether the server is up: exit status 0 when healthy, 1 otherwise (needs no key)",
        run=run_health,
        examples=["chatserver health", "until chatserver health >/dev/null 2>&1; do sleep 1; done"],
    )
    command(
        commands,
        "stats",
        summary="platform statistics and health (platform admins)",
        run=run_stats,
        examples=["chatserver stats", "chatserver stats --json"],
    )

    admins = group(
        commands,
        "admins",
        summary="platform administrators",
        examples=["chatserver admins list", "chatserver admins add ada@example.com --workos-id user_01"],
    )
    command(
        admins,
        "list",
        summary="list the platform administrators",
        run=run_admins_list,
        examples=["chatserver admins list", "chatserver admins list --json"],
    )
    add = command(
        admins,
        "add",
        summary="make someone a platform administrator",
        run=run_admins_add,
        examples=['chatserver admins add ada@example.com --workos-id user_01 --name "Ada"'],
    )
    add.add_argument("email", type=_argtypes.email, help="their email address (how the server keys admins)")
    add.add_argument(
        "--workos-id",
        required=True,
        metavar="ID",
        type=_argtypes.text("their WorkOS user id"),
        help="their WorkOS user id",
    )
    add.add_argument("--name", default="", help="their name, as shown in `admins list`")
    remove = command(
        admins,
        "remove",
        summary="remove a platform administrator (one who is not there is 'not found', exit 1)",
        run=run_admins_remove,
        examples=["chatserver admins remove ada@example.com"],
    )
    remove.add_argument("email", type=_argtypes.email, help="the admin's email address")

    audit = command(
        commands,
        "audit",
        summary="the audit log, newest first (platform admins)",
        run=run_audit,
        examples=[
            "chatserver audit -n 5",
            "chatserver audit --all --json > audit.json",
            "chatserver audit --follow",
        ],
    )
    add_limit(audit, "entries", MAX_AUDIT_PAGE)
    audit.add_argument(
        "-f",
        "--follow",
        action="store_true",
        help="show the last entries oldest first, then new ones as they arrive (Ctrl-C stops);"
        " with --json, one JSON object per line",
    )
    audit.add_argument(
        "--interval",
        type=_argtypes.seconds,
        default=FOLLOW_INTERVAL,
        metavar="SECONDS",
        help=f"how often --follow asks for new entries (default: {FOLLOW_INTERVAL:g})",
    )


def run_health(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        health = client.health()
        where = str(client.base_url).rstrip("/").removesuffix("/v1")
    if out.json_mode:
        out.json(health)
    else:
        out.line(f"{where}: {health.status}")
    if health.status != "healthy":
        raise CommandError(f"the server reports {health.status!r}, not 'healthy'")
    return 0


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
        # The server answers "success" whether or not there was such an admin: look first.
        admins = client.list_admins().admins
        if not any(admin.email.lower() == args.email.lower() for admin in admins):
            raise CommandError(
                f"not found: {args.email} is not a platform admin (`chatserver admins list` shows them)"
            )
        result = client.remove_admin(args.email)
    if out.json_mode:
        out.json(result)
    else:
        out.line(f"removed {result.email} from the platform admins")
    return 0


def audit_line(entry: AuditLogEntry, columns: int | None = None) -> str:
    """One entry on one line; on a terminal of ``columns`` it cannot fit, its fields are packed into
    lines that fit, the later ones indented (ids are what an operator copies: they are never cut)."""
    from ._width import one_line, width

    target = one_line(" ".join(part for part in (entry.resource, entry.resource_id) if part))
    by = f"by {one_line(entry.user_id)}" if entry.user_id else ""
    line = one_line(f"{when(entry.timestamp)}  {entry.action:<28} {target}") + (f"  {by}" if by else "")
    if columns is None or width(line) <= columns:
        return line
    lines = [f"{when(entry.timestamp)}  {one_line(entry.action)}"]
    for field in (part for part in (target, by) if part):
        if width(lines[-1]) + 2 + width(field) <= columns:
            lines[-1] += f"  {field}"
        else:
            lines.append(f"    {field}")
    return "\n".join(lines)


def run_audit(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        entries = first(client.iter_audit_log(page_size=page_size(args, MAX_AUDIT_PAGE)), args)
        if args.follow:
            from ._follow import follow

            return follow(client, list(entries), out, args.interval)
        if out.json_mode:
            stream_json(out, entries)
            return 0
        shown = 0
        columns = out.columns
        for entry in entries:
            out.line(audit_line(entry, columns))
            shown += 1
    if not shown:
        out.note("(no entries)")
    return 0
