"""Batch cross-comparison: theses of one run are candidates of each other only with evidence."""

from __future__ import annotations

import pytest

from api.demo.synthetic_corpus import TextGenerator
from screening.batch import batch_candidates
from screening.index.terms import TermParams, text_terms


def test_colluding_pair_finds_each_other_and_nobody_else() -> None:
    gen = TextGenerator(8)
    shared = gen.text(1500)
    texts = {
        "a": gen.text(8000) + shared + gen.text(3000),
        "b": gen.text(2000) + shared + gen.text(9000),
        "c": gen.text(10000),
        "d": gen.text(10000),
    }
    params = TermParams()
    keys = list(texts)
    found = batch_candidates(
        keys, [text_terms(texts[k], params) for k in keys], [len(texts[k]) for k in keys]
    )
    assert [c.doc_id for c in found["a"]] == ["b"]
    assert [c.doc_id for c in found["b"]] == ["a"]
    assert found["c"] == [] and found["d"] == []
    (region,) = found["a"][0].regions
    assert region[0] <= 8000 < region[1]


def test_a_single_thesis_has_no_batch_candidates() -> None:
    terms = text_terms(TextGenerator(1).text(3000), TermParams())
    assert batch_candidates(["only"], [terms], [3000]) == {"only": []}


def test_keys_must_be_distinct() -> None:
    terms = text_terms("研究方法与数据分析。" * 20, TermParams())
    with pytest.raises(ValueError, match="distinct"):
        batch_candidates(["x", "x"], [terms, terms], [200, 200])
