"""How long other clients wait while one client streams or stores a huge message.

Run: ``python benchmarks/emulator_latency.py [--megabytes 10] [--db memory|file] [--clients 4]``

The emulator runs in a process of its own, as ``chatserver emulator`` does. Small clients (threads
of this process, each with its own connection) keep sending small requests — ``GET /health``, a
one-session list, a one-word completion — and every request's latency is recorded. First alone,
then while one big client:

* ``stream``: streams a completion whose last user message is that many megabytes of words (the
  echo agent sends it back word by word: ~2 million events for 10 MB; the big client reads the raw
  bytes, so that its own parsing is not what limits the stream);
* ``store``: sends the same message as a non-streamed completion with history on (the message and
  the reply, each that large, are stored), then reads the session back.

Printed for each phase: the small requests' median, 99th percentile and longest latency, and the
longest as a ratio of the longest alone, measured in the same run. Figures, not assertions.
"""

from __future__ import annotations

import argparse
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

import httpx2

MODEL = "claude-sonnet-4-5@20250929"
USER = str(uuid.uuid4())


def serve(db_path: str | None) -> None:
    from chatserver_sdk.emulator import run_emulator

    with run_emulator(db_path=db_path, max_body_bytes=1 << 30) as base_url:
        print(base_url, flush=True)
        sys.stdin.read()  # until the parent closes it


@contextmanager
def server_process(db_path: str | None) -> Iterator[str]:
    command = [sys.executable, __file__, "--serve", "--db-path", db_path or ""]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=60)


def small_requests() -> list[Callable[[httpx2.Client], httpx2.Response]]:
    return [
        lambda c: c.get("/health"),
        lambda c: c.get("/atoms/chat/sessions", params={"user_id": USER, "page_size": 1}),
        lambda c: c.post(
            "/v1/chat/completions",
            json={"model": MODEL, "messages": [{"role": "user", "content": "ping"}], "metadata": {}},
        ),
        lambda c: c.get("/v1/models"),
    ]


def poll(base_url: str, stop: threading.Event, out: list[float]) -> None:
    calls = small_requests()
    with httpx2.Client(base_url=base_url, timeout=600) as client:
        i = 0
        while not stop.is_set():
            started = time.perf_counter()
            calls[i % len(calls)](client).raise_for_status()
            out.append(time.perf_counter() - started)
            i += 1
            time.sleep(0.005)  # a client that thinks a little between requests


@contextmanager
def small_clients(base_url: str, count: int) -> Iterator[list[float]]:
    latencies: list[float] = []
    stop = threading.Event()
    threads = [threading.Thread(target=poll, args=(base_url, stop, latencies)) for _ in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield latencies
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def report(name: str, latencies: list[float], alone_longest: float | None) -> float:
    ordered = sorted(latencies)
    longest = ordered[-1]
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    ratio = f" ({longest / alone_longest:.1f}x alone)" if alone_longest else ""
    print(
        f"  {name}: {len(ordered)} small requests, median {ms(statistics.median(ordered))},"
        f" p99 {ms(p99)}, longest {ms(longest)}{ratio}"
    )
    return longest


def words(megabytes: float) -> str:
    word = "word "
    return (word * int(megabytes * (1 << 20) / len(word))).strip()


def run(megabytes: float, db_path: str | None, clients: int) -> None:
    text = words(megabytes)
    with server_process(db_path) as base_url, httpx2.Client(base_url=base_url, timeout=600) as big:
        print(f"{'file' if db_path else 'memory'} storage, {megabytes:g} MB message, {clients} small clients")
        big.post(
            "/v1/chat/completions",
            json={
                "model": MODEL,
                "messages": [{"role": "user", "content": "seed"}],
                "metadata": {"user_id": USER, "session_id": str(uuid.uuid4())},
            },
        ).raise_for_status()
        with small_clients(base_url, clients) as alone:
            time.sleep(2.0)
        alone_longest = report("alone", alone, None)

        body = {"model": MODEL, "messages": [{"role": "user", "content": text}], "stream": True}
        with small_clients(base_url, clients) as during:
            started = time.perf_counter()
            received = 0
            with big.stream("POST", "/v1/chat/completions", json=body) as response:
                response.raise_for_status()
                for data in response.iter_raw():
                    received += len(data)
            elapsed = time.perf_counter() - started
        print(f"  stream: {received / (1 << 20):.0f} MB of events in {elapsed:.1f} s")
        report("during the stream", during, alone_longest)

        session_id = str(uuid.uuid4())
        body = {
            "model": MODEL,
            "messages": [{"role": "user", "content": text}],
            "metadata": {"user_id": USER, "session_id": session_id},
        }
        with small_clients(base_url, clients) as during:
            started = time.perf_counter()
            big.post("/v1/chat/completions", json=body).raise_for_status()
            stored = time.perf_counter() - started
            started = time.perf_counter()
            detail = big.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": USER})
            detail.raise_for_status()
            read = time.perf_counter() - started
        assert len(detail.json()["messages"]) == 2
        print(f"  store: completion {stored:.1f} s, read back {read:.1f} s")
        report("during the store and read", during, alone_longest)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--db", choices=["memory", "file"], default="memory")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db-path", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.db_path or None)
        return
    if args.db == "memory":
        run(args.megabytes, None, args.clients)
    else:
        with tempfile.TemporaryDirectory() as directory:
            run(args.megabytes, os.path.join(directory, "emulator.db"), args.clients)


if __name__ == "__main__":
    main()
