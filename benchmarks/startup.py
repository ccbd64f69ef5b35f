"""How long ``chatserver`` takes to answer when it needs no server: help, version, a usage error.

Run: ``python benchmarks/startup.py [--runs N]`` (default 30 runs of each command).

Each command is a fresh process, started the way a shell starts it (the ``chatserver``
script of this interpreter's environment). The commands are interleaved, in an order
rotated every round, so background load falls on all of them alike; the figure is
the median wall time over the runs, with the interquartile range, and the ratio to
``python -c pass`` (the interpreter alone) measured in the same rounds. For scale,
``python -c "import openai"`` and ``python -c "from chatserver_sdk import ChatServerClient"``
(what every command that talks to a server loads first) are measured too. Figures
from one run, not assertions.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHATSERVER = str(Path(sys.executable).with_name("chatserver"))


def commands() -> dict[str, list[str]]:
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "chatserver --help": [CHATSERVER, "--help"],
        "chatserver --version": [CHATSERVER, "--version"],
        "chatserver sessions list --help": [CHATSERVER, "sessions", "list", "--help"],
        "chatserver frobnicate (usage error)": [CHATSERVER, "frobnicate"],
        "chatserver chat --temperature 9 hi": [CHATSERVER, "chat", "--temperature", "9", "hi"],
        'python -c "import openai"': [sys.executable, "-c", "import openai"],
        "python -c (import the client)": [
            sys.executable,
            "-c",
            "from chatserver_sdk import ChatServerClient",
        ],
    }


def run_once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30, help="runs of each command (default: 30)")
    options = parser.parse_args()
    if options.runs < 3:
        parser.error(f"--runs: {options.runs} is too few for a median and quartiles; give 3 or more")

    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATSERVER_")}
    cases = commands()
    names = list(cases)
    for name in names:  # warm the file cache and the bytecode
        run_once(cases[name], env)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(options.runs):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(run_once(cases[name], env))

    base = statistics.median(samples["python -c pass"])
    print(
        f"Start-up wall time, median of {options.runs} interleaved runs;"
        f" Python {platform.python_version()},"
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'command':<38} {'median':>9} {'IQR':>17} {'x python -c pass':>17}")
    print("-" * 84)
    for name in names:
        values = sorted(samples[name])
        quartiles = statistics.quantiles(values, n=4)
        median = statistics.median(values)
        print(
            f"{name:<38} {median * 1000:7.1f}ms {quartiles[0] * 1000:7.1f}-{quartiles[2] * 1000:.1f}ms"
            f" {median / base:16.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
