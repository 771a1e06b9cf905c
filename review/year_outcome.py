"""A spot-check year's outcome as every follow-up step reads it, computed once.

Feedback, the marks (约谈, 通报, 激励), next year's plan and the re-inspection report all
start from the same things: the year's results, each institution's history (this year's
results plus earlier years' problem counts, and the misconduct cases that found
misconduct) and the marks. `year_outcome` builds them; the CLI, the demo and the HTTP
service call it instead of assembling them each their own way. `open_rectification`
opens the rectification items of the institutions with problem theses, with the policy's
due dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from review.consequences import Mark, marks
from review.cycle import ReviewCycle
from review.follow_up_policy import FollowUpPolicy
from review.follow_up_store import FollowUpRecords
from review.institution_history import (
    InstitutionHistory,
    build_histories,
    misconduct_by_institution,
)
from review.rectification import RectificationError, RectificationItem, add_items, open_items
from review.results import Results, compute_results


@dataclass(frozen=True)
class YearOutcome:
    """The results of `year`, the institutions' histories up to it, and its marks."""

    year: int
    results: Results
    histories: Mapping[str, InstitutionHistory]
    marks: tuple[Mark, ...]

    def institutions_with_problems(self) -> list[str]:
        return [g.group for g in self.results.by("institution") if g.problems > 0]


def year_outcome(
    cycle: ReviewCycle,
    records: FollowUpRecords,
    year: int,
    policy: FollowUpPolicy,
    prior: Mapping[tuple[int, str], int] | None = None,
) -> YearOutcome:
    """The outcome of the year whose review cycle and follow-up records are given;
    `prior` holds earlier years' problem counts by (year, institution)."""
    prior = dict(prior or {})
    results = compute_results(cycle, year, prior)
    misconduct = misconduct_by_institution(cycle, records.allegations)
    histories = build_histories(
        [results], prior, {(year, name): n for name, n in misconduct.items()}
    )
    found = marks(year, histories, policy, records.rectification)
    return YearOutcome(year, results, histories, tuple(found))


def open_rectification(
    items: Sequence[RectificationItem],
    institutions: Iterable[str],
    year: int,
    policy: FollowUpPolicy,
    on: date,
    actor: str,
    *,
    plan_due: date | None = None,
    report_due: date | None = None,
) -> tuple[tuple[RectificationItem, ...], date, date]:
    """`items` plus a plan and a report item for each institution (due the policy's days
    after `on` unless given); returns the items and the two due dates."""
    chosen = sorted(set(institutions))
    if not chosen:
        raise RectificationError(f"{year}: no institution to open rectification items for")
    plan_due = plan_due or on + timedelta(days=policy.rectification_plan_days)
    report_due = report_due or on + timedelta(days=policy.rectification_report_days)
    updated = tuple(items)
    for institution in chosen:
        updated = add_items(updated, open_items(institution, year, plan_due, report_due, on, actor))
    return updated, plan_due, report_due
