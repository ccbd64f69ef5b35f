"""Drop-in proof: an ordinary openai program, with only the import and the
constructor swapped for ours, gives the same results against the emulator and
against upstream's own ChatServer (live servers: the module is ``slow``)."""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from chatserver_sdk.emulator import run_emulator

from ..servers import UpstreamServer

pytestmark = pytest.mark.slow

OPENAI_PROGRAM = textwrap.dedent(
    """
    import openai
    from openai import OpenAI

    client = OpenAI(base_url=BASE_URL + "/v1", api_key="not-needed")

    models = client.models.list()
    print("models:", sorted(model.id for model in models)[:3])

    completion = client.chat.completions.create(
        model="claude-3-haiku",
        messages=[
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Say hello"},
        ],
    )
    print("reply:", completion.choices[0].message.content)
    print("finish:", completion.choices[0].finish_reason)
    usage = completion.usage
    print("usage:", usage.prompt_tokens, usage.completion_tokens, usage.total_tokens)

    pieces = []
    for chunk in client.chat.completions.create(
        model="claude-3-haiku", messages=[{"role": "user", "content": "Stream please"}], stream=True
    ):
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    print("streamed:", "".join(pieces), "in", len(pieces), "chunks")

    try:
        client.chat.completions.create(model="claude-3-haiku", messages=[])
    except openai.APIStatusError as error:
        print("error:", type(error).__name__, error.status_code)

    try:
        client.chat.completions.create(model="claude-3-haiku", messages=[{"role": "user", "content": "hi"}],
                                       temperature=5)
    except openai.APIStatusError as error:
        print("error:", type(error).__name__, error.status_code)
    """
)

SWAPS = [
    ("from openai import OpenAI", "from chatserver_sdk import ChatServerClient"),
    ('OpenAI(base_url=BASE_URL + "/v1", api_key="not-needed")', "ChatServerClient(base_url=BASE_URL)"),
]


def swapped(program: str) -> str:
    for before, after in SWAPS:
        assert program.count(before) == 1
        program = program.replace(before, after)
    return program


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    with run_emulator() as url:
        yield url


@pytest.fixture(params=["emulator", "upstream"])
def target(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(name, base URL) of a fresh server: the emulator, or upstream's ChatServer reset."""
    if request.param == "emulator":
        return "emulator", request.getfixturevalue("emulator_url")
    server: UpstreamServer = request.getfixturevalue("upstream")
    return "upstream", server.base_url


def run(program: str, base_url: str) -> str:
    out = io.StringIO()
    namespace: dict[str, Any] = {"BASE_URL": base_url, "__name__": "__main__"}
    with contextlib.redirect_stdout(out):
        exec(compile(program, "<program>", "exec"), namespace)
    return out.getvalue()


def test_only_the_import_and_constructor_change() -> None:
    lines = zip(OPENAI_PROGRAM.splitlines(), swapped(OPENAI_PROGRAM).splitlines(), strict=True)
    changed = [(a, b) for a, b in lines if a != b]
    assert len(changed) == 2


def test_same_results_as_openai(target: tuple[str, str]) -> None:
    name, base_url = target
    theirs = run(OPENAI_PROGRAM, base_url)
    ours = run(swapped(OPENAI_PROGRAM), base_url)
    assert ours == theirs
    said = r"Echo \(turn 1\): " if name == "emulator" else r"Upstream reply to: "
    assert re.search(rf"reply: {said}Say hello", ours)
    assert re.search(r"finish: stop", ours)
    assert re.search(rf"streamed: {said}Stream please in [2-9]\d* chunks", ours)
    assert "error: BadRequestError 400" in ours and "error: UnprocessableEntityError 422" in ours
    usage = re.search(r"usage: (\d+) (\d+) (\d+)", ours)
    assert usage is not None and int(usage[1]) + int(usage[2]) == int(usage[3])
