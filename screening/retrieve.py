"""Candidate retrieval: which indexed documents a query text shares rare terms with.

Evidence for a document is the sum, over the distinct query terms it shares, of
the term's rarity (inverse document frequency), so a shared technical phrase
weighs more than a stock phrase; terms found in too many documents are skipped.
Because a thesis can borrow from dozens of sources, candidates are also chosen
per region of the query (every `window_chars` characters): a source that
dominates one chapter is kept even if its total evidence is small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def rank_candidates(
    terms: Terms,
    store: IndexStore,
    config: RetrievalConfig | None = None,
    *,
    exclude: frozenset[str] = frozenset(),
) -> list[Candidate]:
    """Candidate sources of the text whose terms are `terms`, best evidence first."""
    cfg = config or RetrievalConfig()
    if terms.hashes.size == 0:
        return []
    uniq, first = np.unique(terms.hashes, return_index=True)
    documents = max(store.live_documents(), 1)
    max_df = max(cfg.max_df_floor, int(cfg.max_df_fraction * documents))
    post = store.lookup(uniq, max_df=max_df)
    if post.doc.size == 0:
        return []
    n_terms = uniq.size
    idf = np.log1p(documents / np.maximum(post.df, 1))
    weight = idf[post.term]
    n_docs = len(post.doc_ids)
    score = np.bincount(post.doc, weights=weight, minlength=n_docs)
    shared = np.bincount(post.doc, minlength=n_docs)
    term_start = terms.starts[first]
    best_window = np.full(n_docs, -np.inf)
    excluded = np.array([d in exclude for d in post.doc_ids], dtype=bool) if exclude else None
    eligible = shared >= cfg.min_shared
    if excluded is not None:
        eligible &= ~excluded
    chosen = np.zeros(n_docs, dtype=bool)
    half = max(cfg.window_chars // 2, 1)
    cell_tables = []
    for offset in (0, half):
        cell_doc, cell_region, excess = _region_excess(
            post.doc, term_start, post.term, weight, score, cfg.window_chars, offset
        )
        cell_tables.append((offset, cell_doc, cell_region, excess))
        np.maximum.at(best_window, cell_doc, excess)
        if cfg.per_window > 0:
            chosen |= _top_per_region(cell_doc, cell_region, excess, eligible, cfg.per_window)
    # Evidence is in idf units; a typical shared term weighs the median posting weight.
    unit = float(np.median(weight))
    eligible &= best_window >= cfg.min_evidence_terms * unit
    burst = _burst(post.doc, term_start[post.term], weight, n_docs, cfg.burst_chars)
    eligible &= burst >= cfg.min_burst_terms * unit
    ranked = np.flatnonzero(eligible)
    order_key = burst if cfg.rank_by_burst else best_window
    ranked = ranked[np.argsort(-order_key[ranked], kind="stable")]
    chosen[ranked[: cfg.max_candidates]] = True
    chosen &= eligible
    picked = np.flatnonzero(chosen)
    picked = picked[np.argsort(-order_key[picked], kind="stable")]
    regions = _evidence_regions(picked, best_window, cell_tables, cfg, unit)
    return [
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
        for i in picked
    ]


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


def _top_per_region(
    cell_doc: np.ndarray,
    cell_region: np.ndarray,
    excess: np.ndarray,
    eligible: np.ndarray,
    per_region: int,
) -> np.ndarray:
    """Mask of documents that are among the `per_region` best of some query region."""
    chosen = np.zeros(eligible.size, dtype=bool)
    ok = eligible[cell_doc] & (excess > 0)
    if not ok.any():
        return chosen
    order = np.lexsort((-excess[ok], cell_region[ok]))
    reg_sorted = cell_region[ok][order]
    doc_sorted = cell_doc[ok][order]
    starts = np.flatnonzero(np.diff(reg_sorted, prepend=-1))
    rank = np.arange(reg_sorted.size) - np.repeat(
        starts, np.diff(np.append(starts, reg_sorted.size))
    )
    chosen[doc_sorted[rank < per_region]] = True
    return chosen


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
    cum = np.concatenate(([0.0], np.cumsum(weight[order])))
    end = np.searchsorted(k, k + span, side="left")
    inside = cum[end] - cum[: k.size]
    best = np.zeros(n_docs)
    np.maximum.at(best, doc[order], inside)
    return best
