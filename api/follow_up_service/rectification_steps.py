"""An institution files its rectification plan or report (整改方案/整改报告): the one step
both `PUT …/document` and the institution portal run.

The file is typed by its content (PDF, DOCX or plain text, and the type its name
declares), stored by content hash, and `review.rectification.submit` decides whether the
item may take it (a report only after an accepted plan; late filing is marked late).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from api import audit
from api.follow_up_service import store
from api.follow_up_service.intake import check_document
from api.keys import Principal
from api.problems import ApiProblem
from api.service import Service
from review.rectification import ItemKind, RectificationError, RectificationItem, submit


def submit_document(
    session: Session,
    service: Service,
    cycle_id: str,
    institution: str,
    kind: ItemKind,
    label: str,
    data: bytes,
    actor: Principal,
    today: date,
    client: str | None,
) -> RectificationItem:
    """Checks and stores the document and records the submission (the caller commits)."""
    stored = store.find_item(session, cycle_id, institution, kind)
    check_document(label, data, "document")
    others = [s.item for s in store.cycle_items(session, cycle_id, institution)]
    blob = service.blobs.put_bytes(data)
    reference = f"{label} (sha256:{blob.sha256[:16]})"
    try:
        item = submit(stored.item, reference, today, f"{institution} ({actor.name})", others)
    except RectificationError as exc:
        raise ApiProblem(409, "rectification-step-refused", "Not allowed now", str(exc)) from exc
    store.save_item(session, stored, item, (blob.sha256, label))
    audit.record(
        session,
        actor,
        "rectification.submit",
        "rectification_item",
        str(stored.record.id),
        {
            "cycle_id": cycle_id,
            "institution": institution,
            "kind": kind.value,
            "sha256": blob.sha256,
        },
        client,
    )
    return item
