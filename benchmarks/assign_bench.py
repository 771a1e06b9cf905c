"""Benchmark: expert assignment and the whole simulated review stage at national scale.

Generates N sampled theses over 60 institutions and the catalogue's disciplines, an
expert pool with 1.6× the needed capacity, then times: staffing 3 experts per thesis,
the full simulated cycle (declines, reviews, 复评, decisions), results with interval
estimates, and a workspace save/load. Prints the figures; run on an idle machine for
stable numbers.

    .venv/bin/python benchmarks/assign_bench.py [--theses 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date

from api.demo.simulate import demo_provinces, generate_expert_pool, simulate_review_cycle
from review import workspace
from review.assign import initial_requests, staff
from review.conflicts import Conflict, ConflictPolicy
from review.cycle import ReviewCycle, thesis_statuses
from review.keys import seeded_key, seeded_unit
from review.results import compute_results
from review.theses import SampledThesis, ScreeningEvidence
from sampler.disciplines import catalogue_2022


class Timer:
    """Wall-clock and CPU seconds of a block (CPU time is steadier on a shared machine)."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU"


def generated_theses(n: int, seed: int) -> list[SampledThesis]:
    codes = sorted(catalogue_2022())
    institutions = [f"第{i:02d}大学" for i in range(60)]
    provinces = demo_provinces(institutions, seed)
    theses = []
    for i in range(n):
        tid = f"T{i:07d}"
        code = codes[seeded_key(seed, "code", tid) % len(codes)]
        institution = institutions[seeded_key(seed, "inst", tid) % len(institutions)]
        u = seeded_unit(seed, "flag", tid)
        flag = "clear" if u < 0.85 else "needs_review" if u < 0.97 else "suspected_misconduct"
        level = "doctoral" if seeded_unit(seed, "level", tid) < 0.15 else "master"
        theses.append(
            SampledThesis(
                thesis_id=tid,
                institution=institution,
                degree_level=level,
                degree_type="professional" if code[2] >= "5" else "academic",
                discipline_code=code,
                supervisor=f"导师{seeded_key(seed, 'sup', tid) % 500}",
                province=provinces[institution],
                stratum=f"{level}|{institution}|{code}",
                design_weight=10.0 if level == "doctoral" else 20.0,
                screening=ScreeningEvidence(flag),
            )
        )
    return theses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theses", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    theses = generated_theses(args.theses, args.seed)
    experts = generate_expert_pool(theses, args.seed)
    policy = ConflictPolicy(frozenset({Conflict.SAME_PROVINCE, Conflict.SUPERVISOR}))
    print(f"theses: {len(theses)}, experts: {len(experts)}, exclusions: {policy.names()}")

    with Timer() as timer:
        result = staff(
            initial_requests(theses),
            {t.thesis_id: t for t in theses},
            experts,
            policy,
            args.seed,
            on=date(2025, 3, 1),
        )
    fallback = sum(1 for a in result.assignments if a.match.value == "category")
    print(
        f"staffing (3 per thesis): {timer}, {len(result.assignments)} assignments, "
        f"{fallback} by 门类 fallback, {len(result.shortfalls)} theses short"
    )

    cycle = ReviewCycle(seed=args.seed, policy=policy, theses=tuple(theses), experts=tuple(experts))
    with Timer() as timer:
        cycle, log = simulate_review_cycle(cycle, date(2025, 3, 1))
    outcomes = {}
    for status in thesis_statuses(cycle).values():
        outcomes[status.decision.outcome.value] = outcomes.get(status.decision.outcome.value, 0) + 1
    print(
        f"simulated cycle (assign, {log.declined} declines replaced, {log.reviews} reviews, "
        f"复评, decisions): {timer}; outcomes {outcomes}"
    )

    with Timer() as timer:
        results = compute_results(cycle, 2025)
    print(f"results with intervals ({len(results.groups)} groups): {timer}")

    with tempfile.TemporaryDirectory() as directory:
        info = workspace.WorkspaceInfo(seed=args.seed)
        with Timer() as saved:
            workspace.save(directory, cycle, info)
        with Timer() as read:
            loaded, _ = workspace.load(directory)
        assert loaded == cycle
    print(f"workspace save: {saved}; load: {read}")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
