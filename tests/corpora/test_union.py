"""Several corpora read as one: every member's documents, looked up where they live."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpora import Corpus, CorpusError
from corpora.union import CorpusUnion


def _corpus(path: Path, texts: dict[str, str], shards: int = 1) -> Corpus:
    folder = path.with_name(path.name + "-files")
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    corpus = Corpus.open(path, create=True, shards=shards)
    corpus.add_files([folder])
    return corpus


def test_union_reads_every_member_and_changes_none(tmp_path: Path) -> None:
    main = _corpus(
        tmp_path / "main", {"a.txt": "甲文献内容。" * 20, "b.txt": "乙文献内容。" * 20}, 2
    )
    extra = _corpus(tmp_path / "extra", {"c.txt": "丙文献内容。" * 20})
    union = CorpusUnion([main, extra])
    assert union.path == main.path
    assert len(union.shards) == 3
    files = {d.file: d.id for d in union.documents()}
    assert sorted(files) == ["a.txt", "b.txt", "c.txt"]
    assert union.text(files["c.txt"]).startswith("丙文献")
    assert union.document(files["a.txt"][:8]).file == "a.txt"
    assert union.snapshot() != main.snapshot()
    with pytest.raises(CorpusError, match="no document"):
        union.text("ffffffffffff")
    assert len(main.documents()) == 2 and len(extra.documents()) == 1


def test_a_document_held_twice_counts_once(tmp_path: Path) -> None:
    main = _corpus(tmp_path / "main", {"a.txt": "同一份文献。" * 20})
    copy = _corpus(tmp_path / "copy", {"a.txt": "同一份文献。" * 20})
    assert len(CorpusUnion([main, copy]).documents()) == 1
    with pytest.raises(CorpusError):
        CorpusUnion([])
