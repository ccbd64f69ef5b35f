"""Display width: what a terminal draws, so that tables line up with CJK and emoji in them."""

from __future__ import annotations

import pytest

from chatserver_sdk.cli._width import cut, one_line, pad, width


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("plain", 5),
        ("中文标题", 8),  # CJK: two columns each
        ("\uff46\uff55\uff4c\uff4c", 8),  # fullwidth Latin
        ("😀", 2),
        ("❤️", 2),  # a narrow heart made wide by U+FE0F
        ("❤", 1),
        ("👩‍💻", 2),  # a ZWJ sequence is one glyph
        ("👍🏽", 2),  # a skin tone modifies the emoji before it
        ("🇯🇵", 2),  # a flag: two regional indicators
        ("e\u0301", 1),  # e + combining acute
        ("한국어", 6),
        ("", 0),
    ],
)
def test_width(text: str, columns: int) -> None:
    assert width(text) == columns


@pytest.mark.parametrize(
    ("text", "columns", "expected"),
    [
        ("hello world", 20, "hello world"),
        ("hello world", 6, "hello…"),
        ("中文标题很长", 7, "中文标…"),  # 6 columns of CJK and the ellipsis
        ("中文标题很长", 6, "中文…"),  # a wide character that would overflow is left out
        ("ab👩‍💻cd", 4, "ab…"),  # the joined emoji is not split
        ("ab👩‍💻cd", 5, "ab👩‍💻…"),
        ("e\u0301tude", 3, "e\u0301t…"),  # the accent stays on its letter
        ("x", 0, ""),
    ],
)
def test_cut_by_width(text: str, columns: int, expected: str) -> None:
    assert cut(text, columns) == expected
    assert width(cut(text, columns)) <= columns


def test_pad_by_width() -> None:
    assert pad("中文", 6) == "中文  "
    assert width(pad("🇯🇵", 5)) == 5
    assert pad("too wide", 3) == "too wide"


def test_one_line_keeps_escape_sequences_and_line_breaks_out_of_a_cell() -> None:
    assert one_line("title\nsecond line\tx") == "title second line x"
    assert one_line("\x1b]0;pwned\x07red") == "?]0;pwned?red"
    assert one_line("中文 😀") == "中文 😀"
