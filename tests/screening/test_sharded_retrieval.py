"""Retrieval over shards ranks exactly as over one index holding the same documents."""

from __future__ import annotations

from functools import cache

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.index import CorpusIndex
from screening.retrieve import (
    RetrievalConfig,
    TermStatistics,
    query_terms,
    rank_candidates,
    select_candidates,
    shard_evidence,
    term_statistics,
    weighted_median,
)
from screening.synthetic_corpus import TextGenerator


@given(
    st.lists(
        st.tuples(st.floats(0.01, 20, allow_nan=False), st.integers(0, 5)), min_size=1, max_size=30
    )
)
def test_weighted_median_is_the_median_of_the_repeated_values(
    pairs: list[tuple[float, int]],
) -> None:
    values = np.array([v for v, _ in pairs])
    counts = np.array([c for _, c in pairs], dtype=np.int64)
    if counts.sum() == 0:
        assert np.isnan(weighted_median(values, counts))
    else:
        assert weighted_median(values, counts) == float(np.median(np.repeat(values, counts)))


@cache
def _corpus_and_thesis(seed: int) -> tuple[dict[str, str], str]:
    gen = TextGenerator(seed)
    docs = {f"d{i:03d}": t for i, t in enumerate(gen.documents(24, 1500))}
    rng = np.random.default_rng(seed)
    parts = [gen.text(800)]
    for i in rng.choice(24, 6, replace=False):
        src = docs[f"d{i:03d}"]
        parts += [src[200:900], gen.text(500)]
    parts.append(docs["d007"][:400])  # duplicated twice to create ties between copies
    docs["d024"] = docs["d007"]
    return docs, "".join(parts)


@settings(max_examples=12)
@given(st.integers(1, 5), st.integers(0, 2))
def test_any_split_into_shards_selects_the_same_candidates(shards: int, seed: int) -> None:
    docs, thesis = _corpus_and_thesis(seed)
    whole = CorpusIndex.in_memory()
    whole.add_texts(sorted(docs.items()))
    parts = [CorpusIndex.in_memory() for _ in range(shards)]
    rng = np.random.default_rng(seed + shards)
    order = sorted(docs.items(), key=lambda _: rng.random())
    for i in range(shards):  # two segments per shard, documents in a random order
        mine = [item for item in order if hash(item[0]) % shards == i]
        parts[i].add_texts(mine[: len(mine) // 2])
        parts[i].add_texts(mine[len(mine) // 2 :])
    cfg = RetrievalConfig(max_candidates=5, per_window=2)
    terms = whole.terms(thesis)
    expected = rank_candidates(terms, whole.store, cfg, exclude=frozenset({"d003"}))
    stats = sum(
        (term_statistics(query_terms(terms), p.store) for p in parts[1:]),
        term_statistics(query_terms(terms), parts[0].store),
    )
    assert isinstance(stats, TermStatistics)
    evidence = [
        shard_evidence(terms, p.store, stats, cfg, exclude=frozenset({"d003"})) for p in parts
    ]
    assert select_candidates(evidence, cfg) == expected
    assert expected, "the planted passages must be found"
