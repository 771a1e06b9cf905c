"""Who may see what: institutions see only their own submissions, reviewers only assignments."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api.keys import Principal
from api.problems import ApiProblem, not_found
from api.storage.models import ReportAssignment, Screening, Submission


def visible_submissions(query: Select, caller: Principal) -> Select:
    if caller.role == "admin":
        return query
    if caller.role == "system":
        return query.where(Submission.institution == caller.institution)
    return query.where(Submission.id.is_(None))


def visible_screenings(query: Select, caller: Principal) -> Select:
    if caller.role == "admin":
        return query
    if caller.role == "system":
        return query.where(Screening.institution == caller.institution)
    assigned = select(ReportAssignment.screening_id).where(
        ReportAssignment.reviewer_key_id == caller.key_id
    )
    return query.where(Screening.id.in_(assigned))


def get_submission(session: Session, submission_id: str, caller: Principal) -> Submission:
    """The submission if the caller may see it; 404 otherwise (existence is not revealed)."""
    if caller.role == "reviewer":
        raise ApiProblem(403, "forbidden", "Forbidden", "reviewers cannot read submissions")
    record = session.get(Submission, submission_id)
    if record is None or (caller.role == "system" and record.institution != caller.institution):
        raise not_found("submission", submission_id)
    return record


def get_screening(session: Session, screening_id: str, caller: Principal) -> Screening:
    record = session.get(Screening, screening_id)
    if record is None:
        raise not_found("screening", screening_id)
    if caller.role == "system" and record.institution != caller.institution:
        raise not_found("screening", screening_id)
    if caller.role == "reviewer" and not is_assigned(session, screening_id, caller.key_id):
        raise not_found("screening", screening_id)
    return record


def is_assigned(session: Session, screening_id: str, reviewer_key_id: str) -> bool:
    return (
        session.scalar(
            select(ReportAssignment.id).where(
                ReportAssignment.screening_id == screening_id,
                ReportAssignment.reviewer_key_id == reviewer_key_id,
            )
        )
        is not None
    )
