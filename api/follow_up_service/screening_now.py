"""'Screening now' (立即检测) over HTTP: a queued job that screens an allegation's thesis.

Choosing the `screening_now` follow-up (or asking again) queues an `allegation.screen` job.
The job screens the thesis file of a stored submission against the office corpus plus the
named suspected sources — the reporter's stored attachments (`attachment:N`) or documents of
the corpus (id or file name) — through `screening.named_sources.screen_with_named_sources`,
and records the outcome with `review.allegation_screening` (`summarise_screening`,
`record_screening`): the same functions the CLI calls. The allegation gains a `screened`
step, the audit log an `allegation.screened` event, and the job keeps the summary and the
result's blob, all committed with the job's completion (`JobContext.complete_in`), so a
run that lost its lease records nothing; only the office reads them. Reporters see the
allegation's coarse status.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import audit
from api import review_service as rs
from api.follow_up_service import store
from api.follow_up_service.intake import parse_attachment_reference
from api.jobs import queue
from api.jobs.screening import resolve_corpus, screen_settings, thesis_metadata
from api.jobs.worker import JobContext, JobHandler, PermanentFailure, RetryLater
from api.keys import Principal
from api.problems import ApiProblem
from api.storage.models import Job, Submission
from review.allegation_screening import (
    AllegationScreening,
    check_screening_now,
    record_screening,
    screening_from_json,
    screening_to_json,
    summarise_screening,
)
from review.allegations import Allegation, AllegationError

KIND = "allegation.screen"
ATTACHMENT = re.compile(r"^attachment:(\d+)$")
MAX_SOURCES = 20


@dataclass(frozen=True)
class ScreeningNowJob:
    """One queued or finished screening of an allegation, as the office sees it."""

    job_id: str
    state: str
    submission_id: str
    sources: tuple[str, ...]
    error: str | None
    screening: AllegationScreening | None


def result_location(code: str, job_id: str) -> str:
    return f"/v1/allegations/{code}/screenings/{job_id}/result"


def _unprocessable(code: str, title: str, detail: str) -> ApiProblem:
    return ApiProblem(422, code, title, detail)


def _submission(session: Session, allegation: Allegation, submission_id: str | None) -> Submission:
    """The named submission, else the latest one of the linked thesis with its file."""
    if submission_id:
        submission = session.get(Submission, submission_id)
        if submission is None:
            raise _unprocessable(
                "submission-not-found", "Submission not found", f"no submission {submission_id!r}"
            )
    else:
        submission = session.scalars(
            select(Submission)
            .where(
                Submission.thesis_id == allegation.thesis_id,
                Submission.file_sha256.is_not(None),
            )
            .order_by(Submission.uploaded_at.desc())
        ).first()
        if submission is None:
            raise _unprocessable(
                "thesis-file-missing",
                "Thesis file missing",
                f"allegation {allegation.code}: no stored file of thesis "
                f"{allegation.thesis_id!r}; upload it as a submission (POST /v1/submissions, "
                "PUT /v1/submissions/{id}/file) and give its `submission_id`",
            )
    if submission.file_sha256 is None:
        raise _unprocessable(
            "thesis-file-missing",
            "Thesis file missing",
            f"submission {submission.id}: its file is not uploaded yet",
        )
    return submission


def _sources(allegation: Allegation, given: Sequence[str]) -> list[str]:
    """The named sources: `attachment:N` (a stored attachment) or a corpus document id or
    file name; by default every stored attachment of the allegation."""
    attachments = allegation.report.attachments
    stored = [i for i, ref in enumerate(attachments) if parse_attachment_reference(ref)]
    chosen = [s.strip() for s in given if s.strip()] or [f"attachment:{i}" for i in stored]
    if not chosen:
        raise _unprocessable(
            "no-named-source",
            "No suspected source",
            f"allegation {allegation.code}: it has no stored attachment; give `sources`: "
            "document ids or file names of the corpus",
        )
    if len(chosen) > MAX_SOURCES:
        raise _unprocessable(
            "too-many-sources", "Too many sources", f"at most {MAX_SOURCES} named sources"
        )
    for source in chosen:
        match = ATTACHMENT.match(source)
        if match:
            if int(match.group(1)) not in stored:
                raise _unprocessable(
                    "invalid-source",
                    "Invalid source",
                    f"source {source!r}: allegation {allegation.code} has no stored "
                    f"attachment {match.group(1)}",
                )
        elif "/" in source or "\\" in source or source.startswith("."):
            raise _unprocessable(
                "invalid-source",
                "Invalid source",
                f"source {source!r}: give `attachment:N` or a corpus document id or file name",
            )
    return chosen


def queue_screening(
    session: Session,
    allegation: Allegation,
    actor: Principal,
    *,
    submission_id: str | None,
    sources: Sequence[str],
    corpus_id: str | None,
) -> Job:
    """Checks the allegation, the thesis file and the sources, then adds the job to the
    session's transaction (nothing is queued when a check fails)."""
    try:
        check_screening_now(allegation)
    except AllegationError as exc:
        raise ApiProblem(409, "allegation-step-refused", "Not allowed now", str(exc)) from exc
    submission = _submission(session, allegation, submission_id)
    chosen = _sources(allegation, sources)
    return queue.enqueue(
        session,
        KIND,
        {
            "code": allegation.code,
            "submission_id": submission.id,
            "sources": chosen,
            "corpus_id": corpus_id,
            "actor": f"office:{actor.name}",
            "key_id": actor.key_id,
            "key_name": actor.name,
        },
    )


def screenings_by_code(session: Session) -> dict[str, list[ScreeningNowJob]]:
    """Every allegation's screening jobs, oldest first, by tracking code."""
    found: dict[str, list[ScreeningNowJob]] = {}
    for job in session.scalars(select(Job).where(Job.kind == KIND).order_by(Job.created_at)):
        summary = (job.result or {}).get("screening")
        found.setdefault(str(job.payload.get("code")), []).append(
            ScreeningNowJob(
                job_id=job.id,
                state=job.state,
                submission_id=str(job.payload.get("submission_id", "")),
                sources=tuple(job.payload.get("sources", ())),
                error=job.last_error if job.state == queue.ERROR else None,
                screening=screening_from_json(summary) if summary else None,
            )
        )
    return found


def screenings_of(session: Session, code: str) -> list[ScreeningNowJob]:
    """The allegation's screening jobs, oldest first."""
    return screenings_by_code(session).get(code, [])


def result_blob(session: Session, code: str, job_id: str) -> str | None:
    """The blob of a finished screening's result (CONTRACTS §6), None when not finished."""
    job = session.get(Job, job_id)
    if job is None or job.kind != KIND or job.payload.get("code") != code:
        return None
    blob = (job.result or {}).get("result_blob")
    return str(blob) if blob else None


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _given(
    context: JobContext, allegation: Allegation, sources: Sequence[str], folder: Path
) -> dict[str, str]:
    """What `screen_with_named_sources` is given (attachment files in `folder`, corpus names
    as they are), mapped to how the office named each."""
    given: dict[str, str] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for source in sources:
        match = ATTACHMENT.match(source)
        if match is None:
            if Path(source).exists():
                raise PermanentFailure(
                    f"source {source!r} is ambiguous here; give the corpus document id"
                )
            given[source] = source
            continue
        index = int(match.group(1))
        refs = allegation.report.attachments
        parsed = parse_attachment_reference(refs[index]) if index < len(refs) else None
        if parsed is None:
            raise PermanentFailure(f"source {source!r}: no stored attachment {index}")
        sha256, label = parsed
        target = folder / f"{index}-{Path(label).name or 'attachment'}"
        _link_or_copy(context.service.blobs.path(sha256), target)
        given[str(target)] = f"{source} ({label})"
    return given


def run_screening_now(context: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    from corpora import Corpus
    from screening.named_sources import NamedSourceError, screen_with_named_sources
    from screening.screen import ScreeningError

    service = context.service
    code = str(payload["code"])
    work = service.settings.work_dir / context.job_id
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        with service.sessions() as session:
            allegation = store.find_allegation(session, code).allegation
            submission = session.get(Submission, payload["submission_id"])
            if submission is None or submission.file_sha256 is None:
                raise PermanentFailure(f"submission {payload['submission_id']}: no thesis file")
            thesis = work / f"{submission.id}.{submission.file_type or 'bin'}"
            _link_or_copy(service.blobs.path(submission.file_sha256), thesis)
            metadata = thesis_metadata(submission)
        given = _given(context, allegation, payload["sources"], work / "attachments")
        corpus = resolve_corpus(service, payload.get("corpus_id"))
        if corpus is None:
            corpus = Corpus.open(work / "no-corpus", create=True)
        try:
            screened = screen_with_named_sources(
                thesis,
                corpus,
                list(given),
                work / "named-sources",
                work / "out",
                metadata=metadata,
                settings=screen_settings({}),
                extractor=context.extractor,
            )
        except (NamedSourceError, ScreeningError) as exc:
            raise PermanentFailure(str(exc)) from exc
        result = screened.result.to_json()
        data = json.dumps(result, ensure_ascii=False).encode("utf-8")
        blob = service.blobs.put_bytes(data).sha256
        location = result_location(code, context.job_id)
        outcome: dict[str, Any] = {"result_blob": blob}
        with service.sessions() as session:
            context.hold_lease(session)
            stored = store.find_allegation(session, code)
            allegation = stored.allegation
            last = allegation.events[-1].on if allegation.events else rs.clock.today()
            try:
                summary = summarise_screening(
                    allegation,
                    screened.result,
                    [(given[n.given], n.doc_id, n.file) for n in screened.named],
                    location,
                    max(rs.clock.today(), last),
                    str(payload["actor"]),
                )
                store.save_allegation(session, stored, record_screening(allegation, summary))
            except AllegationError as exc:
                raise PermanentFailure(f"{exc}; nothing was recorded") from exc
            except ApiProblem as exc:
                raise RetryLater(1.0, str(exc)) from exc
            caller = Principal(str(payload["key_id"]), str(payload["key_name"]), "admin", None)
            audit.record(
                session,
                caller,
                "allegation.screened",
                "allegation",
                stored.record.id,
                {"code": code, "job_id": context.job_id, "flag": summary.flag},
            )
            outcome["screening"] = screening_to_json(summary)
            context.complete_in(session, outcome)
            session.commit()
        return outcome
    finally:
        shutil.rmtree(work, ignore_errors=True)


SCREEN_NOW = JobHandler(run=run_screening_now)
