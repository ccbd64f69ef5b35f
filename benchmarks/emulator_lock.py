"""How long a huge request holds the emulator's store lock and its event loop, and what it costs others.

Run: ``python benchmarks/emulator_lock.py [messages] [--db memory|file|both] [--gc-freeze]``
(default 50,000 messages, both storages). The emulator runs in a process of its own, as
``chatserver emulator`` does, instrumented by this script: every hold of its store lock is
timed, a 1 ms timer on its event loop records how late it fires (time the server could
serve nobody), and its full garbage collections (which stop every thread) are timed.

For each storage, one client sends a completion whose transcript holds that many messages
(all new: the worst write), then reads that session back (the worst read), while another
client keeps asking for a one-session list. Printed for each huge request: its end-to-end
time; its holds of the store lock (median, 99th percentile, longest, total); how long the
other requests waited for the lock, and held it (a hold includes waits for the GIL, which
the huge request keeps busy); the event loop's longest lateness; the full collections;
and the small client's latency, also as a ratio of its latency alone in the same run.
Figures from one run, not assertions. ``--gc-freeze`` has the server call ``gc.freeze()``
once started, as a server process may, so that full collections skip what it holds from
startup.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
from starlette.types import ASGIApp, Receive, Scope, Send

USER = str(uuid.uuid4())
MODEL = "claude-sonnet-4-5@20250929"
STATS_PATH = "/__benchmark/stats"


# --- the instrumented server (run in a child process) ----------------------------------------------


class Instruments:
    """Every store-lock wait and hold, event-loop lateness and full collection since the last read-out."""

    def __init__(self) -> None:
        # (thread, seconds waited for the lock, seconds held)
        self.holds: list[tuple[int, float, float]] = []
        self.lags: list[float] = []
        self.collections: list[float] = []
        self._collection_started = 0.0

    def on_collection(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._collection_started = time.perf_counter()
        else:
            self.collections.append(time.perf_counter() - self._collection_started)

    def read_out(self) -> dict[str, Any]:
        figures = {"holds": self.holds, "lags": self.lags, "collections": self.collections}
        self.holds, self.lags, self.collections = [], [], []
        return figures


def time_lock(store: Any, instruments: Instruments) -> None:
    """Replace the store's lock by one that times every hold (the benchmark's only intrusion)."""
    inner = store._lock

    class Timed:
        def __init__(self) -> None:
            self._since: list[tuple[float, float]] = []

        def __enter__(self) -> None:
            asked = time.perf_counter()
            inner.acquire()
            self._since.append((asked, time.perf_counter()))

        def __exit__(self, *_: object) -> None:
            asked, got = self._since.pop()
            instruments.holds.append((threading.get_ident(), got - asked, time.perf_counter() - got))
            inner.release()

    store._lock = Timed()


class Instrumented:
    """ASGI wrapper: starts the loop-lateness timer, and answers STATS_PATH with the figures so far."""

    def __init__(self, app: ASGIApp, instruments: Instruments) -> None:
        self.app = app
        self.instruments = instruments
        self._timer: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == STATS_PATH:
            if self._timer is None:
                self._timer = asyncio.get_running_loop().create_task(self._time_the_loop())
            body = json.dumps(self.instruments.read_out()).encode()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    async def _time_the_loop(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            self.instruments.lags.append(time.perf_counter() - started - 0.001)


def serve(db_path: str | None, freeze: bool) -> None:
    from chatserver_sdk.emulator import create_app, run_emulator

    instruments = Instruments()
    app = create_app(db_path=db_path, max_body_bytes=1 << 30)
    time_lock(app.state.store, instruments)
    app.add_middleware(Instrumented, instruments=instruments)
    gc.callbacks.append(instruments.on_collection)
    with run_emulator(app=app) as base_url:
        if freeze:
            gc.collect()
            gc.freeze()
        print(base_url, flush=True)
        sys.stdin.read()  # until the parent closes it


@contextmanager
def server_process(db_path: str | None, freeze: bool) -> Iterator[str]:
    command = [sys.executable, __file__, "--serve", "--db-path", db_path or ""]
    if freeze:
        command.append("--gc-freeze")
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


# --- the clients ---------------------------------------------------------------------------------


def poll_small(client: httpx2.Client, stop: threading.Event, out: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        client.get("/atoms/chat/sessions", params={"user_id": USER, "page_size": 1}).raise_for_status()
        out.append(time.perf_counter() - started)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(
    name: str,
    big_call: Callable[[httpx2.Client], httpx2.Response],
    *,
    base_url: str,
    small: httpx2.Client,
    alone_median: float,
) -> httpx2.Response:
    during: list[float] = []
    stop = threading.Event()
    with httpx2.Client(base_url=base_url, timeout=600) as big:
        big.get(STATS_PATH).raise_for_status()  # start afresh
        poller = threading.Thread(target=poll_small, args=(small, stop, during))
        poller.start()
        started = time.perf_counter()
        response = big_call(big)
        elapsed = time.perf_counter() - started
        stop.set()
        poller.join()
        figures = big.get(STATS_PATH).json()
    response.raise_for_status()
    lags, collections = figures["lags"], figures["collections"]
    # The huge request runs on one worker thread: the one that held the lock longest in all.
    by_thread: dict[int, list[tuple[float, float]]] = {}
    for thread, waited, held in figures["holds"]:
        by_thread.setdefault(thread, []).append((waited, held))
    huge_thread = max(by_thread, key=lambda thread: sum(held for _, held in by_thread[thread]))
    holds = [held for _, held in by_thread[huge_thread]]
    others = [pair for thread, pairs in by_thread.items() if thread != huge_thread for pair in pairs]
    print(f"  {name}: {elapsed:.2f} s end to end")
    print(
        f"    store lock held by it: {len(holds)} times, median {ms(statistics.median(holds))},"
        f" p99 {ms(percentile(holds, 0.99))}, longest {ms(max(holds))}, total {ms(sum(holds))},"
        f" {sum(held > 0.005 for held in holds)} over 5 ms"
    )
    if others:
        print(
            f"    other requests: longest wait for the lock {ms(max(waited for waited, _ in others))},"
            f" longest hold {ms(max(held for _, held in others))} ({len(others)} holds)"
        )
    print(f"    event loop: longest late by {ms(max(lags, default=0.0))} ({len(lags)} ticks)")
    print(
        f"    full garbage collections (every thread stops): {len(collections)},"
        f" longest {ms(max(collections, default=0.0))}"
    )
    if during:
        print(
            f"    small list request meanwhile: median {ms(statistics.median(during))}"
            f" ({statistics.median(during) / alone_median:.1f}x alone), longest {ms(max(during))},"
            f" {len(during)} requests"
        )
    return response


def run(count: int, db_path: str | None, freeze: bool) -> None:
    messages = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"message {i}"} for i in range(count)
    ]
    session_id = str(uuid.uuid4())
    encoded = json.dumps(
        {"model": MODEL, "messages": messages, "metadata": {"user_id": USER, "session_id": session_id}}
    ).encode()
    with server_process(db_path, freeze) as base_url, httpx2.Client(base_url=base_url, timeout=600) as small:
        small.post(
            "/v1/chat/completions",
            json={
                "model": MODEL,
                "messages": messages[:1],
                "metadata": {"user_id": USER, "session_id": str(uuid.uuid4())},
            },
        ).raise_for_status()
        alone: list[float] = []
        stop = threading.Event()
        timer = threading.Timer(1.0, stop.set)
        timer.start()
        poll_small(small, stop, alone)
        alone_median = statistics.median(alone)
        print(
            f"{'file' if db_path else 'memory'} storage{', gc.freeze()' if freeze else ''};"
            f" small list request alone: median {ms(alone_median)} over {len(alone)} requests"
        )
        measure_here = functools.partial(measure, base_url=base_url, small=small, alone_median=alone_median)
        measure_here(
            f"write {count} new messages",
            lambda c: c.post(
                "/v1/chat/completions", content=encoded, headers={"content-type": "application/json"}
            ),
        )
        read = measure_here(
            f"read back the session of {count + 1} messages",
            lambda c: c.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": USER}),
        )
    assert len(read.json()["messages"]) == count + 1, "the session was not stored whole"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("messages", nargs="?", type=int, default=50_000)
    parser.add_argument("--db", choices=["memory", "file", "both"], default="both")
    parser.add_argument("--gc-freeze", action="store_true", help="the server calls gc.freeze() once started")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db-path", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.db_path or None, args.gc_freeze)
        return
    if args.db in ("memory", "both"):
        run(args.messages, None, args.gc_freeze)
    if args.db in ("file", "both"):
        with tempfile.TemporaryDirectory() as directory:
            run(args.messages, os.path.join(directory, "emulator.db"), args.gc_freeze)


if __name__ == "__main__":
    main()
