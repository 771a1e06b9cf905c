"""The fingerprint index: terms, storage backends, incremental update and compaction."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening.index import (
    CorpusIndex,
    IndexStoreError,
    MemmapStore,
    MemoryStore,
    TermParams,
    open_store,
)
from screening.index.terms import (
    HASH_BITS,
    document_keys,
    kgram_hashes,
    text_terms,
    token_ids,
    winnow_positions,
)
from screening.synthetic_corpus import TextGenerator


class DictCorpus:
    """A corpus stand-in: ids → texts, with a snapshot that changes with the set."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = dict(texts)

    def documents(self) -> list[object]:
        return [type("Doc", (), {"id": k})() for k in self.texts]

    def text(self, doc_id: str) -> str:
        return self.texts[doc_id]

    def snapshot(self) -> str:
        return ",".join(sorted(self.texts))


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    gen = TextGenerator(3)
    return {f"doc-{i}": t for i, t in enumerate(gen.documents(30, 3000))}


def test_tokens_follow_the_aligner_units() -> None:
    ids, starts = token_ids("数据 Analysis, 2024年！")
    # 数, 据, "analysis", "2024", 年
    assert starts.tolist() == [0, 1, 3, 13, 17]
    assert len(set(ids.tolist())) == 5


def test_normalisation_makes_variants_equal() -> None:
    a, _ = token_ids("研究數據，ＡＢＣ")
    b, _ = token_ids("研究数据。abc")
    assert a.tolist() == b.tolist()


def test_kgram_hashes_fit_the_key_width_and_depend_on_order() -> None:
    ids, _ = token_ids("甲乙丙丁戊己庚")
    grams = kgram_hashes(ids, 3)
    assert grams.size == ids.size - 2
    assert int(grams.max()) < (1 << HASH_BITS)
    swapped, _ = token_ids("乙甲丙丁戊己庚")
    assert kgram_hashes(swapped, 3)[0] != grams[0]


@given(st.lists(st.integers(0, 1000), min_size=1, max_size=200), st.integers(1, 12))
def test_winnowing_keeps_the_minimum_of_every_window(values: list[int], window: int) -> None:
    h = np.array(values, dtype=np.uint64)
    kept = set(winnow_positions(h, window).tolist())
    if h.size <= window:
        assert min(h[i] for i in kept) == h.min()
        return
    for start in range(h.size - window + 1):
        win = range(start, start + window)
        assert any(i in kept and h[i] == h[start : start + window].min() for i in win)


def test_shared_passage_shares_terms(texts: dict[str, str]) -> None:
    params = TermParams()
    a = texts["doc-1"]
    copied = "前言部分。" + a[500:1500] + "结尾。"
    shared = np.intersect1d(document_keys(a, params), document_keys(copied, params))
    assert shared.size > 50
    other = document_keys(texts["doc-2"], params)
    assert np.intersect1d(document_keys(copied, params), other).size < shared.size / 5


def test_terms_report_original_offsets() -> None:
    text = "“研究，数据。”模型系统分析方法"
    terms = text_terms(text, TermParams(k=2, window=1))
    assert terms.starts.tolist() == sorted(terms.starts.tolist())
    assert all(0x4E00 <= ord(text[s]) <= 0x9FFF for s in terms.starts.tolist())


@pytest.mark.parametrize("kind", ["memory", "memmap"])
def test_store_backends_find_the_documents_holding_a_hash(kind: str, tmp_path: Path) -> None:
    store = open_store({"type": kind, "path": str(tmp_path / "ix")})
    store.add_segment(
        ["a", "b"], [10, 20], [np.array([1, 5, 9], np.uint64), np.array([5], np.uint64)]
    )
    store.add_segment(["c"], [30], [np.array([5, 7], np.uint64)])
    post = store.lookup(np.array([5, 7, 8], np.uint64))
    found = sorted((int(t), post.doc_ids[d]) for t, d in zip(post.term, post.doc, strict=True))
    assert found == [(0, "a"), (0, "b"), (0, "c"), (1, "c")]
    assert post.df.tolist() == [3, 1, 0]
    store.remove(["b"])
    post = store.lookup(np.array([5], np.uint64))
    assert sorted(post.doc_ids[d] for d in post.doc) == ["a", "c"]
    store.compact()
    assert len(store.segments) == 1
    post = store.lookup(np.array([5, 9], np.uint64))
    assert sorted(post.doc_ids[d] for d in post.doc) == ["a", "a", "c"]
    assert store.document_ids() == {"a", "c"}


def test_unknown_store_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown index store type 'redis'"):
        open_store({"type": "redis"})


def test_index_persists_memory_maps_and_updates_incrementally(
    texts: dict[str, str], tmp_path: Path
) -> None:
    corpus = DictCorpus({k: texts[k] for k in list(texts)[:20]})
    index = CorpusIndex.open(tmp_path)
    first = index.update(corpus)
    assert first.added == 20
    assert index.update(corpus).added == 0  # same snapshot: nothing to do
    reopened = CorpusIndex.open(tmp_path)
    assert isinstance(reopened.store, MemmapStore)
    assert isinstance(reopened.store.segments[0].keys, np.memmap)
    assert reopened.document_ids() == set(corpus.texts)

    corpus.texts.update({k: texts[k] for k in list(texts)[20:]})
    del corpus.texts["doc-0"]
    report = CorpusIndex.open(tmp_path).update(corpus)
    assert (report.added, report.removed) == (10, 1)
    index = CorpusIndex.open(tmp_path)
    assert index.document_ids() == set(corpus.texts)
    hits = [c.doc_id for c in index.query("开头。" + texts["doc-0"][:2000] + "结尾。")]
    assert "doc-0" not in hits
    hits = [c.doc_id for c in index.query("开头。" + texts["doc-25"][100:1500] + "结尾。")]
    assert hits[0] == "doc-25"
    manifest = json.loads((tmp_path / "index" / "index.json").read_text(encoding="utf-8"))
    assert manifest["store"]["type"] == "memmap"
    assert manifest["removed"] == ["doc-0"]


def test_compaction_after_many_removals(texts: dict[str, str], tmp_path: Path) -> None:
    corpus = DictCorpus(texts)
    index = CorpusIndex.open(tmp_path)
    index.update(corpus)
    for k in list(texts)[:15]:
        del corpus.texts[k]
    report = index.update(corpus)
    assert report.compacted
    assert index.store.removed == frozenset()
    segs = list((tmp_path / "index" / "segments").iterdir())
    assert len(segs) == 1
    assert CorpusIndex.open(tmp_path).document_ids() == set(corpus.texts)


def test_index_refuses_other_term_parameters(texts: dict[str, str], tmp_path: Path) -> None:
    CorpusIndex.open(tmp_path).update(DictCorpus({"doc-1": texts["doc-1"]}))
    with pytest.raises(IndexStoreError, match="term parameters"):
        CorpusIndex.open(tmp_path, params=TermParams(k=7))


def test_damaged_manifest_is_reported(tmp_path: Path) -> None:
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "index.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexStoreError, match="cannot read index manifest"):
        CorpusIndex.open(tmp_path)


def test_index_is_compact(texts: dict[str, str]) -> None:
    index = CorpusIndex.in_memory()
    chars, _ = 0, index.add_texts(texts.items())
    chars = sum(len(t) for t in texts.values())
    assert isinstance(index.store, MemoryStore)
    assert index.store.postings_bytes() / chars <= 4.0


def test_a_removed_document_can_come_back(texts: dict[str, str], tmp_path: Path) -> None:
    corpus = DictCorpus({k: texts[k] for k in list(texts)[:10]})
    index = CorpusIndex.open(tmp_path)
    index.update(corpus)
    text = corpus.texts.pop("doc-3")
    index.update(corpus)
    corpus.texts["doc-3"] = text
    index.update(corpus)
    ids = [d for seg in index.store.segments for d in seg.doc_ids]
    assert ids.count("doc-3") == 1
    hits = index.query("开头。" + text[200:1500] + "结尾。")
    assert [c.doc_id for c in hits][:1] == ["doc-3"]


def test_concurrent_updates_index_each_document_once(texts: dict[str, str], tmp_path: Path) -> None:
    import threading

    corpus = DictCorpus(texts)
    errors: list[BaseException] = []

    def update() -> None:
        try:
            CorpusIndex.open(tmp_path).update(corpus)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=update) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ids = [d for seg in CorpusIndex.open(tmp_path).store.segments for d in seg.doc_ids]
    assert sorted(ids) == sorted(texts)


@pytest.mark.parametrize("kind", ["memory", "memmap"])
def test_merging_in_chunks_keeps_every_live_posting(
    kind: str, texts: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import screening.index.store as store_module

    monkeypatch.setattr(store_module, "MERGE_CHUNK_KEYS", 1000)  # many chunks
    index = CorpusIndex(open_store({"type": kind, "path": str(tmp_path / "ix")}))
    items = sorted(texts.items())
    for start in range(0, len(items), 5):
        index.add_texts(items[start : start + 5])
    index.remove([items[1][0], items[7][0]])
    probe = np.unique(np.concatenate([document_keys(t, index.params) for _, t in items[:12]]))
    before = index.store.lookup(probe)
    expected = sorted(
        zip(before.term.tolist(), (before.doc_ids[d] for d in before.doc), strict=True)
    )
    segments = list(index.store.segments)
    index.store.merge(segments[:3])
    assert len(index.store.segments) == len(segments) - 2
    after = index.store.lookup(probe)
    assert (
        sorted(zip(after.term.tolist(), (after.doc_ids[d] for d in after.doc), strict=True))
        == expected
    )
    assert items[1][0] not in index.store.removed  # dropped for good with its segment
    assert index.document_ids() == {k for k, _ in items} - {items[1][0], items[7][0]}
    for seg in index.store.segments:
        assert bool(np.all(np.diff(np.asarray(seg.keys).astype(np.int64)) > 0))


def test_updates_keep_few_segments(texts: dict[str, str], tmp_path: Path) -> None:
    from screening.index.corpus_index import MAX_SEGMENTS

    corpus = DictCorpus({})
    index = CorpusIndex.open(tmp_path)
    for doc_id, text in sorted(texts.items())[:12]:
        corpus.texts[doc_id] = text
        index.update(corpus)
        assert len(index.store.segments) <= MAX_SEGMENTS
    reopened = CorpusIndex.open(tmp_path)
    assert reopened.document_ids() == set(corpus.texts)
    doc_id, text = next(iter(corpus.texts.items()))
    found = reopened.store.lookup(document_keys(text, reopened.params))
    assert doc_id in {found.doc_ids[d] for d in found.doc}
