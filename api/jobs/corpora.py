"""Corpus jobs: add an uploaded document (isolated extraction) and bring the index up to date."""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path
from typing import Any

from api.jobs.worker import JobContext, JobHandler, PermanentFailure


def _open(context: JobContext, corpus_id: str) -> Any:
    from corpora import Corpus

    path = context.service.corpus_path(corpus_id)
    if not path.is_dir():
        raise PermanentFailure(f"corpus {corpus_id} no longer exists")
    return Corpus.open(path)


def run_add_document(context: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Extracts the stored file in an isolated process and adds it to the corpus."""
    corpus = _open(context, payload["corpus_id"])
    blob = context.service.blobs.path(payload["sha256"])
    context.service.settings.work_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="corpus-add-", dir=context.service.settings.work_dir))
    try:
        # The label was cleaned of separators and control characters; inside a fresh private
        # folder it only names the document (the corpus records it as `file`).
        target = folder / payload["label"]
        shutil.copyfile(blob, target)
        meta = payload.get("metadata") or {}
        metadata_csv = folder / ".metadata.csv"
        with metadata_csv.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "title", "authors", "year", "type", "institution"])
            writer.writerow(
                [
                    target.name,
                    meta.get("title", ""),
                    meta.get("authors", ""),
                    meta.get("year", ""),
                    meta.get("type", ""),
                    meta.get("institution", ""),
                ]
            )
        report = corpus.add_files(
            [target],
            metadata_csv=metadata_csv,
            extractor=lambda path, m: context.extractor.extract(path, metadata=m),
        )
        outcome = report.outcomes[0]
        return {
            "outcome": outcome.outcome,
            "document_id": outcome.doc_id,
            "reason": outcome.reason,
            "status": outcome.status,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_reindex(context: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Indexes new documents, drops removed ones and compacts the index."""
    from screening.index import CorpusIndex

    corpus = _open(context, payload["corpus_id"])
    index = CorpusIndex.of_corpus(corpus)
    report = index.update(corpus)
    index.compact()
    stats = index.stats()
    return {
        "added": report.added,
        "removed": report.removed,
        "documents": stats["documents"],
        "characters": stats["characters"],
        "segments": stats["segments"],
    }


ADD_DOCUMENT = JobHandler(run=run_add_document)
REINDEX = JobHandler(run=run_reindex)
