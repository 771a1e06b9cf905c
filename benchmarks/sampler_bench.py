"""Sampler benchmark: load + validate + draw + write on a generated 1,000,000-row register.

Target: under 15 s and under 2 GB peak memory (2 cores). The register is generated first
(not timed); the timed work runs in a fresh child process so its peak resident memory
is measured alone. Usage:

    .venv/bin/python benchmarks/sampler_bench.py [--rows 1000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 15.0
TARGET_PEAK_BYTES = 2 * 1024**3


def timed_run(frame_path: Path, out_dir: Path, seed: int) -> dict[str, float]:
    """The measured work (runs in the child process)."""
    from sampler import draw_sample, load_frame, resolve_plan, write_outputs

    started = time.perf_counter()
    cpu_started = time.process_time()
    frame = load_frame(frame_path)
    loaded = time.perf_counter()
    result = draw_sample(frame, resolve_plan({"seed": seed}))
    drawn = time.perf_counter()
    write_outputs(result, out_dir, "bench")
    written = time.perf_counter()
    return {
        "rows": len(frame),
        "strata": len(result.strata),
        "sample_size": result.sample_size,
        "load_validate_s": loaded - started,
        "draw_s": drawn - loaded,
        "write_s": written - drawn,
        "total_s": written - started,
        "cpu_s": time.process_time() - cpu_started,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", nargs=2, metavar=("FRAME", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(timed_run(Path(args.child[0]), Path(args.child[1]), args.seed)))
        return 0

    from api.demo.synthetic_register import RegisterSpec, write_register

    with tempfile.TemporaryDirectory(prefix="sampler-bench-") as tmp:
        frame_path = Path(tmp) / "register.csv"
        started = time.perf_counter()
        spec = RegisterSpec(seed=args.seed, degrees=args.rows, institutions=300)
        write_register(frame_path, spec)
        generated = time.perf_counter() - started
        size_mb = frame_path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size_mb:.0f} MB CSV) in {generated:.1f} s")

        wall_start = time.perf_counter()
        child = subprocess.run(
            [sys.executable, __file__, "--seed", str(args.seed), "--child",
             str(frame_path), str(Path(tmp) / "draw")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - wall_start
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            return 1
        figures = json.loads(child.stdout)
        peak_bytes = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(
        f"load+validate {figures['load_validate_s']:.2f} s | draw {figures['draw_s']:.2f} s | "
        f"write {figures['write_s']:.2f} s | total {figures['total_s']:.2f} s "
        f"(child process wall time incl. interpreter start {wall:.2f} s)"
    )
    print(
        f"CPU time of the measured work {figures['cpu_s']:.2f} s (what the wall time would be "
        f"on an idle machine; this one is shared, load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"rows {figures['rows']:,} | strata {figures['strata']:,} | "
        f"sampled {figures['sample_size']:,} | peak RSS {peak_bytes / 1024**2:.0f} MiB"
    )
    ok_time = figures["total_s"] < TARGET_SECONDS
    ok_memory = peak_bytes < TARGET_PEAK_BYTES
    print(
        f"target < {TARGET_SECONDS:.0f} s: {'met' if ok_time else 'MISSED'}; "
        f"target < 2 GiB peak: {'met' if ok_memory else 'MISSED'} "
        f"(cores available: {os.cpu_count()})"
    )
    return 0 if ok_time and ok_memory else 1


if __name__ == "__main__":
    sys.exit(main())
