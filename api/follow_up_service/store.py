"""Follow-up records in the database: allegations, rectification items, 问责 decisions.

Rows hold the JSON form of the `review` domain objects (`review.follow_up_store`, the same
encoding as the CLI workspace files). A change is written under an optimistic lock on the
row's `version`: a request that lost a race answers `409 concurrent-change` and changes
nothing, so two office users never silently undo each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.problems import ApiProblem
from api.storage.follow_up_models import AccountabilityRecord, AllegationRecord, RectificationRecord
from api.storage.models import rowcount
from review.allegations import Allegation, normalise_code
from review.consequences import AccountabilityDecision
from review.follow_up_store import (
    allegation_from_json,
    allegation_to_json,
    decision_from_json,
    decision_to_json,
    item_from_json,
    item_to_json,
)
from review.rectification import ItemKind, RectificationItem


def _concurrent() -> ApiProblem:
    return ApiProblem(
        409,
        "concurrent-change",
        "Concurrent change",
        "the record was changed by another request at the same time; reload and retry",
    )


# --- allegations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredAllegation:
    record: AllegationRecord
    allegation: Allegation


def _stored(record: AllegationRecord) -> StoredAllegation:
    return StoredAllegation(record, allegation_from_json(record.data))


def all_allegations(session: Session) -> list[StoredAllegation]:
    rows = session.scalars(
        select(AllegationRecord).order_by(AllegationRecord.received_on, AllegationRecord.code)
    )
    return [_stored(r) for r in rows]


def taken_codes(session: Session) -> set[str]:
    return set(session.scalars(select(AllegationRecord.code)))


def find_allegation(session: Session, code: str) -> StoredAllegation:
    """The allegation with this tracking code (as typed: any case, width, dashes); 404."""
    key = normalise_code(code)[:40]
    record = session.scalar(select(AllegationRecord).where(AllegationRecord.code_key == key))
    if record is None:
        raise ApiProblem(
            404,
            "not-found",
            "未找到 Not found",
            "no allegation with this tracking code 查询码不存在",
        )
    return _stored(record)


def _columns(allegation: Allegation) -> dict[str, object]:
    return {
        "state": allegation.state.value,
        "institution": allegation.report.institution[:200],
        "thesis_id": allegation.thesis_id[:100],
        "data": allegation_to_json(allegation),
    }


def add_allegation(session: Session, allegation: Allegation) -> AllegationRecord:
    record = AllegationRecord(
        code=allegation.code,
        code_key=normalise_code(allegation.code),
        received_on=allegation.received_on,
        **_columns(allegation),
    )
    session.add(record)
    return record


def save_allegation(session: Session, stored: StoredAllegation, allegation: Allegation) -> None:
    """Writes the changed allegation if nobody else changed it since it was read."""
    record = stored.record
    done = session.execute(
        update(AllegationRecord)
        .where(AllegationRecord.id == record.id, AllegationRecord.version == record.version)
        .values(version=record.version + 1, **_columns(allegation))
        .execution_options(synchronize_session=False)
    )
    if rowcount(done) != 1:
        session.rollback()
        raise _concurrent()


# --- rectification items ---------------------------------------------------------------------


@dataclass(frozen=True)
class StoredItem:
    record: RectificationRecord
    item: RectificationItem


def cycle_items(
    session: Session, cycle_id: str, institution: str | None = None
) -> list[StoredItem]:
    query = select(RectificationRecord).where(RectificationRecord.cycle_id == cycle_id)
    if institution is not None:
        query = query.where(RectificationRecord.institution == institution)
    rows = session.scalars(
        query.order_by(RectificationRecord.institution, RectificationRecord.kind)
    )
    return [StoredItem(r, item_from_json(r.data)) for r in rows]


def find_item(session: Session, cycle_id: str, institution: str, kind: ItemKind) -> StoredItem:
    record = session.scalar(
        select(RectificationRecord).where(
            RectificationRecord.cycle_id == cycle_id,
            RectificationRecord.institution == institution,
            RectificationRecord.kind == kind.value,
        )
    )
    if record is None:
        raise ApiProblem(
            404,
            "not-found",
            "Not found",
            f"no rectification {kind.value} item for {institution!r} in this review cycle",
        )
    return StoredItem(record, item_from_json(record.data))


def add_items(session: Session, cycle_id: str, items: Iterable[RectificationItem]) -> None:
    for item in items:
        session.add(
            RectificationRecord(
                cycle_id=cycle_id,
                institution=item.institution,
                kind=item.kind.value,
                state=item.state.value,
                data=item_to_json(item),
            )
        )


def save_item(
    session: Session,
    stored: StoredItem,
    item: RectificationItem,
    document: tuple[str, str] | None = None,
) -> None:
    """Writes the changed item (and the uploaded document's blob and label) under the lock."""
    record = stored.record
    values: dict[str, object] = {
        "version": record.version + 1,
        "state": item.state.value,
        "data": item_to_json(item),
    }
    if document is not None:
        values["document_blob"], values["document_label"] = document
    done = session.execute(
        update(RectificationRecord)
        .where(RectificationRecord.id == record.id, RectificationRecord.version == record.version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(done) != 1:
        session.rollback()
        raise _concurrent()


# --- accountability decisions ----------------------------------------------------------------


def cycle_decisions(
    session: Session, cycle_id: str, institution: str | None = None
) -> list[AccountabilityDecision]:
    query = select(AccountabilityRecord).where(AccountabilityRecord.cycle_id == cycle_id)
    if institution is not None:
        query = query.where(AccountabilityRecord.institution == institution)
    return [
        decision_from_json(r.data) for r in session.scalars(query.order_by(AccountabilityRecord.id))
    ]


def add_decision(session: Session, cycle_id: str, decision: AccountabilityDecision) -> None:
    session.add(
        AccountabilityRecord(
            cycle_id=cycle_id, institution=decision.institution, data=decision_to_json(decision)
        )
    )
