"""What a command prints: text and tables for people, JSON for programs, progress on terminals.

Results go to stdout; notes, prompts, progress and errors to stderr, so a
pipe only ever carries results. Progress is drawn only when stderr is a
terminal, and erased before anything else is written there.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TextIO

__all__ = ["Output", "jsonable"]

SPINNER = "|/-\\"
TICK = 0.1
ELLIPSIS = "…"


def jsonable(value: Any) -> Any:
    """``value`` with models and datetimes turned into JSON-ready data."""
    from pydantic import BaseModel  # only once there is a result to print

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def when(value: object) -> str:
    """A timestamp as people read it: ``2025-01-31 14:05:09`` (UTC as sent), or ``-``."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value) if value else "-"


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed
        return False


class Output:
    def __init__(self, stdout: TextIO, stderr: TextIO, *, json_mode: bool = False) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.json_mode = json_mode
        self._progress: _Spinner | None = None

    @property
    def interactive(self) -> bool:
        """Whether a person watches stderr (progress and prompts are for them)."""
        return _is_terminal(self.stderr)

    # -- results -------------------------------------------------------------------------

    def line(self, text: str = "") -> None:
        self.write(text + "\n")

    def write(self, text: str) -> None:
        self._clear_progress()
        self.stdout.write(text)
        self.stdout.flush()

    def json(self, value: Any) -> None:
        self.line(json.dumps(jsonable(value), indent=2, ensure_ascii=False))

    def json_line(self, value: Any) -> None:
        """One compact JSON document per line (JSON Lines), for output that keeps coming."""
        self.line(json.dumps(jsonable(value), ensure_ascii=False))

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Aligned columns; on a terminal, cells are cut to fit its width (never when piped)."""
        cells = [[str(cell) for cell in row] for row in rows]
        widths = [max([len(header), *(len(row[i]) for row in cells)]) for i, header in enumerate(headers)]
        if _is_terminal(self.stdout):
            widths = _fit(widths, shutil.get_terminal_size().columns)
        for row in [list(headers), *cells]:
            parts = [_cut(cell, width) for cell, width in zip(row, widths, strict=True)]
            parts[:-1] = [part.ljust(width) for part, width in zip(parts[:-1], widths, strict=False)]
            self.line("  ".join(parts).rstrip())

    def pairs(self, items: Sequence[tuple[str, object]]) -> None:
        width = max((len(key) for key, _ in items), default=0)
        for key, value in items:
            self.line(f"{key + ':':<{width + 1}} {value}")

    # -- for people ----------------------------------------------------------------------

    def note(self, text: str) -> None:
        """A line for the person at the terminal (stderr), not part of the result."""
        self._clear_progress()
        self.stderr.write(text + "\n")
        self.stderr.flush()

    def prompt(self, text: str) -> None:
        self._clear_progress()
        self.stderr.write(text)
        self.stderr.flush()

    @contextlib.contextmanager
    def progress(self, label: str) -> Iterator[None]:
        """A spinner with the seconds elapsed while the block runs, on a terminal only.

        It also stops at the first thing written, so a streamed reply replaces it.
        """
        if not self.interactive:
            yield
            return
        spinner = _Spinner(self.stderr, label)
        self._progress = spinner
        try:
            yield
        finally:
            self._clear_progress()

    def _clear_progress(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + ELLIPSIS


def _fit(widths: list[int], columns: int) -> list[int]:
    """Narrow the widest columns until the row fits ``columns`` (two spaces between columns)."""
    widths = list(widths)
    while sum(widths) + 2 * (len(widths) - 1) > columns:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= 8:
            break
        widths[widest] -= 1
    return widths


class _Spinner:
    def __init__(self, stream: TextIO, label: str) -> None:
        self._stream = stream
        self._label = label
        self._started = time.monotonic()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="chatserver-progress", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for frame in itertools.cycle(SPINNER):
            with self._lock:
                if self._stopped.is_set():
                    return
                elapsed = int(time.monotonic() - self._started)
                self._stream.write(f"\r{frame} {self._label} {elapsed}s")
                self._stream.flush()
            if self._stopped.wait(TICK):
                return

    def stop(self) -> None:
        with self._lock:
            if self._stopped.is_set():
                return
            self._stopped.set()
            self._stream.write("\r\x1b[K")  # erase the spinner's line
            self._stream.flush()
        self._thread.join()
