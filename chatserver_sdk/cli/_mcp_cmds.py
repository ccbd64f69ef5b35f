"""``chatserver mcp``: the MCP server registry."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from . import _argtypes
from ._common import UsageError, add_user_option, make_client, user_from
from ._output import Column, Output
from ._parser import command, group

if TYPE_CHECKING:
    from ..types.mcp import MCPServer

__all__ = ["register"]

MCP_COLUMNS = [
    Column("ID"),
    Column("NAME", cut=True),
    Column("SCOPE"),
    Column("AUTH"),
    Column("STATE"),
    Column("ENDPOINT", cut=True),
]
ORG = "00000000-0000-0000-0000-0000000000aa"


def register(commands: Any) -> None:
    actions = group(
        commands,
        "mcp",
        summary="the MCP server registry",
        examples=[f"chatserver mcp list --org {ORG}", 'chatserver mcp update "$MCP_ID" --disable'],
    )
    listing = command(
        actions,
        "list",
        summary="list the MCP servers an organisation (and a user) can use",
        run=run_list,
        examples=[
            f"chatserver mcp list --org {ORG}",
            f"chatserver mcp list --org {ORG} --no-platform --json",
        ],
    )
    listing.add_argument(
        "--org", required=True, metavar="UUID", type=_argtypes.uuid_text, help="the organisation"
    )
    add_user_option(listing, "include this user's own servers")
    listing.add_argument("--no-platform", action="store_true", help="leave out platform-wide servers")

    add = command(
        actions,
        "add",
        summary="register an MCP server",
        run=run_add,
        examples=[
            f"chatserver mcp add docs https://mcp.example.com/docs --scope organization --org {ORG}",
            "DOCS_TOKEN=... chatserver mcp add docs https://mcp.example.com/docs --scope platform"
            " --auth bearer --bearer-token-env DOCS_TOKEN",
        ],
    )
    add.add_argument("name", type=_argtypes.text("a name for the server"), help="a name for the server")
    add.add_argument("endpoint", type=_argtypes.http_url, help="the server's URL (http:// or https://)")
    add.add_argument(
        "--scope",
        choices=["platform", "organization", "user"],
        required=True,
        help="who can use it: everyone, an organisation (--org), or a user (--user-id)",
    )
    add.add_argument(
        "--org", metavar="UUID", type=_argtypes.uuid_text, help="the organisation (scope organization)"
    )
    add_user_option(add, "the user (scope user)")
    _auth_options(add, default="none")
    _metadata_options(add)
    add.add_argument("--disabled", action="store_true", help="register it switched off")

    update = command(
        actions,
        "update",
        summary="change an MCP server (only the options given)",
        run=run_update,
        examples=[
            'chatserver mcp update "$MCP_ID" --disable',
            'chatserver mcp update "$MCP_ID" --name docs-v2',
        ],
    )
    update.add_argument("mcp_id", metavar="ID", type=_argtypes.uuid_text, help="the server's id (a UUID)")
    update.add_argument("--name", type=_argtypes.text("a name for the server"), help="a new name")
    update.add_argument("--endpoint", type=_argtypes.http_url, help="a new URL (http:// or https://)")
    state = update.add_mutually_exclusive_group()
    state.add_argument("--enable", dest="enabled", action="store_const", const=True, help="switch it on")
    state.add_argument("--disable", dest="enabled", action="store_const", const=False, help="switch it off")

    remove = command(
        actions,
        "remove",
        summary="remove an MCP server",
        run=run_remove,
        examples=['chatserver mcp remove "$MCP_ID"'],
    )
    remove.add_argument("mcp_id", metavar="ID", type=_argtypes.uuid_text, help="the server's id (a UUID)")


def _auth_options(parser: argparse.ArgumentParser, *, default: str | None) -> None:
    parser.add_argument(
        "--auth",
        choices=["none", "bearer", "oauth"],
        default=default,
        help="how the agent authenticates to it" + (f" (default: {default})" if default else ""),
    )
    parser.add_argument(
        "--bearer-token-env",
        metavar="VAR",
        type=_argtypes.text("the name of an environment variable"),
        help="read the bearer token from this environment variable (kept off the command line)",
    )
    parser.add_argument("--oauth-provider", metavar="NAME", help="the OAuth provider (with --auth oauth)")


def _metadata_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--arg",
        dest="args",
        action="append",
        default=[],
        metavar="ARG",
        help="an argument for it (repeatable)",
    )
    parser.add_argument(
        "--env",
        action="append",
        type=_argtypes.env_pair,
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for it (repeatable)",
    )


def _rows(servers: list[MCPServer]) -> list[list[object]]:
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


def run_list(args: argparse.Namespace, out: Output) -> int:
    user = user_from(args, required=False)
    with make_client(args) as client:
        servers = client.list_mcp_servers(args.org, user_id=user, include_platform=not args.no_platform).items
    if out.json_mode:
        out.json(servers)
    else:
        out.table(MCP_COLUMNS, _rows(servers), empty="(no MCP servers)")
    return 0


def _token(args: argparse.Namespace) -> str | None:
    if not args.bearer_token_env:
        return None
    token = os.environ.get(args.bearer_token_env, "")
    if not token.strip():
        raise UsageError(
            f"--bearer-token-env: ${args.bearer_token_env} is not set; export the token in it first"
        )
    return token


def run_add(args: argparse.Namespace, out: Output) -> int:
    scope: dict[str, str] = {"type": args.scope}
    if args.scope == "organization":
        if not args.org:
            raise UsageError("--scope organization needs --org UUID (the organisation)")
        scope["organization_id"] = args.org
    elif args.scope == "user":
        scope["user_id"] = user_from(args, required=True) or ""
        if args.org:
            scope["organization_id"] = args.org
    token = _token(args)
    env = dict(args.env)
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


def run_update(args: argparse.Namespace, out: Output) -> int:
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
        out.table(MCP_COLUMNS, _rows([server]), empty="(no MCP server)")
    return 0


def run_remove(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        client.delete_mcp_server(args.mcp_id)
    if out.json_mode:
        out.json({"id": args.mcp_id, "deleted": True})
    else:
        out.line(f"removed {args.mcp_id}")
    return 0
