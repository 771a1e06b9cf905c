"""Extraction stage: thesis files in, one `ThesisWork` per file out.

A `ThesisWork` carries one thesis through the later stages (terms, regions,
matches, timings). Extraction runs in isolated worker processes, in this process,
or wherever a caller's `extract_many` sends it (e.g. a cluster).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from screening.align import AlignedPassage
from screening.document_fields import document_field
from screening.measure import Regions
from screening.search import TextSide
from screening.settings import ScreenSettings

if TYPE_CHECKING:
    from corpora.extract import ExtractedDocument

ExtractMany = Callable[
    [Sequence[tuple[Path, Mapping[str, str]]]], Iterable["ExtractedDocument | str"]
]
"""Extracts many files (e.g. on a cluster), yielding each result or why it failed, in order."""

Report = Callable[[str, int, int, str], None]
"""report(stage, done, total, item)."""


@dataclass
class ThesisWork:
    """One thesis on its way through the pipeline; each stage fills in its part."""

    key: str  # output stem
    path: Path
    doc: Any  # corpora ExtractedDocument
    metadata: dict[str, str]
    sha256: str
    text: str = ""
    side: TextSide | None = None
    regions: Regions | None = None
    matches: list[tuple[str, str, AlignedPassage, str]] = field(default_factory=list)
    """(source id, origin, passage, the source's text of the passage)"""
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def screenable(self) -> bool:
        return self.doc.status in ("ok", "partial") and bool(self.text.strip())


def extract_theses(
    files: Sequence[Path],
    metas: Sequence[Mapping[str, str]],
    cfg: ScreenSettings,
    report: Report,
    *,
    extractor: Extractor | None = None,
    extract_many: ExtractMany | None = None,
) -> tuple[list[ThesisWork], dict[str, str]]:
    """The theses of `files` (caller metadata `metas` completing what extraction finds),
    and why each file whose extraction failed outright (on a cluster) failed, by name."""
    failures: dict[str, str] = {}
    if extract_many is None:
        extracted = _extract_all(files, metas, cfg, report, extractor)
    else:
        from corpora.extract import failure

        extracted = []
        jobs = list(zip(files, metas, strict=True))
        for p, outcome in zip(files, extract_many(jobs), strict=True):
            if isinstance(outcome, str):
                failures[p.name] = outcome
                outcome = failure(p.name, "corrupt", outcome)  # no result is written for it
            extracted.append((outcome, 0.0))
    theses: list[ThesisWork] = []
    for p, meta, (doc, seconds) in zip(files, metas, extracted, strict=True):
        found = document_field(doc, "metadata", {}) or {}
        merged = {str(k): str(v) for k, v in found.items() if v}
        merged.update({str(k): str(v) for k, v in meta.items() if v})
        th = ThesisWork(key=p.stem, path=p, doc=doc, metadata=merged, sha256=file_sha256(p))
        th.text = doc.text if doc.status in ("ok", "partial") else ""
        th.timings["extract"] = seconds
        theses.append(th)
    return theses, failures


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Extractor(Protocol):
    """A reusable extractor, such as a long-lived `corpora.IsolatedExtractor`."""

    def extract(self, path: Path, *, metadata: Mapping[str, str] | None = None) -> Any: ...


def _extract_all(
    paths: Sequence[Path],
    metas: Sequence[Mapping[str, str]],
    cfg: ScreenSettings,
    report: Report,
    extractor: Extractor | None = None,
) -> list[tuple[Any, float]]:
    """Extracted documents (with seconds taken), in order.

    Isolated extraction runs in worker processes, one per thread, `cfg.workers` at
    a time (each worker is reused for several files); in-process extraction is
    sequential. A caller's `extractor` takes sequential runs (one file, or one worker)
    so that no worker process is started for them.
    """
    import corpora

    total = len(paths)
    workers = cfg.workers or os.cpu_count() or 1
    limits = corpora.ExtractionLimits(ocr=cfg.ocr)

    def extract(path: Path, meta: Mapping[str, str], own: Extractor | None) -> Any:
        """One file; OCR'd pages are reported as stage "ocr"."""

        def pages(done: int, count: int) -> None:
            report("ocr", done, count, path.name)

        if not cfg.isolate_extraction:
            return corpora.extract_file(path, metadata=meta or None, limits=limits, progress=pages)
        if isinstance(own, corpora.IsolatedExtractor):
            return own.extract(path, metadata=meta or None, progress=pages)
        if own is not None:
            return own.extract(path, metadata=meta or None)
        return corpora.extract_isolated(path, metadata=meta or None, limits=limits, progress=pages)

    if not cfg.isolate_extraction or workers == 1 or total == 1:
        out = []
        for i, (p, meta) in enumerate(zip(paths, metas, strict=True)):
            report("extract", i, total, p.name)
            t0 = time.perf_counter()
            out.append((extract(p, meta, extractor), time.perf_counter() - t0))
        report("extract", total, total, "")
        return out
    local = threading.local()
    started: list[Any] = []
    lock = threading.Lock()

    def job(i: int) -> tuple[Any, float]:
        own = getattr(local, "extractor", None)
        if own is None:
            own = local.extractor = corpora.IsolatedExtractor(limits)
            with lock:
                started.append(own)
        t0 = time.perf_counter()
        doc = extract(paths[i], metas[i], own)
        return doc, time.perf_counter() - t0

    results: list[tuple[Any, float] | None] = [None] * total
    try:
        with ThreadPoolExecutor(max_workers=min(workers, total)) as pool:
            futures = {pool.submit(job, i): i for i in range(total)}
            for done, future in enumerate(as_completed(futures)):
                i = futures[future]
                results[i] = future.result()
                report("extract", done, total, paths[i].name)
    finally:
        for own in started:
            own.close()
    report("extract", total, total, "")
    return [r for r in results if r is not None]


def prepare_terms(theses: Sequence[ThesisWork], term_index: Any) -> None:
    """Terms stage: each thesis's index terms (`term_index` a `CorpusIndex`), for retrieval,
    template matching and the batch comparison."""
    for th in theses:
        t0 = time.perf_counter()
        th.side = TextSide(th.text, term_index.terms(th.text))
        th.timings["prepare"] = time.perf_counter() - t0
