"""How listing commands take ``-n``/``--all``/``--page-size`` and print JSON arrays as pages arrive."""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Iterable
from typing import Any

from . import _argtypes
from ._output import Output, jsonable

__all__ = ["DEFAULT_LIMIT", "add_limit", "first", "page_size", "stream_json"]

DEFAULT_LIMIT = 20
# More than anyone reads on a terminal; --all walks everything.
MAX_LIMIT = 1_000_000


def add_limit(parser: argparse.ArgumentParser, what: str, max_page: int) -> None:
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument(
        "-n",
        "--limit",
        metavar="N",
        type=_argtypes.whole(1, MAX_LIMIT, hint=" (--all shows every one)"),
        default=DEFAULT_LIMIT,
        help=f"show this many {what} (default: {DEFAULT_LIMIT})",
    )
    amount.add_argument("--all", action="store_true", help=f"show every one of the {what}, a page at a time")
    parser.add_argument(
        "--page-size",
        type=_argtypes.whole(1, max_page, hint=" (the server's bounds)"),
        metavar="N",
        help=f"{what} per request, 1-{max_page} (default: the largest needed)",
    )


def first(items: Iterable[Any], args: argparse.Namespace) -> Iterable[Any]:
    return items if args.all else itertools.islice(items, args.limit)


def page_size(args: argparse.Namespace, largest: int) -> int:
    if args.page_size is not None:
        return int(args.page_size)
    return largest if args.all else min(args.limit, largest)


def stream_json(out: Output, items: Iterable[Any]) -> None:
    """A JSON array written as the items arrive, so ``--all`` holds one page in memory."""
    first_item = True
    for item in items:
        out.write(("[\n" if first_item else ",\n") + _indented(item))
        first_item = False
    out.line("[]" if first_item else "\n]")


def _indented(item: Any) -> str:
    return "\n".join(
        "  " + line for line in json.dumps(jsonable(item), indent=2, ensure_ascii=False).splitlines()
    )
