"""How long other clients wait while one client streams or stores a huge message.

Run: ``python benchmarks/emulator_latency.py [--megabytes 10] [--db memory|file] [--clients 4]``

The emulator runs in a process of its own, as ``chatserver emulator`` does, and so does the big
client. Small clients (threads of this process, each with its own connection) keep sending small
requests — ``GET /health``, a
one-session list, a one-word completion — and every request's latency is recorded. First alone,
then while one big client:

* ``stream``: streams a completion whose last user message is that many megabytes of words (the
  echo agent sends it back word by word: ~2 million events for 10 MB; the big client reads the raw
  bytes, so that its own parsing is not what limits the stream);
* ``store``: sends the same message as a non-streamed completion with history on (the message and
  the reply, each that large, are stored), then reads the session back;
* ``agent``: sends it to agent control (``POST /message``) with an ``/events`` subscriber reading
  every update of the reply, then reads ``/messages``.

Printed for each phase: the small requests' median, 99th percentile and longest latency, the
longest as a ratio of the longest alone, measured in the same run, and how late a 1 ms timer on
the server's event loop fired at worst (time in which the server could answer nobody; the
clients' latencies also hold whatever else the machine was doing). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
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

MODEL = "claude-sonnet-4-5@20250929"
USER = str(uuid.uuid4())


LAG_PATH = "/__benchmark/lag"


class LoopLag:
    """ASGI wrapper: a 1 ms timer on the server's event loop records how late it fires (time the server
    could answer nobody); LAG_PATH answers the longest lateness since it was last asked."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.longest = 0.0
        self._timer: asyncio.Task[None] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == LAG_PATH:
            if self._timer is None:
                self._timer = asyncio.get_running_loop().create_task(self._time_the_loop())
            body = json.dumps({"longest": self.longest}).encode()
            self.longest = 0.0
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    async def _time_the_loop(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            self.longest = max(self.longest, time.perf_counter() - started - 0.001)


def serve(db_path: str | None, switch_interval: float | None) -> None:
    from chatserver_sdk.emulator import create_app, run_emulator
    from chatserver_sdk.emulator.server import SWITCH_INTERVAL

    # As `chatserver emulator` does in its own process, unless told otherwise.
    sys.setswitchinterval(SWITCH_INTERVAL if switch_interval is None else switch_interval)
    app = create_app(db_path=db_path, max_body_bytes=1 << 30)
    app.add_middleware(LoopLag)
    with run_emulator(app=app) as base_url:
        print(base_url, flush=True)
        sys.stdin.read()  # until the parent closes it


@contextmanager
def server_process(db_path: str | None, switch_interval: float | None) -> Iterator[str]:
    command = [sys.executable, __file__, "--serve", "--db-path", db_path or ""]
    if switch_interval is not None:
        command += ["--switch-interval", str(switch_interval)]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=60)


Latency = tuple[str, float]  # (which small request, seconds)


def small_requests() -> list[tuple[str, Callable[[httpx2.Client], httpx2.Response]]]:
    return [
        ("health", lambda c: c.get("/health")),
        ("session list", lambda c: c.get("/atoms/chat/sessions", params={"user_id": USER, "page_size": 1})),
        (
            "completion",
            lambda c: c.post(
                "/v1/chat/completions",
                json={"model": MODEL, "messages": [{"role": "user", "content": "ping"}], "metadata": {}},
            ),
        ),
        ("models", lambda c: c.get("/v1/models")),
    ]


def poll(base_url: str, stop: threading.Event, out: list[Latency]) -> None:
    calls = small_requests()
    with httpx2.Client(base_url=base_url, timeout=600) as client:
        i = 0
        while not stop.is_set():
            name, call = calls[i % len(calls)]
            started = time.perf_counter()
            call(client).raise_for_status()
            out.append((name, time.perf_counter() - started))
            i += 1
            time.sleep(0.005)  # a client that thinks a little between requests


@contextmanager
def small_clients(base_url: str, count: int) -> Iterator[list[Latency]]:
    latencies: list[Latency] = []
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


def report(name: str, latencies: list[Latency], alone_longest: float | None) -> float:
    ordered = sorted(seconds for _, seconds in latencies)
    longest = ordered[-1]
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    ratio = f" ({longest / alone_longest:.1f}x alone)" if alone_longest else ""
    print(
        f"  {name}: {len(ordered)} small requests, median {ms(statistics.median(ordered))},"
        f" p99 {ms(p99)}, longest {ms(longest)}{ratio}"
    )
    kinds = sorted({kind for kind, _ in latencies})
    slowest = {kind: max(seconds for k, seconds in latencies if k == kind) for kind in kinds}
    print("    longest by kind: " + ", ".join(f"{kind} {ms(seconds)}" for kind, seconds in slowest.items()))
    return longest


def words(megabytes: float) -> str:
    word = "word "
    return (word * int(megabytes * (1 << 20) / len(word))).strip()


def big_client(kind: str, base_url: str, megabytes: float) -> None:
    """One huge request (run in a process of its own, so that reading it does not slow the small clients
    down through this process's GIL); prints what it measured as JSON."""
    text = words(megabytes)
    figures: dict[str, float] = {}
    with httpx2.Client(base_url=base_url, timeout=600) as big:
        if kind == "stream":
            body = {"model": MODEL, "messages": [{"role": "user", "content": text}], "stream": True}
            started = time.perf_counter()
            received = 0
            with big.stream("POST", "/v1/chat/completions", json=body) as response:
                response.raise_for_status()
                for data in response.iter_raw():
                    received += len(data)
            figures = {"seconds": time.perf_counter() - started, "megabytes": received / (1 << 20)}
        elif kind == "agent":
            read_events: list[int] = []

            def subscriber() -> None:
                with (
                    httpx2.Client(base_url=base_url, timeout=600) as sse,
                    sse.stream("GET", "/events") as events,
                ):
                    for data in events.iter_raw():
                        read_events.append(len(data))

            threading.Thread(target=subscriber, daemon=True).start()
            started = time.perf_counter()
            big.post("/message", json={"content": text, "type": "user"}).raise_for_status()
            while big.get("/status").json()["status"] != "stable":
                time.sleep(0.05)
            figures["run"] = time.perf_counter() - started
            started = time.perf_counter()
            big.get("/messages").raise_for_status()
            figures["read"] = time.perf_counter() - started
            figures["megabytes"] = sum(read_events) / (1 << 20)
        else:
            session_id = str(uuid.uuid4())
            body = {
                "model": MODEL,
                "messages": [{"role": "user", "content": text}],
                "metadata": {"user_id": USER, "session_id": session_id},
            }
            started = time.perf_counter()
            big.post("/v1/chat/completions", json=body).raise_for_status()
            figures["stored"] = time.perf_counter() - started
            started = time.perf_counter()
            detail = big.get(f"/atoms/chat/sessions/{session_id}", params={"user_id": USER})
            detail.raise_for_status()
            figures["read"] = time.perf_counter() - started
            assert len(detail.json()["messages"]) == 2, "the session was not stored whole"
    print(json.dumps(figures), flush=True)


def loop_lag(base_url: str) -> float:
    """The server's longest event-loop lateness since last asked, in seconds."""
    return float(httpx2.get(f"{base_url}{LAG_PATH}").json()["longest"])


def during_big_request(
    kind: str, base_url: str, megabytes: float, clients: int
) -> tuple[dict[str, float], list[Latency]]:
    command = [
        sys.executable,
        __file__,
        "--big-client",
        kind,
        "--url",
        base_url,
        "--megabytes",
        f"{megabytes}",
    ]
    loop_lag(base_url)
    with small_clients(base_url, clients) as during:
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(result.stdout)
    figures["lag"] = loop_lag(base_url)
    return figures, during


def run(megabytes: float, db_path: str | None, clients: int, switch_interval: float | None) -> None:
    with (
        server_process(db_path, switch_interval) as base_url,
        httpx2.Client(base_url=base_url, timeout=600) as seed,
    ):
        interval = "the command line's" if switch_interval is None else f"{switch_interval * 1000:g} ms"
        print(
            f"{'file' if db_path else 'memory'} storage, {megabytes:g} MB message, {clients} small clients,"
            f" switch interval {interval}"
        )
        seed.post(
            "/v1/chat/completions",
            json={
                "model": MODEL,
                "messages": [{"role": "user", "content": "seed"}],
                "metadata": {"user_id": USER, "session_id": str(uuid.uuid4())},
            },
        ).raise_for_status()
        loop_lag(base_url)
        with small_clients(base_url, clients) as alone:
            time.sleep(2.0)
        alone_longest = report("alone", alone, None)
        print(f"    server event loop late by at most {ms(loop_lag(base_url))}")
        figures, during = during_big_request("stream", base_url, megabytes, clients)
        print(f"  stream: {figures['megabytes']:.0f} MB of events in {figures['seconds']:.1f} s")
        report("during the stream", during, alone_longest)
        print(f"    server event loop late by at most {ms(figures['lag'])}")
        figures, during = during_big_request("store", base_url, megabytes, clients)
        print(f"  store: completion {figures['stored']:.1f} s, read back {figures['read']:.1f} s")
        report("during the store and read", during, alone_longest)
        print(f"    server event loop late by at most {ms(figures['lag'])}")
        figures, during = during_big_request("agent", base_url, megabytes, clients)
        print(
            f"  agent control: the message's run {figures['run']:.1f} s ({figures['megabytes']:.0f} MB of"
            f" events to one subscriber), /messages {figures['read']:.1f} s"
        )
        report("during the agent's run", during, alone_longest)
        print(f"    server event loop late by at most {ms(figures['lag'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--db", choices=["memory", "file"], default="memory")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--switch-interval",
        type=float,
        help="the server's sys.setswitchinterval in seconds (default: what chatserver emulator sets;"
        " Python's own default is 0.005)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--big-client", choices=["stream", "store", "agent"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--db-path", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.db_path or None, args.switch_interval)
        return
    if args.big_client:
        big_client(args.big_client, args.url, args.megabytes)
        return
    if args.db == "memory":
        run(args.megabytes, None, args.clients, args.switch_interval)
    else:
        with tempfile.TemporaryDirectory() as directory:
            run(args.megabytes, os.path.join(directory, "emulator.db"), args.clients, args.switch_interval)


if __name__ == "__main__":
    main()
