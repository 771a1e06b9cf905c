"""Thesis submissions: create with metadata (idempotent), then upload the file."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import audit
from api.access import get_submission, visible_submissions
from api.deps import PageDep, ServiceDep, SessionDep, SubmitterCaller, client_address
from api.problems import ApiProblem
from api.schemas.common import Paged
from api.schemas.submissions import SubmissionCreate, SubmissionPublic
from api.service import Service
from api.storage.blobs import StoredBlob
from api.storage.models import Submission, utcnow
from api.uploads import label_from_request, store_body, upload_type

router = APIRouter(prefix="/v1", tags=["submissions"])

THESIS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in (
                "application/pdf",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "text/plain",
                "application/octet-stream",
            )
        },
    }
}


def to_public(record: Submission) -> SubmissionPublic:
    return SubmissionPublic(
        id=record.id,
        thesis_id=record.thesis_id,
        institution=record.institution,
        metadata=record.metadata_,
        state=record.state,  # type: ignore[arg-type]
        file_sha256=record.file_sha256,
        file_size=record.file_size,
        file_type=record.file_type,
        file_label=record.file_label,
        created_at=record.created_at,
        uploaded_at=record.uploaded_at,
    )


@router.post(
    "/submissions",
    response_model=SubmissionPublic,
    status_code=201,
    responses={200: {"model": SubmissionPublic, "description": "idempotent replay"}},
)
def create_submission(
    body: SubmissionCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    caller: SubmitterCaller,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="repeat a create safely: the same key and body return the same submission",
        ),
    ] = None,
) -> SubmissionPublic:
    """Registers a thesis to screen; send an `Idempotency-Key` so retries never duplicate it."""
    if caller.role == "system":
        if body.institution and body.institution != caller.institution:
            raise ApiProblem(
                403,
                "forbidden",
                "Forbidden",
                f"this key submits for {caller.institution!r} only",
            )
        institution = caller.institution or ""
    else:
        if not body.institution:
            raise ApiProblem(
                422, "validation-error", "Validation error", "institution: required for admin keys"
            )
        institution = body.institution
    metadata = body.model_dump(exclude={"institution"}, exclude_none=True)
    metadata["institution"] = institution
    request_hash = hashlib.sha256(json.dumps(metadata, sort_keys=True).encode()).hexdigest()

    def replay() -> SubmissionPublic | None:
        if not idempotency_key:
            return None
        existing = session.scalar(
            select(Submission).where(
                Submission.created_by == caller.key_id,
                Submission.idempotency_key == idempotency_key,
            )
        )
        if existing is None:
            return None
        if existing.request_hash != request_hash:
            raise ApiProblem(
                422,
                "idempotency-key-reused",
                "Idempotency key reused",
                "this Idempotency-Key was used with a different request body",
            )
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
        response.headers["Location"] = f"/v1/submissions/{existing.id}"
        return to_public(existing)

    replayed = replay()
    if replayed is not None:
        return replayed
    record = Submission(
        institution=institution,
        thesis_id=body.thesis_id,
        metadata_={k: v for k, v in metadata.items() if k not in ("thesis_id",)},
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        created_by=caller.key_id,
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        replayed = replay()
        if replayed is not None:
            return replayed
        raise
    audit.record(
        session,
        caller,
        "submission.create",
        "submission",
        record.id,
        {"thesis_id": body.thesis_id, "institution": institution},
        client_address(request),
    )
    session.commit()
    response.headers["Location"] = f"/v1/submissions/{record.id}"
    return to_public(record)


@router.get("/submissions", response_model=Paged[SubmissionPublic])
def list_submissions(
    session: SessionDep,
    caller: SubmitterCaller,
    page: PageDep,
    thesis_id: Annotated[str | None, Query(max_length=100)] = None,
    institution: Annotated[str | None, Query(max_length=200)] = None,
) -> Paged[SubmissionPublic]:
    """Submissions the caller may see (a system key: its own institution's only)."""
    query = visible_submissions(select(Submission), caller)
    if thesis_id:
        query = query.where(Submission.thesis_id == thesis_id)
    if institution:
        query = query.where(Submission.institution == institution)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Submission.created_at.desc(), Submission.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    return Paged[SubmissionPublic](data=[to_public(r) for r in rows], count=count)


@router.get("/submissions/{submission_id}", response_model=SubmissionPublic)
def get_submission_by_id(
    submission_id: str, session: SessionDep, caller: SubmitterCaller
) -> SubmissionPublic:
    return to_public(get_submission(session, submission_id, caller))


@router.put(
    "/submissions/{submission_id}/file",
    response_model=SubmissionPublic,
    openapi_extra=THESIS_BODY,
    responses={
        409: {"description": "a different file was already uploaded"},
        413: {"description": "TOO_LARGE"},
        415: {"description": "UNSUPPORTED_TYPE"},
        503: {"description": "too many uploads in progress; retry after `Retry-After`"},
    },
)
async def upload_submission_file(
    submission_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: SubmitterCaller,
    filename: Annotated[
        str | None, Query(max_length=255, description="label for the file (never a path)")
    ] = None,
) -> SubmissionPublic:
    """Uploads the thesis (PDF, DOCX or TXT) as the raw body: `curl -T thesis.pdf …`.

    The size limit is enforced while the body streams; the file is stored under its sha256
    (the same file is kept once) and only once it has arrived completely.
    """

    def visible_submission() -> Submission:
        found = get_submission(session, submission_id, caller)
        session.commit()  # hands the connection back: the body may take long to arrive
        return found

    record = await run_in_threadpool(visible_submission)
    stored = await store_body(request, service, service.settings.max_upload_bytes)
    given_name = label_from_request(request, "")
    file_type, refusal = upload_type(stored.head, str(stored.path), given_name)
    label = given_name or f"{record.thesis_id}.{file_type or 'bin'}"

    def save() -> Submission:
        if file_type is None:
            _discard_unreferenced(session, service, stored)
            raise ApiProblem(415, "UNSUPPORTED_TYPE", "Unsupported file type", refusal)
        session.refresh(record)
        if record.file_sha256 and record.file_sha256 != stored.sha256:
            _discard_unreferenced(session, service, stored)
            raise ApiProblem(
                409,
                "file-already-uploaded",
                "File already uploaded",
                "this submission already has a different file; create a new submission",
            )
        if record.file_sha256 is None:
            record.file_sha256 = stored.sha256
            record.file_size = stored.size
            record.file_type = file_type
            record.file_label = label
            record.state = "uploaded"
            record.uploaded_at = utcnow()
            audit.record(
                session,
                caller,
                "submission.upload",
                "submission",
                record.id,
                {"sha256": stored.sha256, "size": stored.size, "type": file_type},
                client_address(request),
            )
            session.commit()
        return record

    return to_public(await run_in_threadpool(save))


def _discard_unreferenced(session: Session, service: Service, stored: StoredBlob) -> None:
    """Removes the blob of a rejected upload, unless it was there before or a submission
    took it meanwhile: identical bytes may also be a frame, a result or a corpus file."""
    if not stored.created:
        return
    referenced = session.scalar(
        select(Submission.id).where(Submission.file_sha256 == stored.sha256)
    )
    if referenced is None:
        service.blobs.path(stored.sha256).unlink(missing_ok=True)
