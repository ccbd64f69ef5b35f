"""Obtain openai's own test files for the INSTALLED openai version, from its sdist, cached.

openai's ``tests/`` (``test_client.py``, the ``conftest.py`` it needs, ``utils.py`` and the
vendored ``respx2`` mock router) ship in the sdist on the package index, not in the wheel. They
are Apache-2.0, but this repository does not carry them: they are fetched with pip (so pip's
own index, proxy and certificate settings apply; this machine reaches PyPI's simple index but
not GitHub) and kept in ``$XDG_CACHE_HOME/chatserver-sdk/openai-sdist/<version>/tests``
(``~/.cache/...`` by default). Only the ``tests/`` folder and ``pyproject.toml`` (openai's
pytest settings) are extracted.

Run it before the test suite where the tests must not reach the network (CI)::

    python tests/openai_suite/fetch.py        # prints the cached tests folder

This module needs only the standard library, so it also runs as a plain script.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path, PurePosixPath

__all__ = ["FetchError", "cache_root", "cached_tests", "installed_openai_version", "openai_tests"]

# pip's own download of one sdist is a few seconds; a stalled index must not hang the suite.
PIP_TIMEOUT_S = 300
_WANTED = ("tests", "pyproject.toml")


class FetchError(RuntimeError):
    """openai's test files could not be obtained (no network, no sdist for this version, ...)."""


def installed_openai_version() -> str:
    return metadata.version("openai")


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chatserver-sdk" / "openai-sdist"


def cached_tests(version: str, root: Path | None = None) -> Path | None:
    """The cached ``tests`` folder of openai ``version``, or None when it was never fetched."""
    folder = (root or cache_root()) / version
    tests = folder / "tests"
    # The folder appears by an atomic rename only once complete, so its presence is enough.
    return tests if (tests / "test_client.py").is_file() and (folder / "pyproject.toml").is_file() else None


def openai_tests(version: str | None = None, root: Path | None = None) -> Path:
    """The ``tests`` folder of openai's sdist for ``version`` (default: the installed one).

    Downloads the sdist with pip on first use; afterwards reads only the cache.
    Raises :class:`FetchError` with pip's reason when it cannot be had.
    """
    version = version or installed_openai_version()
    root = root or cache_root()
    found = cached_tests(version, root)
    if found is not None:
        return found
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".fetch-") as scratch:
        sdist = _download_sdist(version, Path(scratch))
        staged = Path(scratch) / "staged"
        _extract(sdist, version, staged)
        target = root / version
        try:
            os.replace(staged, target)
        except OSError:
            # Another process finished first (rename onto a non-empty folder fails): use theirs.
            if cached_tests(version, root) is None:
                raise FetchError(
                    f"{target} exists but does not hold openai's tests; delete it and run again."
                ) from None
    found = cached_tests(version, root)
    if found is None:
        raise FetchError(f"openai {version}'s sdist has no tests/test_client.py; the harness needs one.")
    return found


def _download_sdist(version: str, into: Path) -> Path:
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
        "--dest", str(into), f"openai=={version}",
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise FetchError(
            f"pip download of openai=={version}'s sdist took over {PIP_TIMEOUT_S} s; "
            "check the network or pip's index settings."
        ) from None
    archives = sorted(into.glob(f"openai-{version}.tar.gz"))
    if done.returncode != 0 or not archives:
        errors = [line for line in done.stderr.splitlines() if "ERROR" in line or "error" in line]
        detail = " ".join(errors[-3:] or done.stderr.strip().splitlines()[-3:])
        detail = re.sub(r" \(from versions: [^)]*\)", "", detail)[:400]
        raise FetchError(
            f"pip could not download the sdist of openai=={version} (exit {done.returncode}): {detail}"
        )
    return archives[0]


def _extract(sdist: Path, version: str, into: Path) -> None:
    """Extract ``tests/`` and ``pyproject.toml`` only, refusing any path that leaves ``into``."""
    prefix = PurePosixPath(f"openai-{version}")
    into.mkdir()
    with tarfile.open(sdist, "r:gz") as archive:
        for member in archive.getmembers():
            path = PurePosixPath(member.name)
            if path.parts[:1] != prefix.parts or len(path.parts) < 2 or path.parts[1] not in _WANTED:
                continue
            relative = PurePosixPath(*path.parts[1:])
            if ".." in relative.parts or relative.is_absolute():
                raise FetchError(f"{sdist.name}: refusing the archive member {member.name!r}")
            target = into.joinpath(*relative.parts)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                if source is None:
                    continue
                with source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
            # Links and devices are skipped: openai's tests are plain files.


def main(argv: list[str]) -> int:
    version = argv[1] if len(argv) > 1 else None
    try:
        print(openai_tests(version))
    except FetchError as err:
        print(f"fetch.py: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
