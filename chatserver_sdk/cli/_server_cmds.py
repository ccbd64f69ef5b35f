"""``chatserver emulator`` and ``chatserver demo``.

The emulator's socket is bound here, before anything is printed, so a taken
port or an unknown host is one line rather than a banner followed by
uvicorn's error; the banner is printed once the server listens.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sqlite3
from typing import Any

from ._common import CommandError, add_client_options
from ._output import Output

__all__ = ["register"]

DEFAULT_PORT = 3284
# Keys given on the command line show up in `ps`; the environment is the quieter alternative.
API_KEYS_ENV = "CHATSERVER_EMULATOR_API_KEYS"
ADMIN_KEYS_ENV = "CHATSERVER_EMULATOR_ADMIN_KEYS"
EMULATOR_EXTRA = "    pip install 'chatserver-sdk[emulator]'"


def register(commands: Any) -> None:
    emulator = commands.add_parser(
        "emulator", help="run a local ChatServer emulator", description="Run a local ChatServer emulator."
    )
    _configure_emulator(emulator)
    emulator.set_defaults(run=run_emulator, reports_closed_pipe=True)

    demo = commands.add_parser(
        "demo",
        help="walk through the SDK against a server",
        description="Walk through the SDK: against an emulator started here, or a ChatServer you name"
        " with --base-url (its key from $CHATSERVER_API_KEY or --api-key). A server you name keeps its"
        " administration as it was: no admin is added or removed; the demo's chats are stored under a user"
        " id made for the run.",
    )
    add_client_options(demo, suppress=True, json=False)
    demo.set_defaults(run=run_demo, reports_closed_pipe=True, json=False)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535; 0 picks a free one)")
    return port


def _keys_from_env(name: str) -> list[str]:
    return [k.strip() for k in os.environ.get(name, "").split(",") if k.strip()]


def _configure_emulator(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port, 0 for a free one (default: {DEFAULT_PORT})"
    )
    parser.add_argument("--db", metavar="PATH", help="SQLite file for durable state (default: in memory)")
    parser.add_argument(
        "--api-key",
        dest="api_keys",
        action="append",
        default=[],
        metavar="KEY",
        help=f"accept this bearer key (repeatable; also ${API_KEYS_ENV}, comma-separated)."
        " Without any key every route is open.",
    )
    parser.add_argument(
        "--admin-key",
        dest="admin_keys",
        action="append",
        default=[],
        metavar="KEY",
        help=f"bearer key with platform-admin rights (repeatable; also ${ADMIN_KEYS_ENV})."
        " Without any, every caller is an admin.",
    )
    parser.add_argument(
        "--allowed-host",
        dest="allowed_hosts",
        action="append",
        metavar="HOST",
        help="accept requests for this Host (repeatable; '*' for any). Default, as agentapi:"
        " localhost, 127.0.0.1, [::1]; add the name or address others reach this machine by.",
    )
    parser.add_argument(
        "--allowed-origin",
        dest="allowed_origins",
        action="append",
        metavar="ORIGIN",
        help="accept browser requests from this Origin, scheme://host[:port] (repeatable; '*' for any)",
    )


def _bind(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as err:
        raise CommandError(f"cannot listen on {host}: {err.strerror}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as err:
        sock.close()
        raise CommandError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    return sock


def run_emulator(args: argparse.Namespace, out: Output) -> int:
    try:
        import uvicorn

        from ..emulator import create_app
    except ImportError as exc:
        raise CommandError(
            f"the emulator needs the 'emulator' extra ({exc.name} is missing):\n{EMULATOR_EXTRA}"
        ) from None

    api_keys = [*args.api_keys, *_keys_from_env(API_KEYS_ENV)]
    admin_keys = [*args.admin_keys, *_keys_from_env(ADMIN_KEYS_ENV)]
    guard: dict[str, Any] = {}
    if args.allowed_hosts:
        guard["allowed_hosts"] = args.allowed_hosts
    if args.allowed_origins:
        guard["allowed_origins"] = args.allowed_origins
    try:
        app = create_app(db_path=args.db, api_keys=api_keys, admin_keys=admin_keys, **guard)
    except (sqlite3.Error, OSError) as err:
        raise CommandError(f"cannot use --db {args.db}: {err}") from None
    sock = _bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    # Counts only: keys themselves are never printed.
    banner = (
        f"ChatServer emulator on http://{shown}:{port}"
        f" (db: {args.db or 'in-memory'}, api keys: {len(api_keys)}, admin keys: {len(admin_keys)})"
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    class Server(uvicorn.Server):
        closed_pipe = False

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                try:
                    out.line(banner)
                except BrokenPipeError:
                    self.closed_pipe, self.should_exit = True, True

    config = uvicorn.Config(
        app,
        log_level="info",
        # Requests are logged by the app itself, which redacts credentials in query strings.
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # Ctrl-C is how an emulator is stopped: uvicorn re-raises it after shutting down
    finally:
        sock.close()
    if server.closed_pipe:
        raise BrokenPipeError
    return 0 if server.started else 1


def run_demo(args: argparse.Namespace, out: Output) -> int:
    if args.base_url is None:
        try:
            import fastapi  # noqa: F401
            import uvicorn  # noqa: F401
        except ImportError as exc:
            raise CommandError(
                f"the demo starts an emulator, which needs the 'emulator' extra ({exc.name} is missing):\n"
                f"{EMULATOR_EXTRA}    (or pass --base-url URL)"
            ) from None
    from ..demo import run_demo as walk_through

    return walk_through(args.base_url, out.stdout, api_key=args.api_key, timeout=args.timeout, err=out.stderr)
