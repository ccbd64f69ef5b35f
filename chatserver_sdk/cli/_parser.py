"""The parser every command is built on: one-line usage errors, and examples in each ``--help``.

``command(...)`` adds a subcommand with its help, its examples and the function
that runs it; ``group(...)`` adds a command that only holds others
(``chatserver sessions list``). The completion scripts are generated from the
same parser (:mod:`._completion`), so they stay in step with the commands.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from ._output import Output

__all__ = ["Parser", "Run", "command", "examples_text", "group"]

Run = Callable[[argparse.Namespace, "Output"], int]

# argparse's own messages that do not say how to go on; the others (ours, invalid choices) do.
_NEEDS_USAGE = ("the following arguments are required", "unrecognized arguments", "expected ", "one of the ")


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line, and whose epilog is printed as written."""

    def error(self, message: str) -> NoReturn:
        # One line, like every other error of the command: easy to read in a log, and to grep.
        hint = f" (`{self.prog} --help` shows the usage)" if any(p in message for p in _NEEDS_USAGE) else ""
        self.exit(2, f"{self.prog}: error: {message}{hint}\n")

    def format_help(self) -> str:
        # The description is wrapped to the terminal as usual; the examples keep their lines.
        epilog, self.epilog = self.epilog, None
        try:
            text = super().format_help()
        finally:
            self.epilog = epilog
        return text + (f"\n{epilog.rstrip()}\n" if epilog else "")


def examples_text(examples: Sequence[str]) -> str:
    return "examples:\n" + "".join(f"  {example}\n" for example in examples)


def _sentence(summary: str) -> str:
    return summary[0].upper() + summary[1:] + ("" if summary.endswith(".") else ".")


def group(commands: Any, name: str, *, summary: str, examples: Sequence[str]) -> Any:
    """A command made of actions (``chatserver NAME ACTION``); returns where to add the actions."""
    parser: Parser = commands.add_parser(
        name, help=summary, description=_sentence(summary), epilog=examples_text(examples)
    )
    return parser.add_subparsers(dest="action", metavar="ACTION", required=True, title="actions")


def command(
    commands: Any,
    name: str,
    *,
    summary: str,
    run: Run,
    examples: Sequence[str],
    description: str | None = None,
    client: bool = True,
    json: bool = True,
) -> Parser:
    """A command that does something: its help, examples, connection options and ``run(args, out)``."""
    from ._common import add_client_options

    parser: Parser = commands.add_parser(
        name,
        help=summary,
        description=description or _sentence(summary),
        epilog=examples_text(examples),
    )
    if client:
        add_client_options(parser, suppress=True, json=json)
    parser.set_defaults(run=run)
    return parser
