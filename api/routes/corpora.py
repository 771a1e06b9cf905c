"""Reference corpora (admin): create, list; documents add/list/remove; reindex; templates."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import audit
from api.deps import AdminCaller, PageDep, ServiceDep, SessionDep, client_address
from api.jobs import queue as q
from api.problems import ApiProblem, not_found
from api.schemas.common import Accepted, Paged
from api.schemas.corpora import (
    CorpusCreate,
    CorpusDocumentPublic,
    CorpusPublic,
    TemplateCreate,
    TemplatePublic,
)
from api.service import Service
from api.storage.models import CorpusRecord
from api.uploads import label_from_request, store_body, upload_type

router = APIRouter(prefix="/v1", tags=["corpora"])

DOCUMENT_BODY = {
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
ACCEPTED_HEADERS = {
    "Location": {"description": "job to poll", "schema": {"type": "string"}},
    "Retry-After": {"description": "seconds before polling", "schema": {"type": "integer"}},
}


def _open_corpus(service: Service, record: CorpusRecord) -> Any:
    from corpora import Corpus

    return Corpus.open(service.corpus_path(record.id), create=True)


def _record(session: Session, corpus_id: str) -> CorpusRecord:
    record = session.get(CorpusRecord, corpus_id)
    if record is None:
        raise not_found("corpus", corpus_id)
    return record


def corpus_public(service: Service, record: CorpusRecord) -> CorpusPublic:
    stats = _open_corpus(service, record).stats()
    return CorpusPublic(
        id=record.id,
        name=record.name,
        description=record.description,
        documents=stats["documents"],
        characters=stats["characters"],
        templates=stats["templates"],
        snapshot=stats["snapshot"],
        created_at=record.created_at,
    )


def _accepted(service: Service, job_id: str) -> JSONResponse:
    location = f"/v1/jobs/{job_id}"
    return JSONResponse(
        Accepted(id=job_id, state="queued", location=location).model_dump(),
        status_code=202,
        headers={"Location": location, "Retry-After": str(service.settings.retry_after_seconds)},
    )


@router.post("/corpora", response_model=CorpusPublic, status_code=201)
def create_corpus(
    body: CorpusCreate,
    request: Request,
    response: Response,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> CorpusPublic:
    record = CorpusRecord(name=body.name, description=body.description, created_by=caller.key_id)
    session.add(record)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise ApiProblem(
            409, "conflict", "Conflict", f"a corpus named {body.name!r} exists"
        ) from exc
    _open_corpus(service, record)
    audit.record(
        session,
        caller,
        "corpus.create",
        "corpus",
        record.id,
        {"name": body.name},
        client_address(request),
    )
    session.commit()
    response.headers["Location"] = f"/v1/corpora/{record.id}"
    return corpus_public(service, record)


@router.get("/corpora", response_model=Paged[CorpusPublic])
def list_corpora(
    service: ServiceDep, session: SessionDep, caller: AdminCaller, page: PageDep
) -> Paged[CorpusPublic]:
    count = session.scalar(select(func.count(CorpusRecord.id))) or 0
    rows = session.scalars(
        select(CorpusRecord).order_by(CorpusRecord.name).limit(page.limit).offset(page.offset)
    )
    return Paged[CorpusPublic](data=[corpus_public(service, r) for r in rows], count=count)


@router.get("/corpora/{corpus_id}", response_model=CorpusPublic)
def get_corpus(
    corpus_id: str, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> CorpusPublic:
    return corpus_public(service, _record(session, corpus_id))


@router.post(
    "/corpora/{corpus_id}/documents",
    status_code=202,
    response_model=Accepted,
    openapi_extra=DOCUMENT_BODY,
    responses={
        202: {"headers": ACCEPTED_HEADERS},
        413: {"description": "TOO_LARGE"},
        415: {"description": "UNSUPPORTED_TYPE"},
        503: {"description": "too many uploads in progress; retry after `Retry-After`"},
    },
)
async def add_corpus_document(
    corpus_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
    title: Annotated[str, Query(max_length=500)] = "",
    authors: Annotated[str, Query(max_length=500, description="separated by ; or ；")] = "",
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    type: Annotated[str, Query(pattern="^(|thesis|article|web|other)$")] = "",  # noqa: A002
    institution: Annotated[str, Query(max_length=200)] = "",
    filename: Annotated[str | None, Query(max_length=255)] = None,
) -> JSONResponse:
    """Uploads one source document (PDF, DOCX, TXT) as the raw body; extracted in the background.

    Poll the job in `Location`; its result says `added`, `duplicate` or `failed` with a reason.
    """

    def existing_corpus() -> CorpusRecord:
        found = _record(session, corpus_id)
        session.commit()  # hands the connection back: the body may take long to arrive
        return found

    record = await run_in_threadpool(existing_corpus)
    stored = await store_body(request, service, service.settings.max_upload_bytes)
    given_name = label_from_request(request, "")
    file_type, refusal = upload_type(stored.head, str(stored.path), given_name)
    if file_type is None:
        raise ApiProblem(415, "UNSUPPORTED_TYPE", "Unsupported file type", refusal)
    label = given_name or f"document.{file_type}"
    stem = PurePosixPath(label).stem.strip(" .") or "document"
    label = f"{stem[:120]}.{file_type}"

    def enqueue() -> str:
        job = q.enqueue(
            session,
            "corpus.add",
            {
                "corpus_id": record.id,
                "sha256": stored.sha256,
                "label": label,
                "metadata": {
                    "title": title,
                    "authors": authors,
                    "year": str(year or ""),
                    "type": type,
                    "institution": institution,
                },
            },
            max_attempts=service.settings.job_max_attempts,
        )
        audit.record(
            session,
            caller,
            "corpus.document.add",
            "corpus",
            record.id,
            {"sha256": stored.sha256, "label": label, "job_id": job.id},
            client_address(request),
        )
        session.commit()
        return job.id

    return _accepted(service, await run_in_threadpool(enqueue))


@router.get("/corpora/{corpus_id}/documents", response_model=Paged[CorpusDocumentPublic])
def list_corpus_documents(
    corpus_id: str, service: ServiceDep, session: SessionDep, caller: AdminCaller, page: PageDep
) -> Paged[CorpusDocumentPublic]:
    documents = _open_corpus(service, _record(session, corpus_id)).documents()
    items = documents[page.offset : page.offset + page.limit]
    return Paged[CorpusDocumentPublic](
        data=[
            CorpusDocumentPublic(
                id=d.id,
                title=d.title,
                file=d.file,
                characters=d.characters,
                sha256=d.sha256,
                type=d.type,
                year=d.year,
                authors=list(d.authors),
                institution=d.institution,
                pages=d.pages,
                status=d.status,
                added_at=d.added_at,
            )
            for d in items
        ],
        count=len(documents),
    )


@router.delete(
    "/corpora/{corpus_id}/documents/{document_id}", status_code=204, response_class=Response
)
def remove_corpus_document(
    corpus_id: str,
    document_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> Response:
    """Removes a document; the index drops it at the next screening or reindex."""
    from corpora import CorpusError

    record = _record(session, corpus_id)
    corpus = _open_corpus(service, record)
    ids = {d.id for d in corpus.documents()}
    if document_id not in ids:
        raise not_found("document", document_id)
    try:
        corpus.remove(document_id)
    except CorpusError as exc:
        raise not_found("document", document_id) from exc
    audit.record(
        session,
        caller,
        "corpus.document.remove",
        "corpus",
        record.id,
        {"document_id": document_id},
        client_address(request),
    )
    session.commit()
    return Response(status_code=204)


@router.post(
    "/corpora/{corpus_id}/reindex",
    status_code=202,
    response_model=Accepted,
    responses={202: {"headers": ACCEPTED_HEADERS}},
)
def reindex_corpus(
    corpus_id: str, request: Request, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> JSONResponse:
    """Brings the corpus's fingerprint index up to date and compacts it (in the background)."""
    record = _record(session, corpus_id)
    job = q.enqueue(session, "corpus.reindex", {"corpus_id": record.id})
    audit.record(
        session,
        caller,
        "corpus.reindex",
        "corpus",
        record.id,
        {"job_id": job.id},
        client_address(request),
    )
    session.commit()
    return _accepted(service, job.id)


def _template_public(template: Any) -> TemplatePublic:
    return TemplatePublic(
        id=template.id,
        institution=template.institution,
        kind=template.kind,
        characters=template.characters,
        sha256=template.sha256,
        added_at=template.added_at,
    )


@router.post("/corpora/{corpus_id}/templates", response_model=TemplatePublic, status_code=201)
def add_template(
    corpus_id: str,
    body: TemplateCreate,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> TemplatePublic:
    """Registers boilerplate (cover, declaration, authorisation) that never counts as copying."""
    from corpora import CorpusError

    record = _record(session, corpus_id)
    try:
        template = _open_corpus(service, record).add_template(
            body.text, institution=body.institution, kind=body.kind
        )
    except CorpusError as exc:
        raise ApiProblem(422, "invalid-template", "Invalid template", str(exc)) from exc
    audit.record(
        session,
        caller,
        "corpus.template.add",
        "corpus",
        record.id,
        {"template_id": template.id, "kind": body.kind},
        client_address(request),
    )
    session.commit()
    return _template_public(template)


@router.get("/corpora/{corpus_id}/templates", response_model=Paged[TemplatePublic])
def list_templates(
    corpus_id: str, service: ServiceDep, session: SessionDep, caller: AdminCaller, page: PageDep
) -> Paged[TemplatePublic]:
    templates = _open_corpus(service, _record(session, corpus_id)).templates()
    items = templates[page.offset : page.offset + page.limit]
    return Paged[TemplatePublic](data=[_template_public(t) for t in items], count=len(templates))


@router.delete(
    "/corpora/{corpus_id}/templates/{template_id}", status_code=204, response_class=Response
)
def remove_template(
    corpus_id: str,
    template_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> Response:
    from corpora import CorpusError

    record = _record(session, corpus_id)
    try:
        _open_corpus(service, record).remove_template(template_id)
    except CorpusError as exc:
        raise not_found("template", template_id) from exc
    audit.record(
        session,
        caller,
        "corpus.template.remove",
        "corpus",
        record.id,
        {"template_id": template_id},
        client_address(request),
    )
    session.commit()
    return Response(status_code=204)
