"""JSON parsed and rendered in pieces, so that a huge document never holds the GIL for long.

``json.loads`` and ``json.dumps`` are single C calls that keep the GIL for their whole run:
~30 ms for a 2.4 MB body of 50,000 chat messages, during which no other thread of the
process runs — not the event loop, not a request holding the store's lock — even when the
call itself runs in a worker thread. Here the outer levels of a document (the top-level
object or array and the containers directly inside it) are walked in Python and only
their members are handed to the C scanner or encoder, one at a time, so the interpreter
can switch threads between members. The results are exactly ``json.loads``'s and
Starlette's ``JSONResponse``'s; a document that does not parse is parsed again by
``json.loads`` to raise its exact error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# Containers at these outer levels are walked in Python; deeper ones are scanned whole.
WALKED_LEVELS = 2
# Items of an innermost walked array rendered by one encoder call.
RENDER_GROUP = 128

_Scan = Callable[[str, int], tuple[Any, int]]
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


class _Malformed(Exception):
    pass


def loads(data: bytes | str, *, parse_constant: Callable[[str], Any] | None = None) -> Any:
    """``json.loads(data, parse_constant=...)``, in pieces."""
    text = data if isinstance(data, str) else data.decode(json.detect_encoding(data), "surrogatepass")
    decoder = json.JSONDecoder(parse_constant=parse_constant)
    scan: _Scan = decoder.scan_once  # type: ignore[attr-defined]
    try:
        if text.startswith("\ufeff"):
            raise _Malformed  # json.loads refuses a BOM in a str with its own message
        value, end = _value(text, _skip(text, 0), WALKED_LEVELS, scan)
        if _skip(text, end) != len(text):
            raise _Malformed
    except (_Malformed, StopIteration, json.JSONDecodeError):
        return json.loads(text, parse_constant=parse_constant)  # raises the exact error (or agrees)
    return value


def _skip(text: str, index: int) -> int:
    match = _WHITESPACE.match(text, index)
    assert match is not None  # the pattern matches the empty string
    return match.end()


def _value(
    text: str, index: int, levels: int, scan: Callable[[str, int], tuple[Any, int]]
) -> tuple[Any, int]:
    if levels:
        opening = text[index : index + 1]
        if opening == "[":
            return _array(text, _skip(text, index + 1), levels - 1, scan)
        if opening == "{":
            return _object(text, _skip(text, index + 1), levels - 1, scan)
    return scan(text, index)


def _array(
    text: str, index: int, levels: int, scan: Callable[[str, int], tuple[Any, int]]
) -> tuple[Any, int]:
    items: list[Any] = []
    if text[index : index + 1] == "]":
        return items, index + 1
    while True:
        item, index = _value(text, index, levels, scan)
        items.append(item)
        index = _skip(text, index)
        delimiter = text[index : index + 1]
        if delimiter == "]":
            return items, index + 1
        if delimiter != ",":
            raise _Malformed
        index = _skip(text, index + 1)


def _object(
    text: str, index: int, levels: int, scan: Callable[[str, int], tuple[Any, int]]
) -> tuple[Any, int]:
    members: dict[str, Any] = {}
    if text[index : index + 1] == "}":
        return members, index + 1
    while True:
        if text[index : index + 1] != '"':
            raise _Malformed
        key, index = _scanstring(text, index + 1)
        index = _skip(text, index)
        if text[index : index + 1] != ":":
            raise _Malformed
        members[key], index = _value(text, _skip(text, index + 1), levels, scan)
        index = _skip(text, index)
        delimiter = text[index : index + 1]
        if delimiter == "}":
            return members, index + 1
        if delimiter != ",":
            raise _Malformed
        index = _skip(text, index + 1)


def _dumps(value: Any) -> str:
    # Starlette's JSONResponse.render, without its final encode.
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))


def render(content: Any, *, levels: int = WALKED_LEVELS) -> bytes:
    """The body ``JSONResponse(content)`` sends, rendered in pieces down to ``levels`` containers deep."""
    return _render(content, levels).encode("utf-8")


def _render(value: Any, levels: int) -> str:
    if levels and isinstance(value, dict) and all(isinstance(key, str) for key in value):
        inner = ",".join(f"{_dumps(key)}:{_render(item, levels - 1)}" for key, item in value.items())
        return "{" + inner + "}"
    if levels == 1 and isinstance(value, (list, tuple)):
        # Items are encoded a group at a time: one encoder call per item would cost 5 times as much.
        groups = (
            _dumps(value[start : start + RENDER_GROUP])[1:-1] for start in range(0, len(value), RENDER_GROUP)
        )
        return "[" + ",".join(groups) + "]"
    if levels and isinstance(value, (list, tuple)):
        return "[" + ",".join(_render(item, levels - 1) for item in value) + "]"
    return _dumps(value)


def render_batches(batches: Iterable[Sequence[Any]]) -> list[bytes]:
    """The JSON of the list of every batch's items, as pieces of UTF-8, one batch encoded at a time.

    A batch whose items hold a long string (a message of megabytes) is rendered with that string
    escaped a slice at a time (see :func:`render_parts`).
    """
    parts: list[bytes] = [b"["]
    first = True
    for batch in batches:
        if not batch:
            continue
        if not first:
            parts.append(b",")
        first = False
        if any(_holds_long_string(item) for item in batch):
            for position, item in enumerate(batch):
                if position:
                    parts.append(b",")
                _render_parts(item, parts)
        else:
            parts.append(_dumps(list(batch))[1:-1].encode("utf-8"))
    parts.append(b"]")
    return parts


def _holds_long_string(item: Any) -> bool:
    values = item.values() if isinstance(item, dict) else [item]
    return any(isinstance(value, str) and len(value) > LONG_STRING for value in values)


def dumps(value: Any) -> str:
    """One value as Starlette's JSONResponse encodes it."""
    return _dumps(value)


# Strings longer than this are escaped a slice at a time.
LONG_STRING = 1 << 16


@dataclass(frozen=True)
class _Style:
    dumps: Callable[[Any], str]
    escape: Callable[[str], str]
    item_separator: bytes
    key_separator: bytes


# Starlette's JSONResponse, and json.dumps() with its defaults (ASCII only, ", " and ": ").
_RESPONSE = _Style(_dumps, json.encoder.encode_basestring, b",", b":")
_DEFAULTS = _Style(json.dumps, json.encoder.encode_basestring_ascii, b", ", b": ")


def render_parts(content: Any, *, as_json_dumps: bool = False) -> list[bytes]:
    """The body ``JSONResponse(content)`` sends (``json.dumps(content)`` with ``as_json_dumps``), as
    pieces of UTF-8 (their concatenation), each long string escaped and encoded a slice at a time
    (a completion's reply may be megabytes): no single call holds the GIL for long, and the body
    need not be joined to be sent."""
    parts: list[bytes] = []
    _render_parts(content, parts, _DEFAULTS if as_json_dumps else _RESPONSE)
    return parts


def _render_parts(value: Any, parts: list[bytes], style: _Style = _RESPONSE) -> None:
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        parts.append(b"{")
        for position, (key, item) in enumerate(value.items()):
            if position:
                parts.append(style.item_separator)
            parts.append(style.dumps(key).encode("utf-8") + style.key_separator)
            _render_parts(item, parts, style)
        parts.append(b"}")
    elif isinstance(value, list | tuple):
        parts.append(b"[")
        for position, item in enumerate(value):
            if position:
                parts.append(style.item_separator)
            _render_parts(item, parts, style)
        parts.append(b"]")
    elif isinstance(value, str) and len(value) > LONG_STRING:
        parts.append(b'"')
        for start in range(0, len(value), LONG_STRING):
            # Escaping is per character, so the slices' escapes are the whole string's.
            parts.append(style.escape(value[start : start + LONG_STRING])[1:-1].encode("utf-8"))
        parts.append(b'"')
    else:
        parts.append(style.dumps(value).encode("utf-8"))
