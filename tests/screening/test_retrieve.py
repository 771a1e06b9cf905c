"""Candidate retrieval ranks the true source first and points at the query regions."""

from __future__ import annotations

import numpy as np
import pytest

from api.demo.synthetic_corpus import TextGenerator, disguise, snap_to_sentence
from screening.index import CorpusIndex
from screening.retrieve import RetrievalConfig


@pytest.fixture(scope="module")
def pool() -> tuple[TextGenerator, list[str], CorpusIndex]:
    gen = TextGenerator(21)
    docs = gen.documents(300, 5000)
    index = CorpusIndex.in_memory()
    index.add_texts((f"s{i}", t) for i, t in enumerate(docs))
    return gen, docs, index


@pytest.mark.parametrize("kind", ["identical", "light", "traditional", "reorder", "heavy"])
def test_true_source_ranks_first_and_its_region_is_found(pool, kind: str) -> None:
    gen, docs, index = pool
    rng = np.random.default_rng(4)
    a, b = snap_to_sentence(docs[42], 1000, 1600)
    host = gen.text(30_000)
    at = host.find("。", 15_000) + 1
    query = host[:at] + disguise(docs[42][a:b], kind, rng) + host[at:]
    cands = index.query(query)
    assert cands[0].doc_id == "s42"
    assert any(r0 <= at < r1 for r0, r1 in cands[0].regions)
    assert cands[0].score > 3 * max((c.score for c in cands[1:]), default=0.0)


def test_several_sources_of_one_thesis_are_all_candidates(pool) -> None:
    gen, docs, index = pool
    parts = []
    for i in (3, 50, 120, 200, 260, 299):
        parts.append(gen.text(3000))
        parts.append(docs[i][500:1200] + "。")
    found = {c.doc_id for c in index.query("".join(parts))}
    assert {"s3", "s50", "s120", "s200", "s260", "s299"} <= found


def test_unrelated_text_yields_no_candidates(pool) -> None:
    gen, _, index = pool
    assert index.query(gen.text(20_000)) == []


def test_excluded_documents_and_limits_are_respected(pool) -> None:
    gen, docs, index = pool
    query = gen.text(2000) + docs[7][:1500] + docs[8][:1500]
    assert [c.doc_id for c in index.query(query)][:2] == ["s7", "s8"] or {"s7", "s8"} == {
        c.doc_id for c in index.query(query)[:2]
    }
    ids = [c.doc_id for c in index.query(query, exclude=frozenset({"s7"}))]
    assert "s7" not in ids and "s8" in ids
    one = index.query(query, RetrievalConfig(max_candidates=1, per_window=0))
    assert len(one) == 1


def test_empty_query_and_empty_index() -> None:
    assert CorpusIndex.in_memory().query("一些文字内容而已") == []
    assert CorpusIndex.in_memory().query("") == []
