"""JSON parsed and rendered in pieces gives exactly what json.loads and JSONResponse give."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from starlette.responses import JSONResponse

from chatserver_sdk.emulator import jsonpieces

DOCUMENTS = [
    '{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}',
    ' \n{ "a" : [ 1 , 2.5e3 , -0 , true , false , null , "x" , [ ] , { } ] , "b" : { "c" : [ [ 1 ] ] } } \t',
    "[]",
    "{}",
    '[[], {}, [[]], {"k": {}}]',
    '"just a string"',
    "42",
    "-1.5E-7",
    "true",
    "null",
    '{"dup": 1, "other": 2, "dup": 3}',
    '{"unicode": "\\u00e9\\ud83d\\ude00 é 😀", "escapes": "\\n\\t\\"\\\\\\/"}',
    '{"NaN": NaN, "inf": [Infinity, -Infinity]}',
    "\ufeff{}",
    # Malformed: every one must raise json.loads's own error.
    "",
    "   ",
    "{",
    "[1, 2",
    "[1 2]",
    '{"a" 1}',
    '{"a": 1,}',
    "[1,]",
    '{"a": 1} x',
    "[1] [2]",
    "{1: 2}",
    '{"a": [1, 2}',
    '["unterminated]',
    '{"ctrl": "a\x01b"}',
    '{"messages": [{"role": "user", "content": "x"}, {"role": "user", "content": }]}',
    "[tru]",
    "[-]",
    "[01]",
]


def _outcome(parse: Any, text: str | bytes) -> tuple[str, str]:
    try:
        return ("value", repr(parse(text)))
    except Exception as exc:  # the exception itself is what is compared
        return (type(exc).__name__, str(exc))


def _random_document(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.choice(["list", "dict", "scalar", "scalar"] if depth < 4 else ["scalar"])
    if kind == "list":
        return [_random_document(rng, depth + 1) for _ in range(rng.randrange(6))]
    if kind == "dict":
        return {
            rng.choice(["a", "b", "é", "k\n", ""]) + str(i): _random_document(rng, depth + 1)
            for i in range(5)
        }
    return rng.choice([0, -7, 3.25, 1e300, True, False, None, "", "text", "ü\u2028\u0000", "😀"])


@pytest.mark.parametrize("text", DOCUMENTS)
def test_loads_agrees_with_json_loads(text: str) -> None:
    def with_constants(data: str | bytes) -> Any:
        return jsonpieces.loads(data, parse_constant=lambda name: f"<{name}>")

    assert _outcome(jsonpieces.loads, text) == _outcome(json.loads, text)
    assert _outcome(with_constants, text) == _outcome(
        lambda data: json.loads(data, parse_constant=lambda name: f"<{name}>"), text
    )
    data = text.encode("utf-8")
    assert _outcome(jsonpieces.loads, data) == _outcome(json.loads, data)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-32-be"])
def test_loads_reads_the_encodings_json_loads_detects(encoding: str) -> None:
    data = '{"a": ["é", {"b": 1}]}'.encode(encoding)
    assert _outcome(jsonpieces.loads, data) == _outcome(json.loads, data)


def test_loads_agrees_on_random_documents() -> None:
    rng = random.Random(20240611)
    for _ in range(300):
        text = json.dumps(
            _random_document(rng), indent=rng.choice([None, 1]), ensure_ascii=rng.random() < 0.5
        )
        assert _outcome(jsonpieces.loads, text) == _outcome(json.loads, text), text
        cut = text[: rng.randrange(len(text) + 1)]
        assert _outcome(jsonpieces.loads, cut) == _outcome(json.loads, cut), cut


def test_deep_nesting_is_json_loads_recursion_error() -> None:
    text = '{"messages": [' + "[" * 100_000 + "]" * 100_000 + "]}"
    with pytest.raises(RecursionError):
        jsonpieces.loads(text)


@pytest.mark.parametrize(
    "content",
    [
        {
            "session": {"id": "s", "metadata": {}},
            "messages": [{"id": 1, "content": "é😀\n\u2028"}, {"id": 2}],
        },
        [1, [2, [3, [4]]], {"a": {"b": {"c": []}}}],
        {},
        [],
        {"x": None, "y": [], "z": {}},
        "text",
        {1: "int key", "s": "str"},
        ({"tuple": (1, 2)},),
    ],
)
def test_render_is_jsonresponse_body(content: Any) -> None:
    assert jsonpieces.render(content) == JSONResponse(content).body


def test_render_refuses_what_jsonresponse_refuses() -> None:
    with pytest.raises(ValueError):
        jsonpieces.render({"messages": [{"x": float("nan")}]})


@pytest.mark.parametrize(
    "batches",
    [
        [],
        [[]],
        [[1, 2], [], [{"a": "é"}], [[3]]],
        [[{"id": i} for i in range(300)], [None] * 129],
        [[{"content": 'a long "one" é\n' * 10_000, "id": 1}, {"id": 2}], [{"content": "x"}]],
    ],
    ids=["none", "one-empty", "mixed", "large", "long-strings"],
)
def test_render_batches_is_the_list_of_every_item(batches: list[list[Any]]) -> None:
    items = [item for batch in batches for item in batch]
    assert b"".join(jsonpieces.render_batches(iter(batches))) == JSONResponse(items).body


def test_render_groups_long_lists_exactly() -> None:
    for length in (0, 1, 127, 128, 129, 300):
        content = {"session": {"id": "s"}, "messages": [{"i": i, "t": "é"} for i in range(length)]}
        assert jsonpieces.render(content) == JSONResponse(content).body


@pytest.mark.parametrize("length", [0, 10, jsonpieces.LONG_STRING, jsonpieces.LONG_STRING * 3 + 7])
def test_render_parts_is_jsonresponses_body(length: int) -> None:
    text = ('é"\\\n\u2028😀 ' * length)[:length]
    content = {"id": "c", "choices": [{"message": {"content": text, "name": None}}], "usage": {"n": 1.5}}
    parts = jsonpieces.render_parts(content)
    assert b"".join(parts) == JSONResponse(content).body
    assert max(map(len, parts)) <= 4 * jsonpieces.LONG_STRING  # no piece holds the whole text
