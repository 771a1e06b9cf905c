"""Sampling frames: upload a register (CSV/XLSX), validated by the sampler."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import func, select

from api import audit
from api.deps import AdminCaller, PageDep, ServiceDep, SessionDep, client_address
from api.problems import ApiProblem, InvalidParam, not_found
from api.schemas.common import Paged
from api.schemas.sampling import FramePublic
from api.storage.models import Frame
from api.uploads import TABLE_BODY, label_from_request, read_body_limited
from sampler.frame import FrameError, load_frame_bytes

router = APIRouter(prefix="/v1", tags=["frames"])


def frame_summary(frame: Any) -> dict[str, Any]:
    """Counts a degree office checks after an upload: rows per level, type, institution."""
    data = frame.data
    return {
        "encoding": frame.encoding,
        "columns": list(frame.columns),
        "by_degree_level": dict(Counter(data["degree_level"])),
        "by_degree_type": dict(Counter(data["degree_type"])),
        "institutions": len(set(data["institution"])),
        "warnings": [
            {"kind": w.kind, "message": w.message, "count": w.count, "examples": list(w.examples)}
            for w in frame.warnings
        ],
    }


def frame_problem(exc: FrameError) -> ApiProblem:
    errors = [
        InvalidParam(name=p.column or "file", reason=p.reason, row=p.row, value=p.value or None)
        for p in exc.problems
    ]
    return ApiProblem(
        422,
        "invalid-frame",
        "Invalid sampling frame",
        f"{exc} — {exc.total} problem(s) found; nothing was stored",
        errors=errors,
    )


@router.post(
    "/frames",
    response_model=FramePublic,
    status_code=201,
    openapi_extra=TABLE_BODY,
    responses={413: {"description": "too large"}, 422: {"description": "invalid frame"}},
)
async def upload_frame(
    request: Request, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> FramePublic:
    """Uploads a register as the raw body (`curl --data-binary @frame.csv`); validated at once.

    Name it with `Content-Disposition: attachment; filename="…"` or `?filename=`. Every problem
    is listed with its row and column; an invalid frame is not stored.
    """
    data = await read_body_limited(request, service.settings.max_frame_bytes)
    name = label_from_request(request, "frame.csv")

    def validate_and_store() -> Frame:
        try:
            frame = load_frame_bytes(data, name, max_bytes=service.settings.max_frame_bytes)
        except FrameError as exc:
            raise frame_problem(exc) from exc
        stored = service.blobs.put_bytes(data)
        record = Frame(
            name=name,
            sha256=stored.sha256,
            size=stored.size,
            rows=len(frame),
            summary=frame_summary(frame),
            created_by=caller.key_id,
        )
        session.add(record)
        session.flush()
        audit.record(
            session,
            caller,
            "frame.upload",
            "frame",
            record.id,
            {"name": name, "sha256": stored.sha256, "rows": record.rows},
            client_address(request),
        )
        session.commit()
        return record

    record = await run_in_threadpool(validate_and_store)
    return FramePublic.model_validate(record)


@router.get("/frames", response_model=Paged[FramePublic])
def list_frames(session: SessionDep, caller: AdminCaller, page: PageDep) -> Paged[FramePublic]:
    count = session.scalar(select(func.count(Frame.id))) or 0
    rows = session.scalars(
        select(Frame)
        .order_by(Frame.created_at.desc(), Frame.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    return Paged[FramePublic](data=[FramePublic.model_validate(r) for r in rows], count=count)


@router.get("/frames/{frame_id}", response_model=FramePublic)
def get_frame(frame_id: str, session: SessionDep, caller: AdminCaller) -> FramePublic:
    record = session.get(Frame, frame_id)
    if record is None:
        raise not_found("frame", frame_id)
    return FramePublic.model_validate(record)
