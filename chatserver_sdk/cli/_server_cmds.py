"""``chatserver emulator`` and ``chatserver demo``.

The emulator's socket is bound here, before anything is printed, so a taken
port or an unknown host is one line rather than a banner followed by
uvicorn's error; the banner is printed once the server listens.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import socket
import sqlite3
import sys
from typing import Any

from ._common import CommandError, add_client_options
from ._output import Output

__all__ = ["register"]

DEFAULT_PORT = 3284
# Keys given on the command line show up in `ps`; the environment is the quieter alternative.
API_KEYS_ENV = "CHATSERVER_EMULATOR_API_KEYS"
ADMIN_KEYS_ENV = "CHATSERVER_EMULATOR_ADMIN_KEYS"
EMULATOR_EXTRA = "    pip install 'chatserver-sdk[emulator]'"
# The emulator's own bound (chatserver_sdk.emulator.agent.MAX_AGENT_DELAY) and default allowed hosts
# (emulator.guard.DEFAULT_ALLOWED_HOSTS), kept here so that parsing the command line does not import
# the server stack.
MAX_AGENT_DELAY = 3600.0
DEFAULT_ALLOWED_HOSTS = ("localhost", "127.0.0.1", "[::1]")


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


def _agent_delay(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= seconds <= MAX_AGENT_DELAY:
        raise argparse.ArgumentTypeError(f"{text} is not a number of seconds from 0 to {MAX_AGENT_DELAY:g}")
    return seconds


def _keys_from_env(name: str) -> list[str]:
    return [k.strip() for k in os.environ.get(name, "").split(",") if k.strip()]


def _configure_emulator(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default: 127.0.0.1). An interface other machines can reach"
        " needs --api-key, or --allow-open-access.",
    )
    parser.add_argument(
        "--allow-open-access",
        action="store_true",
        help="listen on a --host other machines can reach even without an API key: every route open"
        " to them, every caller a platform admin",
    )
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
        "--agent-delay",
        type=_agent_delay,
        default=0.0,
        metavar="SECONDS",
        help="make each agent reply take about this long, arriving in pieces (default: 0, at once)",
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
        taken = ": another program listens there; pick another --port (0: any free one)"
        hint = taken if err.errno == errno.EADDRINUSE else ""
        raise CommandError(f"cannot listen on {host}:{port}: {err.strerror or err}{hint}") from None
    return sock


def run_emulator(args: argparse.Namespace, out: Output) -> int:
    try:
        from ..emulator import create_app
        from ..emulator.server import (
            SWITCH_INTERVAL,
            EmulatorServer,
            coherent_allowed_hosts,
            emulator_config,
            is_wildcard,
            open_access_problem,
        )
    except ImportError as exc:
        raise CommandError(
            f"the emulator needs the 'emulator' extra ({exc.name} is missing):\n{EMULATOR_EXTRA}"
        ) from None

    api_keys = [*args.api_keys, *_keys_from_env(API_KEYS_ENV)]
    admin_keys = [*args.admin_keys, *_keys_from_env(ADMIN_KEYS_ENV)]
    spelled = {"host": "--host", "api_keys": "--api-key KEY", "allow": "--allow-open-access"}
    problem = open_access_problem(
        args.host, open_access=not api_keys, allowed=args.allow_open_access, spelled=spelled
    )
    if problem is not None:
        raise CommandError(problem)
    guard: dict[str, Any] = {}
    if args.allowed_hosts:
        guard["allowed_hosts"] = args.allowed_hosts
    else:
        guard["allowed_hosts"] = coherent_allowed_hosts(args.host, DEFAULT_ALLOWED_HOSTS)
    if args.allowed_origins:
        guard["allowed_origins"] = args.allowed_origins
    try:
        app = create_app(
            db_path=args.db, api_keys=api_keys, admin_keys=admin_keys, agent_delay=args.agent_delay, **guard
        )
    except (sqlite3.Error, OSError) as err:
        raise CommandError(f"cannot use --db {args.db}: {err}") from None
    except ValueError as err:  # an option create_app refuses, named in the message
        raise CommandError(str(err)) from None
    sock = _bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    # Counts only: keys themselves are never printed.
    banner = (
        f"ChatServer emulator on http://{shown}:{port}"
        f" (db: {args.db or 'in-memory'}, api keys: {len(api_keys)}, admin keys: {len(admin_keys)})"
    )
    if is_wildcard(args.host) and not args.allowed_hosts:
        banner += (
            f"\nIt answers requests for {', '.join(DEFAULT_ALLOWED_HOSTS)} only:"
            " add --allowed-host NAME for each name other machines reach it by."
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    class Server(EmulatorServer):
        closed_pipe = False

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                try:
                    out.line(banner)
                except BrokenPipeError:
                    self.closed_pipe, self.should_exit = True, True

    server = Server(emulator_config(app, log_level="info"))
    sys.setswitchinterval(SWITCH_INTERVAL)
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
