"""The emulator's deliberate differences are listed once in code and once for users, and agree.

``differences.py`` names each difference and the scenarios that observe it; the table
"Where the emulator differs from a ChatServer" in ``docs/emulator.md`` (the emulator's own
documentation) tells users. The two must hold the same rows, and every scenario named must exist.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from .differences import EMULATOR_DIFFERS

HERE = Path(__file__).resolve().parent
DOCUMENT = HERE.parents[1] / "docs" / "emulator.md"
HEADING = "Where the emulator differs from a ChatServer"


def table_rows(text: str) -> list[str]:
    """First cells of the table under the heading, in order."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("#") and HEADING in line]
    assert starts, f'docs/emulator.md has no heading "{HEADING}" (the emulator\'s page keeps that table)'
    table: list[str] = []
    for line in lines[starts[0] + 1 :]:
        if line.startswith("#"):
            break
        if line.lstrip().startswith("|"):
            table.append(line.strip())
        elif table:
            break
    assert len(table) >= 2, f'no table under "{HEADING}" in docs/emulator.md'
    assert re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", table[1]), f"not a table header separator: {table[1]}"
    return [row.strip("|").split("|")[0].strip() for row in table[2:]]


def scenario_names() -> set[str]:
    names = set()
    for module in HERE.glob("test_*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        names |= {
            f"{module.name}::{node.name}"
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
        }
    return names


def test_differences_match_the_documented_table() -> None:
    rows = table_rows(DOCUMENT.read_text(encoding="utf-8"))
    assert len(rows) == len(set(rows)), f"docs/emulator.md table rows repeat: {rows}"
    in_code, in_docs = set(EMULATOR_DIFFERS), set(rows)
    assert in_code == in_docs, (
        f"only in tests/conformance/differences.py: {sorted(in_code - in_docs)}; "
        f"only in the docs/emulator.md table: {sorted(in_docs - in_code)}"
    )


def test_differences_name_real_scenarios() -> None:
    known = scenario_names()
    named = {scenario for scenarios in EMULATOR_DIFFERS.values() for scenario in scenarios}
    assert named <= known, f"no such scenario: {sorted(named - known)}"
    owners = [scenario for scenarios in EMULATOR_DIFFERS.values() for scenario in scenarios]
    assert len(owners) == len(set(owners)), "a scenario is excused by more than one row"


def test_table_rows_parser() -> None:
    text = (
        "## A local ChatServer\n\n### Where the emulator differs from a ChatServer\n\n"
        "| what | emulator | ChatServer |\n| --- | --- | --- |\n"
        "| Replies | echoes | the agent's |\n| `Audit log` | written | not written |\n\nAfter.\n| x | y |\n"
    )
    assert table_rows(text) == ["Replies", "`Audit log`"]
