"""A thesis's path through the review: assigned → in review → (re-review) → decided."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from review.assign import AssignmentError, AssignmentStatus
from review.cycle import (
    ReviewCycle,
    ThesisState,
    assign_initial,
    assign_re_reviews,
    open_cases,
    record_reviews,
    replace_expert,
    thesis_statuses,
    time_out_overdue,
)
from review.decision import Outcome
from review.forms import Grade, MisconductOpinion
from tests.review.builders import expert, review, thesis

ON = date(2025, 3, 1)


def started(n_experts: int = 8, **thesis_fields: object) -> ReviewCycle:
    cycle = ReviewCycle(
        seed=4,
        theses=(thesis("T1", **thesis_fields),),
        experts=tuple(expert(f"E{i}") for i in range(n_experts)),
    )
    cycle, result = assign_initial(cycle, ON)
    assert result.shortfalls == ()
    return cycle


def experts_of(cycle: ReviewCycle, round_number: int = 1) -> list[str]:
    return [
        a.expert_id
        for a in cycle.assignments
        if a.round == round_number and a.status is not AssignmentStatus.DECLINED
    ]


def state(cycle: ReviewCycle) -> ThesisState:
    return thesis_statuses(cycle)["T1"].state


def submit(cycle: ReviewCycle, grades: list[Grade], round_number: int = 1, **kw) -> ReviewCycle:
    ids = experts_of(cycle, round_number)[: len(grades)]
    submitted = [
        (i + 2, review("T1", e, g, round_number, **kw))
        for i, (e, g) in enumerate(zip(ids, grades, strict=True))
    ]
    cycle, problems = record_reviews(cycle, submitted)
    assert problems == []
    return cycle


def test_full_path_through_re_review_to_problem_thesis() -> None:
    cycle = started()
    assert state(cycle) is ThesisState.ASSIGNED
    cycle = submit(cycle, [Grade.FAIL])
    assert state(cycle) is ThesisState.IN_REVIEW
    cycle = record_reviews(
        cycle,
        [(3, review("T1", e, Grade.GOOD)) for e in experts_of(cycle)[1:]],
    )[0]
    assert state(cycle) is ThesisState.RE_REVIEW
    cycle, result = assign_re_reviews(cycle, date(2025, 4, 1))
    second = experts_of(cycle, 2)
    assert len(second) == 2 and not set(second) & set(experts_of(cycle, 1))
    cycle = submit(cycle, [Grade.PASS, Grade.FAIL], round_number=2)
    status = thesis_statuses(cycle)["T1"]
    assert status.state is ThesisState.DECIDED
    assert status.decision.outcome is Outcome.PROBLEM


def test_zero_fails_decides_not_problem_without_re_review() -> None:
    cycle = submit(started(), [Grade.GOOD, Grade.PASS, Grade.EXCELLENT])
    assert thesis_statuses(cycle)["T1"].decision.outcome is Outcome.NOT_PROBLEM
    cycle, result = assign_re_reviews(cycle, ON)
    assert result.assignments == ()


def test_review_from_unassigned_expert_is_refused() -> None:
    cycle = started()
    outsider = next(e.expert_id for e in cycle.experts if e.expert_id not in experts_of(cycle))
    unchanged, problems = record_reviews(cycle, [(7, review("T1", outsider, Grade.PASS))])
    assert unchanged is cycle
    assert problems[0].row == 7 and "not assigned" in problems[0].reason


def test_declined_expert_is_replaced_and_cannot_then_review() -> None:
    cycle = started()
    gone = experts_of(cycle)[0]
    cycle, result = replace_expert(cycle, "T1", gone, AssignmentStatus.DECLINED, ON)
    assert len(result.assignments) == 1 and result.assignments[0].replaces == gone
    active = [a for a in cycle.assignments if a.counts_toward_load]
    assert len(active) == 3 and gone not in {a.expert_id for a in active}
    assert len(cycle.assignments) == 4
    _, problems = record_reviews(cycle, [(2, review("T1", gone, Grade.PASS))])
    assert "ended" in problems[0].reason
    with pytest.raises(AssignmentError):
        replace_expert(cycle, "T1", gone, AssignmentStatus.DECLINED, ON)


def test_overdue_experts_time_out_and_are_replaced() -> None:
    cycle = submit(started(), [Grade.PASS])
    cycle, result = time_out_overdue(cycle, date(2025, 5, 1))
    timed_out = [a for a in cycle.assignments if a.status is AssignmentStatus.TIMED_OUT]
    assert len(timed_out) == 2 and len(result.assignments) == 2
    assert thesis_statuses(cycle)["T1"].active_experts == 3


def test_revision_before_due_date_replaces_the_verdict() -> None:
    cycle = submit(started(), [Grade.FAIL, Grade.PASS])
    first = experts_of(cycle)[0]
    revised = review("T1", first, Grade.PASS, on=date(2025, 3, 20))
    cycle, problems = record_reviews(cycle, [(2, revised)])
    assert problems == []
    assert thesis_statuses(cycle)["T1"].decision.first_round_fails == 0
    assert [r.revision for r in cycle.reviews if r.expert_id == first] == [1, 2]


def test_revision_after_due_date_is_refused() -> None:
    cycle = submit(started(), [Grade.PASS])
    late = review("T1", experts_of(cycle)[0], Grade.FAIL, on=date(2025, 6, 1))
    _, problems = record_reviews(cycle, [(4, late)])
    assert "after the due date" in problems[0].reason


def test_round_two_review_needs_re_review_state() -> None:
    cycle = started()
    _, problems = record_reviews(cycle, [(2, review("T1", experts_of(cycle)[0], Grade.PASS, 2))])
    assert problems and "not assigned" in problems[0].reason


def test_decided_thesis_is_not_reopened() -> None:
    cycle = submit(started(), [Grade.FAIL, Grade.FAIL, Grade.PASS])
    again = review("T1", experts_of(cycle)[0], Grade.PASS)
    _, problems = record_reviews(cycle, [(2, again)])
    assert "already decided" in problems[0].reason


def test_cases_open_for_screening_or_reviewer_suspicion() -> None:
    cycle = started(flag="suspected_misconduct")
    cycle, opened = open_cases(cycle, ON)
    assert [c.thesis_id for c in opened] == ["T1"]
    cycle, again = open_cases(cycle, ON)
    assert again == []
    quiet = started(flag="needs_review")
    quiet = submit(quiet, [Grade.PASS], misconduct=MisconductOpinion.SUSPECTED)
    quiet, opened = open_cases(quiet, ON)
    assert opened and "reviewer" in opened[0].triggers[0]


def test_short_pool_leaves_thesis_partly_staffed() -> None:
    cycle = ReviewCycle(seed=1, theses=(thesis("T1"),), experts=(expert("E1"),))
    cycle, result = assign_initial(cycle, ON)
    assert result.shortfalls[0].assigned == 1
    cycle = replace(cycle, experts=cycle.experts + (expert("E2"), expert("E3")))
    cycle, result = assign_initial(cycle, ON)
    assert len(result.assignments) == 2 and result.shortfalls == ()
