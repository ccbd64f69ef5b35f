"""Where the upstream ChatServer's OpenAPI file is, for tests that hold the SDK to it.

CI clones this repository beside ``shared/``, so it is found at
``<clone>/../shared/spec/chatserver-openapi.json``; a clone elsewhere uses the
copy in ``tests/upstream`` (kept identical by ``test_upstream_copy``). The
``CHATSERVER_SPEC`` environment variable points somewhere else. A contract
test that cannot find it must fail, not skip: a missing spec would otherwise
turn the contract check off without anyone noticing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["SPEC_ENV_VAR", "SpecUnavailableError", "load_spec_document", "spec_path"]

SPEC_ENV_VAR = "CHATSERVER_SPEC"
SPEC_FILE_NAME = "chatserver-openapi.json"


class SpecUnavailableError(Exception):
    """The OpenAPI file is missing or unreadable; the message says where it was looked for."""


SHARED_SPEC_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "spec"
# A copy of shared/spec, so that a clone anywhere can run the suite; while the
# shared copy is beside the clone it is the one used, and test_upstream_copy
# fails if the two differ.
VENDORED_SPEC_DIR = Path(__file__).resolve().parent / "upstream"


def default_spec_path() -> Path:
    shared = SHARED_SPEC_DIR / SPEC_FILE_NAME
    return shared if shared.is_file() else VENDORED_SPEC_DIR / SPEC_FILE_NAME


def spec_path() -> Path:
    """``$CHATSERVER_SPEC`` if set (a file, or a directory holding the file), else the shared
    copy beside the clone, else the copy in ``tests/upstream``."""
    override = os.environ.get(SPEC_ENV_VAR)
    if not override:
        return default_spec_path()
    path = Path(override).expanduser()
    return path / SPEC_FILE_NAME if path.is_dir() else path


def load_spec_document(path: Path | None = None) -> dict[str, Any]:
    """The OpenAPI document (at :func:`spec_path` unless given) as parsed JSON.

    Raises :class:`SpecUnavailableError` with a message that says where it looked.
    """
    if path is None:
        path = spec_path()
    origin = f"${SPEC_ENV_VAR}" if os.environ.get(SPEC_ENV_VAR) else "the default location"
    if not path.is_file():
        raise SpecUnavailableError(
            f"ChatServer OpenAPI spec not found at {path} (from {origin}). The contract test needs it: "
            f"check out the shared spec beside the repository (<clone>/../shared/spec/{SPEC_FILE_NAME}) "
            f"or set {SPEC_ENV_VAR} to the file's path."
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise SpecUnavailableError(
            f"ChatServer OpenAPI spec at {path} cannot be read as JSON: {err}"
        ) from err
    if not isinstance(document, dict) or "paths" not in document or "openapi" not in document:
        raise SpecUnavailableError(f"{path} is not an OpenAPI document (no 'openapi' and 'paths' keys)")
    return document
