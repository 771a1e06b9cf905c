"""The screening job: one thesis or a whole batch through `screening.screen.screen_theses`.

Files are linked from the blob store into a private work folder under names the service makes
(`<screening id>.<type>`), never client names. The whole run is repeatable, so a job retried
after a crash simply runs again and overwrites nothing but its own results.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from api import webhooks
from api.jobs.worker import JobContext, JobHandler
from api.service import Service
from api.storage.models import CorpusRecord, Screening, ScreeningBatch, Submission, utcnow

if TYPE_CHECKING:
    from screening.result import ScreeningResult

log = logging.getLogger("spotcheck.jobs")

ERROR_CODES = {
    "encrypted": "ENCRYPTED_PDF",
    "no_text_layer": "NO_TEXT_LAYER",
    "not_extractable": "NOT_EXTRACTABLE",
    "corrupt": "CORRUPT_FILE",
    "too_large": "TOO_LARGE",
    "unsupported": "UNSUPPORTED_TYPE",
}
STAGES = {"index": (0.0, 0.2), "extract": (0.2, 0.5), "screen": (0.5, 0.95)}


def error_code_for(status: str) -> str:
    return ERROR_CODES.get(status, "INTERNAL")


def thesis_metadata(submission: Submission) -> dict[str, str]:
    meta = {k: str(v) for k, v in submission.metadata_.items() if v and k != "draw_id"}
    meta["thesis_id"] = submission.thesis_id
    meta["institution"] = submission.institution
    return meta


def resolve_corpus(service: Service, corpus_id: str | None) -> Any:
    """The reference corpus of a screening (None: screen the batch against itself only)."""
    with service.sessions() as session:
        if corpus_id is None:
            record = session.scalar(select(CorpusRecord).where(CorpusRecord.name == "default"))
        else:
            record = session.get(CorpusRecord, corpus_id)
        if record is None:
            return None
        path = service.corpus_path(record.id)
    from corpora import Corpus

    return Corpus.open(path, create=True)


def screen_settings(settings: dict[str, Any]) -> Any:
    from screening.screen import ScreenSettings

    return ScreenSettings(
        exclude_quotes=settings.get("exclude_quotes", True),
        exclude_references=settings.get("exclude_references", True),
        exclude_own=settings.get("exclude_own", True),
        min_match_characters=settings.get("min_match_characters", 30),
        excluded_sources=frozenset(settings.get("excluded_sources", [])),
        templates=settings.get("templates", True),
        batch_comparison=settings.get("batch_comparison", True),
        isolate_extraction=True,
    )


class ProgressWriter:
    """Writes a run's progress to its screenings at most twice a second."""

    def __init__(self, service: Service, screening_ids: list[str]) -> None:
        self.service = service
        self.ids = screening_ids
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int, item: str) -> None:
        if stage == "ocr":  # pages of one file being OCRed: the batch's fraction does not move
            return
        now = time.monotonic()
        if now - self.last < 0.5 and done < total:
            return
        self.last = now
        low, high = STAGES.get(stage, (0.0, 0.95))
        fraction = low + (high - low) * (done / total if total else 1.0)
        with self.service.sessions() as session:
            for screening in session.scalars(
                select(Screening).where(Screening.id.in_(self.ids), Screening.state == "running")
            ):
                screening.progress = round(max(screening.progress, fraction), 3)
                screening.stage = stage
            session.commit()


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def run_screening(context: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    service = context.service
    ids: list[str] = list(payload["screening_ids"])
    batch_id: str | None = payload.get("batch_id")
    work = service.settings.work_dir / context.job_id
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        with service.sessions() as session:
            context.hold_lease(session)
            screenings = session.scalars(select(Screening).where(Screening.id.in_(ids))).all()
            by_id = {s.id: s for s in screenings}
            settings: dict[str, Any] = screenings[0].settings if screenings else {}
            paths: list[Path] = []
            metadata: dict[str, dict[str, str]] = {}
            names: dict[str, list[str]] = {}
            for screening_id in ids:
                screening = by_id[screening_id]
                submission = session.get(Submission, screening.submission_id)
                assert submission is not None and submission.file_sha256 is not None
                target = work / f"{screening.id}.{submission.file_type or 'bin'}"
                _link_or_copy(service.blobs.path(submission.file_sha256), target)
                paths.append(target)
                metadata[target.stem] = thesis_metadata(submission)
                names[screening.id] = [
                    v
                    for k, v in metadata[target.stem].items()
                    if k in ("author", "supervisor", "institution") and v
                ]
                screening.state = "running"
                screening.stage = "queued"
                screening.progress = 0.0
                screening.attempts = context.attempt
                screening.started_at = utcnow()
            if batch_id:
                batch = session.get(ScreeningBatch, batch_id)
                if batch is not None:
                    batch.state = "running"
            session.commit()

        from screening.screen import screen_theses

        corpus = resolve_corpus(service, settings.get("corpus_id"))
        results = screen_theses(
            paths,
            corpus,
            screen_settings(settings),
            metadata=metadata,
            progress=ProgressWriter(service, ids),
            extractor=context.extractor,
        )
        stored: dict[str, str] = {}
        for screening_id, result in zip(ids, results, strict=True):
            data = json.dumps(result.to_json(), ensure_ascii=False).encode("utf-8")
            stored[screening_id] = service.blobs.put_bytes(data).sha256
        summary = _batch_summary(service, work, results, ids) if batch_id else None
        outcome = {"screenings": len(ids)}
        _record_results(context, ids, results, stored, batch_id, summary, outcome)
        return outcome
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _batch_summary(
    service: Service, work: Path, results: list[ScreeningResult], ids: list[str]
) -> dict[str, str]:
    from screening.report import write_batch_summary

    links = {}
    for screening_id, result in zip(ids, results, strict=True):
        links[result.thesis_id or screening_id] = f"/v1/screenings/{screening_id}/report"
    files = write_batch_summary(
        results, work / "summary", report_links=links, key=service.settings.blinding_key()
    )
    return {
        "csv": service.blobs.put_file(files.csv).sha256,
        "xlsx": service.blobs.put_file(files.xlsx).sha256,
        "html": service.blobs.put_file(files.html).sha256,
    }


def _record_results(
    context: JobContext,
    ids: list[str],
    results: list[ScreeningResult],
    stored: dict[str, str],
    batch_id: str | None,
    summary: dict[str, str] | None,
    outcome: dict[str, Any],
) -> None:
    """Records the results, queues their webhooks and completes the job in one transaction,
    only if this run still holds the job (a run that lost its lease records nothing)."""
    service = context.service
    max_attempts = service.settings.webhook_max_attempts
    with service.sessions() as session:
        context.hold_lease(session)
        for screening_id, result in zip(ids, results, strict=True):
            screening = session.get(Screening, screening_id)
            assert screening is not None
            status = result.thesis.status
            screening.result_blob = stored[screening_id]
            screening.finished_at = utcnow()
            screening.progress = 1.0
            screening.stage = None
            screening.flag_level = result.flag.level
            figures = result.figures
            screening.total_copy_ratio = figures.total_copy_ratio if figures else None
            event_data: dict[str, Any] = {
                "screening_id": screening.id,
                "submission_id": screening.submission_id,
                "batch_id": screening.batch_id,
                "location": f"/v1/screenings/{screening.id}",
            }
            if status in ("ok", "partial"):
                screening.state = "complete"
                screening.error_code = None
                screening.error_detail = None
                event = "screening.completed"
                event_data |= {
                    "flag_level": screening.flag_level,
                    "total_copy_ratio": screening.total_copy_ratio,
                }
            else:
                screening.state = "error"
                screening.error_code = error_code_for(status)
                screening.error_detail = result.thesis.reason or status
                event = "screening.failed"
                event_data |= {"error_code": screening.error_code}
            webhooks.emit(
                session,
                event,
                event_data,
                institution=screening.institution,
                max_attempts=max_attempts,
            )
        if batch_id:
            batch = session.get(ScreeningBatch, batch_id)
            if batch is not None:
                batch.state = "complete"
                batch.finished_at = utcnow()
                if summary:
                    batch.summary_blob = summary["csv"]
                    batch.summary_html_blob = summary["html"]
                    batch.summary_xlsx_blob = summary["xlsx"]
                webhooks.emit(
                    session,
                    "batch.completed",
                    {"batch_id": batch.id, "location": f"/v1/screening-batches/{batch.id}"},
                    institution=None,
                    max_attempts=max_attempts,
                )
        context.complete_in(session, outcome)
        session.commit()


def give_up_screening(context: JobContext, payload: dict[str, Any], reason: str) -> None:
    """Ends every unfinished screening of the job in error INTERNAL (never left running)."""
    service = context.service
    with service.sessions() as session:
        context.hold_lease(session)
        for screening in session.scalars(
            select(Screening).where(Screening.id.in_(payload["screening_ids"]))
        ):
            if screening.state in ("complete", "error"):
                continue
            screening.state = "error"
            screening.error_code = "INTERNAL"
            screening.error_detail = reason[:2000]
            screening.finished_at = utcnow()
            webhooks.emit(
                session,
                "screening.failed",
                {
                    "screening_id": screening.id,
                    "error_code": "INTERNAL",
                    "location": f"/v1/screenings/{screening.id}",
                },
                institution=screening.institution,
                max_attempts=service.settings.webhook_max_attempts,
            )
        batch_id = payload.get("batch_id")
        if batch_id:
            batch = session.get(ScreeningBatch, batch_id)
            if batch is not None and batch.state != "complete":
                batch.state = "error"
                batch.error_code = "INTERNAL"
                batch.error_detail = reason[:2000]
                batch.finished_at = utcnow()
        session.commit()


SCREEN = JobHandler(run=run_screening, give_up=give_up_screening)
