"""Cross-comparison of the theses of one batch (collusion, ghost-writing mills).

The theses screened together are indexed in memory with the same terms as the
reference corpus; each thesis is then queried against the others, so a pair is
aligned only when it shares rare terms, and a batch of hundreds of theses does
not cost a quadratic number of alignments.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from screening.align import AlignedPassage
from screening.document_fields import split_names
from screening.index.store import MemoryStore
from screening.index.terms import Terms
from screening.intake import ThesisWork
from screening.result import SourceInfo
from screening.retrieve import Candidate, RetrievalConfig, rank_candidates
from screening.search import align_in_regions

BATCH_PREFIX = "batch:"


def batch_candidates(
    keys: Sequence[str],
    terms: Sequence[Terms],
    characters: Sequence[int],
    config: RetrievalConfig | None = None,
) -> dict[str, list[Candidate]]:
    """For each thesis key, the other theses of the batch it may share passages with."""
    if len(keys) != len(terms) or len(keys) != len(characters):
        raise ValueError("keys, terms and characters must have the same length")
    if len(set(keys)) != len(keys):
        raise ValueError("batch keys must be distinct")
    out: dict[str, list[Candidate]] = {k: [] for k in keys}
    if len(keys) < 2:
        return out
    store = MemoryStore()
    store.add_segment(list(keys), list(characters), [np.unique(t.hashes) for t in terms])
    for key, t in zip(keys, terms, strict=True):
        out[key] = rank_candidates(t, store, config, exclude=frozenset({key}))
    return out


@dataclass(frozen=True)
class BatchMatches:
    """What the batch comparison found: per thesis key its (source id, "batch", passage, "")
    matches, and the description of every thesis as a batch source."""

    matches: dict[str, list[tuple[str, str, AlignedPassage, str]]]
    sources: dict[str, SourceInfo]


def compare_batch(
    theses: Sequence[ThesisWork], config: RetrievalConfig, margin: int
) -> BatchMatches:
    """Batch stage: aligns each prepared thesis with the others it shares rare terms with;
    the time taken is shared equally among the theses."""
    if len(theses) < 2:
        return BatchMatches({}, {})
    t0 = time.perf_counter()
    by_key = {t.key: t for t in theses}
    sides = [t.side for t in theses]
    assert all(s is not None for s in sides)
    cands_by_key = batch_candidates(
        [t.key for t in theses],
        [s.terms for s in sides if s is not None],
        [len(t.text) for t in theses],
        config,
    )
    matches: dict[str, list[tuple[str, str, AlignedPassage, str]]] = {}
    for th in theses:
        for c in cands_by_key[th.key]:
            other = by_key[c.doc_id]
            assert th.side is not None and other.side is not None
            for psg in align_in_regions(th.side, other.side, c.regions, margin=margin):
                matches.setdefault(th.key, []).append((BATCH_PREFIX + other.key, "batch", psg, ""))
    for th in theses:
        th.timings["batch"] = (time.perf_counter() - t0) / len(theses)
    sources = {
        BATCH_PREFIX + th.key: SourceInfo(
            id=BATCH_PREFIX + th.key,
            title=th.metadata.get("title", "") or th.path.name,
            file=th.path.name,
            origin="batch",
            length=len(th.text),
            authors=split_names(th.metadata.get("author")),
            institution=th.metadata.get("institution", ""),
        )
        for th in theses
    }
    return BatchMatches(matches, sources)
