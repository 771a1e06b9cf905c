"""One spot check's review cycle: theses, experts, assignments, reviews and cases together.

`ReviewCycle` is an immutable value; every operation returns a new cycle (plus what
happened), so the CLI workspace and the HTTP service can store it however they like.
Each thesis moves assigned → in review → (re-review) → decided; the state is derived
from the assignments and reviews, never stored separately, so it cannot drift.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from review.assign import (
    DEFAULT_DUE_DAYS,
    EXPERTS_PER_THESIS,
    RE_REVIEW_EXPERTS,
    Assignment,
    AssignmentError,
    AssignmentStatus,
    StaffingRequest,
    StaffingResult,
    end_assignments,
    initial_requests,
    overdue,
    staff,
)
from review.conflicts import ConflictPolicy
from review.decision import Decision, Outcome, decide
from review.experts import Expert
from review.misconduct import MisconductCase, case_triggers
from review.reviews import Review
from review.tables import Problem
from review.theses import SampledThesis


class ThesisState(StrEnum):
    UNASSIGNED = "unassigned"
    ASSIGNED = "assigned"
    IN_REVIEW = "in_review"
    RE_REVIEW = "re_review"
    DECIDED = "decided"


STATE_LABELS: dict[ThesisState, str] = {
    ThesisState.UNASSIGNED: "未分配 unassigned",
    ThesisState.ASSIGNED: "已分配 assigned",
    ThesisState.IN_REVIEW: "评议中 in review",
    ThesisState.RE_REVIEW: "复评中 re-review",
    ThesisState.DECIDED: "已结论 decided",
}


@dataclass(frozen=True)
class ThesisStatus:
    thesis_id: str
    state: ThesisState
    decision: Decision
    active_experts: int


@dataclass(frozen=True)
class ReviewCycle:
    """Everything the review stage of one spot check knows."""

    seed: int
    policy: ConflictPolicy = field(default_factory=ConflictPolicy)
    due_days: int = DEFAULT_DUE_DAYS
    theses: tuple[SampledThesis, ...] = ()
    experts: tuple[Expert, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    reviews: tuple[Review, ...] = ()
    cases: tuple[MisconductCase, ...] = ()

    def thesis(self, thesis_id: str) -> SampledThesis:
        for thesis in self.theses:
            if thesis.thesis_id == thesis_id:
                return thesis
        raise KeyError(thesis_id)

    def thesis_map(self) -> dict[str, SampledThesis]:
        return {thesis.thesis_id: thesis for thesis in self.theses}


def latest_reviews(reviews: Iterable[Review]) -> dict[tuple[str, str, int], Review]:
    """The latest revision of each (thesis, expert, round) review."""
    latest: dict[tuple[str, str, int], Review] = {}
    for review in reviews:
        key = (review.thesis_id, review.expert_id, review.round)
        if key not in latest or review.revision > latest[key].revision:
            latest[key] = review
    return latest


def reviews_by_thesis(cycle: ReviewCycle) -> dict[str, list[Review]]:
    grouped: dict[str, list[Review]] = defaultdict(list)
    for review in latest_reviews(cycle.reviews).values():
        grouped[review.thesis_id].append(review)
    return grouped


def thesis_statuses(cycle: ReviewCycle) -> dict[str, ThesisStatus]:
    """Every thesis's state and decision, derived from the assignments and reviews."""
    grouped = reviews_by_thesis(cycle)
    active: dict[str, int] = defaultdict(int)
    for assignment in cycle.assignments:
        if assignment.counts_toward_load:
            active[assignment.thesis_id] += 1
    statuses: dict[str, ThesisStatus] = {}
    for thesis in cycle.theses:
        reviews = sorted(grouped.get(thesis.thesis_id, []), key=lambda r: r.expert_id)
        first = [r.overall for r in reviews if r.round == 1]
        second = [r.overall for r in reviews if r.round == 2]
        decision = decide(first, second)
        if decision.final:
            state = ThesisState.DECIDED
        elif decision.outcome is Outcome.RE_REVIEW:
            state = ThesisState.RE_REVIEW
        elif first:
            state = ThesisState.IN_REVIEW
        elif active[thesis.thesis_id]:
            state = ThesisState.ASSIGNED
        else:
            state = ThesisState.UNASSIGNED
        statuses[thesis.thesis_id] = ThesisStatus(
            thesis.thesis_id, state, decision, active[thesis.thesis_id]
        )
    return statuses


def _staffed(cycle: ReviewCycle, requests: Sequence[StaffingRequest], on: date) -> StaffingResult:
    return staff(
        requests,
        cycle.thesis_map(),
        cycle.experts,
        cycle.policy,
        cycle.seed,
        existing=cycle.assignments,
        on=on,
        due_days=cycle.due_days,
    )


def assign_initial(cycle: ReviewCycle, on: date) -> tuple[ReviewCycle, StaffingResult]:
    """Round-1 experts for every thesis that has fewer than 3 (first run or a top-up)."""
    requests: list[StaffingRequest] = []
    active = _active_by_round(cycle.assignments)
    for request in initial_requests(cycle.theses, EXPERTS_PER_THESIS):
        have = active[(request.thesis_id, 1)]
        if have < EXPERTS_PER_THESIS:
            requests.append(replace(request, count=EXPERTS_PER_THESIS - have))
    result = _staffed(cycle, requests, on)
    return replace(cycle, assignments=cycle.assignments + result.assignments), result


def assign_re_reviews(cycle: ReviewCycle, on: date) -> tuple[ReviewCycle, StaffingResult]:
    """2 round-2 (复评) experts for every thesis whose round 1 ended with exactly one 不合格."""
    requests = []
    active = _active_by_round(cycle.assignments)
    for thesis_id, status in sorted(thesis_statuses(cycle).items()):
        if status.state is not ThesisState.RE_REVIEW:
            continue
        have = active[(thesis_id, 2)]
        if have < RE_REVIEW_EXPERTS:
            requests.append(StaffingRequest(thesis_id, 2, RE_REVIEW_EXPERTS - have))
    result = _staffed(cycle, requests, on)
    return replace(cycle, assignments=cycle.assignments + result.assignments), result


def _active_by_round(assignments: Iterable[Assignment]) -> Counter[tuple[str, int]]:
    """Assignments that count (not declined or timed out) per (thesis, round)."""
    return Counter((a.thesis_id, a.round) for a in assignments if a.counts_toward_load)


def replace_expert(
    cycle: ReviewCycle,
    thesis_id: str,
    expert_id: str,
    status: AssignmentStatus,
    on: date,
) -> tuple[ReviewCycle, StaffingResult]:
    """Ends a declined or timed-out assignment and staffs a replacement (history kept)."""
    return replace_experts(cycle, [(thesis_id, expert_id, status)], on)


def replace_experts(
    cycle: ReviewCycle,
    ended: Sequence[tuple[str, str, AssignmentStatus]],
    on: date,
) -> tuple[ReviewCycle, StaffingResult]:
    """Ends several (thesis, expert, declined/timed_out) assignments; staffs all replacements."""
    thesis_ids = cycle.thesis_map()
    for thesis_id, _, _ in ended:
        if thesis_id not in thesis_ids:
            raise AssignmentError(f"thesis {thesis_id!r} is not in this review")
    assignments, requests = end_assignments(cycle.assignments, ended, on)
    cycle = replace(cycle, assignments=tuple(assignments))
    result = _staffed(cycle, requests, on)
    return replace(cycle, assignments=cycle.assignments + result.assignments), result


def time_out_overdue(cycle: ReviewCycle, today: date) -> tuple[ReviewCycle, StaffingResult]:
    """Times out every active assignment past its due date and replaces each expert."""
    late = [
        (a.thesis_id, a.expert_id, AssignmentStatus.TIMED_OUT)
        for a in overdue(cycle.assignments, today)
    ]
    return replace_experts(cycle, late, today)


def record_reviews(
    cycle: ReviewCycle, submitted: Sequence[tuple[int, Review]]
) -> tuple[ReviewCycle, list[Problem]]:
    """Records reviews (row number, review) if every one is acceptable, else returns problems.

    A review must come from an expert assigned to that thesis and round whose assignment
    was not declined or timed out; round-2 reviews only once 复评 has started. A second
    submission is a revision, accepted until the assignment's due date while the round
    is still open (a decided thesis is not reopened).
    """
    problems: list[Problem] = []
    assignments = list(cycle.assignments)
    index = {(a.thesis_id, a.expert_id, a.round): i for i, a in enumerate(assignments)}
    latest = latest_reviews(cycle.reviews)
    statuses = thesis_statuses(cycle)
    accepted: list[Review] = []
    for number, review in submitted:
        key = (review.thesis_id, review.expert_id, review.round)
        position = index.get(key)
        if position is None:
            problems.append(
                Problem(
                    number,
                    "expert_id",
                    review.expert_id,
                    f"not assigned to thesis {review.thesis_id!r} in round {review.round}",
                )
            )
            continue
        assignment = assignments[position]
        if not assignment.counts_toward_load:
            problems.append(
                Problem(
                    number,
                    "expert_id",
                    review.expert_id,
                    f"the assignment ended ({assignment.status.value} on {assignment.ended_on})",
                )
            )
            continue
        status = statuses[review.thesis_id]
        if status.state is ThesisState.DECIDED:
            problems.append(
                Problem(number, "thesis_id", review.thesis_id, "the thesis is already decided")
            )
            continue
        if review.round == 2 and status.state is not ThesisState.RE_REVIEW:
            problems.append(Problem(number, "round", "2", "the thesis is not in 复评 re-review"))
            continue
        if review.round == 1 and status.state is ThesisState.RE_REVIEW:
            problems.append(
                Problem(number, "round", "1", "round 1 is closed: the thesis is in 复评 re-review")
            )
            continue
        previous = latest.get(key)
        if previous is not None:
            if review.submitted_on > assignment.due_on:
                problems.append(
                    Problem(
                        number,
                        "submitted_on",
                        review.submitted_on.isoformat(),
                        f"revision after the due date {assignment.due_on}",
                    )
                )
                continue
            review = replace(review, revision=previous.revision + 1)
        accepted.append(review)
        latest[key] = review
        assignments[position] = replace(assignment, status=AssignmentStatus.COMPLETED)
    if problems:
        return cycle, problems
    return (
        replace(cycle, assignments=tuple(assignments), reviews=cycle.reviews + tuple(accepted)),
        [],
    )


def open_cases(cycle: ReviewCycle, on: date) -> tuple[ReviewCycle, list[MisconductCase]]:
    """Opens a misconduct case for each thesis with a trigger that has none yet."""
    existing = {case.thesis_id for case in cycle.cases}
    grouped = reviews_by_thesis(cycle)
    opened: list[MisconductCase] = []
    for thesis in cycle.theses:
        if thesis.thesis_id in existing:
            continue
        triggers = case_triggers(thesis, grouped.get(thesis.thesis_id, []))
        if triggers:
            opened.append(MisconductCase(thesis.thesis_id, on, tuple(triggers)))
    return replace(cycle, cases=cycle.cases + tuple(opened)), opened


def replace_case(cycle: ReviewCycle, case: MisconductCase) -> ReviewCycle:
    cases = tuple(case if c.thesis_id == case.thesis_id else c for c in cycle.cases)
    return replace(cycle, cases=cases)
