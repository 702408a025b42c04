"""CLI start-up benchmark: how long a command takes as a whole process, and what it imports.

Runs ``patrolgate --help`` and ``patrolgate events summary --format json`` (on the demo
database) ten times each after one warm-up, each as a fresh process, and prints the median,
minimum and maximum wall and CPU time and the peak resident memory (the kernel's own
accounting of each finished child, ``wait4``). Then the ten imports that cost each command
most, from ``python -X importtime`` (cumulative microseconds, the import's own share too).

The database is the one under ``$PATROLGATE_HOME`` (``./patrolgate-data`` when unset): when it
holds no demo yet, ``patrolgate demo --no-serve`` builds it first (a few minutes, once).
The target (issue 14): ``--help`` under 0.3 s and 60 MB. Prints figures; asserts nothing.
Run with ``make bench-cli``; ``BENCH_CLI_RUNS`` changes the number of runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median

RUNS = int(os.environ.get("BENCH_CLI_RUNS", "10"))
BIN = Path(sys.executable).parent
PATROLGATE = str(BIN / "patrolgate") if (BIN / "patrolgate").exists() else "patrolgate"
COMMANDS: dict[str, list[str]] = {
    "patrolgate --help": ["--help"],
    "patrolgate events summary --format json": ["events", "summary", "--format", "json"],
}
#: Runs the entry point as the console script does, under ``-X importtime``.
IMPORTTIME_PROBE = "import sys; from patrolgate.cli import main; sys.argv[0] = 'patrolgate'; main()"


@dataclass(frozen=True)
class Run:
    """One finished process: wall and CPU seconds, peak resident memory in MB, exit code."""

    wall: float
    cpu: float
    peak_mb: float
    status: int


def run_once(args: list[str]) -> Run:
    """Start ``patrolgate ARGS``, discard its output, and read the kernel's figures for it."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [PATROLGATE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in kilobytes on Linux.
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode)


def import_costs(args: list[str], top: int = 10) -> list[tuple[int, int, str]]:
    """The ``top`` imports by cumulative time (µs), each with its own time, for one command."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", IMPORTTIME_PROBE, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    costs = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        costs.append((int(cumulative), int(own), name.strip()))
    return sorted(costs, reverse=True)[:top]


def ensure_demo() -> Path:
    """The demo database's folder, built first when it holds no database."""
    home = Path(os.environ.get("PATROLGATE_HOME", "patrolgate-data"))
    if not (home / "patrolgate.db").exists():
        print(f"no database under {home}: building the demo (patrolgate demo --no-serve)")
        subprocess.run([PATROLGATE, "demo", "--no-serve"], check=True, stdout=subprocess.DEVNULL)
    return home


def main() -> None:
    """Print the figures for each command."""
    home = ensure_demo()
    print(f"database: {home.resolve()}; {RUNS} runs each after one warm-up")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for label, args in COMMANDS.items():
        run_once(args)
        runs = [run_once(args) for _ in range(RUNS)]
        failed = [r.status for r in runs if r.status != 0]
        print(f"\n{label}" + (f"  (exit codes {failed})" if failed else ""))
        for figure, unit in (("wall", "s"), ("cpu", "s"), ("peak_mb", "MB")):
            values = [getattr(r, figure) for r in runs]
            print(
                f"  {figure:8} median {median(values):8.3f} {unit:2}  "
                f"(min {min(values):.3f}, max {max(values):.3f})"
            )
        print("  top imports by cumulative time (python -X importtime):")
        print(f"  {'cumulative ms':>14} {'own ms':>8}  module")
        for cumulative, own, name in import_costs(args):
            print(f"  {cumulative / 1000:14.1f} {own / 1000:8.1f}  {name}")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
