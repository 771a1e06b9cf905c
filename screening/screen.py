"""Screening pipeline: thesis files in, one `ScreeningResult` per thesis out.

The stages, each a typed function in its own module:

- index: the corpus search brought up to date (`screening.search`);
- extract: files to `ThesisWork`s (`screening.intake.extract_theses`);
- terms: each thesis's index terms (`screening.intake.prepare_terms`);
- regions: quotes, references and templates (`screening.regions.mark_regions`);
- retrieve and align against the corpus, in this process or on a cluster
  (`CorpusSearch.search_all`, collected by `collect_hits`);
- batch comparison of the theses of the run (`screening.batch.compare_batch`);
- assessment: exclusions, figures, flag and result (`screening.assessment.finish_thesis`),
  written atomically when `out_dir` is given.

A thesis that cannot be extracted (encrypted, scanned, corrupt…) gets a result with its
status and a `needs_review` flag instead of stopping the batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screening.assessment import finish_thesis
from screening.batch import compare_batch
from screening.document_fields import document_field
from screening.index import CorpusIndex
from screening.intake import (
    ExtractMany,
    Extractor,
    Report,
    ThesisWork,
    extract_theses,
    prepare_terms,
)
from screening.regions import Templates, mark_regions
from screening.result import ScreeningResult, SourceInfo, write_result
from screening.search import (
    CorpusSearch,
    LocalSearch,
    ShardHits,
    ShardSearcher,
    TextSide,
    corpus_shards,
)
from screening.settings import ScreenSettings

__all__ = [
    "CorpusSearch",
    "ExtractMany",
    "Extractor",
    "LocalSearch",
    "Progress",
    "ScreenSettings",
    "ScreeningError",
    "ScreeningRun",
    "ShardHits",
    "ShardSearcher",
    "TextSide",
    "screen_batch",
    "screen_theses",
]

Progress = Callable[[str, int, int, str], None]
"""progress(stage, done, total, item): stages "index", "extract", "screen"."""


class ScreeningError(Exception):
    """Input the pipeline cannot work with (names the file or setting)."""


@dataclass(frozen=True)
class ScreeningRun:
    """The results of a run, in the order of the paths (None for a thesis that failed), and
    why each failed thesis failed (by file name); only a cluster run can lose a thesis."""

    results: tuple[ScreeningResult | None, ...]
    failures: Mapping[str, str]


def screen_theses(
    paths: Sequence[Path | str],
    corpus: Any,
    settings: ScreenSettings | None = None,
    out_dir: Path | str | None = None,
    *,
    metadata: Mapping[str, Mapping[str, str]] | None = None,
    progress: Progress | None = None,
    index: CorpusIndex | None = None,
    extractor: Extractor | None = None,
) -> list[ScreeningResult]:
    """Screens thesis files against a corpus (a `corpora.Corpus`, its path, or None for
    batch-only screening) and each other; returns one result per path, in order.

    `metadata` maps a file name, file stem or thesis_id to metadata fields (author,
    title, thesis_id…) that complete what extraction finds. With `out_dir`, each
    result is written to `out_dir/<file stem>.json` atomically. A long-running caller
    passes its own isolated `extractor` so single-file runs reuse one worker process.
    `index` replaces the index of a one-shard corpus.
    """
    run = screen_batch(
        paths,
        corpus,
        settings,
        out_dir,
        metadata=metadata,
        progress=progress,
        index=index,
        extractor=extractor,
    )
    return [r for r in run.results if r is not None]


def screen_batch(
    paths: Sequence[Path | str],
    corpus: Any,
    settings: ScreenSettings | None = None,
    out_dir: Path | str | None = None,
    *,
    metadata: Mapping[str, Mapping[str, str]] | None = None,
    progress: Progress | None = None,
    index: CorpusIndex | None = None,
    extractor: Extractor | None = None,
    search: Callable[[Sequence[Any], int], CorpusSearch] | None = None,
    extract_many: ExtractMany | None = None,
) -> ScreeningRun:
    """`screen_theses`, with the corpus search placed by `search(shards, margin)` and the
    extraction by `extract_many` (defaults: in this process). A thesis whose extraction or
    search failed there gets no result file and is named in `failures`; all the others are
    written as usual (a thesis whose corpus search failed still counts in the batch
    comparison of the others)."""
    cfg = settings or ScreenSettings()
    files = _checked_paths(paths)
    ref = _open_corpus(corpus)
    report: Report = progress or (lambda *a: None)
    margin = cfg.retrieval.window_chars // 3
    params = index.params if index is not None else None

    searcher, corpus_info = None, _NO_CORPUS
    if ref is not None:
        searcher, corpus_info = open_search(ref, margin, report, index=index, search=search)
        if params is None and isinstance(searcher, LocalSearch):
            params = searcher.searchers[0].index.params

    lookup = {str(k): dict(v) for k, v in (metadata or {}).items()}
    metas = [dict(lookup.get(p.name) or lookup.get(p.stem) or {}) for p in files]
    theses, failures = extract_theses(
        files, metas, cfg, report, extractor=extractor, extract_many=extract_many
    )
    excluded_ids = _resolve_excluded(ref, cfg.excluded_sources)
    templates = Templates.of(ref if cfg.templates else None, params)

    live = [t for t in theses if t.screenable and t.path.name not in failures]
    term_index = CorpusIndex.in_memory(params)
    prepare_terms(live, term_index)
    mark_regions(live, templates, cfg, term_index, margin)

    searching: Iterator[tuple[str, ShardHits | str, float]] = iter(())
    if searcher is not None:
        # The thesis's own file, if it is in the corpus, is not a source of itself. A
        # cluster starts searching now, while this process compares the batch.
        same_file = _corpus_files_by_digest(ref)
        items = [
            (th.key, th.side, frozenset(same_file.get(th.sha256, ())))
            for th in live
            if th.side is not None
        ]
        searching = searcher.search_all(items, cfg.retrieval)

    source_infos: dict[str, SourceInfo] = {}
    batch = compare_batch(live if cfg.batch_comparison else [], cfg.retrieval, margin)
    source_infos.update(batch.sources)
    source_infos.update(collect_hits(searching, live, report, failures))
    for th in live:
        th.matches.extend(batch.matches.get(th.key, ()))

    results: list[ScreeningResult | None] = []
    for th in theses:
        if th.path.name in failures:
            results.append(None)
            continue
        result = finish_thesis(th, cfg, corpus_info, source_infos, excluded_ids)
        if out_dir is not None:
            write_result(Path(out_dir) / f"{th.key}.json", result)
        results.append(result)
    return ScreeningRun(tuple(results), failures)


_NO_CORPUS: Mapping[str, Any] = {"path": None, "snapshot": None, "documents": 0, "characters": 0}


def _checked_paths(paths: Sequence[Path | str]) -> list[Path]:
    """The thesis paths, refused when missing or when two would write the same result file."""
    files = [Path(p) for p in paths]
    stems = [p.stem for p in files]
    dup = sorted({s for s in stems if stems.count(s) > 1})
    if dup:
        raise ScreeningError(
            f"several theses share the file stem {', '.join(dup)}: results would overwrite "
            "each other; rename or screen them separately"
        )
    for p in files:
        if not p.is_file():
            raise ScreeningError(f"thesis file not found: {p}")
    return files


def open_search(
    ref: Any,
    margin: int,
    report: Report,
    *,
    index: CorpusIndex | None = None,
    search: Callable[[Sequence[Any], int], CorpusSearch] | None = None,
) -> tuple[CorpusSearch, dict[str, Any]]:
    """Index stage: the corpus search (placed by `search`, else in this process) with its
    indexes up to date, and the result's `corpus` description."""
    began = time.perf_counter()
    shards = corpus_shards(ref)
    searcher: CorpusSearch
    if search is not None:
        searcher = search(shards, margin)
    elif index is not None and len(shards) == 1:
        searcher = LocalSearch([ShardSearcher(shards[0], index)], margin)
    else:
        searcher = LocalSearch([ShardSearcher.open(s) for s in shards], margin)
    try:
        documents, characters = searcher.update(lambda d, t: report("index", d, t, ""))
    except OSError as exc:
        raise ScreeningError(
            f"cannot update the corpus index in {getattr(ref, 'path', '')}/index: "
            f"{exc.strerror or exc}"
        ) from exc
    snap = getattr(ref, "snapshot", None)
    return searcher, {
        "path": str(getattr(ref, "path", "") or ""),
        "snapshot": str(snap()) if callable(snap) else None,
        "documents": documents,
        "characters": characters,
        "index_seconds": round(time.perf_counter() - began, 3),
    }


def collect_hits(
    searching: Iterable[tuple[str, ShardHits | str, float]],
    theses: Sequence[ThesisWork],
    report: Report,
    failures: dict[str, str],
) -> dict[str, SourceInfo]:
    """Retrieve/align stage, gathered: adds each thesis's corpus matches and timings as its
    search finishes, records a failed search in `failures`; returns the sources found."""
    by_key = {th.key: th for th in theses}
    infos: dict[str, SourceInfo] = {}
    t0 = time.perf_counter()
    for n_done, (key, hits, seconds) in enumerate(searching):
        th = by_key[key]
        report("screen", n_done, len(theses), th.path.name)
        if isinstance(hits, str):
            failures[th.path.name] = hits
            continue
        th.timings["retrieve"] = seconds
        th.timings["align"] = max(time.perf_counter() - t0 - seconds, 0.0)
        t0 = time.perf_counter()
        th.matches.extend((sid, "corpus", psg, text) for sid, psg, text in hits.matches)
        infos.update(hits.infos)
    report("screen", len(theses), len(theses), "")
    return infos


def _corpus_files_by_digest(ref: Any) -> dict[str, list[str]]:
    """Corpus document ids by the sha256 of the file they were added from."""
    same_file: dict[str, list[str]] = {}
    for d in ref.documents():
        digest = document_field(d, "sha256")
        if digest:
            same_file.setdefault(str(digest), []).append(str(document_field(d, "id")))
    return same_file


def _resolve_excluded(ref: Any, wanted: Iterable[str]) -> frozenset[str]:
    """Excluded-source options name corpus ids or file names; returns ids (and the names)."""
    wanted = {w for w in wanted if w}
    if not wanted or ref is None:
        return frozenset(wanted)
    ids = set(wanted)
    for d in ref.documents():
        if document_field(d, "file") in wanted or document_field(d, "id") in wanted:
            ids.add(str(document_field(d, "id")))
    return frozenset(ids)


def _open_corpus(corpus: Any) -> Any:
    if corpus is None or not isinstance(corpus, str | Path):
        return corpus
    from corpora import Corpus

    path = Path(corpus)
    if not path.is_dir():
        raise ScreeningError(f"corpus not found: {path} (create it with `spotcheck corpus add`)")
    try:
        return Corpus.open(path)
    except Exception as exc:  # corpora.CorpusError and unreadable manifests alike
        raise ScreeningError(f"cannot open corpus {path}: {exc}") from exc
