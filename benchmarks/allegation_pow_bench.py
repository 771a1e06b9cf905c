"""Benchmark: the cost of the public allegation form's proof of work.

What an honest reporter pays (the browser solving the challenge with Web Crypto, in the
system's headless Chromium against a real `spotcheck serve`), what a flood pays per
allegation (the same 2**bits hashes, here with Python's hashlib as a native-speed
stand-in), and what the server pays to issue and verify (a keyed hash, one SHA-256 and
one insert). Prints the figures; note the machine's load beside them.

    .venv/bin/python benchmarks/allegation_pow_bench.py [--bits 14 16 18] [--trials 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api import proof_of_work  # noqa: E402
from api.migrations import upgrade_to_head  # noqa: E402
from api.storage.db import make_engine, make_session_factory  # noqa: E402

SECRET = "benchmark-secret-0123456789abcdef"


def python_solve(bits: int, trials: int) -> list[float]:
    times = []
    for _ in range(trials):
        challenge = proof_of_work.issue(SECRET, bits, 600)
        start = time.perf_counter()
        proof_of_work.solve(challenge.token, bits)
        times.append(time.perf_counter() - start)
    return times


def server_costs(rounds: int) -> tuple[float, float]:
    """Mean seconds to issue one challenge and to verify one solved proof (SQLite insert)."""
    folder = Path(tempfile.mkdtemp(prefix="pow-bench-"))
    url = f"sqlite:///{folder / 'pow.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    challenges = []
    start = time.perf_counter()
    for _ in range(rounds):
        challenges.append(proof_of_work.issue(SECRET, 4, 600))
    issue = (time.perf_counter() - start) / rounds
    solved = [(c.token, proof_of_work.solve(c.token, 4)) for c in challenges]
    start = time.perf_counter()
    with sessions() as session:
        for token, counter in solved:
            proof_of_work.verify(session, SECRET, token, counter, 4)
            session.commit()
    verify = (time.perf_counter() - start) / rounds
    engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    return issue, verify


def browser_solve(bits: int, trials: int) -> list[float] | None:
    """Seconds from opening the form until its script has solved the challenge (includes
    loading the page, a few milliseconds on loopback)."""
    executable = shutil.which("chromium")
    if executable is None:
        return None
    from playwright.sync_api import sync_playwright

    from tests.api.live import issue_key, live_env, serve

    folder = Path(tempfile.mkdtemp(prefix="pow-bench-live-"))
    data = folder / "data"
    issue_key(data, "admin")
    env = live_env(data, SPOTCHECK_ALLEGATION_POW_BITS=str(bits))
    proc = serve(data, folder / "serve.log", env=env)
    times: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=["--headless=new", "--no-sandbox"]
            )
            page = browser.new_page()
            for _ in range(trials):
                start = time.perf_counter()
                page.goto(
                    f"{proc.url}/portal/allegations/new", wait_until="commit", timeout=120_000
                )
                page.wait_for_function(
                    "document.getElementById('pow-status').textContent.includes('验证已完成')",
                    timeout=600_000,
                )
                times.append(time.perf_counter() - start)
            browser.close()
    finally:
        proc.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return times


def describe(times: list[float]) -> str:
    return (
        f"median {statistics.median(times):.2f} s, mean {statistics.mean(times):.2f} s, "
        f"max {max(times):.2f} s over {len(times)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", type=int, nargs="+", default=[14, 16, 18])
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    issue, verify = server_costs(200)
    print(f"server: issue {issue * 1e6:.0f} µs, verify + record {verify * 1e3:.2f} ms per proof")
    for bits in args.bits:
        print(f"{bits} bits (expected {2**bits:,} hashes):")
        flood = describe(python_solve(bits, args.trials))
        print(f"  python hashlib (a flood's cost per allegation): {flood}")
        times = browser_solve(bits, args.trials)
        if times is None:
            print("  browser: skipped (no chromium on PATH)")
        else:
            print(f"  headless Chromium, Web Crypto (the reporter's wait): {describe(times)}")


if __name__ == "__main__":
    main()
