"""``chatserver mcp``: the MCP server registry."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from . import _argtypes
from ._common import CommandError, UsageError, add_user_option, make_client, user_from
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
ORG_ENV = "CHATSERVER_ORG_ID"


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
            f"ORG={ORG}",
            'chatserver mcp list --org "$ORG"',
            'chatserver mcp list --org "$ORG" --no-platform --json',
        ],
    )
    _org_option(listing, "the organisation")
    add_user_option(listing, "include this user's own servers")
    listing.add_argument("--no-platform", action="store_true", help="leave out platform-wide servers")

    add = command(
        actions,
        "add",
        summary="register an MCP server",
        run=run_add,
        examples=[
            f"ORG={ORG}",
            'chatserver mcp add docs https://mcp.example.com --org "$ORG" \\',
            "    --scope organization",
            "export DOCS_TOKEN=...",
            "chatserver mcp add docs https://mcp.example.com --scope platform \\",
            "    --auth bearer --bearer-token-env DOCS_TOKEN",
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
    _org_option(add, "the organisation (scope organization, or a user's in it)")
    add_user_option(add, "the user (scope user)")
    _auth_options(add, default="none")
    _metadata_options(add)
    add.add_argument("--disabled", action="store_true", help="register it switched off")

    update = command(
        actions,
        "update",
        summary="change an MCP server (only the options given)",
        description="Change an MCP server: only what the options give. Its metadata (--arg, --env) is"
        " replaced whole by the server, so give both halves (or --no-args / --no-env).",
        run=run_update,
        examples=[
            'chatserver mcp update "$MCP_ID" --disable',
            'chatserver mcp update "$MCP_ID" --auth bearer --bearer-token-env DOCS_TOKEN',
            'chatserver mcp update "$MCP_ID" --arg=--verbose --env LEVEL=2',
        ],
    )
    update.add_argument("mcp_id", metavar="ID", type=_argtypes.uuid_text, help="the server's id (a UUID)")
    update.add_argument("--name", type=_argtypes.text("a name for the server"), help="a new name")
    update.add_argument("--endpoint", type=_argtypes.http_url, help="a new URL (http:// or https://)")
    state = update.add_mutually_exclusive_group()
    state.add_argument("--enable", dest="enabled", action="store_const", const=True, help="switch it on")
    state.add_argument("--disable", dest="enabled", action="store_const", const=False, help="switch it off")
    _auth_options(update, default=None)
    _metadata_options(update)
    update.add_argument(
        "--no-args", action="store_true", help="clear its arguments (the metadata is replaced whole)"
    )
    update.add_argument(
        "--no-env", action="store_true", help="clear its environment (the metadata is replaced whole)"
    )

    remove = command(
        actions,
        "remove",
        summary="remove an MCP server, after finding it among those the organisation can use",
        description="Remove an MCP server. The server answers the same whether or not the id existed, so"
        " it is looked for first among the servers --org (and --user-id) can use: an id that is not"
        " there is 'not found', exit status 1, and nothing is sent. The server lists only enabled"
        " servers: remove a disabled one with --unchecked.",
        run=run_remove,
        examples=[
            f'chatserver mcp remove "$MCP_ID" --org {ORG}',
            'chatserver mcp remove "$MCP_ID" --unchecked',
        ],
    )
    remove.add_argument("mcp_id", metavar="ID", type=_argtypes.uuid_text, help="the server's id (a UUID)")
    _org_option(remove, "the organisation that can use it")
    add_user_option(remove, "the user whose own server it is")
    remove.add_argument(
        "--unchecked",
        action="store_true",
        help="send the removal without looking first (for a disabled server, which lists leave out);"
        " the answer cannot say whether there was one",
    )


def _org_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument(
        "--org", metavar="UUID", type=_argtypes.uuid_text, help=f"{help_text} (default: ${ORG_ENV})"
    )


def _org(args: argparse.Namespace, *, required: bool) -> str | None:
    if args.org:
        return str(args.org)
    value = os.environ.get(ORG_ENV, "").strip()
    if not value:
        if required:
            raise UsageError(f"no organisation: pass --org UUID or set ${ORG_ENV}")
        return None
    try:
        return _argtypes.uuid_text(value)
    except argparse.ArgumentTypeError:
        raise UsageError(
            f"${ORG_ENV}: {value!r} is not a UUID; set it to the organisation's id, or pass --org"
        ) from None


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
            str(s.scope.type) if s.scope else "-",
            s.auth_type,
            "enabled" if s.enabled else "disabled",
            s.endpoint,
        ]
        for s in servers
    ]


def run_list(args: argparse.Namespace, out: Output) -> int:
    org = _org(args, required=True) or ""
    user = user_from(args, required=False)
    with make_client(args) as client:
        servers = client.list_mcp_servers(org, user_id=user, include_platform=not args.no_platform).items
    if out.json_mode:
        out.json(servers)
    else:
        out.table(MCP_COLUMNS, _rows(servers), empty="(no MCP servers)")
    return 0


def _auth(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """``(auth type, token)``: a bearer token always comes with ``--auth bearer``, and only with it."""
    token = None
    if args.bearer_token_env:
        if args.auth is not None and args.auth != "bearer":
            raise UsageError(f"--bearer-token-env: a token goes with --auth bearer, not --auth {args.auth}")
        token = os.environ.get(args.bearer_token_env, "")
        if not token.strip():
            raise UsageError(
                f"--bearer-token-env: ${args.bearer_token_env} is not set; export the token in it first"
            )
    if args.auth == "bearer" and token is None:
        raise UsageError(
            "--auth bearer needs a token: pass --bearer-token-env VAR (the variable that holds it)"
        )
    return args.auth, token


def run_add(args: argparse.Namespace, out: Output) -> int:
    scope: dict[str, str] = {"type": args.scope}
    if args.scope == "organization":
        scope["organization_id"] = _org(args, required=True) or ""
    elif args.scope == "user":
        scope["user_id"] = user_from(args, required=True) or ""
        org = _org(args, required=False)
        if org:
            scope["organization_id"] = org
    if args.bearer_token_env and args.auth == "none":
        raise UsageError("--bearer-token-env: a token goes with --auth bearer, not --auth none (the default)")
    auth, token = _auth(args)
    env = dict(args.env)
    with make_client(args) as client:
        server = client.create_mcp_server(
            args.name,
            args.endpoint,
            scope,
            auth_type=auth or "none",
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


def _metadata(args: argparse.Namespace) -> dict[str, Any] | None:
    """The new metadata, or None to keep it. The server replaces it whole: both halves must be said."""
    args_given = bool(args.args) or args.no_args
    env_given = bool(args.env) or args.no_env
    if args.args and args.no_args:
        raise UsageError("--arg and --no-args disagree; give one of them")
    if args.env and args.no_env:
        raise UsageError("--env and --no-env disagree; give one of them")
    if args_given and not env_given:
        option = "--arg" if args.args else "--no-args"
        raise UsageError(
            f"{option}: the server replaces the metadata whole, so give --env NAME=VALUE (or --no-env) too,"
            " else its environment would be cleared"
        )
    if env_given and not args_given:
        option = "--env" if args.env else "--no-env"
        raise UsageError(
            f"{option}: the server replaces the metadata whole, so give --arg (or --no-args) too,"
            " else its arguments would be cleared"
        )
    if not args_given:
        return None
    return {"args": list(args.args), "env": dict(args.env)}


def run_update(args: argparse.Namespace, out: Output) -> int:
    auth, token = _auth(args)
    metadata = _metadata(args)
    changes: dict[str, Any] = {
        key: value
        for key, value in (
            ("name", args.name),
            ("endpoint", args.endpoint),
            ("enabled", args.enabled),
            ("auth_type", auth),
            ("bearer_token", token),
            ("oauth_provider", args.oauth_provider),
            ("metadata", metadata),
        )
        if value is not None
    }
    if not changes:
        raise UsageError(
            "nothing to change: give --name, --endpoint, --enable, --disable, --auth, --bearer-token-env,"
            " --oauth-provider, or --arg/--env"
        )
    from ..exceptions import InternalServerError

    with make_client(args) as client:
        try:
            server = client.update_mcp_server(args.mcp_id, **changes)
        except InternalServerError as error:
            if error.body not in (None, "", "Internal Server Error"):
                raise  # the server said why
            # Upstream's update finds no row to return for an unknown id and fails without a word.
            raise CommandError(
                f"{error.status_code} Internal Server Error (the server sent no details); an id the registry"
                " does not hold gets this answer: `chatserver mcp list --org UUID` shows the ids"
            ) from None
    if out.json_mode:
        out.json(server)
    else:
        out.table(MCP_COLUMNS, _rows([server]), empty="(no MCP server)")
    return 0


def run_remove(args: argparse.Namespace, out: Output) -> int:
    if args.unchecked:
        with make_client(args) as client:
            client.delete_mcp_server(args.mcp_id)
        if out.json_mode:
            out.json({"id": args.mcp_id, "deleted": None})
        else:
            out.line(
                f"sent the removal of {args.mcp_id}; the server answers the same whether or not it existed"
            )
        return 0
    org = _org(args, required=True) or ""
    user = user_from(args, required=False)
    with make_client(args) as client:
        # The server answers 204 whether or not the id exists: look first, so "removed" is true.
        visible = client.list_mcp_servers(org, user_id=user, include_platform=True).items
        found = next((s for s in visible if str(s.id) == args.mcp_id), None)
        if found is None:
            whose = f"organisation {org}" + (f" and user {user}" if user else "")
            hint = "--unchecked removes a disabled one" + ("" if user else ", --user-id finds a user's own")
            raise CommandError(f"not found: no MCP server {args.mcp_id} among those {whose} can use ({hint})")
        client.delete_mcp_server(args.mcp_id)
    if out.json_mode:
        out.json({"id": args.mcp_id, "name": found.name, "deleted": True})
    else:
        out.line(f"removed {found.name} ({args.mcp_id})")
    return 0
