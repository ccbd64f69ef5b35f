"""``tests/upstream`` must be exactly the shared spec it copies, whenever that is at hand."""

from __future__ import annotations

import pytest

from ..spec import SHARED_SPEC_DIR, VENDORED_SPEC_DIR

FILES = ["chatserver-openapi.json", "agentapi-openapi.json", "NOTES.md", "sdk-readme-seed.md"]


@pytest.mark.parametrize("name", FILES)
def test_copy_matches_shared_spec(name: str) -> None:
    copy = VENDORED_SPEC_DIR / name
    assert copy.is_file(), f"{copy} is missing"
    shared = SHARED_SPEC_DIR / name
    if shared.is_file():  # CI always has it; a lone clone checks only that the copy exists
        assert copy.read_bytes() == shared.read_bytes(), f"{copy} differs from {shared}: copy it again"
