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
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from . import _width

__all__ = ["Column", "Output", "jsonable", "when"]

SPINNER = "|/-\\"
TICK = 0.1
# A cut column keeps at least this many terminal columns (with its ellipsis).
MIN_CUT_WIDTH = 10


@dataclass(frozen=True)
class Column:
    header: str
    cut: bool = False
    """Free text (a title, a name) that may be shortened on a narrow terminal; ids never are."""


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


def when(value: object, *, seconds: bool = True) -> str:
    """A timestamp as people read it: ``2025-01-31 14:05:09`` (UTC as sent), or ``-``."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
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
    def stdout_is_terminal(self) -> bool:
        return _is_terminal(self.stdout)

    @property
    def interactive(self) -> bool:
        """Whether a person watches stderr (progress and prompts are for them)."""
        return _is_terminal(self.stderr)

    # -- results -------------------------------------------------------------------------

    @property
    def columns(self) -> int | None:
        """The terminal's width when stdout is one (text is fitted to it), else ``None``."""
        return shutil.get_terminal_size().columns if self.stdout_is_terminal else None

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

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[object]], *, empty: str) -> None:
        """Aligned columns by display width; on a terminal, free-text cells are cut to fit it.

        Columns that hold ids (``Column(cut=False)``, the default) are never cut:
        they are what an operator copies; a row that cannot fit then runs past
        the edge. With no rows, ``empty`` goes to stderr and nothing to stdout.
        """
        if not rows:
            self.note(empty)
            return
        cells = [[_width.one_line(str(cell)) for cell in row] for row in rows]
        headers = [column.header for column in columns]
        widths = [
            max([_width.width(header), *(_width.width(row[i]) for row in cells)])
            for i, header in enumerate(headers)
        ]
        if _is_terminal(self.stdout):
            widths = _fit(widths, [column.cut for column in columns], shutil.get_terminal_size().columns)
        for row in [headers, *cells]:
            parts = [_width.cut(cell, size) for cell, size in zip(row, widths, strict=True)]
            parts[:-1] = [_width.pad(part, size) for part, size in zip(parts[:-1], widths, strict=False)]
            self.line("  ".join(parts).rstrip())

    def pairs(self, items: Sequence[tuple[str, object]]) -> None:
        width = max((len(key) for key, _ in items), default=0)
        for key, value in items:
            self.line(f"{key + ':':<{width + 1}} {_width.one_line(str(value))}")

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


def _fit(widths: list[int], cuttable: list[bool], columns: int) -> list[int]:
    """Narrow the widest cuttable column, one column at a time, until the row fits ``columns``."""
    widths = list(widths)
    while sum(widths) + 2 * (len(widths) - 1) > columns:
        candidates = [i for i, can in enumerate(cuttable) if can and widths[i] > MIN_CUT_WIDTH]
        if not candidates:
            break  # only ids are left: the line runs past the edge rather than lose one
        widest = max(candidates, key=lambda i: widths[i])
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
