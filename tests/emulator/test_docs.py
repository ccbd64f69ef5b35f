"""Every Python block of docs/emulator.md runs as written against a fresh emulator.

The blocks are run the way ``tests/test_readme.py`` runs the README's (its helpers): each in
a process of its own, with ``CHATSERVER_BASE_URL`` pointing at the emulator; a block may start
its own emulator instead (``run_emulator(...)``), and most of this page's do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chatserver_sdk.emulator import run_emulator

from ..test_readme import ROOT, Block, check, python_blocks, run_block

pytestmark = pytest.mark.slow

DOCUMENT = ROOT / "docs" / "emulator.md"
BLOCKS = python_blocks(DOCUMENT)


@pytest.fixture
def emulator() -> Iterator[str]:
    with run_emulator() as base_url:
        yield base_url


def test_the_page_has_python_blocks() -> None:
    assert BLOCKS, f"no ```python blocks found in {DOCUMENT}"


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: block.id)
def test_block_runs_on_a_fresh_emulator(block: Block, emulator: str, tmp_path: Path) -> None:
    check(block, run_block(block, emulator, tmp_path), "a fresh emulator")
