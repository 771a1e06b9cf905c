"""The review workflows, once: what the CLI, the HTTP service and the demo all run.

Each step takes a `ReviewCycle` and returns the changed one (plus what happened); it never
stores anything. A step the rules do not allow raises `WorkflowError` with a stable `code`
(the HTTP service uses it as its problem code) and a message naming the thesis, expert or
file row.

- `replace_pool`: a new expert pool; experts with assignments must stay in it.
- `apply_province_mapping` / `check_province_rule`: the office's institution → province
  mapping always wins over what the pool says, whatever the upload order; the same-province
  exclusion is refused while a sampled institution's province is unknown.
- `run_assignment`: replacements and time-outs asked for, round-1 and 复评 staffing, then
  misconduct cases for every thesis with a trigger.
- `import_reviews`: offline review forms, all rows or none, then 复评 staffing and cases.
- `check_can_review` / `submit_review`: one expert's review before its deadline, never for
  an ended assignment or a decided thesis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from review.assign import Assignment, AssignmentError, AssignmentStatus, StaffingResult
from review.conflicts import Conflict
from review.cycle import (
    ReviewCycle,
    ThesisState,
    ThesisStatus,
    assign_initial,
    assign_re_reviews,
    latest_reviews,
    open_cases,
    record_reviews,
    replace_experts,
    thesis_statuses,
    time_out_overdue,
)
from review.experts import Expert, institution_provinces
from review.misconduct import MisconductCase
from review.reviews import Review, validate_review
from review.tables import Problem


class WorkflowError(Exception):
    """A workflow step the rules do not allow; nothing changed.

    `code` is stable and machine-readable (e.g. `provinces-unknown`, `deadline-passed`);
    `problems` lists the rows of an input file that were refused, when there is one.
    """

    def __init__(
        self, code: str, title: str, detail: str, problems: Sequence[Problem] = ()
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.title = title
        self.detail = detail
        self.problems = tuple(problems)


class NeedsWholeCycle(Exception):
    """The step must staff 复评 experts, which needs the whole cycle, not a part of it."""


def _merge(*results: StaffingResult) -> StaffingResult:
    return StaffingResult(
        tuple(a for r in results for a in r.assignments),
        tuple(s for r in results for s in r.shortfalls),
    )


# --- the expert pool and provinces ---------------------------------------------------------------


def replace_pool(cycle: ReviewCycle, experts: Sequence[Expert]) -> ReviewCycle:
    """The cycle with a new pool; provinces the pool states fill only theses without one."""
    kept = {e.expert_id for e in experts}
    missing = sorted({a.expert_id for a in cycle.assignments} - kept)
    if missing:
        raise WorkflowError(
            "experts-in-use",
            "Experts in use",
            f"the new pool lacks {len(missing)} expert(s) who already have assignments "
            f"(e.g. {', '.join(missing[:5])}); experts with assignments cannot leave the pool",
        )
    from_pool = institution_provinces(experts)
    theses = tuple(
        t if t.province else replace(t, province=from_pool.get(t.institution, ""))
        for t in cycle.theses
    )
    return replace(cycle, experts=tuple(experts), theses=theses)


def apply_province_mapping(cycle: ReviewCycle, provinces: Mapping[str, str]) -> ReviewCycle:
    """The cycle with the office's mapping applied: it wins over the pool's provinces."""
    theses = tuple(
        replace(t, province=provinces[t.institution]) if provinces.get(t.institution) else t
        for t in cycle.theses
    )
    return replace(cycle, theses=theses)


def fill_provinces_from_pool(cycle: ReviewCycle) -> ReviewCycle:
    """Theses without a province take the one the pool states for their institution."""
    return replace_pool(cycle, cycle.experts)


def unknown_provinces(cycle: ReviewCycle) -> list[str]:
    """Institutions with sampled theses whose province is not known."""
    return sorted({t.institution for t in cycle.theses if not t.province})


def check_province_rule(cycle: ReviewCycle) -> None:
    """Refuses the same-province exclusion while a sampled institution's province is unknown."""
    if Conflict.SAME_PROVINCE not in cycle.policy.exclusions:
        return
    unknown = unknown_provinces(cycle)
    if unknown:
        raise WorkflowError(
            "provinces-unknown",
            "Provinces unknown",
            f"the same-province exclusion needs the province of {len(unknown)} institution(s) "
            f"with sampled theses (e.g. {', '.join(unknown[:5])}): give an institution → "
            "province mapping (institution,province)",
        )


# --- assignment ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentRun:
    """What one assignment run did."""

    cycle: ReviewCycle
    staffing: StaffingResult
    opened: tuple[MisconductCase, ...]


def run_assignment(
    cycle: ReviewCycle,
    on: date,
    *,
    ended: Sequence[tuple[str, str, AssignmentStatus]] = (),
    expire_overdue: bool = False,
) -> AssignmentRun:
    """Ends the given assignments (and overdue ones if asked), staffs replacements, round 1
    and 复评, then opens a misconduct case for every thesis with a trigger."""
    if not cycle.experts:
        raise WorkflowError("no-experts", "No expert pool", "import the expert pool first")
    cycle = fill_provinces_from_pool(cycle)
    check_province_rule(cycle)
    results: list[StaffingResult] = []
    if ended:
        cycle, result = end_assignments(cycle, ended, on)
        results.append(result)
    if expire_overdue:
        cycle, result = time_out_overdue(cycle, on)
        results.append(result)
    cycle, result = assign_initial(cycle, on)
    results.append(result)
    cycle, result = assign_re_reviews(cycle, on)
    results.append(result)
    cycle, opened = open_cases(cycle, on)
    return AssignmentRun(cycle, _merge(*results), tuple(opened))


def end_assignments(
    cycle: ReviewCycle, ended: Sequence[tuple[str, str, AssignmentStatus]], on: date
) -> tuple[ReviewCycle, StaffingResult]:
    """Records declines/time-outs (thesis, expert, status) and staffs every replacement."""
    cycle = fill_provinces_from_pool(cycle)
    check_province_rule(cycle)
    try:
        return replace_experts(cycle, ended, on)
    except AssignmentError as exc:
        raise WorkflowError("cannot-end-assignment", "Cannot end assignment", str(exc)) from exc


# --- reviews ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewImport:
    """What one import of offline review forms did."""

    cycle: ReviewCycle
    imported: int
    staffing: StaffingResult
    opened: tuple[MisconductCase, ...]


def import_reviews(
    cycle: ReviewCycle,
    submitted: Sequence[tuple[int, Review]],
    on: date,
    *,
    source: str = "reviews",
    re_review: bool = True,
) -> ReviewImport:
    """Records every (row, review) or none; then 复评 staffing (unless `re_review` is off)
    and misconduct cases."""
    if not cycle.theses:
        raise WorkflowError("no-assignments", "No assignments", "no theses assigned yet")
    cycle, problems = record_reviews(cycle, submitted)
    if problems:
        raise WorkflowError(
            "invalid-table",
            "Invalid review forms",
            f"{len(problems)} problem(s) in {source}; nothing was stored: "
            + "; ".join(str(p) for p in problems[:5]),
            problems,
        )
    staffing = StaffingResult((), ())
    if re_review:
        cycle, staffing = assign_re_reviews(cycle, on)
    cycle, opened = open_cases(cycle, on)
    return ReviewImport(cycle, len(submitted), staffing, tuple(opened))


def check_can_review(assignment: Assignment, status: ThesisStatus, on: date) -> None:
    """Refuses a review for an ended assignment, a decided thesis, or after the due date."""
    if not assignment.counts_toward_load:
        raise WorkflowError("assignment-ended", "Assignment ended", "this assignment has ended")
    if status.state is ThesisState.DECIDED:
        raise WorkflowError(
            "thesis-decided",
            "Thesis decided",
            "the thesis is already decided; reviews can no longer be changed",
        )
    if on > assignment.due_on:
        raise WorkflowError(
            "deadline-passed",
            "Deadline passed",
            f"the review was due on {assignment.due_on.isoformat()}; "
            "ask the degree office to extend or reassign it",
        )


def submit_review(
    cycle: ReviewCycle, review: Review, on: date, *, whole_cycle: bool = True
) -> tuple[ReviewCycle, Review]:
    """Records (or revises) one expert's review: checks its assignment, deadline and form,
    staffs 复评 when the round ends with exactly one 不合格, opens cases; returns the stored
    revision.

    With `whole_cycle=False` (a cycle loaded for this thesis only) a review that would need
    复评 experts raises `NeedsWholeCycle` instead, so the caller can load everything.
    """
    mine = [
        a
        for a in cycle.assignments
        if (a.thesis_id, a.expert_id, a.round) == (review.thesis_id, review.expert_id, review.round)
    ]
    if not mine:
        raise WorkflowError("not-assigned", "Not assigned", "no such assignment")
    thesis = cycle.thesis(review.thesis_id)
    check_can_review(mine[-1], thesis_statuses(cycle)[review.thesis_id], on)
    invalid = validate_review(review, thesis)
    if invalid:
        raise WorkflowError(
            "invalid-review",
            "Invalid review",
            "; ".join(f"{name}: {reason}" for name, reason in invalid),
            [Problem(0, name, "", reason) for name, reason in invalid],
        )
    cycle, problems = record_reviews(cycle, [(0, review)])
    if problems:
        raise WorkflowError(
            "review-not-accepted",
            "Review not accepted",
            "; ".join(p.reason for p in problems),
            problems,
        )
    if thesis_statuses(cycle)[review.thesis_id].state is ThesisState.RE_REVIEW:
        if not whole_cycle:
            raise NeedsWholeCycle
        cycle, _ = assign_re_reviews(cycle, on)
    cycle, _ = open_cases(cycle, on)
    return cycle, latest_reviews(cycle.reviews)[(review.thesis_id, review.expert_id, review.round)]
