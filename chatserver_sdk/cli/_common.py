"""What every client command shares: connection options, the client, and usage errors.

Configuration comes from flags, else from the variables the client itself
reads (``CHATSERVER_BASE_URL``, ``CHATSERVER_API_KEY``), plus two for the
command line's own defaults: ``CHATSERVER_MODEL`` and ``CHATSERVER_USER_ID``.
"""

from __future__ import annotations

import argparse
import os
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._client import ChatServerClient

__all__ = ["CommandError", "UsageError", "add_client_options", "make_client", "model_from", "user_from"]

MODEL_ENV = "CHATSERVER_MODEL"
USER_ENV = "CHATSERVER_USER_ID"


class UsageError(Exception):
    """The command line itself is wrong: printed as one line, exit status 2."""


class CommandError(Exception):
    """The command could not do its job for a reason that is not an API error: one line, status 1."""


def add_client_options(parser: argparse.ArgumentParser, *, suppress: bool, json: bool = True) -> None:
    """``--base-url``, ``--api-key``, ``--timeout`` and (with ``json``) ``--json``.

    They are accepted before and after the subcommand; ``suppress`` keeps a
    subcommand's copy from overwriting what was given before it.
    """

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("connection and output")
    group.add_argument(
        "--base-url",
        metavar="URL",
        default=default(None),
        help="the ChatServer (default: $CHATSERVER_BASE_URL, then http://localhost:3284)",
    )
    group.add_argument(
        "--api-key",
        metavar="KEY",
        default=default(None),
        help="bearer key (default: $CHATSERVER_API_KEY, which keeps it out of `ps`)",
    )
    group.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_positive_float,
        default=default(None),
        help="seconds allowed between reads (default: the client's)",
    )
    if json:
        group.add_argument(
            "--json",
            action="store_true",
            default=default(False),
            help="print JSON instead of text and tables",
        )


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def make_client(args: argparse.Namespace) -> ChatServerClient:
    from .._client import ChatServerClient  # openai loads here, not for help or usage errors

    options: dict[str, Any] = {"api_key": args.api_key, "base_url": args.base_url}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    return ChatServerClient(**options)


def model_from(args: argparse.Namespace) -> str:
    model: str | None = args.model or os.environ.get(MODEL_ENV)
    if not model:
        raise UsageError(f"no model: pass --model or set ${MODEL_ENV} (`chatserver models` lists them)")
    return model


def user_from(args: argparse.Namespace, *, required: bool) -> str | None:
    user: str | None = args.user_id or os.environ.get(USER_ENV) or None
    if user is None:
        if required:
            raise UsageError(f"no user: pass --user-id or set ${USER_ENV} (a UUID)")
        return None
    return uuid_arg(user, "--user-id")


def uuid_arg(value: str, option: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise UsageError(f"{option}: {value!r} is not a UUID") from None


def add_user_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--user-id", metavar="UUID", help=f"{help_text} (default: ${USER_ENV})")
