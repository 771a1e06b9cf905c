"""Receiving a public allegation (举报), the one unauthenticated write: the same checks for
the portal form and `POST /v1/allegations`.

In order: a rate limit per client address, the body size (413 with `Connection: close`,
enforced while the body streams), the proof of work (`api.proof_of_work`), the fields (each
problem named), and every attachment typed by its content (PDF, DOCX or plain text, and
the type its name declares). Only when all pass is anything stored: the attachments by
content hash, the allegation through `review.allegations.receive`, and an audit event that
does not name the reporter.
"""

from __future__ import annotations

import json
import re
import tempfile
import unicodedata
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser

from api import audit, proof_of_work
from api.follow_up_service import store
from api.keys import Principal
from api.problems import ApiProblem, InvalidParam
from api.ratelimit import RateLimiter
from api.service import Service
from api.uploads import check_declared_length, clean_label, too_large, upload_type
from review.allegations import Allegation, AllegationReport, Reporter, parse_kind, receive

PUBLIC = Principal(key_id="", name="public 公众", role="public", institution=None)
TEXT_LIMITS = {
    "title": 500,
    "author": 100,
    "institution": 200,
    "suspected_source": 2000,
    "details": 10000,
    "reporter_name": 100,
    "reporter_contact": 200,
}
LABELS = {
    "title": "论文题目 title",
    "author": "作者 author",
    "institution": "学位授予单位 institution",
    "year": "授予年度 year",
    "kind": "举报类型 kind",
    "suspected_source": "疑似来源 suspected source",
    "details": "举报内容 details",
    "reporter_name": "举报人 reporter name",
    "reporter_contact": "联系方式 contact",
}
ATTACHMENT_REF = re.compile(r"^sha256:([0-9a-f]{64}) (.*)$")


@dataclass(frozen=True)
class Attachment:
    label: str
    data: bytes


@dataclass(frozen=True)
class PublicForm:
    """What a reporter sent: text fields, the proof of work and the attachments."""

    values: Mapping[str, str]
    attachments: tuple[Attachment, ...]


# --- abuse protection ------------------------------------------------------------------------


def _limiter(request: Request, name: str, per_hour: float) -> RateLimiter:
    state = request.app.state
    limiter = getattr(state, name, None)
    if limiter is None:
        limiter = RateLimiter(rate=per_hour / 3600.0, burst=max(1, round(per_hour)))
        setattr(state, name, limiter)
    return limiter


def check_rate(request: Request, service: Service, lookup: bool = False) -> None:
    """429 with Retry-After when this client address is over its hourly allowance."""
    per_hour = service.settings.allegations_per_hour * (10 if lookup else 1)
    name = "allegation_lookup_limiter" if lookup else "allegation_submit_limiter"
    address = request.client.host if request.client else "unknown"
    wait = _limiter(request, name, per_hour).acquire(address)
    if wait > 0:
        raise ApiProblem(
            429,
            "rate-limited",
            "请求过于频繁 Too many requests",
            "请稍后再试 too many requests from this address; try again later",
            headers={"Retry-After": RateLimiter.retry_after_header(wait)},
        )


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise too_large(limit)
        yield chunk


async def parse_form(request: Request, limit: int, max_files: int) -> FormData:
    """A multipart or urlencoded form, with the body limit enforced while it streams (413
    with `Connection: close`) and at most `max_files` files (400)."""
    check_declared_length(request, limit)
    content_type = request.headers.get("content-type", "").lower()
    try:
        if content_type.startswith("multipart/form-data"):
            return await MultiPartParser(
                request.headers, _limited(request, limit), max_files=max_files, max_fields=40
            ).parse()
        if content_type.startswith("application/x-www-form-urlencoded"):
            return await FormParser(request.headers, _limited(request, limit)).parse()
    except MultiPartException as exc:
        raise ApiProblem(
            400,
            "invalid-form",
            "表单无效 Invalid form",
            f"{exc.message} (at most {max_files} files 个文件)",
        ) from exc
    raise ApiProblem(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        "send multipart/form-data, application/x-www-form-urlencoded or application/json",
    )


async def form_parts(form: FormData) -> tuple[dict[str, str], list[Attachment]]:
    """The text fields and the non-empty file parts (labels cleaned of paths) of a form."""
    values: dict[str, str] = {}
    files: list[Attachment] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            await value.close()
            if data or value.filename:
                files.append(Attachment(clean_label(value.filename, name), data))
        else:
            values[name] = value
    return values, files


async def read_form(request: Request, service: Service) -> PublicForm:
    """The posted allegation: a form (multipart with `attachment` files, or urlencoded) or a
    JSON object, within the size limits."""
    settings = service.settings
    limit = settings.allegation_max_bytes
    if request.headers.get("content-type", "").lower().startswith("application/json"):
        check_declared_length(request, limit)
        body = b"".join([chunk async for chunk in _limited(request, limit)])
        try:
            data = json.loads(body or b"null")
        except ValueError as exc:
            raise ApiProblem(400, "invalid-json", "Invalid JSON", str(exc)) from exc
        if not isinstance(data, dict):
            raise ApiProblem(400, "invalid-json", "Invalid JSON", "expected a JSON object")
        fields = {k: v if isinstance(v, str) else str(v) for k, v in data.items() if v is not None}
        return PublicForm(fields, ())
    form = await parse_form(request, limit, settings.allegation_max_files)
    values, files = await form_parts(form)
    return PublicForm(values, tuple(files))


def check_proof(session: Session, service: Service, values: Mapping[str, str]) -> None:
    try:
        proof_of_work.verify(
            session,
            service.settings.secret_key,
            values.get("challenge", ""),
            values.get("counter", ""),
            service.settings.allegation_pow_bits,
        )
    except proof_of_work.ProofRefused as exc:
        raise ApiProblem(
            403,
            "proof-of-work",
            "工作量证明未通过 Proof of work refused",
            str(exc),
            errors=[InvalidParam(name="counter", reason=str(exc))],
        ) from exc


# --- fields and attachments ------------------------------------------------------------------


def _clean(text: str, multiline: bool) -> str:
    kept = "".join(
        c for c in text if unicodedata.category(c)[0] != "C" or (multiline and c in "\n\t")
    )
    return kept.strip()


def parse_report(values: Mapping[str, str], today: date) -> AllegationReport:
    """The report, or 422 naming every field that is missing, too long or not valid."""
    errors: list[InvalidParam] = []
    text: dict[str, str] = {}
    for name, limit in TEXT_LIMITS.items():
        value = _clean(values.get(name, ""), multiline=name == "details")
        if len(value) > limit:
            errors.append(
                InvalidParam(
                    name=name,
                    reason=f"{LABELS[name]}: 超过 {limit} 字 longer than {limit} characters",
                )
            )
        text[name] = value
    for name in ("title", "institution"):
        if not text[name]:
            errors.append(InvalidParam(name=name, reason=f"{LABELS[name]}: 必填 required"))
    year_text = unicodedata.normalize("NFKC", values.get("year", "")).strip().removesuffix("年")
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else 0
    if not 1981 <= year <= today.year:
        errors.append(
            InvalidParam(
                name="year",
                reason=f"{LABELS['year']}: 四位年份 a year from 1981 to {today.year}",
                value=values.get("year", "")[:20],
            )
        )
    kind = parse_kind(values.get("kind", ""))
    if kind is None:
        errors.append(
            InvalidParam(
                name="kind",
                reason=f"{LABELS['kind']}: plagiarism 剽窃, fabrication 伪造 or ghost_writing 代写",
                value=values.get("kind", "")[:40],
            )
        )
    if errors or kind is None:
        raise ApiProblem(
            422,
            "invalid-allegation",
            "举报信息有误 Invalid allegation",
            "; ".join(e.reason for e in errors),
            errors=errors,
        )
    reporter = None
    if text["reporter_name"] or text["reporter_contact"]:
        reporter = Reporter(text["reporter_name"], text["reporter_contact"])
    return AllegationReport(
        title=text["title"],
        author=text["author"],
        institution=text["institution"],
        year=year,
        kind=kind,
        suspected_source=text["suspected_source"],
        details=text["details"],
        reporter=reporter,
    )


def check_document(label: str, data: bytes, field: str = "attachment") -> str:
    """The document's type (pdf, docx, txt) by its content; 415 naming the file otherwise."""
    if not data:
        raise ApiProblem(
            422,
            "empty-file",
            "空文件 Empty file",
            f"{label}: 文件为空 the file is empty",
            errors=[InvalidParam(name=field, reason="empty file", value=label)],
        )
    with tempfile.TemporaryDirectory(prefix="spotcheck-doc-") as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        found, reason = upload_type(data[:8192], str(path), label)
    if found is None:
        raise ApiProblem(
            415,
            "unsupported-file",
            "文件类型不支持 Unsupported file",
            f"{label}: 仅接受 PDF、DOCX 或纯文本 only PDF, DOCX or plain text are accepted: "
            f"{reason}",
            errors=[InvalidParam(name=field, reason=reason, value=label)],
        )
    return found


def attachment_reference(sha256: str, label: str) -> str:
    return f"sha256:{sha256} {label}"


def parse_attachment_reference(reference: str) -> tuple[str, str] | None:
    """(sha256, label) of an attachment stored by the service; None for an imported text."""
    match = ATTACHMENT_REF.match(reference)
    return (match.group(1), match.group(2)) if match else None


def receive_public(
    session: Session,
    service: Service,
    form: PublicForm,
    today: date,
    client: str | None,
    via: str,
) -> Allegation:
    """Checks the proof, the fields and the attachments, then stores the allegation (the
    caller commits). Nothing is stored when any check fails."""
    check_proof(session, service, form.values)
    report = parse_report(form.values, today)
    for attachment in form.attachments:
        check_document(attachment.label, attachment.data)
    references = tuple(
        attachment_reference(service.blobs.put_bytes(a.data).sha256, a.label)
        for a in form.attachments
    )
    allegation = receive(
        replace(report, attachments=references), today, taken=store.taken_codes(session)
    )
    record = store.add_allegation(session, allegation)
    session.flush()
    audit.record(
        session,
        PUBLIC,
        "allegation.receive",
        "allegation",
        record.id,
        {"via": via, "attachments": len(references), "anonymous": report.reporter is None},
        client,
    )
    return allegation
