"""What every client command shares: connection options, the client, defaults from the environment.

Configuration comes from flags, else from the variables the client itself
reads (``CHATSERVER_BASE_URL``, ``CHATSERVER_API_KEY``), plus two for the
command line's own defaults: ``CHATSERVER_MODEL`` and ``CHATSERVER_USER_ID``.
The client (and with it openai) is imported only when a command makes one.
"""

from __future__ import annotations

import argparse
import os
import uuid
from typing import TYPE_CHECKING, Any

from . import _argtypes

if TYPE_CHECKING:
    from .._client import ChatServerClient

__all__ = [
    "MODEL_ENV",
    "USER_ENV",
    "CommandError",
    "Interrupted",
    "UsageError",
    "add_client_options",
    "add_user_option",
    "make_client",
    "user_from",
]

MODEL_ENV = "CHATSERVER_MODEL"
USER_ENV = "CHATSERVER_USER_ID"


class UsageError(Exception):
    """The command line itself is wrong: printed as one line, exit status 2, nothing sent."""


class CommandError(Exception):
    """The command could not do its job for a reason that is not an API error: one line, status 1."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with a line to say (what may still be running, how to check or resume): status 130."""

    def __init__(self, note: str | None = None) -> None:
        super().__init__(note)
        self.note = note


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
        type=_argtypes.http_url,
        default=default(None),
        help="the ChatServer (default: $CHATSERVER_BASE_URL, then http://localhost:3284)",
    )
    group.add_argument(
        "--api-key",
        metavar="KEY",
        type=_argtypes.api_key,
        default=default(None),
        help="bearer key (default: $CHATSERVER_API_KEY, which keeps it out of `ps`)",
    )
    group.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_argtypes.seconds,
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


def add_user_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument(
        "--user-id", metavar="UUID", type=_argtypes.user_uuid, help=f"{help_text} (default: ${USER_ENV})"
    )


def make_client(args: argparse.Namespace) -> ChatServerClient:
    from .._client import ChatServerClient  # openai loads here, not for help or usage errors

    options: dict[str, Any] = {"api_key": args.api_key, "base_url": args.base_url}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    return ChatServerClient(**options)


def user_from(args: argparse.Namespace, *, required: bool) -> str | None:
    """``--user-id`` (checked by the parser), else ``$CHATSERVER_USER_ID`` (checked here)."""
    if args.user_id:
        return str(args.user_id)
    value = os.environ.get(USER_ENV, "").strip()
    if not value:
        if required:
            raise UsageError(f"no user: pass --user-id UUID or set ${USER_ENV}")
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise UsageError(
            f"${USER_ENV}: {value!r} is not a UUID; set it to the user's id, or pass --user-id"
        ) from None
