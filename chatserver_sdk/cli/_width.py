"""How wide text is on a terminal, and how to cut and pad it by that width.

A terminal gives East Asian wide and fullwidth characters (CJK, most emoji) two
columns, combining marks and joiners none; ``len()`` counts both as one, so a
table padded with ``str.ljust`` drifts out of line on the first Chinese title.
This follows what terminals draw (wcwidth's rules, from :mod:`unicodedata`, with
no dependency): an emoji presentation selector (U+FE0F) widens the character
before it, and a zero-width joiner glues the next character into the same glyph.
"""

from __future__ import annotations

import unicodedata

__all__ = ["ELLIPSIS", "cut", "one_line", "pad", "width"]

ELLIPSIS = "…"
_ZWJ = "\u200d"
_EMOJI_PRESENTATION = "\ufe0f"
_SKIN_TONES = range(0x1F3FB, 0x1F400)
# Control characters a cell may not carry: they move the cursor or start escape sequences.
_LINE_BREAKS = {
    "\n": " ",
    "\r": " ",
    "\t": " ",
    "\v": " ",
    "\f": " ",
    "\x85": " ",
    "\u2028": " ",
    "\u2029": " ",
}


def _char_width(char: str) -> int:
    code = ord(char)
    if code == 0 or unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if code in _SKIN_TONES:
        return 0  # a modifier drawn inside the emoji before it
    if 0x1160 <= code <= 0x11FF:  # Hangul medial vowels and final consonants join the syllable
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal (one line of printable text)."""
    total = 0
    previous = 0
    joined = False
    for char in text:
        if joined:  # the character after a ZWJ is part of the glyph already counted
            joined = False
            previous = 0
            continue
        if char == _ZWJ:
            joined = True
            continue
        if char == _EMOJI_PRESENTATION and previous == 1:
            total += 1  # e.g. U+2764 U+FE0F: a narrow heart drawn as a wide emoji
            previous = 2
            continue
        previous = _char_width(char)
        total += previous
    return total


def _clusters(text: str) -> list[str]:
    """``text`` split where a cut may fall: never inside a joined emoji or before a combining mark."""
    clusters: list[str] = []
    glue = False
    for char in text:
        attach = clusters and (
            glue
            or char in (_ZWJ, _EMOJI_PRESENTATION)
            or ord(char) in _SKIN_TONES
            or unicodedata.combining(char)
            or unicodedata.category(char) in ("Mn", "Me")
        )
        if attach:
            clusters[-1] += char
        else:
            clusters.append(char)
        glue = char == _ZWJ
    return clusters


def cut(text: str, columns: int) -> str:
    """``text`` shortened to at most ``columns`` terminal columns, ending in "…" when cut."""
    if width(text) <= columns:
        return text
    if columns <= 0:
        return ""
    kept: list[str] = []
    used = 0
    for cluster in _clusters(text):
        size = width(cluster)
        if used + size > columns - 1:  # room for the ellipsis
            break
        kept.append(cluster)
        used += size
    return "".join(kept) + ELLIPSIS


def pad(text: str, columns: int) -> str:
    """``text`` followed by spaces up to ``columns`` terminal columns."""
    return text + " " * max(columns - width(text), 0)


def one_line(text: str) -> str:
    """``text`` safe for one cell of a line: line breaks become spaces, other controls ``?``.

    Values come from the server; an escape sequence in a session title must not
    reach the terminal, and a newline must not break the table.
    """
    out = []
    for char in text:
        if char in _LINE_BREAKS:
            out.append(_LINE_BREAKS[char])
        elif unicodedata.category(char) == "Cc":
            out.append("?")
        else:
            out.append(char)
    return "".join(out)
