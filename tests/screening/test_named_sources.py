"""Named sources: files are kept apart from the office's corpus, names must resolve."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpora import Corpus
from screening.named_sources import NamedSourceError, resolve_named_sources

TEXT = "被举报论文疑似抄袭的来源文献，其中包含若干段落。" * 10


@pytest.fixture
def corpora(tmp_path: Path) -> tuple[Corpus, Corpus]:
    files = tmp_path / "files"
    files.mkdir()
    (files / "known.txt").write_text(TEXT, encoding="utf-8")
    main = Corpus.open(tmp_path / "main", create=True)
    main.add_files([files])
    return main, Corpus.open(tmp_path / "sources", create=True)


def test_a_new_file_goes_to_the_source_corpus_only(
    corpora: tuple[Corpus, Corpus], tmp_path: Path
) -> None:
    main, sources = corpora
    attached = tmp_path / "attached.txt"
    attached.write_text("另一篇来源文献的正文内容。" * 10, encoding="utf-8")
    (named,) = resolve_named_sources([str(attached), str(attached)], main, sources)
    assert named.origin == "attached" and named.file == "attached.txt"
    assert [d.id for d in sources.documents()] == [named.doc_id]
    assert len(main.documents()) == 1


def test_a_file_already_in_the_corpus_and_names_of_documents_resolve_to_it(
    corpora: tuple[Corpus, Corpus], tmp_path: Path
) -> None:
    main, sources = corpora
    (known,) = main.documents()
    same = tmp_path / "same-bytes.txt"
    same.write_bytes((tmp_path / "files" / "known.txt").read_bytes())
    for given in (str(same), "known.txt", known.id[:8]):
        (named,) = resolve_named_sources([given], main, sources)
        assert (named.doc_id, named.origin) == (known.id, "corpus")
    assert sources.documents() == []


def test_unknown_or_missing_names_are_refused(corpora: tuple[Corpus, Corpus]) -> None:
    main, sources = corpora
    with pytest.raises(NamedSourceError, match="nothing.pdf"):
        resolve_named_sources(["nothing.pdf"], main, sources)
    with pytest.raises(NamedSourceError, match="no suspected source"):
        resolve_named_sources(["", "  "], main, sources)
