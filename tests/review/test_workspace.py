"""The JSON workspace round-trips the whole cycle and never leaves partial files."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from api.demo.simulate import generate_expert_pool, simulate_review_cycle
from review import workspace
from review.conflicts import Conflict, ConflictPolicy
from review.cycle import ReviewCycle, open_cases
from review.misconduct import CaseEvent, CaseEventKind, record_event
from review.theses import ScreeningEvidence
from tests.review.builders import thesis


def simulated_cycle() -> ReviewCycle:
    theses = tuple(
        thesis(
            f"T{i:03d}",
            institution=f"大学{i % 4}",
            code=("0812", "0835", "1201")[i % 3],
            flag=("clear", "needs_review", "suspected_misconduct")[i % 3],
            co_authors=("张三",),
        )
        for i in range(40)
    )
    theses = tuple(
        replace(t, screening=ScreeningEvidence(t.screening.level, ("原因 reason",), "/r.json"))
        for t in theses
        if t.screening is not None
    )
    cycle = ReviewCycle(
        seed=12,
        policy=ConflictPolicy(frozenset({Conflict.SUPERVISOR})),
        theses=theses,
        experts=tuple(generate_expert_pool(theses, 12)),
    )
    cycle, _ = simulate_review_cycle(cycle, date(2025, 3, 1), decline_rate=0.2)
    cycle, _ = open_cases(cycle, date(2025, 5, 1))
    if cycle.cases:
        first = record_event(cycle.cases[0], CaseEvent(CaseEventKind.NOTIFIED, date(2025, 5, 2)))
        cycle = replace(cycle, cases=(first, *cycle.cases[1:]))
    return cycle


def test_round_trip_is_exact(tmp_path: Path) -> None:
    cycle = simulated_cycle()
    assert cycle.reviews and cycle.cases
    info = workspace.WorkspaceInfo(seed=12, sample_file="s.csv", sample_sha256="0" * 64)
    workspace.save(tmp_path, cycle, info)
    loaded, loaded_info = workspace.load(tmp_path)
    assert loaded == cycle
    assert loaded_info.seed == 12 and loaded_info.sample_sha256 == "0" * 64
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_damaged_file_is_named(tmp_path: Path) -> None:
    workspace.save(tmp_path, simulated_cycle(), workspace.WorkspaceInfo(seed=1))
    (tmp_path / "reviews.json").write_text("[{", encoding="utf-8")
    with pytest.raises(workspace.WorkspaceError, match="reviews.json"):
        workspace.load(tmp_path)


def test_foreign_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "workspace.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(workspace.WorkspaceError, match="not a spotcheck review workspace"):
        workspace.load(tmp_path)
