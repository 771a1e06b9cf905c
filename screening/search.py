"""Corpus search stage: retrieval of candidate sources, then alignment with them.

A corpus is searched shard by shard (scatter–gather): corpus-wide term statistics,
each shard's evidence, the corpus-wide candidates, each shard's alignments. In one
process `LocalSearch` does this; on a cluster `screening.cluster` runs the same
`ShardSearcher` methods on the workers holding the shards.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from screening.align import AlignedPassage, PreparedText, align_prepared, prepare_text
from screening.crosslingual.align import align_cross_language, has_cross_language_units
from screening.document_fields import document_field, split_names
from screening.index import CorpusIndex
from screening.index.terms import Terms
from screening.result import SourceInfo
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

SOURCE_CACHE_SIZE = 256


class ReferenceCorpus(Protocol):
    """What screening needs from `corpora.Corpus`."""

    def documents(self) -> Sequence[Any]: ...

    def document(self, doc_id: str) -> Any: ...

    def text(self, doc_id: str) -> str: ...


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
                infos[doc_id] = source_info(self.corpus, doc_id)
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


def source_info(corpus: ReferenceCorpus, doc_id: str) -> SourceInfo:
    d = corpus.document(doc_id)
    year = document_field(d, "year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        year = None
    return SourceInfo(
        id=doc_id,
        title=str(document_field(d, "title", "") or ""),
        file=str(document_field(d, "file", "") or ""),
        origin="corpus",
        length=int(document_field(d, "characters", 0) or 0),
        authors=split_names(document_field(d, "authors")),
        year=year,
        type=str(document_field(d, "type", "") or ""),
        institution=str(document_field(d, "institution", "") or ""),
    )


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
