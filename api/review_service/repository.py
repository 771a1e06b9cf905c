"""Review cycles in the database: loaded into the domain's `ReviewCycle`, written back as a
diff under an optimistic lock (the cycle row's `version`); theses of a draw with their
screening evidence.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.problems import ApiProblem
from api.service import Service
from api.storage.models import Draw, Screening, Submission, rowcount
from api.storage.review_models import (
    MisconductCaseRecord,
    ReviewAssignmentRecord,
    ReviewCycleRecord,
    ReviewExpertRecord,
    ReviewRecord,
    ReviewThesisRecord,
)
from api.stored_results import parse_stored_result
from review.conflicts import ConflictPolicy
from review.cycle import (
    ReviewCycle,
)
from review.theses import SampledThesis, evidence_from_result, theses_from_rows
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

SAVE_ATTEMPTS = 3
T = TypeVar("T")


class StaleCycle(Exception):
    """Another request changed the cycle between this request's read and its write."""


@dataclass(frozen=True)
class LoadedCycle:
    record: ReviewCycleRecord
    cycle: ReviewCycle


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
        result = parse_stored_result(service.blobs.read_bytes(screening.result_blob), screening.id)
        evidence = evidence_from_result(result, f"screening:{screening.id}", screening.result_blob)
        updated.append(replace(thesis, screening=evidence))
    return updated
