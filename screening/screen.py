"""Screening pipeline: thesis files in, one result dict per thesis out.

extract → prepare → retrieve candidates from the corpus index → align →
cross-compare the batch → templates and other exclusions → measures → flag
policy → result (docs/result-schema.md), written atomically when `out_dir` is
given. A thesis that cannot be extracted (encrypted, scanned, corrupt…) gets a
result with its status and a `needs_review` flag instead of stopping the batch.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from screening.align import AlignedPassage, PreparedText, align_prepared, prepare_text
from screening.batch import batch_candidates
from screening.crosslingual.align import align_cross_language, has_cross_language_units
from screening.index import CorpusIndex
from screening.index.terms import Terms
from screening.measure import (
    Figures,
    Match,
    Regions,
    classify_exclusion,
    compute_figures,
    countable_mask,
    sentence_spans_with,
    small_sources,
    span_mask,
)
from screening.policy import Evidence, Flag, FlagPolicy, assess
from screening.result import (
    PassageRecord,
    SourceInfo,
    ThesisInfo,
    build_result,
    write_json_atomic,
)
from screening.retrieve import (
    Candidate,
    RetrievalConfig,
    ShardEvidence,
    TermStatistics,
    query_terms,
    select_candidates,
    shard_evidence,
    sum_statistics,
    term_statistics,
)

if TYPE_CHECKING:
    from corpora.extract import ExtractedDocument

BOILERPLATE_SECTIONS = ("cover", "declaration")
BATCH_PREFIX = "batch:"
TEMPLATE_PREFIX = "template:"
SOURCE_CACHE_SIZE = 256

ExtractMany = Callable[
    [Sequence[tuple[Path, Mapping[str, str]]]], Iterable["ExtractedDocument | str"]
]
"""Extracts many files (e.g. on a cluster), yielding each result or why it failed, in order."""

Progress = Callable[[str, int, int, str], None]
"""progress(stage, done, total, item): stages "index", "extract", "screen"."""


class ScreeningError(Exception):
    """Input the pipeline cannot work with (names the file or setting)."""


@dataclass(frozen=True)
class ScreenSettings:
    """Exclusion options, thresholds and limits of one screening run."""

    exclude_quotes: bool = True
    exclude_references: bool = True
    exclude_own: bool = True
    min_match_characters: int = 30
    min_source_share: float = 0.0  # sources covering less than this fraction do not count
    excluded_sources: frozenset[str] = frozenset()  # corpus ids or file names
    templates: bool = True  # registered templates and cover/declaration sections never count
    batch_comparison: bool = True
    isolate_extraction: bool = True
    workers: int = 0  # parallel isolated extractions; 0 = one per CPU
    ocr: str = "auto"  # OCR mode of the extraction: auto, never or always
    policy: FlagPolicy = field(default_factory=FlagPolicy)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)

    def to_json(self) -> dict[str, Any]:
        return {
            "exclude_quotes": self.exclude_quotes,
            "exclude_references": self.exclude_references,
            "exclude_own": self.exclude_own,
            "min_match_characters": self.min_match_characters,
            "min_source_share": self.min_source_share,
            "excluded_sources": sorted(self.excluded_sources),
            "templates": self.templates,
            "batch_comparison": self.batch_comparison,
            "policy": self.policy.to_json(),
        }


class ReferenceCorpus(Protocol):
    """What screening needs from `corpora.Corpus`."""

    def documents(self) -> Sequence[Any]: ...

    def document(self, doc_id: str) -> Any: ...

    def text(self, doc_id: str) -> str: ...


@dataclass
class _Thesis:
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


@dataclass
class TextSide:
    """A text with its index terms; excerpts are prepared for alignment on demand."""

    text: str
    terms: Terms
    _prepared: dict[tuple[int, int], PreparedText] = field(default_factory=dict)

    def prepared(self, start: int, end: int) -> PreparedText:
        key = (start, min(end, len(self.text)))
        hit = self._prepared.get(key)
        if hit is None:
            if len(self._prepared) >= 64:
                self._prepared.clear()
            hit = self._prepared[key] = prepare_text(self.text[key[0] : key[1]])
        return hit


class _SourceCache:
    """Source texts with their terms, least recently used dropped first."""

    def __init__(
        self,
        load: Callable[[str], str],
        terms: Callable[[str], Terms],
        size: int = SOURCE_CACHE_SIZE,
    ) -> None:
        self._load = load
        self._terms = terms
        self._size = size
        self._items: OrderedDict[str, TextSide] = OrderedDict()

    def get(self, doc_id: str) -> TextSide:
        hit = self._items.get(doc_id)
        if hit is not None:
            self._items.move_to_end(doc_id)
            return hit
        text = self._load(doc_id)
        side = TextSide(text, self._terms(text))
        self._items[doc_id] = side
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return side


def _merge_spans(spans: Iterable[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(spans):
        a, b = max(0, a), min(limit, b)
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        elif b > a:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _source_spans(
    thesis: TextSide,
    source: TextSide,
    start: int,
    end: int,
    *,
    gap: int,
    margin: int,
    min_terms: int = 6,
) -> list[tuple[int, int]]:
    """Source spans holding the terms that thesis[start:end] shares with it.

    Matched source positions are grouped where they lie within `gap` characters of
    each other; groups with at least `min_terms` shared terms (and at least a fifth
    of the largest group's) are widened by `margin`.
    """
    inside = (thesis.terms.starts >= start) & (thesis.terms.starts < end)
    shared = np.isin(source.terms.hashes, thesis.terms.hashes[inside])
    pos = np.sort(source.terms.starts[shared])
    if pos.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(pos) > gap)
    firsts = np.concatenate(([0], breaks + 1))
    lasts = np.concatenate((breaks, [pos.size - 1]))
    sizes = lasts - firsts + 1
    keep = (sizes >= min_terms) & (sizes >= 0.2 * sizes.max())
    spans = [
        (int(pos[f]) - margin, int(pos[la]) + margin)
        for f, la in zip(firsts[keep], lasts[keep], strict=True)
    ]
    return _merge_spans(spans, len(source.text))


def align_in_regions(
    thesis: TextSide,
    source: TextSide,
    regions: Sequence[tuple[int, int]],
    *,
    margin: int,
    source_gap: int = 400,
    source_margin: int = 200,
    whole_fraction: float = 0.5,
) -> list[AlignedPassage]:
    """Aligns only the parts of thesis and source that share index terms.

    The aligner's cost grows with the lengths of both texts, while a copied
    passage occupies a small part of each. The thesis regions holding retrieval
    evidence (widened by `margin`) are aligned as excerpts against the source
    excerpts that share their terms; offsets are shifted back to the whole texts.
    When the regions cover most of the thesis, the whole thesis is used.
    """
    n = len(thesis.text)
    spans = _merge_spans(((a - margin, b + margin) for a, b in regions), n)
    if not spans or sum(b - a for a, b in spans) >= whole_fraction * n:
        spans = [(0, n)]
    out: list[AlignedPassage] = []
    for a, b in spans:
        src_spans = _source_spans(thesis, source, a, b, gap=source_gap, margin=source_margin)
        if not src_spans:
            continue
        susp = thesis.prepared(a, b)
        for c, d in src_spans:
            for p in align_prepared(susp, source.prepared(c, d)):
                out.append(
                    AlignedPassage(
                        susp_start=p.susp_start + a,
                        susp_end=p.susp_end + a,
                        src_start=p.src_start + c,
                        src_end=p.src_end + c,
                        similarity=p.similarity,
                        match_class=p.match_class,
                    )
                )
    return _drop_overlaps(out)


def _drop_overlaps(passages: list[AlignedPassage]) -> list[AlignedPassage]:
    """Keeps the longer of passages that overlap on the thesis side (one source)."""
    kept: list[AlignedPassage] = []
    for p in sorted(passages, key=lambda p: -(p.susp_end - p.susp_start)):
        if all(p.susp_end <= k.susp_start or k.susp_end <= p.susp_start for k in kept):
            kept.append(p)
    return sorted(kept, key=lambda p: p.susp_start)


@dataclass(frozen=True)
class ShardHits:
    """What one shard aligned for a thesis: passages with their source text, and the
    descriptions of the sources they come from."""

    matches: tuple[tuple[str, AlignedPassage, str], ...]  # (doc id, passage, source text)
    infos: Mapping[str, SourceInfo]


class ShardSearcher:
    """Retrieval and alignment against one corpus shard (its documents and its index).

    A plain corpus is searched as one shard; on a cluster each worker keeps the
    searchers of the shards it holds, so texts and postings stay where they are.
    """

    def __init__(self, corpus: ReferenceCorpus, index: CorpusIndex) -> None:
        self.corpus = corpus
        self.index = index
        self.sources = _SourceCache(corpus.text, index.terms)

    @classmethod
    def open(cls, corpus: ReferenceCorpus) -> ShardSearcher:
        """The searcher of a shard, with its index (memory-mapped beside it when it has a path)."""
        return cls(corpus, CorpusIndex.of_corpus(corpus))

    def update(self, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
        """Brings the shard's index up to date; returns its stats."""
        self.index.update(self.corpus, progress=progress)
        return self.index.stats()

    def statistics(self, terms: Terms) -> TermStatistics:
        return term_statistics(query_terms(terms), self.index.store)

    def evidence(
        self,
        terms: Terms,
        stats: TermStatistics,
        config: RetrievalConfig,
        exclude: frozenset[str],
    ) -> ShardEvidence:
        return shard_evidence(terms, self.index.store, stats, config, exclude=exclude)

    def align(
        self,
        thesis: TextSide,
        candidates: Sequence[Candidate],
        margin: int,
        exclude: frozenset[str] = frozenset(),
    ) -> ShardHits:
        """Aligns the thesis with each candidate of this shard, in the candidates' order,
        then with the shard's sources in the other language (`translated_matches`)."""
        matches: list[tuple[str, AlignedPassage, str]] = []
        infos: dict[str, SourceInfo] = {}
        found = [
            (c.doc_id, psg)
            for c in candidates
            for psg in align_in_regions(
                thesis, self.sources.get(c.doc_id), c.regions, margin=margin
            )
        ]
        found += self.translated_matches(thesis, exclude, margin)
        for doc_id, psg in found:
            src = self.sources.get(doc_id)
            matches.append((doc_id, psg, src.text[psg.src_start : psg.src_end]))
            if doc_id not in infos:
                infos[doc_id] = _source_info(self.corpus, doc_id)
        return ShardHits(tuple(matches), infos)

    def translated_matches(
        self, thesis: TextSide, exclude: frozenset[str], margin: int
    ) -> list[tuple[str, AlignedPassage]]:
        """Passages translated from this shard's documents in the other language.

        Retrieval uses the shard's own cross-language terms and statistics (a shard of a
        cluster ranks the same way as in one process); only the thesis regions holding a
        candidate's evidence (widened by `margin`) are aligned, against the whole source.
        """
        if not self.index.cross_language:
            return []
        whole = thesis.prepared(0, len(thesis.text))
        if not has_cross_language_units(whole):
            return []
        found = []
        for c in self.index.query_cross_language(whole, exclude=exclude):
            source = self.sources.get(c.doc_id)
            spans = _merge_spans(((a - margin, b + margin) for a, b in c.regions), len(thesis.text))
            for p in align_cross_language(
                whole, source.prepared(0, len(source.text)), susp_spans=spans or None
            ):
                found.append((c.doc_id, p))
        return found


def owning_shards(evidence: Sequence[ShardEvidence]) -> dict[str, int]:
    """Which shard (position in `evidence`) each document with evidence belongs to."""
    return {c.doc_id: i for i, part in enumerate(evidence) for c in part.candidates}


def merge_hits(candidates: Sequence[Candidate], hits: Sequence[ShardHits]) -> ShardHits:
    """The shards' passages in the order of the corpus-wide candidate ranking."""
    by_doc: dict[str, list[tuple[str, AlignedPassage, str]]] = {}
    infos: dict[str, SourceInfo] = {}
    for part in hits:
        for match in part.matches:
            by_doc.setdefault(match[0], []).append(match)
        infos.update(part.infos)
    ordered = [m for c in candidates for m in by_doc.pop(c.doc_id, ())]
    # Sources found only across languages follow, by document id (the same on any split).
    ordered += [m for doc_id in sorted(by_doc) for m in by_doc[doc_id]]
    return ShardHits(tuple(ordered), infos)


def search_shards(
    thesis: TextSide,
    searchers: Sequence[ShardSearcher],
    config: RetrievalConfig,
    exclude: frozenset[str],
    margin: int,
) -> tuple[ShardHits, float]:
    """Scatter–gather in this process: corpus-wide statistics, each shard's evidence, the
    corpus-wide candidates, each shard's alignments. Returns the hits and retrieval seconds."""
    t0 = time.perf_counter()
    stats = sum_statistics([s.statistics(thesis.terms) for s in searchers])
    evidence = [s.evidence(thesis.terms, stats, config, exclude) for s in searchers]
    candidates = select_candidates(evidence, config)
    retrieve_seconds = time.perf_counter() - t0
    owner = owning_shards(evidence)
    hits = [
        s.align(thesis, [c for c in candidates if owner[c.doc_id] == i], margin, exclude)
        for i, s in enumerate(searchers)
    ]
    return merge_hits(candidates, hits), retrieve_seconds


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _attr(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _split_names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts = re.split(r"[;；,，、/]|\s{2,}", value)
    else:
        parts = [str(v) for v in value]
    return tuple(p.strip() for p in parts if p and p.strip())


_NAME_STRIP = re.compile(r"[\s·•\.\-]")
_TITLE_STRIP = re.compile(r"[\W_]+")


def _same_person(a: str, b: str) -> bool:
    a2, b2 = _NAME_STRIP.sub("", a).casefold(), _NAME_STRIP.sub("", b).casefold()
    return bool(a2) and a2 == b2


class Extractor(Protocol):
    """A reusable extractor, such as a long-lived `corpora.IsolatedExtractor`."""

    def extract(self, path: Path, *, metadata: Mapping[str, str] | None = None) -> Any: ...


def _extract_all(
    paths: Sequence[Path],
    metas: Sequence[Mapping[str, str]],
    cfg: ScreenSettings,
    report: Callable[[str, int, int, str], None],
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


def _regions(
    thesis: _Thesis, templates: Sequence[tuple[int, int]], settings: ScreenSettings
) -> Regions:
    text = thesis.text
    n = len(text)
    doc = thesis.doc
    quotes = list(_attr(doc, "quotes", ()) or ())
    citations = [a for a, _ in (_attr(doc, "citations", ()) or ())]
    quote_mask = span_mask(n, quotes) | span_mask(n, sentence_spans_with(text, citations))
    sections = _attr(doc, "sections", ()) or ()
    refs = [(s.start, s.end) for s in sections if s.kind == "references"]
    boiler: list[tuple[int, int]] = []
    if settings.templates:
        boiler = [(s.start, s.end) for s in sections if s.kind in BOILERPLATE_SECTIONS]
        boiler.extend(templates)
    return Regions(
        countable=countable_mask(text),
        quotes=quote_mask,
        references=span_mask(n, refs),
        template=span_mask(n, boiler),
    )


def _own_sources(
    thesis: _Thesis, infos: Mapping[str, SourceInfo], sections: Sequence[Any]
) -> frozenset[str]:
    author = thesis.metadata.get("author", "") or ""
    pubs = "".join(
        _TITLE_STRIP.sub("", thesis.text[s.start : s.end]).casefold()
        for s in sections
        if s.kind == "publications"
    )
    own = set()
    for sid, info in infos.items():
        if info.origin != "corpus":
            continue
        if author and any(_same_person(author, a) for a in info.authors):
            own.add(sid)
            continue
        title = _TITLE_STRIP.sub("", info.title).casefold()
        if pubs and len(title) >= 6 and title in pubs:
            own.add(sid)
    return frozenset(own)


def _source_info(corpus: ReferenceCorpus, doc_id: str) -> SourceInfo:
    d = corpus.document(doc_id)
    year = _attr(d, "year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        year = None
    return SourceInfo(
        id=doc_id,
        title=str(_attr(d, "title", "") or ""),
        file=str(_attr(d, "file", "") or ""),
        origin="corpus",
        length=int(_attr(d, "characters", 0) or 0),
        authors=_split_names(_attr(d, "authors")),
        year=year,
        type=str(_attr(d, "type", "") or ""),
        institution=str(_attr(d, "institution", "") or ""),
    )


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


def _template_texts(corpus: Any) -> list[tuple[str, str]]:
    fn = getattr(corpus, "templates", None)
    if fn is None:
        return []
    out = []
    for i, t in enumerate(fn()):
        text = _attr(t, "text", "") or ""
        if text.strip():
            out.append((str(_attr(t, "id", i)), text))
    return out


@dataclass(frozen=True)
class ScreeningRun:
    """The results of a run, in the order of the paths (None for a thesis that failed), and
    why each failed thesis failed (by file name); only a cluster run can lose a thesis."""

    results: tuple[dict[str, Any] | None, ...]
    failures: Mapping[str, str]


class CorpusSearch(Protocol):
    """Where corpus retrieval and alignment run: this process, or a cluster's workers."""

    def update(self, progress: Callable[[int, int], None]) -> tuple[int, int]:
        """Brings every shard's index up to date; returns (documents, characters) indexed."""
        ...

    def search_all(
        self, items: Sequence[tuple[str, TextSide, frozenset[str]]], config: RetrievalConfig
    ) -> Iterator[tuple[str, ShardHits | str, float]]:
        """Per (key, thesis, excluded ids): (key, hits or why it failed, retrieval seconds)."""
        ...


class LocalSearch:
    """Every shard searched in this process, one thesis after another."""

    def __init__(self, searchers: Sequence[ShardSearcher], margin: int) -> None:
        self.searchers = list(searchers)
        self.margin = margin

    def update(self, progress: Callable[[int, int], None]) -> tuple[int, int]:
        stats = [s.update(progress) for s in self.searchers]
        return sum(st["documents"] for st in stats), sum(st["characters"] for st in stats)

    def search_all(
        self, items: Sequence[tuple[str, TextSide, frozenset[str]]], config: RetrievalConfig
    ) -> Iterator[tuple[str, ShardHits | str, float]]:
        for key, side, exclude in items:
            hits, seconds = search_shards(side, self.searchers, config, exclude, self.margin)
            yield key, hits, seconds


def corpus_shards(ref: Any) -> tuple[Any, ...]:
    """The shards of a corpus; anything else that serves texts is one shard."""
    return tuple(getattr(ref, "shards", None) or (ref,))


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
) -> list[dict[str, Any]]:
    """Screens thesis files against a corpus (a `corpora.Corpus`, its path, or None for
    batch-only screening) and each other; returns one result dict per path, in order.

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
    ref = _open_corpus(corpus)
    report: Callable[[str, int, int, str], None] = progress or (lambda *a: None)
    margin = cfg.retrieval.window_chars // 3

    corpus_info: dict[str, Any] = {"path": None, "snapshot": None, "documents": 0, "characters": 0}
    searcher: CorpusSearch | None = None
    params = index.params if index is not None else None
    if ref is not None:
        began = time.perf_counter()
        shards = corpus_shards(ref)
        if search is not None:
            searcher = search(shards, margin)
        elif index is not None and len(shards) == 1:
            searcher = LocalSearch([ShardSearcher(shards[0], index)], margin)
        else:
            searcher = LocalSearch([ShardSearcher.open(s) for s in shards], margin)
        if params is None and isinstance(searcher, LocalSearch):
            params = searcher.searchers[0].index.params
        try:
            documents, characters = searcher.update(lambda d, t: report("index", d, t, ""))
        except OSError as exc:
            raise ScreeningError(
                f"cannot update the corpus index in {getattr(ref, 'path', '')}/index: "
                f"{exc.strerror or exc}"
            ) from exc
        snap = getattr(ref, "snapshot", None)
        corpus_info = {
            "path": str(getattr(ref, "path", "") or ""),
            "snapshot": str(snap()) if callable(snap) else None,
            "documents": documents,
            "characters": characters,
            "index_seconds": round(time.perf_counter() - began, 3),
        }

    lookup = {str(k): dict(v) for k, v in (metadata or {}).items()}
    metas = [dict(lookup.get(p.name) or lookup.get(p.stem) or {}) for p in files]
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
    theses: list[_Thesis] = []
    for p, meta, (doc, seconds) in zip(files, metas, extracted, strict=True):
        merged = {str(k): str(v) for k, v in (_attr(doc, "metadata", {}) or {}).items() if v}
        merged.update({k: v for k, v in meta.items() if v})
        th = _Thesis(key=p.stem, path=p, doc=doc, metadata=merged, sha256=_sha256(p))
        th.text = doc.text if doc.status in ("ok", "partial") else ""
        th.timings["extract"] = seconds
        theses.append(th)

    excluded_ids = _resolve_excluded(ref, cfg.excluded_sources)
    same_file: dict[str, list[str]] = {}
    if ref is not None:
        for d in ref.documents():
            digest = _attr(d, "sha256")
            if digest:
                same_file.setdefault(str(digest), []).append(str(_attr(d, "id")))
    template_index = None
    templates = _template_texts(ref) if (cfg.templates and ref is not None) else []
    if templates:
        template_index = CorpusIndex.in_memory(params)
        template_index.add_texts(templates)
    template_texts = dict(templates)

    live = [t for t in theses if t.screenable and t.path.name not in failures]
    term_index = CorpusIndex.in_memory(params)
    for th in live:
        t0 = time.perf_counter()
        th.side = TextSide(th.text, term_index.terms(th.text))
        th.timings["prepare"] = time.perf_counter() - t0

    for th in live:
        assert th.side is not None
        template_spans: list[tuple[int, int]] = []
        if template_index is not None:
            for c in template_index.query(th.side.terms):
                tt = template_texts[c.doc_id]
                tp = TextSide(tt, term_index.terms(tt))
                for psg in align_in_regions(th.side, tp, c.regions, margin=margin):
                    template_spans.append((psg.susp_start, psg.susp_end))
        th.regions = _regions(th, template_spans, cfg)

    source_infos: dict[str, SourceInfo] = {}
    searching: Iterator[tuple[str, ShardHits | str, float]] = iter(())
    if searcher is not None:
        # The thesis's own file, if it is in the corpus, is not a source of itself. A
        # cluster starts searching now, while this process compares the batch.
        items = [
            (th.key, th.side, frozenset(same_file.get(th.sha256, ())))
            for th in live
            if th.side is not None
        ]
        searching = searcher.search_all(items, cfg.retrieval)

    batch_matches: dict[str, list[tuple[str, str, AlignedPassage, str]]] = {}
    if cfg.batch_comparison and len(live) > 1:
        t0 = time.perf_counter()
        by_key = {t.key: t for t in live}
        cands_by_key = batch_candidates(
            [t.key for t in live],
            [t.side.terms for t in live],  # type: ignore[union-attr]
            [len(t.text) for t in live],
            cfg.retrieval,
        )
        for th in live:
            for c in cands_by_key[th.key]:
                other = by_key[c.doc_id]
                assert th.side is not None and other.side is not None
                for psg in align_in_regions(th.side, other.side, c.regions, margin=margin):
                    batch_matches.setdefault(th.key, []).append(
                        (BATCH_PREFIX + other.key, "batch", psg, "")
                    )
        for th in live:
            th.timings["batch"] = (time.perf_counter() - t0) / len(live)
        for th in live:
            source_infos[BATCH_PREFIX + th.key] = SourceInfo(
                id=BATCH_PREFIX + th.key,
                title=th.metadata.get("title", "") or th.path.name,
                file=th.path.name,
                origin="batch",
                length=len(th.text),
                authors=_split_names(th.metadata.get("author")),
                institution=th.metadata.get("institution", ""),
            )

    by_key = {th.key: th for th in live}
    t0 = time.perf_counter()
    for n_done, (key, hits, seconds) in enumerate(searching):
        th = by_key[key]
        report("screen", n_done, len(live), th.path.name)
        if isinstance(hits, str):
            failures[th.path.name] = hits
            continue
        th.timings["retrieve"] = seconds
        th.timings["align"] = max(time.perf_counter() - t0 - seconds, 0.0)
        t0 = time.perf_counter()
        th.matches.extend((sid, "corpus", psg, text) for sid, psg, text in hits.matches)
        source_infos.update(hits.infos)
    report("screen", len(live), len(live), "")
    for th in live:
        th.matches.extend(batch_matches.get(th.key, ()))

    results: list[dict[str, Any] | None] = []
    for th in theses:
        if th.path.name in failures:
            results.append(None)
            continue
        result = _finish(th, cfg, corpus_info, source_infos, excluded_ids)
        if out_dir is not None:
            write_json_atomic(Path(out_dir) / f"{th.key}.json", result)
        results.append(result)
    return ScreeningRun(tuple(results), failures)


def _resolve_excluded(ref: Any, wanted: Iterable[str]) -> frozenset[str]:
    """Excluded-source options name corpus ids or file names; returns ids (and the names)."""
    wanted = {w for w in wanted if w}
    if not wanted or ref is None:
        return frozenset(wanted)
    ids = set(wanted)
    for d in ref.documents():
        if _attr(d, "file") in wanted or _attr(d, "id") in wanted:
            ids.add(str(_attr(d, "id")))
    return frozenset(ids)


def _thesis_info(th: _Thesis) -> ThesisInfo:
    doc = th.doc
    ok = doc.status in ("ok", "partial")
    sections = [
        {"kind": s.kind, "title": s.title, "start": s.start, "end": s.end}
        for s in (_attr(doc, "sections", ()) or ())
    ]
    return ThesisInfo(
        file=th.path.name,
        sha256=th.sha256,
        status=doc.status,
        reason=_attr(doc, "reason"),
        pages=int(_attr(doc, "pages", 0) or 0),
        text=th.text if ok else "",
        page_starts=tuple(_attr(doc, "page_starts", ()) or ()),
        sections=tuple(sections) if ok else (),
        quotes=tuple(tuple(q) for q in (_attr(doc, "quotes", ()) or ())) if ok else (),  # type: ignore[misc]
        metadata=th.metadata,
    )


def _page_of(page_starts: Sequence[int], offset: int) -> int:
    if not page_starts:
        return 1
    return int(np.searchsorted(np.asarray(page_starts), offset, side="right")) or 1


def _finish(
    th: _Thesis,
    cfg: ScreenSettings,
    corpus_info: Mapping[str, Any],
    source_infos: Mapping[str, SourceInfo],
    excluded_ids: frozenset[str],
) -> dict[str, Any]:
    info = _thesis_info(th)
    if not th.screenable or th.regions is None:
        status = th.doc.status if th.doc.status not in ("ok", "partial") else "not_extractable"
        reason = _attr(th.doc, "reason") or "no text could be extracted"
        flag = assess(
            Evidence(status, 0.0, 0.0, "", 0.0, "", (), 0, status_reason=reason), cfg.policy
        )
        return build_result(
            thesis=info,
            characters=0,
            corpus=corpus_info,
            settings=cfg.to_json(),
            figures=None,
            flag=flag,
            sources=(),
            passages=(),
            timings=th.timings,
        )
    t0 = time.perf_counter()
    regions = th.regions
    sections = list(_attr(th.doc, "sections", ()) or ())
    used = {sid for sid, _, _, _ in th.matches}
    infos = {sid: source_infos[sid] for sid in used if sid in source_infos}
    own = _own_sources(th, infos, sections) if cfg.exclude_own else frozenset()
    infos = {
        sid: (SourceInfo(**{**i.__dict__, "own_work": True}) if sid in own else i)
        for sid, i in infos.items()
    }
    matches: list[Match] = []
    records: list[PassageRecord] = []
    page_starts = info.page_starts
    for sid, origin, p, src_text in th.matches:
        m = Match(p.susp_start, p.susp_end, sid, translated=p.source_language is not None)
        why = classify_exclusion(
            m,
            regions,
            excluded_sources=excluded_ids,
            min_chars=cfg.min_match_characters,
            exclude_quotes=cfg.exclude_quotes,
            exclude_references=cfg.exclude_references,
        )
        matches.append(replace(m, excluded=why))
        span = max(p.susp_end - p.susp_start, 1)
        records.append(
            PassageRecord(
                thesis_start=p.susp_start,
                thesis_end=p.susp_end,
                source_id=sid,
                source_start=p.src_start,
                source_end=p.src_end,
                match_class=p.match_class,
                similarity=p.similarity,
                source_text=src_text,
                origin=origin,
                page=_page_of(page_starts, p.susp_start),
                in_quote=bool(regions.quotes[p.susp_start : p.susp_end].sum() >= 0.5 * span),
                in_references=bool(
                    regions.references[p.susp_start : p.susp_end].sum() >= 0.5 * span
                ),
                excluded=why,
                source_language=p.source_language,
            )
        )
    tiny = small_sources(regions, matches, cfg.min_source_share)
    if tiny:
        matches = [
            replace(m, excluded="small_match") if m.source in tiny and m.excluded is None else m
            for m in matches
        ]
        records = [
            replace(r, excluded="small_match") if r.source_id in tiny and r.excluded is None else r
            for r in records
        ]
    section_tuples = [(s.kind, s.title, s.start, s.end) for s in sections]
    figures = compute_figures(
        regions,
        matches,
        own_sources=own,
        exclude_quotes=cfg.exclude_quotes,
        exclude_references=cfg.exclude_references,
        exclude_own=cfg.exclude_own,
        sections=section_tuples,
    )
    flag = _flag(th, cfg, figures, infos, records, own)
    th.timings["measure"] = time.perf_counter() - t0
    return build_result(
        thesis=info,
        characters=figures.total_characters,
        corpus=corpus_info,
        settings=cfg.to_json(),
        figures=figures,
        flag=flag,
        sources=list(infos.values()),
        passages=records,
        timings=th.timings,
    )


def _batch_only_shares(
    th: _Thesis,
    cfg: ScreenSettings,
    infos: Mapping[str, SourceInfo],
    records: Sequence[PassageRecord],
) -> dict[str, float]:
    """Per batch source: the share of the thesis it matches that no corpus source explains.

    Two theses that copied the same published source share that text too; only what
    they share beyond the corpus suggests collusion or a common ghost-writer.
    """
    regions = th.regions
    if regions is None:
        return {}
    counted = [r for r in records if r.excluded is None]
    corpus_mask = span_mask(
        regions.length,
        ((r.thesis_start, r.thesis_end) for r in counted if infos[r.source_id].origin == "corpus"),
    )
    base = regions.countable & ~regions.template & ~corpus_mask
    if cfg.exclude_quotes:
        base &= ~regions.quotes
    if cfg.exclude_references:
        base &= ~regions.references
    total = max(int(regions.countable.sum()), 1)
    shares = {}
    for sid, info in infos.items():
        if info.origin == "batch":
            spans = [(r.thesis_start, r.thesis_end) for r in counted if r.source_id == sid]
            shares[sid] = int((span_mask(regions.length, spans) & base).sum()) / total
    return shares


def _flag(
    th: _Thesis,
    cfg: ScreenSettings,
    figures: Figures,
    infos: Mapping[str, SourceInfo],
    records: Sequence[PassageRecord],
    own: frozenset[str],
) -> Flag:
    corpus_shares = {
        sid: figures.assessed_share(sid)
        for sid, i in infos.items()
        if i.origin == "corpus" and sid not in own
    }
    top = max(corpus_shares, key=lambda s: corpus_shares[s], default=None)
    batch_shares = _batch_only_shares(th, cfg, infos, records)
    partner = max(batch_shares, key=lambda s: batch_shares[s], default=None)
    longest = max(
        (
            r.thesis_end - r.thesis_start
            for r in records
            if r.excluded is None
            and r.match_class in ("identical", "minor_changes")
            and r.source_id not in own
        ),
        default=0,
    )
    chapters = [
        (s.title, s.characters, s.ratio) for s in figures.per_section if s.kind == "chapter"
    ]
    return assess(
        Evidence(
            status=th.doc.status,
            assessed_copy_ratio=figures.assessed_copy_ratio,
            max_single_source_ratio=corpus_shares[top] if top else 0.0,
            max_single_source_title=(infos[top].title or infos[top].file) if top else "",
            batch_ratio=batch_shares[partner] if partner else 0.0,
            batch_partner=infos[partner].file if partner else "",
            chapters=chapters,
            longest_passage=longest,
        ),
        cfg.policy,
    )
