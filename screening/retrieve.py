"""Candidate retrieval: which indexed documents a query text shares rare terms with.

Evidence for a document is the sum, over the distinct query terms it shares, of
the term's rarity (inverse document frequency), so a shared technical phrase
weighs more than a stock phrase; terms found in too many documents are skipped.
Because a thesis can borrow from dozens of sources, candidates are also chosen
per region of the query (every `window_chars` characters): a source that
dominates one chapter is kept even if its total evidence is small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the index package imports this module
    from screening.index.store import IndexStore
    from screening.index.terms import Terms


@dataclass(frozen=True)
class RetrievalConfig:
    """How many candidates to return and what counts as evidence."""

    max_candidates: int = 40
    per_window: int = 3
    window_chars: int = 1500
    min_shared: int = 3
    min_evidence_terms: float = 10.0  # best-region evidence, in units of a typical shared term
    burst_chars: int = 300
    min_burst_terms: float = 30.0  # evidence within `burst_chars` characters, same units
    max_df_fraction: float = 0.05
    max_df_floor: int = 50
    # Order candidates by their densest evidence (`burst`) instead of their best region: for
    # sparse terms (cross-language stem pairs) a translated passage is one dense burst.
    rank_by_burst: bool = False


CROSS_LANGUAGE_RETRIEVAL = RetrievalConfig(
    max_candidates=5,
    per_window=0,
    window_chars=1500,
    min_shared=3,
    min_evidence_terms=2.0,
    burst_chars=300,
    min_burst_terms=2.0,
    rank_by_burst=True,
)
"""Retrieval of sources in the other language: its terms are sampled stem pairs, sparser
than k-grams, so less evidence is asked for; the aligner confirms every candidate."""


@dataclass(frozen=True)
class Candidate:
    """An indexed document that may be a source of the query, with its evidence."""

    doc_id: str
    score: float  # evidence: rarity-weighted shared terms above chance in the best region
    shared: int  # distinct query terms the document holds
    coverage: float  # shared / distinct query terms
    total_score: float  # rarity-weighted shared terms over the whole query
    burst: float  # rarity-weighted shared terms within the densest `burst_chars` of the query
    characters: int
    regions: tuple[tuple[int, int], ...] = ()  # query spans (characters) holding its evidence


@dataclass(frozen=True)
class TermStatistics:
    """Corpus-wide statistics of a query's distinct terms, summed over the shards.

    `df[j]` is how many documents hold distinct query term j (counted before removed
    documents are dropped by compaction); `documents` is the number of live documents.
    Every shard ranks with these, so a sharded corpus ranks exactly as one index would.
    """

    documents: int
    df: np.ndarray  # int64 per distinct query term

    def __add__(self, other: TermStatistics) -> TermStatistics:
        return TermStatistics(self.documents + other.documents, self.df + other.df)

    def max_df(self, config: RetrievalConfig) -> int:
        """Terms held by more documents than this carry no evidence."""
        return max(config.max_df_floor, int(config.max_df_fraction * max(self.documents, 1)))

    def wanted(self, config: RetrievalConfig) -> np.ndarray:
        return (self.df > 0) & (self.df <= self.max_df(config))

    def idf(self) -> np.ndarray:
        return np.log1p(max(self.documents, 1) / np.maximum(self.df, 1))

    def unit(self, config: RetrievalConfig) -> float:
        """The weight of a typical shared term: the median idf over all postings that count."""
        wanted = self.wanted(config)
        return weighted_median(self.idf()[wanted], self.df[wanted])


def sum_statistics(parts: Sequence[TermStatistics]) -> TermStatistics:
    """The corpus-wide statistics from every shard's share (at least one)."""
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def weighted_median(values: np.ndarray, counts: np.ndarray) -> float:
    """`np.median(np.repeat(values, counts))` without building the repeated array."""
    total = int(counts.sum())
    if total == 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    ends = np.cumsum(counts[order])
    low = values[order][np.searchsorted(ends, (total - 1) // 2, side="right")]
    high = values[order][np.searchsorted(ends, total // 2, side="right")]
    return float((low + high) / 2) if total % 2 == 0 else float(low)


@dataclass(frozen=True)
class RegionCells:
    """A shard's strongest documents per query region: (table, region, excess, doc id) rows.

    Table 0 cuts the query into `window_chars` regions, table 1 into regions shifted by
    half a window. A shard sends only its own best `per_window` documents of each region,
    which always include the corpus-wide best ones.
    """

    table: np.ndarray
    region: np.ndarray
    excess: np.ndarray
    doc_id: np.ndarray  # str

    @staticmethod
    def empty() -> RegionCells:
        return RegionCells(
            np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, dtype=str)
        )


@dataclass(frozen=True)
class ShardEvidence:
    """What one shard found for a query: its documents passing every evidence threshold
    (with the query regions holding their evidence) and its best documents per region."""

    candidates: tuple[Candidate, ...]
    cells: RegionCells


def query_terms(terms: Terms) -> np.ndarray:
    """The distinct term hashes of a query (the order every shard's statistics follow)."""
    return np.unique(terms.hashes)


def term_statistics(uniq: np.ndarray, store: IndexStore) -> TermStatistics:
    """One shard's share of the corpus-wide statistics of the distinct query terms `uniq`."""
    return TermStatistics(store.live_documents(), store.document_frequencies(uniq))


def rank_candidates(
    terms: Terms,
    store: IndexStore,
    config: RetrievalConfig | None = None,
    *,
    exclude: frozenset[str] = frozenset(),
) -> list[Candidate]:
    """Candidate sources of the text whose terms are `terms`, best evidence first (one store)."""
    cfg = config or RetrievalConfig()
    stats = term_statistics(query_terms(terms), store)
    return select_candidates([shard_evidence(terms, store, stats, cfg, exclude=exclude)], cfg)


def shard_evidence(
    terms: Terms,
    store: IndexStore,
    stats: TermStatistics,
    config: RetrievalConfig | None = None,
    *,
    exclude: frozenset[str] = frozenset(),
) -> ShardEvidence:
    """Evidence for the documents of one store, weighed with corpus-wide `stats`.

    Every figure of a document depends only on its own postings and the corpus-wide
    statistics, so the shards of a corpus can compute them independently.
    """
    cfg = config or RetrievalConfig()
    empty = ShardEvidence((), RegionCells.empty())
    if terms.hashes.size == 0:
        return empty
    uniq, first = np.unique(terms.hashes, return_index=True)
    post = store.lookup(uniq, wanted=stats.wanted(cfg))
    if post.doc.size == 0:
        return empty
    n_terms = uniq.size
    weight = stats.idf()[post.term]
    n_docs = len(post.doc_ids)
    score = np.bincount(post.doc, weights=weight, minlength=n_docs)
    shared = np.bincount(post.doc, minlength=n_docs)
    term_start = terms.starts[first]
    best_window = np.full(n_docs, -np.inf)
    excluded = np.array([d in exclude for d in post.doc_ids], dtype=bool) if exclude else None
    eligible = shared >= cfg.min_shared
    if excluded is not None:
        eligible &= ~excluded
    half = max(cfg.window_chars // 2, 1)
    ranks = store.id_ranks()
    # A document's figures depend only on its own postings: those of documents that
    # cannot become candidates are dropped before the costly steps.
    keep = eligible[post.doc]
    doc, term, weight = post.doc[keep], post.term[keep], weight[keep]
    cell_tables = []
    cells: list[RegionCells] = []
    for table, offset in enumerate((0, half)):
        cell_doc, cell_region, excess = _region_excess(
            doc, term_start, term, weight, score, cfg.window_chars, offset
        )
        cell_tables.append((offset, cell_doc, cell_region, excess))
        np.maximum.at(best_window, cell_doc, excess)
        ok = eligible[cell_doc] & (excess > 0)
        top = _top_per_region(cell_region[ok], excess[ok], ranks[cell_doc[ok]], cfg.per_window)
        cells.append(
            RegionCells(
                np.full(int(top.sum()), table, np.int64),
                cell_region[ok][top],
                excess[ok][top],
                np.array([post.doc_ids[i] for i in cell_doc[ok][top]], dtype=str),
            )
        )
    unit = stats.unit(cfg)
    eligible &= best_window >= cfg.min_evidence_terms * unit
    keep = eligible[doc]
    burst = _burst(doc[keep], term_start[term[keep]], weight[keep], n_docs, cfg.burst_chars)
    eligible &= burst >= cfg.min_burst_terms * unit
    passing = np.flatnonzero(eligible)
    regions = _evidence_regions(passing, best_window, cell_tables, cfg, unit)
    candidates = tuple(
        Candidate(
            doc_id=post.doc_ids[i],
            score=float(best_window[i]),
            shared=int(shared[i]),
            coverage=float(shared[i]) / n_terms,
            total_score=float(score[i]),
            burst=float(burst[i]),
            characters=int(post.characters[i]),
            regions=regions.get(int(i), ()),
        )
        for i in passing
    )
    merged = RegionCells(*(np.concatenate([getattr(c, f) for c in cells]) for f in _CELL_FIELDS))
    return ShardEvidence(candidates, merged)


_CELL_FIELDS = ("table", "region", "excess", "doc_id")


def select_candidates(
    evidence: Sequence[ShardEvidence], config: RetrievalConfig | None = None
) -> list[Candidate]:
    """The corpus-wide candidates from every shard's evidence, best evidence first.

    A document is chosen when it is among the `per_window` best of some query region
    or among the `max_candidates` best overall, and passes every evidence threshold.
    Ties are broken by document id, so the order never depends on how the corpus is
    split into shards or segments.
    """
    cfg = config or RetrievalConfig()
    passing = {c.doc_id: c for part in evidence for c in part.candidates}
    if not passing:
        return []
    chosen: set[str] = set()
    if cfg.per_window > 0:
        for table in (0, 1):
            parts = [
                tuple(getattr(p.cells, f)[p.cells.table == table] for f in _CELL_FIELDS)
                for p in evidence
            ]
            _, region, excess, ids = (np.concatenate(col) for col in zip(*parts, strict=True))
            top = _top_per_region(region, excess, ids, cfg.per_window)
            chosen.update(ids[top].tolist())
    if cfg.rank_by_burst:
        ranked = sorted(passing.values(), key=lambda c: (-c.burst, c.doc_id))
    else:
        ranked = sorted(passing.values(), key=lambda c: (-c.score, c.doc_id))
    chosen.update(c.doc_id for c in ranked[: cfg.max_candidates])
    return [c for c in ranked if c.doc_id in chosen]


def _region_excess(
    doc: np.ndarray,
    term_start: np.ndarray,
    term: np.ndarray,
    weight: np.ndarray,
    score: np.ndarray,
    window: int,
    offset: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (document, query region) cell: evidence above what chance would put there.

    Chance matches spread over the whole query while a copied passage concentrates
    in one region, so a document's expected score in a region is its score in the
    rest of the query scaled by the region's share of the query's terms.
    """
    all_regions = (term_start + offset) // window
    n_regions = int(all_regions.max()) + 1
    region_terms = np.bincount(all_regions, minlength=n_regions)
    region = all_regions[term]
    cells, inverse = np.unique(doc * n_regions + region, return_inverse=True)
    cell_score = np.bincount(inverse, weights=weight)
    cell_doc = cells // n_regions
    cell_region = cells % n_regions
    inside = region_terms[cell_region]
    outside = term_start.size - inside
    # Leave-one-out: the document's chance rate is estimated outside the region.
    expected = (score[cell_doc] - cell_score) * inside / np.maximum(outside, 1)
    return cell_doc, cell_region, cell_score - expected


PREFILTER_CELLS = 50_000
"""Above this many cells, cells that cannot be among the best of their region are dropped
before sorting (a large corpus has millions of weak cells)."""


def _top_per_region(
    region: np.ndarray, excess: np.ndarray, doc_order: np.ndarray, per_region: int
) -> np.ndarray:
    """Mask of the cells that are among the `per_region` best of their query region
    (largest excess first, ties by `doc_order`: document ids or their ranks)."""
    top = np.zeros(region.size, dtype=bool)
    if region.size == 0 or per_region <= 0:
        return top
    keep = np.arange(region.size)
    if region.size > PREFILTER_CELLS:
        # Any per_region cells of a region bound its per_region-th best from below: take
        # them from the strongest cells overall, then drop every cell below its bound.
        n_regions = int(region.max()) + 1
        sample = min(region.size, max(4 * per_region * n_regions, PREFILTER_CELLS // 5))
        cut = np.partition(excess, region.size - sample)[region.size - sample]
        strong = np.flatnonzero(excess >= cut)
        bound = np.full(n_regions, -np.inf)
        order = np.lexsort((-excess[strong], region[strong]))
        reg_sorted = region[strong][order]
        rank = _rank_within(reg_sorted)
        at_k = rank == per_region - 1
        bound[reg_sorted[at_k]] = excess[strong][order][at_k]
        keep = np.flatnonzero(excess >= bound[region])
    if doc_order.dtype.kind in "US":
        doc_order = np.unique(doc_order, return_inverse=True)[1]
    order = np.lexsort((doc_order[keep], -excess[keep], region[keep]))
    rank = _rank_within(region[keep][order])
    top[keep[order[rank < per_region]]] = True
    return top


def _rank_within(sorted_groups: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal values (the array is grouped)."""
    starts = np.flatnonzero(np.diff(sorted_groups, prepend=-1))
    return np.arange(sorted_groups.size) - np.repeat(
        starts, np.diff(np.append(starts, sorted_groups.size))
    )


def _evidence_regions(
    picked: np.ndarray,
    best: np.ndarray,
    cell_tables: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]],
    cfg: RetrievalConfig,
    unit: float,
) -> dict[int, tuple[tuple[int, int], ...]]:
    """Per picked document: merged query spans with clear evidence (a fair part of its
    best region, or twice the minimum evidence, whichever is lower)."""
    wanted = np.zeros(best.size, dtype=bool)
    wanted[picked] = True
    spans: dict[int, list[tuple[int, int]]] = {}
    for offset, cell_doc, cell_region, excess in cell_tables:
        floor = np.minimum(0.2 * best[cell_doc], 2 * cfg.min_evidence_terms * unit)
        keep = wanted[cell_doc] & (excess > 0) & (excess >= floor)
        for d, r in zip(cell_doc[keep].tolist(), cell_region[keep].tolist(), strict=True):
            start = max(r * cfg.window_chars - offset, 0)
            spans.setdefault(d, []).append((start, start + cfg.window_chars))
    merged: dict[int, tuple[tuple[int, int], ...]] = {}
    for d, items in spans.items():
        items.sort()
        out: list[list[int]] = []
        for a, b in items:
            if out and a <= out[-1][1]:
                out[-1][1] = max(out[-1][1], b)
            else:
                out.append([a, b])
        merged[d] = tuple((a, b) for a, b in out)
    return merged


BURST_SCALE = float(1 << 24)
"""Burst sums are taken in fixed point (1/2^24 of an idf unit), so a document's burst is
exactly the same whichever other documents were looked up with it."""


def _burst(
    doc: np.ndarray, position: np.ndarray, weight: np.ndarray, n_docs: int, span: int
) -> np.ndarray:
    """Per document: the largest evidence inside any `span` characters of the query.

    Copied text shares a run of consecutive terms; chance matches are scattered, so
    this separates real sources from documents that merely share vocabulary.
    """
    key = doc.astype(np.int64) * (1 << 40) + position
    order = np.argsort(key, kind="stable")
    k = key[order]
    fixed = np.rint(weight[order] * BURST_SCALE).astype(np.int64)
    cum = np.concatenate(([0], np.cumsum(fixed)))
    end = np.searchsorted(k, k + span, side="left")
    inside = (cum[end] - cum[: k.size]) / BURST_SCALE
    best = np.zeros(n_docs)
    np.maximum.at(best, doc[order], inside)
    return best
