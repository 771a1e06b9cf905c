"""What a reviewer sees and does: the own assignments (blind), the blind report, the review."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import audit
from api.keys import Principal
from api.problems import ApiProblem
from api.review_service import clock
from api.review_service.repository import (
    LoadedCycle,
    change_cycle,
    latest_screening,
    load_cycle,
)
from api.review_service.security import (
    ReviewerIdentity,
)
from api.review_service.tables import (
    workflow_problems,
)
from api.service import Service
from api.settings import Settings
from api.storage.models import Submission
from api.storage.review_models import (
    ReviewAssignmentRecord,
)
from api.stored_results import parse_stored_result
from corpora import blind as corpora_blind
from review import workflows
from review.assign import Assignment
from review.cycle import (
    ReviewCycle,
    ThesisState,
    ThesisStatus,
    latest_reviews,
    thesis_statuses,
)
from review.forms import Grade, MisconductOpinion, form_for
from review.reviews import DimensionAssessment, Review
from review.theses import SampledThesis
from review.workflows import check_can_review

# --- reviewer views and actions --------------------------------------------------------------


def blind_id(settings: Settings, cycle_id: str, thesis_id: str) -> str:
    """The thesis's blind id in this cycle: the same one its blind report shows."""
    return corpora_blind.blind_id(settings.blinding_key(cycle_id), thesis_id)


@dataclass(frozen=True)
class ReviewerAssignment:
    """One assignment as its reviewer sees it (no author, supervisor or institution)."""

    id: str
    assignment: Assignment
    thesis: SampledThesis
    status: ThesisStatus
    review: Review | None
    blind_id: str
    cycle_id: str

    @property
    def open_for_review(self) -> bool:
        return (
            self.assignment.counts_toward_load
            and self.status.state is not ThesisState.DECIDED
            and clock.today() <= self.assignment.due_on
        )


def reviewer_assignments(
    settings: Settings, session: Session, identity: ReviewerIdentity
) -> list[ReviewerAssignment]:
    """The expert's assignments that still count (declined or timed-out ones are gone)."""
    mine = list(
        session.scalars(
            select(ReviewAssignmentRecord).where(
                ReviewAssignmentRecord.cycle_id == identity.cycle_id,
                ReviewAssignmentRecord.expert_id == identity.expert_id,
            )
        )
    )
    cycle = load_cycle(session, identity.cycle_id, {row.thesis_id for row in mine}).cycle
    ids = {(r.thesis_id, r.expert_id, r.round): r.id for r in mine}
    statuses = thesis_statuses(cycle)
    latest = latest_reviews(cycle.reviews)
    theses = cycle.thesis_map()
    found = []
    for assignment in cycle.assignments:
        if assignment.expert_id != identity.expert_id or not assignment.counts_toward_load:
            continue
        key = (assignment.thesis_id, assignment.expert_id, assignment.round)
        found.append(
            ReviewerAssignment(
                id=ids[key],
                assignment=assignment,
                thesis=theses[assignment.thesis_id],
                status=statuses[assignment.thesis_id],
                review=latest.get(key),
                blind_id=blind_id(settings, identity.cycle_id, assignment.thesis_id),
                cycle_id=identity.cycle_id,
            )
        )
    found.sort(key=lambda a: (a.assignment.due_on, a.blind_id))
    return found


def reviewer_assignment(
    settings: Settings, session: Session, identity: ReviewerIdentity, assignment_id: str
) -> ReviewerAssignment:
    """One of the expert's own assignments; 404 for anything else (existence not revealed)."""
    for item in reviewer_assignments(settings, session, identity):
        if item.id == assignment_id:
            return item
    raise ApiProblem(404, "not-found", "Not found", f"no assignment with id {assignment_id!r}")


def blind_names(session: Session, thesis: SampledThesis) -> list[str]:
    """Every name the blind report must hide: people, the institution, submission metadata."""
    fields: dict[str, Any] = {
        "author": thesis.author,
        "supervisor": thesis.supervisor,
        "institution": thesis.institution,
        "co_authors": list(thesis.co_authors),
        "pre_defence_reviewers": list(thesis.pre_defence_reviewers),
    }
    names = corpora_blind.names_from_metadata(fields)
    screening = latest_screening(session, thesis)
    if screening is not None:
        submission = session.get(Submission, screening.submission_id)
        if submission is not None:
            names += corpora_blind.names_from_metadata(submission.metadata_ or {})
    return names


def blind_report(service: Service, session: Session, item: ReviewerAssignment) -> str:
    """The blind flag report of an assigned thesis; 404 while no screening result exists."""
    from screening.report import render_thesis_report

    screening = latest_screening(session, item.thesis)
    if screening is None or screening.result_blob is None:
        raise ApiProblem(
            404,
            "no-report",
            "No screening report",
            "this thesis has no completed screening yet; the office will add it",
        )
    result = parse_stored_result(service.blobs.read_bytes(screening.result_blob), screening.id)
    return render_thesis_report(
        result,
        blind=True,
        names=blind_names(session, item.thesis),
        key=service.settings.blinding_key(item.cycle_id),
        blind_id=item.blind_id,
    )


@dataclass(frozen=True)
class ReviewInput:
    """A reviewer's form as submitted (grades already parsed)."""

    overall: Grade
    dimensions: Mapping[str, tuple[Grade, str]]
    comment: str
    misconduct: MisconductOpinion | None
    misconduct_comment: str


def submit_review(
    settings: Settings,
    session: Session,
    identity: ReviewerIdentity,
    assignment_id: str,
    form: ReviewInput,
    actor: Principal,
    client: str | None,
) -> tuple[Review, ThesisStatus]:
    """Records (or revises) the expert's review before the deadline; commits with an audit event.

    When the review completes a round with exactly one 不合格 the two 复评 experts are
    assigned at once; a misconduct case opens when the screening or a reviewer suspects it.
    """
    item = reviewer_assignment(settings, session, identity, assignment_id)
    now = clock.today()
    with workflow_problems():
        check_can_review(item.assignment, item.status, now)
    review = Review(
        thesis_id=item.thesis.thesis_id,
        expert_id=identity.expert_id,
        round=item.assignment.round,
        form_id=form_for(item.thesis.degree_type).form_id,
        overall=form.overall,
        dimensions=tuple(
            DimensionAssessment(key, grade, comment.strip())
            for key, (grade, comment) in form.dimensions.items()
        ),
        comment=form.comment.strip(),
        submitted_on=now,
        misconduct=form.misconduct,
        misconduct_comment=form.misconduct_comment.strip(),
    )

    def record(loaded: LoadedCycle, whole: bool) -> tuple[ReviewCycle, Review]:
        return workflows.submit_review(loaded.cycle, review, now, whole_cycle=whole)

    with workflow_problems():
        try:
            loaded, saved = change_cycle(
                session, identity.cycle_id, lambda c: record(c, False), {review.thesis_id}
            )
        except workflows.NeedsWholeCycle:
            session.rollback()
            loaded, saved = change_cycle(session, identity.cycle_id, lambda c: record(c, True))
    status = thesis_statuses(loaded.cycle)[review.thesis_id]
    audit.record(
        session,
        actor,
        "review.revise" if saved.revision > 1 else "review.submit",
        "review_assignment",
        assignment_id,
        {
            "cycle_id": identity.cycle_id,
            "expert_id": identity.expert_id,
            "round": saved.round,
            "revision": saved.revision,
            "overall": saved.overall.value,
            "thesis_state": status.state.value,
        },
        client,
    )
    session.commit()
    return saved, status
