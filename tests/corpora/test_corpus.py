"""Reference corpora on disk: add, duplicates, bad files, metadata CSV, remove, templates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from corpora.corpus import Corpus, CorpusError
from corpora.metadata_csv import MetadataCsvError
from tests.corpora.broken_files import unmapped_glyph_pdf

ARTICLE = "学位论文抽检是研究生教育质量保障的重要环节。本文讨论复制比的计算方法。\n"
WEB = "Text reuse detection compares documents and lists the matching passages.\n"


@pytest.fixture()
def source_dir(tmp_path: Path, zh_thesis_pdf: Path, docx_thesis_file: Path) -> Path:
    folder = tmp_path / "sources"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(zh_thesis_pdf, folder / "thesis.pdf")
    shutil.copy(docx_thesis_file, folder / "sub" / "other.docx")
    (folder / "article.txt").write_bytes(ARTICLE.encode("gb18030"))
    (folder / "web.txt").write_text(WEB, encoding="utf-8")
    (folder / "notes.md").write_text("ignored: not a supported type", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage")
    unmapped_glyph_pdf(folder / "cid.pdf")
    return folder


def test_add_reports_each_file_and_skips_bad_ones(tmp_path: Path, source_dir: Path) -> None:
    corpus = Corpus.open(tmp_path / "corpus", create=True)
    seen: list[tuple[int, int]] = []
    report = corpus.add_files(
        [source_dir], progress=lambda done, total, _: seen.append((done, total))
    )
    outcomes = {Path(o.path).name: o for o in report.outcomes}
    assert set(outcomes) == {
        "thesis.pdf",
        "other.docx",
        "article.txt",
        "web.txt",
        "broken.pdf",
        "cid.pdf",
    }
    assert outcomes["broken.pdf"].outcome == "failed" and outcomes["broken.pdf"].reason
    assert outcomes["cid.pdf"].outcome == "failed"
    assert outcomes["cid.pdf"].status == "not_extractable"
    assert report.added == 4 and report.failed == 2 and report.duplicates == 0
    assert seen[-1] == (6, 6)
    docs = {d.file: d for d in corpus.documents()}
    thesis = docs["thesis.pdf"]
    assert thesis.type == "thesis" and thesis.year == 2025 and thesis.pages == 12
    assert thesis.authors == ("张三丰",) and thesis.institution == "东海理工大学"
    assert thesis.title == "基于深度学习的中文文本相似度检测方法研究"
    assert corpus.text(thesis.id).startswith("东海理工大学硕士学位论文\n")
    assert len(corpus.text(thesis.id)) == thesis.characters
    assert corpus.text(docs["article.txt"].id) == ARTICLE
    structure = corpus.structure(thesis.id)
    assert structure["sections"][0]["kind"] == "cover" and "text" not in structure


def test_duplicates_by_file_and_by_text(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "b.txt").write_text(ARTICLE, encoding="utf-8")  # same bytes
    (folder / "c.txt").write_bytes(ARTICLE.encode("utf-16"))  # same text, other bytes
    corpus = Corpus.open(tmp_path / "corpus", create=True)
    report = corpus.add_files([folder])
    assert [o.outcome for o in report.outcomes] == ["added", "duplicate", "duplicate"]
    first = report.outcomes[0].doc_id
    assert all(o.doc_id == first for o in report.outcomes)
    again = corpus.add_files([folder / "a.txt"])
    assert again.duplicates == 1 and len(corpus.documents()) == 1


def test_metadata_csv_fills_and_overrides(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "b.txt").write_text(WEB, encoding="utf-8")
    csv_path = tmp_path / "meta.csv"
    csv_path.write_bytes(
        "文件名,题名,作者,年份,类型,单位\n"
        "a.txt,复制比计算方法,王五；赵六,2021,期刊论文,北方大学\n"
        "b.txt,Text reuse,Smith; Li,2019,web,\n".encode("gb18030")
    )
    corpus = Corpus.open(tmp_path / "corpus", create=True)
    corpus.add_files([folder], metadata_csv=csv_path)
    docs = {d.file: d for d in corpus.documents()}
    assert docs["a.txt"].title == "复制比计算方法"
    assert docs["a.txt"].authors == ("王五", "赵六")
    assert docs["a.txt"].year == 2021 and docs["a.txt"].type == "article"
    assert docs["a.txt"].institution == "北方大学"
    assert docs["b.txt"].type == "web" and docs["b.txt"].authors == ("Smith", "Li")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title\nx\n", "row 1: no `file`"),
        ("file,year\na.txt,20x1\n", "row 2, column year"),
        ("file,type\na.txt,book\n", "row 2, column type"),
        ("file\na.txt\na.txt\n", "row 3, column file"),
    ],
)
def test_bad_metadata_csv_names_row_and_column(tmp_path: Path, content: str, message: str) -> None:
    csv_path = tmp_path / "meta.csv"
    csv_path.write_text(content, encoding="utf-8")
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    corpus = Corpus.open(tmp_path / "corpus", create=True)
    with pytest.raises(MetadataCsvError, match=message):
        corpus.add_files([tmp_path / "a.txt"], metadata_csv=csv_path)
    assert corpus.documents() == []


def test_remove_and_snapshot(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(WEB, encoding="utf-8")
    corpus = Corpus.open(tmp_path / "corpus", create=True)
    empty = corpus.snapshot()
    corpus.add_files([tmp_path / "a.txt"])
    one = corpus.snapshot()
    corpus.add_files([tmp_path / "b.txt"])
    two = corpus.snapshot()
    assert len({empty, one, two}) == 3
    doc = next(d for d in corpus.documents() if d.file == "b.txt")
    corpus.remove(doc.id[:8])
    assert corpus.snapshot() == one
    assert not (tmp_path / "corpus" / "documents" / f"{doc.id}.txt").exists()
    with pytest.raises(CorpusError, match="no document"):
        corpus.remove(doc.id)
    reopened = Corpus.open(tmp_path / "corpus")
    assert [d.file for d in reopened.documents()] == ["a.txt"]


def test_open_refuses_what_is_not_a_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no corpus"):
        Corpus.open(tmp_path / "missing")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(CorpusError, match="not a corpus"):
        Corpus.open(tmp_path / "busy", create=True)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{broken", encoding="utf-8")
    with pytest.raises(CorpusError, match="cannot be read"):
        Corpus.open(tmp_path / "bad")


def test_manifest_is_always_complete_json(tmp_path: Path, source_dir: Path) -> None:
    corpus = Corpus.open(tmp_path / "corpus", create=True)
    manifests: list[dict] = []

    def read_manifest(*_: object) -> None:
        manifests.append(json.loads((tmp_path / "corpus" / "manifest.json").read_text("utf-8")))

    corpus.add_files([source_dir], progress=read_manifest)
    for manifest in manifests:
        for entry in manifest["documents"]:
            assert (tmp_path / "corpus" / "documents" / f"{entry['id']}.txt").is_file()
    assert not list((tmp_path / "corpus").rglob("*.tmp"))


def test_index_folder_is_left_alone(tmp_path: Path) -> None:
    index = tmp_path / "corpus" / "index"
    index.mkdir(parents=True)
    (index / "shards.bin").write_bytes(b"\x00")
    corpus = Corpus.open(tmp_path / "corpus", create=True)
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    corpus.add_files([tmp_path / "a.txt"])
    corpus.remove(corpus.documents()[0].id)
    assert (index / "shards.bin").read_bytes() == b"\x00"


def test_templates(tmp_path: Path, docx_thesis_file: Path) -> None:
    corpus = Corpus.open(tmp_path / "corpus", create=True)
    declaration = "本人郑重声明：所呈交的学位论文是本人在导师指导下独立进行研究工作所取得的成果。"
    first = corpus.add_template(declaration, institution="东海理工大学", kind="declaration")
    again = corpus.add_template(declaration + "\n", institution="东海理工大学", kind="declaration")
    assert again.id == first.id
    from_file = corpus.add_template(docx_thesis_file, institution=None, kind="cover")
    templates = {t.id: t for t in corpus.templates()}
    assert set(templates) == {first.id, from_file.id}
    assert templates[first.id].text == declaration
    assert templates[first.id].institution == "东海理工大学"
    assert "南海师范大学" in templates[from_file.id].text
    snapshot = corpus.snapshot()
    corpus.remove_template(first.id)
    assert [t.id for t in corpus.templates()] == [from_file.id]
    assert corpus.snapshot() == snapshot
    with pytest.raises(CorpusError, match="kind"):
        corpus.add_template("x", institution=None, kind="poem")


def test_parallel_extraction_stores_in_order(tmp_path: Path, source_dir: Path) -> None:
    serial = Corpus.open(tmp_path / "serial", create=True).add_files([source_dir])
    parallel_corpus = Corpus.open(tmp_path / "parallel", create=True)
    parallel = parallel_corpus.add_files([source_dir], workers=2)
    assert [(o.path, o.outcome, o.doc_id) for o in parallel.outcomes] == [
        (o.path, o.outcome, o.doc_id) for o in serial.outcomes
    ]
    assert parallel_corpus.snapshot() == Corpus.open(tmp_path / "serial").snapshot()
