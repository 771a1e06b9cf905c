"""Feedback (反馈) per institution, marks (约谈/通报/激励) and accountability (问责) of a review
cycle. Institutions (system keys) read only their own; the office reads all and records
decisions. Experts appear as 专家 A/B/C, reporters never."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from api import review_service as rs
from api.deps import AdminCaller, CallerDep, ServiceDep, SessionDep
from api.follow_up_service import store, views
from api.problems import ApiProblem
from api.routes.follow_up.common import record, router
from api.schemas.follow_up import (
    AccountabilityCreate,
    AccountabilityPublic,
    FeedbackPublic,
    MarkPublic,
)
from review.consequences import AccountabilityDecision, DecisionError, record_decision
from review.feedback import render_feedback_html


def _readable(caller: CallerDep, institutions: list[str]) -> list[str]:
    if caller.role == "admin":
        return institutions
    if caller.role == "system":
        return [i for i in institutions if i == caller.institution]
    raise ApiProblem(403, "forbidden", "Forbidden", "this needs an admin or system key")


@router.get("/review-cycles/{cycle_id}/feedback", response_model=list[str])
def list_feedback_institutions(
    cycle_id: str, service: ServiceDep, session: SessionDep, caller: CallerDep
) -> list[str]:
    """The institutions whose feedback the caller may read (a system key: its own, if sampled)."""
    year = views.cycle_year(service, session, cycle_id)
    return _readable(caller, year.institutions())


@router.get("/review-cycles/{cycle_id}/feedback/{institution}", response_model=FeedbackPublic)
def get_feedback(
    cycle_id: str,
    institution: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: CallerDep,
) -> FeedbackPublic:
    """The institution's problem theses with the experts' opinions (专家 A/B/C, never names),
    its rate and 95% interval beside the overall one, accepted allegations (no reporter),
    rectification items, marks and 问责 decisions."""
    views.check_institution_reader(caller, institution)
    year = views.cycle_year(service, session, cycle_id)
    feedback = views.feedback_for(year, institution)
    decisions = store.cycle_decisions(session, cycle_id, institution)
    if caller.role == "system":
        record(session, caller, request, "feedback.read", "review_cycle", cycle_id,
               {"institution": institution})  # fmt: skip
        session.commit()
    return views.feedback_public(feedback, decisions, rs.clock.today())


@router.get(
    "/review-cycles/{cycle_id}/feedback-pages/{institution}",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}},
)
def get_feedback_page(
    cycle_id: str, institution: str, service: ServiceDep, session: SessionDep, caller: CallerDep
) -> HTMLResponse:
    """The same feedback as a self-contained HTML page (no scripts, no network requests)."""
    views.check_institution_reader(caller, institution)
    year = views.cycle_year(service, session, cycle_id)
    html = render_feedback_html(views.feedback_for(year, institution))
    response = HTMLResponse(html)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@router.get("/review-cycles/{cycle_id}/marks", response_model=list[MarkPublic])
def list_marks(
    cycle_id: str, service: ServiceDep, session: SessionDep, caller: CallerDep
) -> list[MarkPublic]:
    """约谈 interview, 通报 notice and 激励 recognition, each with its basis, derived from the
    results, prior years and escalated rectification (a system key: its own)."""
    year = views.cycle_year(service, session, cycle_id)
    allowed = set(_readable(caller, sorted({m.institution for m in year.marks})))
    return [views.mark_public(m) for m in year.marks if m.institution in allowed]


@router.post(
    "/review-cycles/{cycle_id}/accountability-decisions",
    response_model=AccountabilityPublic,
    status_code=201,
)
def record_accountability_decision(
    cycle_id: str,
    body: AccountabilityCreate,
    request: Request,
    session: SessionDep,
    caller: AdminCaller,
) -> AccountabilityPublic:
    """Records a 问责 decision (enrolment cut, suspension, …) with its basis and who decided;
    `422` without a basis."""
    loaded = rs.load_cycle(session, cycle_id, thesis_ids=[])
    decision = AccountabilityDecision(
        institution=body.institution.strip(),
        year=loaded.record.year,
        measure=body.measure,
        basis=body.basis,
        decided_on=body.decided_on or rs.clock.today(),
        decided_by=body.decided_by,
        programme=body.programme,
        note=body.note,
    )
    try:
        record_decision(store.cycle_decisions(session, cycle_id), decision)
    except DecisionError as exc:
        raise ApiProblem(422, "invalid-decision", "Invalid decision", str(exc)) from exc
    store.add_decision(session, cycle_id, decision)
    record(session, caller, request, "accountability.record", "review_cycle", cycle_id,
           {"institution": decision.institution, "measure": decision.measure.value})  # fmt: skip
    session.commit()
    return views.decision_public(decision)


@router.get(
    "/review-cycles/{cycle_id}/accountability-decisions",
    response_model=list[AccountabilityPublic],
)
def list_accountability_decisions(
    cycle_id: str, session: SessionDep, caller: CallerDep
) -> list[AccountabilityPublic]:
    """Every decision (office) or the institution's own (system key)."""
    rs.load_cycle(session, cycle_id, thesis_ids=[])
    if caller.role == "system":
        decisions = store.cycle_decisions(session, cycle_id, caller.institution)
    elif caller.role == "admin":
        decisions = store.cycle_decisions(session, cycle_id)
    else:
        raise ApiProblem(403, "forbidden", "Forbidden", "this needs an admin or system key")
    return [views.decision_public(d) for d in decisions]
