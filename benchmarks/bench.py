"""Client CPU cost of the ChatServer SDK against openai's own client and plain httpx2.

All three clients talk to one local server (``benchmarks/server.py``) that
runs in a separate process and answers with canned bytes, so the CPU time
measured here (``time.process_time()`` of this process) is the client's own
work: building the request, HTTP, decoding and parsing the response.

Every case is warmed up, then measured in batches sized to ``--batch-ms`` of
CPU; batches of all cases are interleaved round by round, and the median over
rounds is reported. Import time is measured in fresh interpreters.

Run from the repository root::

    python benchmarks/bench.py            # about 70 s on 2 cores
    python benchmarks/bench.py --quick    # about 15 s, noisier
    python benchmarks/bench.py --json results.json
    python benchmarks/bench.py --profile stream   # where the SDK's time goes

No timing here is asserted by the test-suite; this script only reports.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import openai
from openai.types.chat import ChatCompletionMessageParam

import chatserver_sdk
from chatserver_sdk import AuditLogResponse, ChatServerClient, ChatSessionListResponse

HERE = Path(__file__).resolve().parent
SERVER = HERE / "server.py"

SDK = "chatserver_sdk"
OPENAI = "openai"
HTTPX = "httpx2"
JSON = "json.loads"  # the baseline of the parse-only cases: the same bytes to plain dicts and lists

STREAM_CHUNKS = 200
SHORT_CHUNKS = 1
# How the server frames a stream: one HTTP chunk per SSE event (as a streaming
# server sends it), or the events as one Content-Length body (no chunk parsing).
FRAMINGS = ("chunked", "length")
PROMPT = "Count to two hundred, one word at a time."
MESSAGES: list[dict[str, str]] = [{"role": "user", "content": PROMPT}]
OPENAI_MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": PROMPT}]
USER_ID = "00000000-0000-4000-8000-00000000beef"
AUDIT_ENTRIES = 200  # the server's largest audit page


def audit_page(entries: int = AUDIT_ENTRIES) -> bytes:
    """A full page of ``GET /api/v1/platform/audit``, as upstream's server writes one."""
    return json.dumps(
        {
            "entries": [
                {
                    "id": f"00000000-0000-4000-8000-{i:012d}",
                    "timestamp": f"2024-05-{i % 28 + 1:02d}T10:{i % 60:02d}:00.000000+00:00",
                    "user_id": f"00000000-0000-4000-8000-{1000 + i:012d}",
                    "org_id": "00000000-0000-4000-8000-000000005000",
                    "action": "chat.completion",
                    "resource": "chat_session",
                    "resource_id": f"00000000-0000-4000-8000-{9000 + i:012d}",
                    "metadata": {"model": "bench", "tokens": i},
                }
                for i in range(entries)
            ],
            "count": entries,
            "limit": entries,
            "offset": 0,
        }
    ).encode()


def stream_group(framing: str, chunks: int) -> str:
    return f"stream_{framing}_{chunks}"


# --- the local server ------------------------------------------------------------------------


@contextmanager
def local_server() -> Iterator[str]:
    """Start ``server.py`` in its own process; yield its base URL."""
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", "0", "--watch-stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.fullmatch(r"PORT (\d+)\s*", line)
        if match is None:
            raise RuntimeError(f"benchmark server did not start (said {line!r})")
        yield f"http://127.0.0.1:{match.group(1)}"
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # the server exits on EOF
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- the calls being compared ------------------------------------------------------------------


@dataclass
class Case:
    """One client making one kind of call; ``run`` returns what it received, for checking."""

    group: str
    client: str
    run: Callable[[], object]
    samples: list[float] = field(default_factory=list)  # CPU seconds per call, one per batch
    wall: list[float] = field(default_factory=list)
    batch: int = 1

    @property
    def name(self) -> str:
        return f"{self.group}/{self.client}"

    def median_us(self) -> float:
        return statistics.median(self.samples) * 1e6

    def wall_us(self) -> float:
        return statistics.median(self.wall) * 1e6

    def spread_us(self) -> tuple[float, float]:
        return iqr_us(self.samples)


def iqr_us(samples: list[float]) -> tuple[float, float]:
    """The interquartile range of samples in seconds, in µs, as a sense of the noise."""
    if len(samples) < 4:
        return (min(samples) * 1e6, max(samples) * 1e6)
    q = statistics.quantiles(samples, n=4)
    return (q[0] * 1e6, q[2] * 1e6)


def build_cases(base_url: str) -> tuple[list[Case], list[Any]]:
    """The cases, and the clients to close afterwards."""
    sdk = ChatServerClient(base_url=base_url)
    native = openai.OpenAI(api_key="bench", base_url=f"{base_url}/v1")
    http = httpx2.Client(base_url=base_url, timeout=30)

    def sdk_stream(model: str) -> Callable[[], object]:

        def run() -> object:
            return list(sdk.create_completion(model, MESSAGES, stream=True))

        return run

    def openai_stream(model: str) -> Callable[[], object]:

        def run() -> object:
            texts = []
            with native.chat.completions.create(model=model, messages=OPENAI_MESSAGES, stream=True) as stream:
                for chunk in stream:
                    if chunk.choices:
                        content = chunk.choices[0].delta.content
                        if content:
                            texts.append(content)
            return texts

        return run

    def httpx_stream(model: str) -> Callable[[], object]:
        body = {"model": model, "messages": MESSAGES, "stream": True}

        def run() -> object:
            texts = []
            with http.stream("POST", "/v1/chat/completions", json=body) as response:
                response.raise_for_status()
                for line in response.iter_lines():
                    if not line.startswith("data: "):
                        continue
                    data = line[6:]
                    if data == "[DONE]":
                        continue
                    chunk = json.loads(data)
                    for choice in chunk["choices"]:
                        content = choice["delta"].get("content")
                        if content:
                            texts.append(content)
            return texts

        return run

    model = f"bench-{STREAM_CHUNKS}"
    completion_body = {"model": model, "messages": MESSAGES}

    def sdk_completion() -> object:
        return sdk.create_completion(model, MESSAGES).choices[0].message.content

    def openai_completion() -> object:
        completion = native.chat.completions.create(model=model, messages=OPENAI_MESSAGES)
        return completion.choices[0].message.content

    def httpx_completion() -> object:
        response = http.post("/v1/chat/completions", json=completion_body)
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]

    sessions_params = {"user_id": USER_ID, "page": 1, "page_size": 20}

    def httpx_get(path: str, params: dict[str, Any] | None = None) -> Callable[[], object]:
        def run() -> object:
            response = http.get(path, params=params)
            response.raise_for_status()
            return response.json()

        return run

    # Parsing alone, no HTTP: what the response models cost over json.loads of the same bytes.
    sessions_page = http.get("/atoms/chat/sessions", params={"user_id": USER_ID}).content
    audit = audit_page()

    cases = [
        Case(stream_group(framing, chunks), client, make(f"bench-{framing}-{chunks}"))
        for framing in FRAMINGS
        for chunks in (STREAM_CHUNKS, SHORT_CHUNKS)
        for client, make in ((HTTPX, httpx_stream), (OPENAI, openai_stream), (SDK, sdk_stream))
    ]
    cases += [
        Case("completion", HTTPX, httpx_completion),
        Case("completion", OPENAI, openai_completion),
        Case("completion", SDK, sdk_completion),
        Case("list_sessions", HTTPX, httpx_get("/atoms/chat/sessions", sessions_params)),
        Case("list_sessions", SDK, lambda: sdk.list_sessions(USER_ID)),
        Case("get_platform_stats", HTTPX, httpx_get("/api/v1/platform/stats")),
        Case("get_platform_stats", SDK, sdk.get_platform_stats),
        # The same requests through the resources (client.sessions.list, client.platform.audit.list).
        Case("sessions.list", HTTPX, httpx_get("/atoms/chat/sessions", sessions_params)),
        Case("sessions.list", SDK, lambda: sdk.sessions.list(USER_ID)),
        Case("platform.audit.list", HTTPX, httpx_get("/api/v1/platform/audit", {"limit": 50, "offset": 0})),
        Case("platform.audit.list", SDK, lambda: sdk.platform.audit.list()),
        Case("get_audit_log", HTTPX, httpx_get("/api/v1/platform/audit", {"limit": 50, "offset": 0})),
        Case("get_audit_log", SDK, lambda: sdk.get_audit_log()),
        Case("list_models", HTTPX, httpx_get("/v1/models")),
        Case("list_models", OPENAI, lambda: native.models.list().data),
        Case("list_models", SDK, sdk.list_models),
        Case("parse_sessions", JSON, lambda: json.loads(sessions_page)),
        Case("parse_sessions", SDK, lambda: ChatSessionListResponse.model_validate_json(sessions_page)),
        Case("parse_audit", JSON, lambda: json.loads(audit)),
        Case("parse_audit", SDK, lambda: AuditLogResponse.model_validate_json(audit)),
    ]
    return cases, [sdk, native, http]


def check_equivalent(cases: list[Case]) -> None:
    """The clients must receive the same thing, or the comparison means nothing."""

    def texts(group: str) -> dict[str, str]:
        out = {}
        for case in cases:
            if case.group == group:
                received = case.run()
                out[case.client] = "".join(received) if isinstance(received, list) else str(received)
        return out

    for group, chunks in (
        (stream_group(framing, chunks), chunks)
        for framing in FRAMINGS
        for chunks in (STREAM_CHUNKS, SHORT_CHUNKS)
    ):
        got = texts(group)
        expected = "".join(f"tok{i} " for i in range(chunks))
        bad = {client: text[:40] for client, text in got.items() if text != expected}
        if bad:
            raise RuntimeError(f"{group}: clients received different text: {bad}")
    got = texts("completion")
    if len(set(got.values())) != 1:
        raise RuntimeError(f"completion: clients received different text: {got}")
    sessions = next(c for c in cases if c.name == f"list_sessions/{SDK}").run()
    if not isinstance(sessions, ChatSessionListResponse) or len(sessions.sessions) != 20:
        raise RuntimeError(f"list_sessions: expected 20 sessions, got {sessions!r:.200}")
    for group, count in (("parse_sessions", 20), ("parse_audit", AUDIT_ENTRIES)):
        model = next(c for c in cases if c.name == f"{group}/{SDK}").run()
        items: list[Any] = []
        if isinstance(model, ChatSessionListResponse):
            items = model.sessions
        elif isinstance(model, AuditLogResponse):
            items = model.entries
        if len(items) != count:
            raise RuntimeError(f"{group}: expected {count} items, got {model!r:.200}")


# --- measuring ------------------------------------------------------------------------------------


def calibrate(case: Case, warmup: int, batch_seconds: float) -> None:
    """Warm the case up and choose a batch size of about ``batch_seconds`` of CPU."""
    for _ in range(warmup):
        case.run()
    calls = 0
    start = time.process_time()
    while True:
        case.run()
        calls += 1
        elapsed = time.process_time() - start
        if elapsed >= batch_seconds / 4 or calls >= 1000:
            break
    per_call = max(elapsed / calls, 1e-7)
    case.batch = max(1, round(batch_seconds / per_call))


def measure(cases: list[Case], rounds: int, *, progress: bool) -> None:
    """Batches of every case, interleaved, so drift affects all clients alike."""
    for r in range(rounds):
        # Rotate the order so no client is always first (or always after the costliest one).
        order = cases[r % len(cases) :] + cases[: r % len(cases)]
        for case in order:
            run, batch = case.run, case.batch
            gc.collect()
            wall0 = time.perf_counter()
            cpu0 = time.process_time()
            for _ in range(batch):
                run()
            cpu = time.process_time() - cpu0
            wall = time.perf_counter() - wall0
            case.samples.append(cpu / batch)
            case.wall.append(wall / batch)
        if progress:
            print(f"\r  round {r + 1}/{rounds}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)


# --- import time ----------------------------------------------------------------------------------

_IMPORT_PROBE = (
    "import time\n"
    "c0 = time.process_time(); w0 = time.perf_counter()\n"
    "{statement}\n"
    "print(time.process_time() - c0, time.perf_counter() - w0)\n"
)
# What a program that uses each library imports first: openai's client, or this SDK's (which is
# openai's plus this SDK's own modules; helpers, the command line and the emulator load later).
_IMPORT_STATEMENTS = {
    "openai": "from openai import OpenAI",
    SDK: "from chatserver_sdk import ChatServerClient",
}


@dataclass
class ImportTiming:
    module: str
    import_cpu: list[float] = field(default_factory=list)  # the import statement alone, in the child
    import_wall: list[float] = field(default_factory=list)
    process_cpu: list[float] = field(default_factory=list)  # the whole child process (rusage)

    def median_us(self) -> float:
        return statistics.median(self.import_cpu) * 1e6

    def process_us(self) -> float:
        return statistics.median(self.process_cpu) * 1e6

    def wall_us(self) -> float:
        return statistics.median(self.import_wall) * 1e6


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def import_env(as_is: bool) -> Iterator[dict[str, str]]:
    """The environment for import-timing children.

    An editable install has no bytecode of its own, and with
    ``PYTHONDONTWRITEBYTECODE`` set (as it may be in CI and containers) every
    fresh interpreter would compile ``chatserver_sdk`` from source while
    ``openai`` loads its installed ``.pyc`` files. Unless ``as_is``, both get
    bytecode cached under a temporary ``PYTHONPYCACHEPREFIX``, as a wheel
    install would have; the caches are written by a warm-up run.
    """
    env = dict(os.environ)
    if as_is:
        yield env
        return
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as prefix:
        env["PYTHONPYCACHEPREFIX"] = prefix
        yield env


def time_imports(modules: list[str], runs: int, *, as_is: bool) -> dict[str, ImportTiming]:
    """Import each module in ``runs`` fresh interpreters, alternating modules."""
    timings = {module: ImportTiming(module) for module in modules}
    with import_env(as_is) as env:
        for module in modules:  # write the bytecode caches, warm the page cache
            subprocess.run([sys.executable, "-c", _IMPORT_STATEMENTS[module]], check=True, env=env)
        for r in range(runs):
            for module in modules if r % 2 == 0 else reversed(modules):
                before = _children_cpu()
                out = subprocess.run(
                    [sys.executable, "-c", _IMPORT_PROBE.format(statement=_IMPORT_STATEMENTS[module])],
                    check=True,
                    capture_output=True,
                    text=True,
                    env=env,
                ).stdout
                timing = timings[module]
                timing.process_cpu.append(_children_cpu() - before)
                cpu, wall = (float(x) for x in out.split())
                timing.import_cpu.append(cpu)
                timing.import_wall.append(wall)
    return timings


# --- report --------------------------------------------------------------------------------------------


@dataclass
class Row:
    benchmark: str
    client: str
    unit: str
    cpu_us: float
    wall_us: float | None = None
    iqr_us: tuple[float, float] | None = None
    baseline: str | None = None
    ratio: float | None = None
    target: float | None = None

    @property
    def verdict(self) -> str:
        if self.target is None or self.ratio is None:
            return ""
        return "PASS" if self.ratio <= self.target else "MISS"


def build_rows(cases: list[Case], imports: dict[str, ImportTiming] | None) -> list[Row]:
    by = {case.name: case for case in cases}
    rows: list[Row] = []

    def us(group: str, client: str) -> float:
        return by[f"{group}/{client}"].median_us()

    def add_group(
        title: str,
        unit: str,
        values: dict[str, float],
        baseline: str,
        targets: dict[str, float],
        *,
        walls: dict[str, float] | None = None,
        iqrs: dict[str, tuple[float, float]] | None = None,
    ) -> None:
        base = values[baseline]
        for client, value in values.items():
            rows.append(
                Row(
                    benchmark=title,
                    client=client,
                    unit=unit,
                    cpu_us=value,
                    wall_us=walls.get(client) if walls else None,
                    iqr_us=iqrs.get(client) if iqrs else None,
                    baseline=baseline,
                    ratio=value / base if base > 0 else float("inf"),
                    target=targets.get(client),
                )
            )

    def group_stats(group: str, clients: list[str], divisor: float = 1.0) -> dict[str, Any]:
        cases_ = [by[f"{group}/{client}"] for client in clients]
        return {
            "values": {c.client: c.median_us() / divisor for c in cases_},
            "walls": {c.client: c.wall_us() / divisor for c in cases_},
            "iqrs": {c.client: tuple(x / divisor for x in c.spread_us()) for c in cases_},
        }

    three = [HTTPX, OPENAI, SDK]
    for framing in FRAMINGS:
        long, short = stream_group(framing, STREAM_CHUNKS), stream_group(framing, SHORT_CHUNKS)
        add_group(
            f"stream {framing}: per chunk, {STREAM_CHUNKS}-chunk call",
            "us/chunk",
            baseline=HTTPX,
            targets={SDK: 3.0},
            **group_stats(long, three, STREAM_CHUNKS),
        )
        marginal = {
            client: (us(long, client) - us(short, client)) / (STREAM_CHUNKS - SHORT_CHUNKS)
            for client in three
        }
        add_group(
            f"stream {framing}: per extra chunk", "us/chunk", marginal, baseline=HTTPX, targets={SDK: 3.0}
        )
    add_group(
        f"stream chunked: whole {SHORT_CHUNKS}-chunk call",
        "us/call",
        baseline=HTTPX,
        targets={},
        **group_stats(stream_group("chunked", SHORT_CHUNKS), three),
    )
    add_group(
        "completion, non-stream",
        "us/call",
        baseline=OPENAI,
        targets={SDK: 1.05},
        **group_stats("completion", three),
    )
    add_group(
        "completion, non-stream (vs httpx2)",
        "us/call",
        baseline=HTTPX,
        targets={},
        **group_stats("completion", three),
    )
    for group in ("list_sessions", "get_platform_stats", "get_audit_log"):
        add_group(group, "us/call", baseline=HTTPX, targets={SDK: 2.0}, **group_stats(group, [HTTPX, SDK]))
    for group in ("sessions.list", "platform.audit.list"):
        add_group(
            f"resource: {group}",
            "us/call",
            baseline=HTTPX,
            targets={SDK: 1.5},
            **group_stats(group, [HTTPX, SDK]),
        )
    add_group(
        "list_models", "us/call", baseline=HTTPX, targets={SDK: 2.0}, **group_stats("list_models", three)
    )
    for group, title in (
        ("parse_sessions", "parse only: 20-session page"),
        ("parse_audit", f"parse only: {AUDIT_ENTRIES}-entry audit page"),
    ):
        add_group(title, "us/call", baseline=JSON, targets={}, **group_stats(group, [JSON, SDK]))

    if imports:
        add_group(
            "import: the import statement",
            "ms",
            {name: t.median_us() for name, t in imports.items()},
            baseline=OPENAI,
            targets={SDK: 1.10},
            walls={name: t.wall_us() for name, t in imports.items()},
            iqrs={name: iqr_us(t.import_cpu) for name, t in imports.items()},
        )
        add_group(
            "import: whole python -c process",
            "ms",
            {name: t.process_us() for name, t in imports.items()},
            baseline=OPENAI,
            targets={},
            iqrs={name: iqr_us(t.process_cpu) for name, t in imports.items()},
        )
    return rows


def format_ratio(row: Row) -> str:
    """Two decimals, or three where two would hide which side of the target it is on."""
    if row.ratio is None:
        return ""
    text = f"{row.ratio:.2f}"
    if row.target is not None and text == f"{row.target:.2f}":
        text = f"{row.ratio:.3f}"
    return text


def format_table(rows: list[Row]) -> str:
    """The table; values are CPU time in the row's unit, ratios against the row's baseline."""
    header = (
        f"{'benchmark':<42} {'client':<15} {'CPU':>9} {'unit':<8} {'IQR':>15} {'wall':>9} "
        f"{'x base':>7}  {'target':<15} {'verdict'}"
    )
    lines = [header, "-" * len(header)]
    previous = None
    for row in rows:
        title = row.benchmark if row.benchmark != previous else ""
        previous = row.benchmark
        scale = 1e-3 if row.unit == "ms" else 1.0
        digits = 0 if row.cpu_us * scale >= 100 else 1
        iqr = f"{row.iqr_us[0] * scale:.{digits}f}-{row.iqr_us[1] * scale:.{digits}f}" if row.iqr_us else ""
        wall = f"{row.wall_us * scale:.{digits}f}" if row.wall_us is not None else ""
        if row.client == row.baseline:
            ratio, target = "1.00", "(base)"
        else:
            ratio = format_ratio(row)
            target = f"<= {row.target:g}x {row.baseline}" if row.target is not None else ""
        lines.append(
            f"{title:<42} {row.client:<15} {row.cpu_us * scale:>9.{digits}f} {row.unit:<8} {iqr:>15} "
            f"{wall:>9} {ratio:>7}  {target:<15} {row.verdict}".rstrip()
        )
    return "\n".join(lines)


# --- profiling -----------------------------------------------------------------------------------------

PROFILE_CHOICES = (
    "stream",
    "completion",
    "list_sessions",
    "get_platform_stats",
    "list_models",
    "parse_sessions",
    "parse_audit",
    "import",
)


def profile_case(cases: list[Case], choice: str, seconds: float, top: int) -> str:
    group = stream_group("chunked", STREAM_CHUNKS) if choice == "stream" else choice
    case = next(c for c in cases if c.name == f"{group}/{SDK}")
    calibrate(case, warmup=3, batch_seconds=0.05)
    calls = max(1, round(seconds / 0.05 * case.batch))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        case.run()
    profiler.disable()
    out = io.StringIO()
    print(f"cProfile of {case.name}, {calls} calls (times include the profiler's overhead)", file=out)
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


_IMPORT_PROFILE = """
import cProfile, pstats, openai
profiler = cProfile.Profile()
profiler.enable()
import chatserver_sdk
profiler.disable()
stats = pstats.Stats(profiler)
stats.strip_dirs()
stats.sort_stats("tottime").print_stats({top})
stats.sort_stats("cumulative").print_stats({top})
"""


def profile_import(top: int, *, as_is: bool) -> str:
    """What ``import chatserver_sdk`` adds to ``import openai``: modules, then functions."""

    def importtime(module: str, env: dict[str, str]) -> dict[str, tuple[int, int]]:
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stderr
        times = {}
        for line in err.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
            if match:
                times[match.group(3)] = (int(match.group(1)), int(match.group(2)))
        return times

    with import_env(as_is) as env:
        importtime(SDK, env)  # write the bytecode caches
        base = importtime(OPENAI, env)
        ours = importtime(SDK, env)
        functions = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROFILE.format(top=top)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
    extra = {name: t for name, t in ours.items() if name not in base}
    lines = [
        f"-X importtime: {len(extra)} modules imported by {SDK} but not by {OPENAI}; their self time "
        f"{sum(t[0] for t in extra.values())} us",
        f"(cumulative: {SDK} {ours.get(SDK, (0, 0))[1]} us, {OPENAI} {base.get(OPENAI, (0, 0))[1]} us)",
        f"{'self us':>8} {'cumul. us':>10}  module",
    ]
    for name, (self_us, cumulative) in sorted(extra.items(), key=lambda kv: -kv[1][0])[:top]:
        lines.append(f"{self_us:>8} {cumulative:>10}  {name}")
    lines += ["", f"cProfile of `import {SDK}` after `import {OPENAI}`:", functions]
    return "\n".join(lines)


def sdk_revision() -> str:
    """The commit the SDK was measured at, ``+dirty`` if its files differ from it."""
    repo = HERE.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "chatserver_sdk"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


# --- main ----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (< 30 s), noisier")
    parser.add_argument("--rounds", type=int, help="measurement rounds per case (default 25, quick 5)")
    parser.add_argument("--batch-ms", type=float, help="CPU per batch, in ms (default 25, quick 10)")
    parser.add_argument("--import-runs", type=int, help="fresh interpreters per module (default 25, quick 5)")
    parser.add_argument("--no-import", action="store_true", help="skip the import-time measurement")
    parser.add_argument(
        "--as-is-bytecode",
        action="store_true",
        help="time imports with the environment's bytecode settings (default: cached .pyc for both)",
    )
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the results as JSON")
    parser.add_argument("--profile", choices=PROFILE_CHOICES, help="cProfile the SDK on one case instead")
    parser.add_argument("--top", type=int, default=25, help="functions to list with --profile")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if a target is missed")
    args = parser.parse_args(argv)

    rounds = args.rounds or (5 if args.quick else 25)
    batch_seconds = (args.batch_ms or (10 if args.quick else 25)) / 1000
    import_runs = args.import_runs or (5 if args.quick else 25)

    if args.profile == "import":
        print(profile_import(args.top, as_is=args.as_is_bytecode))
        return 0

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    with local_server() as base_url:
        cases, clients = build_cases(base_url)
        try:
            check_equivalent(cases)
            if args.profile:
                print(profile_case(cases, args.profile, seconds=2.0, top=args.top))
                return 0
            print(f"Warming up {len(cases)} cases against {base_url} ...", file=sys.stderr)
            for case in cases:
                calibrate(case, warmup=3, batch_seconds=batch_seconds)
            print(f"Measuring {rounds} rounds of ~{batch_seconds * 1000:g} ms batches ...", file=sys.stderr)
            measure(cases, rounds, progress=sys.stderr.isatty())
        finally:
            for client in clients:
                client.close()

    imports = None
    if not args.no_import:
        print(f"Timing imports in {import_runs} fresh interpreters each ...", file=sys.stderr)
        imports = time_imports([OPENAI, SDK], import_runs, as_is=args.as_is_bytecode)

    rows = build_rows(cases, imports)
    revision = sdk_revision()
    elapsed = time.perf_counter() - started
    print()
    print(
        f"Client CPU time (median of {rounds} rounds; imports: of {import_runs} interpreters) -- "
        f"python {platform.python_version()}, {SDK} {chatserver_sdk.__version__} ({revision}), "
        f"openai {openai.__version__}, httpx2 {httpx2.__version__}, {os.cpu_count()} CPUs, "
        f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    print(format_table(rows))
    missed = [row for row in rows if row.verdict == "MISS"]
    print()
    for row in missed:
        print(
            f"MISS: {row.benchmark}: {row.client} is {format_ratio(row)}x {row.baseline} "
            f"(target <= {row.target:g}x)"
        )
    if not missed:
        print("All targets met.")
    print(f"({elapsed:.0f} s)")

    if args.json:
        result = {
            "meta": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "load_average": {"before": load_before, "after": os.getloadavg()[0]},
                "sdk_revision": revision,
                "versions": {
                    SDK: chatserver_sdk.__version__,
                    OPENAI: openai.__version__,
                    HTTPX: httpx2.__version__,
                },
                "rounds": rounds,
                "batch_ms": batch_seconds * 1000,
                "import_runs": import_runs if imports else 0,
                "import_bytecode": "as-is" if args.as_is_bytecode else "cached",
                "stream_chunks": STREAM_CHUNKS,
                "seconds": elapsed,
            },
            "rows": [asdict(row) | {"verdict": row.verdict} for row in rows],
            "cases": {
                case.name: {"batch": case.batch, "cpu_s": case.samples, "wall_s": case.wall} for case in cases
            },
            "imports": {name: asdict(t) for name, t in (imports or {}).items()},
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"Results written to {args.json}", file=sys.stderr)
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
