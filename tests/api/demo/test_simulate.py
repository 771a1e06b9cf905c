"""The demo's simulated review stage: reproducible, realistic, and following the rules."""

from __future__ import annotations

from collections import Counter
from datetime import date

from api.demo.simulate import generate_expert_pool, simulate_review_cycle
from review.cycle import ReviewCycle, ThesisState, thesis_statuses
from review.decision import Outcome
from review.forms import Grade
from tests.review.builders import thesis


def run(seed: int, flag: str, n: int = 150) -> ReviewCycle:
    theses = tuple(
        thesis(f"T{i:03d}", institution=f"大学{i % 6}", code=("0812", "0835", "0202")[i % 3],
               flag=flag)
        for i in range(n)
    )  # fmt: skip
    cycle = ReviewCycle(seed=seed, theses=theses, experts=tuple(generate_expert_pool(theses, seed)))
    return simulate_review_cycle(cycle, date(2025, 3, 1))[0]


def test_simulation_is_reproducible_and_decides_everything() -> None:
    first, again = run(3, "clear"), run(3, "clear")
    assert first == again
    statuses = thesis_statuses(first)
    assert {s.state for s in statuses.values()} == {ThesisState.DECIDED}
    grades = Counter(r.overall for r in first.reviews)
    assert grades[Grade.GOOD] > grades[Grade.FAIL]


def test_screening_flags_raise_the_problem_rate() -> None:
    def problems(cycle: ReviewCycle) -> int:
        return sum(s.decision.outcome is Outcome.PROBLEM for s in thesis_statuses(cycle).values())

    assert problems(run(5, "suspected_misconduct")) > 3 * max(problems(run(5, "clear")), 1)


def test_demo_stage_respects_same_province_and_reports_results() -> None:
    from api.demo.simulate import demo_review_stage
    from review.conflicts import conflicts

    theses = [thesis(f"T{i:03d}", institution=f"大学{i % 5}", code=("0812", "0701")[i % 2])
              for i in range(60)]  # fmt: skip
    cycle, log, results = demo_review_stage(theses, 8, date(2025, 3, 1), 2025)
    experts = {e.expert_id: e for e in cycle.experts}
    by_id = cycle.thesis_map()
    assert all(by_id[t].province for t in by_id)
    for a in cycle.assignments:
        assert conflicts(experts[a.expert_id], by_id[a.thesis_id], cycle.policy) == []
    assert results.by("overall")[0].sampled == 60 and log.reviews >= 180
