"""Between the `review` domain and the database: cycles, reviewer identities, shared actions.

A review cycle is loaded from its rows into the domain's immutable `ReviewCycle`, changed
by the domain's functions, and written back as a diff under an optimistic lock (the
cycle row's `version`), so two concurrent writers never lose each other's changes. The
JSON routes (`api.routes.review`) and the portal (`api.routes.portal`) both act through
the functions here; errors are `ApiProblem`s that each caller renders its own way.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import secrets
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api import audit
from api.keys import Principal
from api.problems import ApiProblem, InvalidParam
from api.service import Service
from api.settings import Settings
from api.signing import keyed_digest
from api.storage.models import ApiKey, Draw, Screening, Submission, rowcount, utcnow
from api.storage.review_models import (
    ExpertKey,
    MisconductCaseRecord,
    PortalToken,
    ReviewAssignmentRecord,
    ReviewCycleRecord,
    ReviewExpertRecord,
    ReviewRecord,
    ReviewThesisRecord,
)
from corpora import blind as corpora_blind
from review import workflows
from review.assign import Assignment
from review.conflicts import ConflictPolicy
from review.cycle import (
    ReviewCycle,
    ThesisState,
    ThesisStatus,
    latest_reviews,
    thesis_statuses,
)
from review.forms import Grade, MisconductOpinion, form_for
from review.reviews import DimensionAssessment, Review
from review.tables import Problem, TableError, ValidationError
from review.theses import SampledThesis, ScreeningEvidence, theses_from_rows
from review.workflows import WorkflowError, check_can_review
from review.workspace import (
    assignment_from_json,
    assignment_to_json,
    case_from_json,
    case_to_json,
    expert_from_json,
    expert_to_json,
    review_from_json,
    review_to_json,
    thesis_from_json,
    thesis_to_json,
)

LINK_TTL = timedelta(days=7)
SESSION_TTL = timedelta(hours=8)
SAVE_ATTEMPTS = 3
T = TypeVar("T")


def today() -> date:
    """The service's idea of today (UTC); tests replace it to move past a deadline."""
    return datetime.now(UTC).date()


class StaleCycle(Exception):
    """Another request changed the cycle between this request's read and its write."""


@dataclass(frozen=True)
class LoadedCycle:
    record: ReviewCycleRecord
    cycle: ReviewCycle


@dataclass(frozen=True)
class ReviewerIdentity:
    """Who a reviewer is: one expert of one review cycle (and the key used, if any)."""

    cycle_id: str
    expert_id: str
    key_id: str | None = None


# --- loading and saving a cycle -------------------------------------------------------------


def _rows(
    session: Session, model: type[T], cycle_id: str, thesis_ids: Collection[str] | None = None
) -> list[T]:
    """The cycle's rows of a table, optionally only those of some theses (in chunks)."""
    query = select(model).where(model.cycle_id == cycle_id)  # type: ignore[attr-defined]
    if thesis_ids is None:
        return list(session.scalars(query))
    wanted = sorted(thesis_ids)
    found: list[T] = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found += session.scalars(query.where(model.thesis_id.in_(chunk)))  # type: ignore[attr-defined]
    return found


def load_cycle(
    session: Session, cycle_id: str, thesis_ids: Collection[str] | None = None
) -> LoadedCycle:
    """The cycle as the domain sees it; 404 when there is no such cycle.

    With `thesis_ids`, only those theses with their assignments, reviews and cases are
    read (no experts): enough for their states, and fast for a reviewer's few theses.
    Since `save_cycle` writes differences, a partial cycle may be saved after a change
    that touches only its theses and needs no expert pool (recording a review).
    """
    record = session.get(ReviewCycleRecord, cycle_id)
    if record is None:
        raise ApiProblem(404, "not-found", "Not found", f"no review cycle with id {cycle_id!r}")
    partial = thesis_ids is not None
    reviews = sorted(
        _rows(session, ReviewRecord, cycle_id, thesis_ids),
        key=lambda r: (r.thesis_id, r.expert_id, r.round, r.revision),
    )
    theses = _rows(session, ReviewThesisRecord, cycle_id, thesis_ids)
    experts = [] if partial else _rows(session, ReviewExpertRecord, cycle_id)
    cases = _rows(session, MisconductCaseRecord, cycle_id, thesis_ids)
    cycle = ReviewCycle(
        seed=record.seed,
        policy=ConflictPolicy.from_names(list(record.exclusions)),
        due_days=record.due_days,
        theses=tuple(sorted((thesis_from_json(r.data) for r in theses), key=lambda t: t.thesis_id)),
        experts=tuple(
            sorted((expert_from_json(r.data) for r in experts), key=lambda e: e.expert_id)
        ),
        assignments=tuple(
            assignment_from_json(r.data)
            for r in sorted(
                _rows(session, ReviewAssignmentRecord, cycle_id, thesis_ids),
                key=lambda r: (r.data["assigned_on"], r.round, r.thesis_id, r.expert_id),
            )
        ),
        reviews=tuple(review_from_json(r.data) for r in reviews),
        cases=tuple(sorted((case_from_json(r.data) for r in cases), key=lambda c: c.thesis_id)),
    )
    return LoadedCycle(record, cycle)


def _sync(
    session: Session,
    model: type[Any],
    cycle_id: str,
    before: Iterable[Any],
    after: Iterable[Any],
    key: Callable[[Any], tuple[Any, ...]],
    encode: Callable[[Any], dict[str, Any]],
    columns: Callable[[Any], dict[str, Any]],
) -> None:
    """Inserts, updates and deletes rows so the table holds exactly `after`."""
    old = {key(item): encode(item) for item in before}
    new = {key(item): (item, encode(item)) for item in after}
    changed = [k for k in new if k not in old or old[k] != new[k][1]]
    removed = [k for k in old if k not in new]
    if not changed and not removed:
        return
    names = _key_columns(model)
    touched = changed + removed
    if len(touched) > 50:
        rows = _rows(session, model, cycle_id)
    else:
        rows = []
        for k in touched:
            query = select(model).where(model.cycle_id == cycle_id)
            for name, value in zip(names, k, strict=True):
                query = query.where(getattr(model, name) == value)
            rows += session.scalars(query)
    existing = {tuple(getattr(row, name) for name in names): row for row in rows}
    for k in changed:
        item, data = new[k]
        row = existing.get(k)
        if row is None:
            session.add(model(cycle_id=cycle_id, data=data, **columns(item)))
        else:
            row.data = data
            for name, value in columns(item).items():
                setattr(row, name, value)
    for k in removed:
        row = existing.get(k)
        if row is not None:
            session.delete(row)


_KEYS: dict[type[Any], tuple[str, ...]] = {
    ReviewExpertRecord: ("expert_id",),
    ReviewThesisRecord: ("thesis_id",),
    ReviewAssignmentRecord: ("thesis_id", "expert_id", "round"),
    ReviewRecord: ("thesis_id", "expert_id", "round", "revision"),
    MisconductCaseRecord: ("thesis_id",),
}


def _key_columns(model: type[Any]) -> tuple[str, ...]:
    return _KEYS[model]


def save_cycle(session: Session, loaded: LoadedCycle, cycle: ReviewCycle) -> LoadedCycle:
    """Writes what changed since `loaded`; StaleCycle when someone else saved in between."""
    record = loaded.record
    bumped = session.execute(
        update(ReviewCycleRecord)
        .where(ReviewCycleRecord.id == record.id, ReviewCycleRecord.version == record.version)
        .values(version=record.version + 1)
        .execution_options(synchronize_session=False)
    )
    if rowcount(bumped) != 1:
        raise StaleCycle(record.id)
    before = loaded.cycle
    _sync(
        session,
        ReviewExpertRecord,
        record.id,
        before.experts,
        cycle.experts,
        lambda e: (e.expert_id,),
        expert_to_json,
        lambda e: {"expert_id": e.expert_id},
    )
    _sync(
        session,
        ReviewThesisRecord,
        record.id,
        before.theses,
        cycle.theses,
        lambda t: (t.thesis_id,),
        thesis_to_json,
        lambda t: {"thesis_id": t.thesis_id},
    )
    _sync(
        session,
        ReviewAssignmentRecord,
        record.id,
        before.assignments,
        cycle.assignments,
        lambda a: (a.thesis_id, a.expert_id, a.round),
        assignment_to_json,
        lambda a: {
            "thesis_id": a.thesis_id,
            "expert_id": a.expert_id,
            "round": a.round,
            "status": a.status.value,
        },
    )
    _sync(
        session,
        ReviewRecord,
        record.id,
        before.reviews,
        cycle.reviews,
        lambda r: (r.thesis_id, r.expert_id, r.round, r.revision),
        review_to_json,
        lambda r: {
            "thesis_id": r.thesis_id,
            "expert_id": r.expert_id,
            "round": r.round,
            "revision": r.revision,
        },
    )
    _sync(
        session,
        MisconductCaseRecord,
        record.id,
        before.cases,
        cycle.cases,
        lambda c: (c.thesis_id,),
        case_to_json,
        lambda c: {"thesis_id": c.thesis_id},
    )
    session.flush()
    session.refresh(record)
    return LoadedCycle(record, cycle)


def change_cycle(
    session: Session,
    cycle_id: str,
    action: Callable[[LoadedCycle], tuple[ReviewCycle, T]],
    thesis_ids: Collection[str] | None = None,
) -> tuple[LoadedCycle, T]:
    """Runs `action` on the current cycle and saves its result, retrying on a stale read.

    `thesis_ids` limits what is loaded (see `load_cycle`). The caller commits (after
    adding its audit event to the same transaction).
    """
    for _ in range(SAVE_ATTEMPTS):
        loaded = load_cycle(session, cycle_id, thesis_ids)
        cycle, outcome = action(loaded)
        try:
            return save_cycle(session, loaded, cycle), outcome
        except StaleCycle:
            session.rollback()
    raise ApiProblem(
        409,
        "concurrent-change",
        "Concurrent change",
        "the review cycle was changed by another request at the same time; retry",
    )


def assignment_ids(session: Session, cycle_id: str) -> dict[tuple[str, str, int], str]:
    """Opaque assignment ids by (thesis, expert, round)."""
    return {
        (r.thesis_id, r.expert_id, r.round): r.id
        for r in _rows(session, ReviewAssignmentRecord, cycle_id)
    }


# --- theses from a draw, screening evidence ---------------------------------------------------


def sample_theses(service: Service, draw: Draw) -> list[SampledThesis]:
    """The draw's sampled theses (from its stored `sample.csv`)."""
    data = service.blobs.read_bytes(draw.files["sample.csv"]).decode("utf-8-sig")
    return theses_from_rows(csv.DictReader(io.StringIO(data)))


def latest_screening(session: Session, thesis: SampledThesis) -> Screening | None:
    """The newest complete screening of the thesis's uploaded submission, if any."""
    return session.scalar(
        select(Screening)
        .join(Submission, Submission.id == Screening.submission_id)
        .where(
            Submission.thesis_id == thesis.thesis_id,
            Submission.institution == thesis.institution,
            Screening.state == "complete",
            Screening.result_blob.is_not(None),
        )
        .order_by(Screening.finished_at.desc(), Screening.id)
        .limit(1)
    )


def with_screening_evidence(
    service: Service, session: Session, theses: Sequence[SampledThesis]
) -> list[SampledThesis]:
    """The theses with the flag of their latest complete screening attached (when one exists)."""
    updated: list[SampledThesis] = []
    for thesis in theses:
        screening = latest_screening(session, thesis)
        if screening is None or screening.result_blob is None:
            updated.append(thesis)
            continue
        if thesis.screening is not None and thesis.screening.report == f"screening:{screening.id}":
            updated.append(thesis)
            continue
        try:
            result = json.loads(service.blobs.read_bytes(screening.result_blob))
            reasons = tuple(str(r) for r in (result.get("flag") or {}).get("reasons") or ())
            figures = result.get("figures") or {}
        except (OSError, ValueError, AttributeError):
            reasons, figures = (), {}
        single = figures.get("max_single_source_ratio")
        evidence = ScreeningEvidence(
            level=screening.flag_level or "clear",
            reasons=reasons,
            report=f"screening:{screening.id}",
            report_sha256=screening.result_blob,
            total_copy_ratio=screening.total_copy_ratio,
            max_single_source_ratio=float(single) if isinstance(single, int | float) else None,
        )
        updated.append(replace(thesis, screening=evidence))
    return updated


# --- uploaded tables -------------------------------------------------------------------------


@contextlib.contextmanager
def uploaded_table(data: bytes, label: str) -> Iterator[Path]:
    """The upload as a temporary file the domain readers accept (never the client's name)."""
    suffix = ".xlsx" if label.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    with tempfile.TemporaryDirectory(prefix="spotcheck-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        yield path


def table_problem(exc: ValidationError | TableError, label: str, title: str) -> ApiProblem:
    """422 listing every row/column problem of an uploaded table, named by the upload label."""
    if isinstance(exc, TableError):
        message = re.sub(r"\S*upload\.(csv|xlsx)", label, str(exc))
        return ApiProblem(
            422,
            "invalid-table",
            title,
            f"{label}: {message}",
            errors=[InvalidParam(name="file", reason=message)],
        )
    errors = [
        InvalidParam(name=p.column or "file", reason=p.reason, row=p.row or None, value=p.value)
        for p in exc.problems
    ]
    shown = "; ".join(str(p) for p in exc.problems[:5])
    return ApiProblem(
        422,
        "invalid-table",
        title,
        f"{len(exc.problems)} problem(s) in {label}; nothing was stored: {shown}",
        errors=errors,
    )


def problems_to_params(problems: Sequence[Problem]) -> list[InvalidParam]:
    return [
        InvalidParam(name=p.column or "row", reason=p.reason, row=p.row or None, value=p.value)
        for p in problems
    ]


# HTTP status of a refused workflow step by its code (everything else is a 409 conflict).
WORKFLOW_STATUS = {"invalid-review": 422, "invalid-table": 422, "not-assigned": 404}


def workflow_problem(exc: WorkflowError) -> ApiProblem:
    """The problem response for a workflow step the rules refused."""
    errors: list[InvalidParam] | None = None
    if exc.code == "invalid-review":
        errors = [InvalidParam(name=p.column, reason=p.reason) for p in exc.problems]
    elif exc.problems:
        errors = problems_to_params(exc.problems)
    status = WORKFLOW_STATUS.get(exc.code, 409)
    return ApiProblem(status, exc.code, exc.title, exc.detail, errors=errors)


@contextlib.contextmanager
def workflow_problems() -> Iterator[None]:
    """Turns a refused workflow step into its problem response."""
    try:
        yield
    except WorkflowError as exc:
        raise workflow_problem(exc) from exc


# --- reviewer identities: bound keys, one-time links, portal sessions ------------------------


def identity_for_key(session: Session, caller: Principal) -> ReviewerIdentity:
    """The expert a reviewer key is bound to; 403 for other roles or unbound keys."""
    if caller.role != "reviewer":
        raise ApiProblem(
            403, "forbidden", "Forbidden", "this action needs a reviewer key bound to an expert"
        )
    binding = session.get(ExpertKey, caller.key_id)
    if binding is None:
        raise ApiProblem(
            403,
            "not-an-expert",
            "Forbidden",
            "this reviewer key is not bound to an expert of a review cycle",
        )
    return ReviewerIdentity(binding.cycle_id, binding.expert_id, caller.key_id)


def _token_hash(token: str, secret: str, purpose: str) -> str:
    return keyed_digest(secret, token, purpose)


def issue_token(
    session: Session,
    secret: str,
    kind: str,
    identity: ReviewerIdentity,
    ttl: timedelta,
    created_by: str | None = None,
) -> tuple[str, PortalToken]:
    """A new random token (returned once) and its stored record (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    record = PortalToken(
        kind=kind,
        token_hash=_token_hash(token, secret, kind),
        cycle_id=identity.cycle_id,
        expert_id=identity.expert_id,
        key_id=identity.key_id,
        expires_at=utcnow() + ttl,
        created_by=created_by,
    )
    session.add(record)
    session.flush()
    return token, record


def find_token(session: Session, secret: str, kind: str, token: str) -> PortalToken | None:
    """The live (unused, unexpired) token record, or None."""
    if not token or len(token) > 200:
        return None
    record = session.scalar(
        select(PortalToken).where(PortalToken.token_hash == _token_hash(token, secret, kind))
    )
    if record is None or record.kind != kind or record.used_at is not None:
        return None
    if record.expires_at <= utcnow():
        return None
    if record.key_id is not None:
        key = session.get(ApiKey, record.key_id)
        if key is None or key.revoked_at is not None:
            return None
    return record


def redeem_link(session: Session, secret: str, token: str) -> ReviewerIdentity | None:
    """Consumes a one-time sign-in link; None when unknown, used or expired."""
    record = find_token(session, secret, "link", token)
    if record is None:
        return None
    consumed = session.execute(
        update(PortalToken)
        .where(PortalToken.id == record.id, PortalToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if rowcount(consumed) != 1:
        return None
    return ReviewerIdentity(record.cycle_id, record.expert_id, None)


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
            and today() <= self.assignment.due_on
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
    result = json.loads(service.blobs.read_bytes(screening.result_blob))
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
    now = today()
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


def expert_principal(identity: ReviewerIdentity, name: str) -> Principal:
    """The audit actor for a portal session started from a one-time link (no key)."""
    return Principal(identity.key_id or "", name, "reviewer", None)
