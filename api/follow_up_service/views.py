"""What each caller sees of the follow-up chain, and who may see it.

The office (admin keys) sees everything. An institution (a system key, or its portal
session) sees only its own feedback, rectification items, marks and 问责 decisions — and
never a reporter, a tracking code or an expert's identity: every body an institution
receives is built here from the explicit fields of `review.feedback.InstitutionFeedback`
and `review.allegations.InstitutionAllegation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from api import review_service as rs
from api.follow_up_service import store
from api.follow_up_service.intake import parse_attachment_reference
from api.keys import Principal
from api.problems import ApiProblem
from api.schemas.follow_up import (
    AccountabilityPublic,
    AllegationOffice,
    AllegationStatusPublic,
    AttachmentPublic,
    DimensionOpinionPublic,
    EventPublic,
    ExpertOpinionPublic,
    FeedbackPublic,
    FeedbackThesisPublic,
    InstitutionAllegationPublic,
    MarkPublic,
    RatePublic,
    RectificationItemPublic,
    ReporterPublic,
)
from api.service import Service
from review.allegations import (
    FOLLOW_UP_LABELS,
    KIND_LABELS,
    STATE_LABELS,
    Allegation,
    AnswerDeadlines,
    answer_due,
    public_status,
)
from review.consequences import MARK_LABELS, MEASURE_LABELS, AccountabilityDecision, Mark, marks
from review.feedback import InstitutionFeedback, institution_feedback
from review.follow_up_policy import FollowUpPolicy, load_policy
from review.institution_history import build_histories, misconduct_by_institution
from review.rectification import KIND_LABELS as ITEM_LABELS
from review.rectification import STATE_LABELS as ITEM_STATE_LABELS
from review.rectification import RectificationItem, is_overdue
from review.results import GroupResult, Results, compute_results, read_prior_results


def policy() -> FollowUpPolicy:
    """The service's follow-up policy: the documented defaults (review/follow_up_policy.toml)."""
    return load_policy()


# --- access ----------------------------------------------------------------------------------


def check_institution_reader(caller: Principal, institution: str) -> None:
    """Admins read every institution; a system key only its own (404 otherwise, so other
    institutions' existence is not revealed); reviewers never."""
    if caller.role == "admin":
        return
    if caller.role == "system":
        if caller.institution != institution:
            raise ApiProblem(
                404, "not-found", "Not found", f"no feedback for institution {institution!r}"
            )
        return
    raise ApiProblem(403, "forbidden", "Forbidden", "this needs an admin or system key")


# --- allegations -----------------------------------------------------------------------------


def status_public(allegation: Allegation) -> AllegationStatusPublic:
    status = public_status(allegation)
    return AllegationStatusPublic(
        tracking_code=status.code,
        state=status.state.value,
        state_label=status.state_label,
        received_on=status.received_on,
        last_step_on=status.last_step_on,
        rejection_reason=status.rejection_reason,
        follow_up=status.follow_up.value if status.follow_up else None,
        follow_up_label=FOLLOW_UP_LABELS[status.follow_up] if status.follow_up else None,
        merged_into=status.merged_into,
    )


def allegation_office(
    allegation: Allegation, deadlines: AnswerDeadlines, today: date
) -> AllegationOffice:
    report = allegation.report
    due = answer_due(allegation, deadlines)
    return AllegationOffice(
        tracking_code=allegation.code,
        state=allegation.state.value,
        state_label=STATE_LABELS[allegation.state],
        received_on=allegation.received_on,
        title=report.title,
        author=report.author,
        institution=report.institution,
        year=report.year,
        kind=report.kind.value,
        kind_label=KIND_LABELS[report.kind],
        suspected_source=report.suspected_source,
        details=report.details,
        attachments=[
            AttachmentPublic(
                index=i,
                label=(parsed[1] if parsed else ref),
                stored=parsed is not None,
            )
            for i, ref in enumerate(report.attachments)
            for parsed in [parse_attachment_reference(ref)]
        ],
        reporter=None
        if report.reporter is None
        else ReporterPublic(name=report.reporter.name, contact=report.reporter.contact),
        thesis_id=allegation.thesis_id,
        matched=allegation.matched,
        merged_into=allegation.merged_into,
        rejection_reason=allegation.rejection_reason,
        follow_up=allegation.follow_up.value if allegation.follow_up else None,
        answer_due=due,
        overdue=due is not None and due < today,
        events=[
            EventPublic(kind=e.kind.value, on=e.on, actor=e.actor, note=e.note)
            for e in allegation.events
        ],
    )


# --- rectification ---------------------------------------------------------------------------


def item_public(item: RectificationItem, today: date) -> RectificationItemPublic:
    return RectificationItemPublic(
        institution=item.institution,
        year=item.year,
        kind=item.kind.value,
        kind_label=ITEM_LABELS[item.kind],
        state=item.state.value,
        state_label=ITEM_STATE_LABELS[item.state],
        due_on=item.due_on,
        overdue=is_overdue(item, today),
        escalations=item.escalations,
        document=item.document,
        events=[
            EventPublic(kind=e.kind.value, on=e.on, actor=e.actor, note=e.note) for e in item.events
        ],
    )


def decision_public(decision: AccountabilityDecision) -> AccountabilityPublic:
    return AccountabilityPublic(
        institution=decision.institution,
        year=decision.year,
        measure=decision.measure.value,
        measure_label=MEASURE_LABELS[decision.measure],
        basis=decision.basis,
        decided_on=decision.decided_on,
        decided_by=decision.decided_by,
        programme=decision.programme,
        note=decision.note,
    )


def mark_public(mark: Mark) -> MarkPublic:
    return MarkPublic(
        institution=mark.institution,
        year=mark.year,
        kind=mark.kind.value,
        label=MARK_LABELS[mark.kind],
        basis=mark.basis,
    )


# --- the year of a review cycle --------------------------------------------------------------


@dataclass(frozen=True)
class CycleYear:
    """A review cycle's year as the follow-up sees it: results, marks and records."""

    loaded: rs.LoadedCycle
    results: Results
    marks: tuple[Mark, ...]
    allegations: tuple[Allegation, ...]
    items: tuple[RectificationItem, ...]

    @property
    def year(self) -> int:
        return self.loaded.record.year

    def institutions(self) -> list[str]:
        return [g.group for g in self.results.by("institution")]


def cycle_year(service: Service, session: Session, cycle_id: str) -> CycleYear:
    loaded = rs.load_cycle(session, cycle_id)
    record = loaded.record
    prior: dict[tuple[int, str], int] = {}
    if record.prior_results_blob:
        data = service.blobs.read_bytes(record.prior_results_blob)
        with rs.uploaded_table(data, record.prior_results_name or "prior.csv") as path:
            prior = read_prior_results(path)
    results = compute_results(loaded.cycle, record.year, prior)
    allegations = tuple(s.allegation for s in store.all_allegations(session))
    items = tuple(s.item for s in store.cycle_items(session, cycle_id))
    misconduct = misconduct_by_institution(loaded.cycle, allegations)
    histories = build_histories(
        [results], prior, {(record.year, name): n for name, n in misconduct.items()}
    )
    found = marks(record.year, histories, policy(), items)
    return CycleYear(loaded, results, tuple(found), allegations, items)


def _rate(group: GroupResult | None) -> RatePublic | None:
    if group is None:
        return None
    rate = group.rate
    return RatePublic(
        sampled=group.sampled,
        reviewed=group.reviewed,
        problems=group.problems,
        estimate=rate.estimate if rate else None,
        ci_low=rate.ci_low if rate else None,
        ci_high=rate.ci_high if rate else None,
    )


def feedback_for(year: CycleYear, institution: str) -> InstitutionFeedback:
    if institution not in year.institutions() and not any(
        i.institution == institution for i in year.items
    ):
        raise ApiProblem(
            404, "not-found", "Not found", f"no feedback for institution {institution!r}"
        )
    return institution_feedback(
        year.loaded.cycle,
        year.results,
        institution,
        year.allegations,
        year.items,
        year.marks,
    )


def feedback_public(
    feedback: InstitutionFeedback,
    decisions: list[AccountabilityDecision],
    today: date,
) -> FeedbackPublic:
    return FeedbackPublic(
        institution=feedback.institution,
        year=feedback.year,
        position=feedback.position,
        own=_rate(feedback.own),
        overall=_rate(feedback.overall),
        problem_theses=[
            FeedbackThesisPublic(
                thesis_id=t.thesis_id,
                title=t.title,
                author=t.author,
                discipline=t.discipline,
                degree_level=t.degree_level,
                degree_type=t.degree_type,
                opinions=[
                    ExpertOpinionPublic(
                        expert=o.expert,
                        round=o.round,
                        overall=o.overall.value,
                        dimensions=[
                            DimensionOpinionPublic(
                                label=d.label, grade=d.grade.value, comment=d.comment
                            )
                            for d in o.dimensions
                        ],
                        comment=o.comment,
                    )
                    for o in t.opinions
                ],
            )
            for t in feedback.problem_theses
        ],
        allegations=[
            InstitutionAllegationPublic(
                thesis_id=a.thesis_id,
                title=a.title,
                author=a.author,
                year=a.year,
                kind=a.kind.value,
                suspected_source=a.suspected_source,
                state=a.state.value,
                follow_up=a.follow_up.value if a.follow_up else None,
                received_on=a.received_on,
            )
            for a in feedback.allegations
        ],
        rectification=[item_public(i, today) for i in feedback.rectification],
        marks=[mark_public(m) for m in feedback.marks],
        accountability=[decision_public(d) for d in decisions],
    )
