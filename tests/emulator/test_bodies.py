"""A body validated a slice of items at a time gives exactly what pydantic gives for the whole body."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from chatserver_sdk.emulator.bodies import Validated, validate_in_pieces
from chatserver_sdk.emulator.schemas import ChatCompletionRequest

GOOD = {"role": "user", "content": "hi"}
PARTS = {"role": "assistant", "content": [{"type": "text", "text": "a"}, "b"], "name": "n"}


class TwoLists(BaseModel):
    first: str
    numbers: list[int]
    middle: int = 0
    words: list[str] = []


def whole(model: type[BaseModel], document: Any, from_attributes: bool) -> BaseModel | list[dict[str, Any]]:
    try:
        return model.model_validate(document, from_attributes=from_attributes)
    except ValidationError as exc:
        return [dict(error) for error in exc.errors(include_url=False)]


CASES: list[tuple[type[BaseModel], Any]] = [
    (ChatCompletionRequest, {"model": "m", "messages": [GOOD, PARTS] * 5}),
    (ChatCompletionRequest, {"model": "m", "messages": [GOOD] * 3, "metadata": {"user_id": "u"}}),
    (ChatCompletionRequest, {"model": "m", "messages": [GOOD] * 7 + [{"role": "robot", "content": 1}]}),
    (ChatCompletionRequest, {"model": "m", "messages": [GOOD, "x", GOOD, ["y"], GOOD, None]}),
    (ChatCompletionRequest, {"messages": [GOOD] * 7, "temperature": 9}),
    (
        ChatCompletionRequest,
        {"model": 5, "messages": [GOOD, {}, GOOD, {"role": "user"}, GOOD, 3], "top_p": 2},
    ),
    (ChatCompletionRequest, {"model": "m", "messages": [GOOD] * 7, "max_tokens": "x", "stream": "maybe"}),
    (ChatCompletionRequest, {"model": "m", "messages": "nope"}),
    (ChatCompletionRequest, {"model": "m"}),
    (ChatCompletionRequest, [GOOD]),
    (ChatCompletionRequest, None),
    (TwoLists, {"first": 1, "numbers": [*range(9), "x"], "middle": "y", "words": ["a"] * 5 + [None]}),
    (TwoLists, {"first": "f", "numbers": list(range(9)), "words": ["a"] * 9}),
    (TwoLists, {"numbers": list(range(9)), "words": [1] * 9}),
]


@pytest.mark.parametrize("from_attributes", [False, True], ids=["dicts", "from_attributes"])
@pytest.mark.parametrize(("model", "document"), CASES)
def test_validate_in_pieces_agrees_with_pydantic(
    model: type[BaseModel], document: Any, from_attributes: bool
) -> None:
    expected = whole(model, document, from_attributes)
    outcome = validate_in_pieces(model, document, from_attributes=from_attributes, piece=2)
    if isinstance(expected, BaseModel):
        assert isinstance(outcome, Validated) and outcome == Validated(expected, {})
        assert type(outcome.model) is model
    else:
        assert outcome == expected


@pytest.mark.parametrize(("model", "document"), CASES)
def test_compacted_fields_hold_the_converted_items(model: type[BaseModel], document: Any) -> None:
    def describe(item: Any) -> tuple[str, Any]:
        return ("converted", item.model_dump() if isinstance(item, BaseModel) else item)

    compact = {name: describe for name in ("messages", "numbers")}
    expected = whole(model, document, True)
    outcome = validate_in_pieces(model, document, from_attributes=True, compact=compact, piece=2)
    if not isinstance(expected, BaseModel):
        assert outcome == expected  # the same errors
        return
    assert isinstance(outcome, Validated)
    long_lists = {name for name in compact if len(getattr(expected, name, ())) > 2}
    assert outcome.model == expected.model_copy(update={name: [] for name in long_lists})
    assert outcome.compacted == {
        name: tuple(describe(item) for item in getattr(expected, name)) for name in long_lists
    }


def test_errors_about_the_whole_body_show_the_body_sent() -> None:
    document = {"messages": [GOOD] * 5}
    outcome = validate_in_pieces(ChatCompletionRequest, document, piece=2)
    assert isinstance(outcome, list) and outcome[0]["input"] is document


def test_short_lists_are_validated_whole() -> None:
    document = {"model": "m", "messages": [GOOD] * 3}
    outcome = validate_in_pieces(ChatCompletionRequest, document, compact={"messages": str}, piece=3)
    assert outcome == Validated(ChatCompletionRequest.model_validate(document), {})
