"""The ``chatserver`` command line.

Each subcommand is a ``(configure, run)`` pair in ``_COMMANDS``: add one by
writing both functions and listing them there.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

DEFAULT_PORT = 3284
# Keys given on the command line show up in `ps`; the environment is the quieter alternative.
API_KEYS_ENV = "CHATSERVER_EMULATOR_API_KEYS"
ADMIN_KEYS_ENV = "CHATSERVER_EMULATOR_ADMIN_KEYS"


def _keys_from_env(name: str) -> list[str]:
    return [k.strip() for k in os.environ.get(name, "").split(",") if k.strip()]


def _configure_emulator(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
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


def _run_emulator(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from chatserver_sdk.emulator.app import create_app
    except ImportError as exc:
        print(f"chatserver emulator needs the 'emulator' extra ({exc.name} is missing):", file=sys.stderr)
        print("    pip install 'chatserver-sdk[emulator]'", file=sys.stderr)
        return 1

    api_keys = [*args.api_keys, *_keys_from_env(API_KEYS_ENV)]
    admin_keys = [*args.admin_keys, *_keys_from_env(ADMIN_KEYS_ENV)]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(db_path=args.db, api_keys=api_keys, admin_keys=admin_keys)
    host = f"[{args.host}]" if ":" in args.host else args.host
    # Counts only: keys themselves are never printed.
    print(
        f"ChatServer emulator on http://{host}:{args.port}"
        f" (db: {args.db or 'in-memory'}, api keys: {len(api_keys)}, admin keys: {len(admin_keys)})",
        flush=True,
    )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        # Requests are logged by the app itself, which redacts credentials in query strings.
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    return 0


def _configure_demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="walk through a running ChatServer instead of starting an emulator here"
        " (its key, if any, from $CHATSERVER_API_KEY); read-only there: no admin is added or removed",
    )


def _run_demo(args: argparse.Namespace) -> int:
    if args.base_url is None:
        try:
            import fastapi  # noqa: F401
            import uvicorn  # noqa: F401
        except ImportError as exc:
            needs = f"the 'emulator' extra ({exc.name} is missing)"
            print(f"chatserver demo starts an emulator, which needs {needs}:", file=sys.stderr)
            print("    pip install 'chatserver-sdk[emulator]'    (or pass --base-url URL)", file=sys.stderr)
            return 1
    from chatserver_sdk.demo import run_demo

    return run_demo(args.base_url)


_COMMANDS: dict[
    str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
] = {
    "emulator": ("run a local ChatServer emulator", _configure_emulator, _run_emulator),
    "demo": ("walk through the SDK against a server", _configure_demo, _run_demo),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chatserver", description="ChatServer SDK tools")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, configure, _) in _COMMANDS.items():
        configure(subparsers.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.command is None:
        parser.print_help()
        return 2
    return _COMMANDS[args.command][2](args)


if __name__ == "__main__":
    sys.exit(main())
