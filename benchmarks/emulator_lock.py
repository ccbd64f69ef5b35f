"""How long a huge history write holds the emulator's store lock, and what it costs other clients.

Run: ``python benchmarks/emulator_lock.py [messages]`` (default 50,000). One client resumes a
session with a transcript of that many messages (first request: all of them are new) while
another client keeps asking for a small session list. Printed, from one run: the longest and
total time the store lock was held during the huge request, and the small client's latency
during it as a ratio of its latency measured alone in the same run. Figures, not assertions.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2

from chatserver_sdk.emulator import create_app, run_emulator
from chatserver_sdk.emulator.store import Store

USER = str(uuid.uuid4())


@contextmanager
def timed_lock(store: Store, holds: list[float]) -> Iterator[None]:
    """Wrap the store's lock so every hold is measured (the benchmark's only instrumentation)."""
    inner = store._lock

    class Timed:
        def __init__(self) -> None:
            self._since: list[float] = []

        def __enter__(self) -> None:
            inner.acquire()
            self._since.append(time.perf_counter())

        def __exit__(self, *_: object) -> None:
            holds.append(time.perf_counter() - self._since.pop())
            inner.release()

        def acquire(self) -> bool:
            self.__enter__()
            return True

        def release(self) -> None:
            self.__exit__()

    store._lock = Timed()  # type: ignore[assignment]
    try:
        yield
    finally:
        store._lock = inner


def small_latencies(client: httpx2.Client, stop: threading.Event, out: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        client.get("/atoms/chat/sessions", params={"user_id": USER, "page_size": 1})
        out.append(time.perf_counter() - started)


def main(count: int) -> None:
    app = create_app(max_body_bytes=1 << 30)
    store: Store = app.state.store
    messages = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"message {i}"} for i in range(count)
    ]
    body = {
        "model": "claude-sonnet-4-5@20250929",
        "messages": messages,
        "metadata": {"user_id": USER, "session_id": str(uuid.uuid4())},
    }
    with run_emulator(app=app) as base_url, httpx2.Client(base_url=base_url, timeout=600) as small:
        small.post(
            "/v1/chat/completions",
            json={
                **body,
                "messages": messages[:1],
                "metadata": {"user_id": USER, "session_id": str(uuid.uuid4())},
            },
        )
        alone: list[float] = []
        stop = threading.Event()
        timer = threading.Timer(1.0, stop.set)
        timer.start()
        small_latencies(small, stop, alone)

        holds: list[float] = []
        during: list[float] = []
        stop = threading.Event()
        with timed_lock(store, holds), httpx2.Client(base_url=base_url, timeout=600) as big:
            poller = threading.Thread(target=small_latencies, args=(small, stop, during))
            poller.start()
            started = time.perf_counter()
            response = big.post("/v1/chat/completions", json=body)
            elapsed = time.perf_counter() - started
            stop.set()
            poller.join()
        assert response.status_code == 200, response.text[:300]
        detail = small.get(f"/atoms/chat/sessions/{body['metadata']['session_id']}", params={"user_id": USER})
        stored = len(detail.json()["messages"])

    print(f"huge request: {count} messages, {elapsed:.2f} s end to end, {stored} messages stored")
    print(
        f"store lock during it: {len(holds)} holds, longest {max(holds) * 1000:.2f} ms,"
        f" total {sum(holds) * 1000:.0f} ms"
    )
    alone_median = statistics.median(alone)
    during_max = max(during) if during else float("nan")
    print(f"small list request alone: median {alone_median * 1000:.2f} ms over {len(alone)} requests")
    print(
        f"small list request during the huge one: median {statistics.median(during) * 1000:.2f} ms,"
        f" max {during_max * 1000:.2f} ms over {len(during)} requests"
        f" (median ratio {statistics.median(during) / alone_median:.1f}x)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
