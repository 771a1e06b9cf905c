"""Benchmark: how long the README's quick start (`spotcheck demo`, two years) takes.

Runs the installed console script as a user would, in a temporary folder, and prints the
wall-clock time, the CPU time of the demo process (user + system; on a busy machine the
wall clock waits for other work, the CPU time does not) and the load average before and
after. Target: well under 40 s on the 2-core reference machine.

    .venv/bin/python benchmarks/demo_bench.py [--screen 20] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_run(screen: int) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, the demo's own 'finished in' line) of one demo run."""
    script = shutil.which("spotcheck", path=str(Path(sys.executable).parent)) or "spotcheck"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        done = subprocess.run(
            [script, "demo", "--out", str(Path(tmp) / "demo"), "--screen", str(screen)],
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    finished = next((line for line in done.stdout.splitlines() if "demo finished" in line), "")
    return wall, cpu, finished


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screen", type=int, default=20, help="theses screened in year 1")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for number in range(1, args.runs + 1):
        wall, cpu, finished = one_run(args.screen)
        print(f"run {number}: wall {wall:.1f} s, CPU {cpu:.1f} s  ({finished.strip()})")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
