"""Cross-comparison of the theses of one batch (collusion, ghost-writing mills).

The theses screened together are indexed in memory with the same terms as the
reference corpus; each thesis is then queried against the others, so a pair is
aligned only when it shares rare terms, and a batch of hundreds of theses does
not cost a quadratic number of alignments.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from screening.index.store import MemoryStore
from screening.index.terms import Terms
from screening.retrieve import Candidate, RetrievalConfig, rank_candidates


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
