"""The ``chatserver`` command: its parser, and the one place errors become exit statuses.

Each area registers its subcommands (``register``) with a ``run(args, out)``
function; ``main`` parses, runs, and turns any failure into one line on
stderr: no traceback, whatever the server or the pipe does.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from .._version import __version__
from . import _agent_cmds, _chat_cmds, _completion, _mcp_cmds, _platform_cmds, _server_cmds, _sessions_cmds
from ._common import Interrupted, add_client_options
from ._errors import EXIT_CLOSED_PIPE, EXIT_ERROR, EXIT_INTERRUPTED, describe
from ._output import Output
from ._parser import Parser, examples_text

__all__ = ["build_parser", "main"]

EPILOG = """\
Each command prints text or a table, or JSON with --json. The server and key
come from --base-url/--api-key or $CHATSERVER_BASE_URL/$CHATSERVER_API_KEY;
CHATSERVER_LOG=debug logs the SDK's requests on stderr. Exit status: 0 done,
1 an error from the server or the network, 2 a usage error, 130 interrupted,
141 the output was closed. `chatserver COMMAND --help` has each command's
options and examples.

""" + examples_text(
    [
        "chatserver emulator          # a local server, in another terminal",
        'chatserver chat -m claude-sonnet-4-5@20250929 "Hello"',
        "chatserver sessions list --user-id 00000000-0000-0000-0000-000000000001",
        "chatserver --json models",
    ]
)

# Examples for the commands registered by _server_cmds, used where it gives none of its own.
SERVER_EXAMPLES = {
    "emulator": [
        "chatserver emulator",
        "chatserver emulator --port 0 --db state.db",
        "CHATSERVER_EMULATOR_API_KEYS=sk-1 chatserver emulator --admin-key sk-admin",
    ],
    "demo": ["chatserver demo", "chatserver demo --base-url http://localhost:3284"],
}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="chatserver",
        description="ChatServer from the command line: chat, sessions, administration, the MCP registry,"
        " agent control, and a local emulator.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    add_client_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for area in (
        _chat_cmds,
        _sessions_cmds,
        _platform_cmds,
        _mcp_cmds,
        _agent_cmds,
        _server_cmds,
        _completion,
    ):
        area.register(commands)
    for name, examples in SERVER_EXAMPLES.items():
        server_command = commands.choices.get(name)
        if server_command is not None and not server_command.epilog:
            server_command.epilog = examples_text(examples)
    return parser


class _Version(argparse.Action):
    """``--version``, naming openai's version without importing openai (its metadata is enough)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "print the version and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            openai_version = version("openai")
        except PackageNotFoundError:
            openai_version = "not installed"
        python = sys.version.split()[0]
        sys.stdout.write(
            f"chatserver {__version__} (chatserver-sdk; openai {openai_version}; Python {python})\n"
        )
        parser.exit()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit status (``sys.exit(main())`` in the entry point)."""
    parser = build_parser()
    try:
        args, extras = parser.parse_known_args(list(argv) if argv is not None else None)
        if extras:  # said by the command they were given to, whose --help lists what it takes
            _innermost(parser, args).error(f"unrecognized arguments: {' '.join(extras)}")
    except SystemExit as done:  # --help, --version, or a usage error argparse has reported
        return done.code if isinstance(done.code, int) else 2
    except BrokenPipeError:  # `chatserver --help | head -1`
        return _closed_pipe("chatserver", report=False)
    if args.command is None:
        # Nothing to do is a mistake in a script: the usage goes to stderr and the status says so.
        parser.print_usage(sys.stderr)
        print("chatserver: error: a COMMAND is required (chatserver --help lists them)", file=sys.stderr)
        return 2
    out = Output(sys.stdout, sys.stderr, json_mode=bool(getattr(args, "json", False)))
    prog = f"chatserver {args.command}" + (f" {args.action}" if getattr(args, "action", None) else "")
    try:
        return int(args.run(args, out))
    except BrokenPipeError:
        return _closed_pipe(prog, report=getattr(args, "reports_closed_pipe", False))
    except KeyboardInterrupt as interrupt:
        with contextlib.suppress(BrokenPipeError, ValueError):
            if out.interactive:
                out.note("")  # after the ^C the terminal echoed
            if isinstance(interrupt, Interrupted) and interrupt.note:
                out.note(f"{prog}: {interrupt.note}")
        return EXIT_INTERRUPTED
    except Exception as error:
        return _report(prog, error)


def _innermost(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The parser of the command ``args`` is for (``chatserver sessions list``), else ``parser``."""
    for dest in ("command", "action"):
        name = getattr(args, dest, None)
        commands = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        if name is None or commands is None or name not in commands.choices:
            break
        parser = commands.choices[name]
    return parser


def _report(prog: str, error: Exception) -> int:
    described = describe(error)
    if described is None:
        # A bug of ours, not the user's: still one line, with the traceback a switch away.
        message = (
            f"internal error: {type(error).__name__}: {error} (CHATSERVER_LOG=debug shows the traceback)"
        )
        if os.environ.get("CHATSERVER_LOG", "").strip().lower() == "debug":
            traceback.print_exc()
        described = (message, EXIT_ERROR)
    message, status = described
    with contextlib.suppress(BrokenPipeError, ValueError):
        print(f"{prog}: {message}", file=sys.stderr, flush=True)
    return status


def _closed_pipe(prog: str, *, report: bool) -> int:
    """The reader of stdout went away (``| head``): stop quietly, or say so for long-running commands."""
    # Point stdout at /dev/null so the interpreter's final flush does not fail again.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    if report:
        with contextlib.suppress(BrokenPipeError, ValueError):
            print(f"{prog}: stopped: its output was closed (broken pipe)", file=sys.stderr, flush=True)
    return EXIT_CLOSED_PIPE
