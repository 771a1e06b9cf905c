"""Extraction of real generated PDFs: statuses, clean text, pages, structure and metadata."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpora.extract import STATUSES, ExtractedDocument, ExtractionLimits, extract_file
from tests.corpora.broken_files import (
    fake_bold_pdf,
    latin1_mojibake_pdf,
    unmapped_glyph_pdf,
)
from tests.corpora.conftest import BLOCK_QUOTE
from tests.corpora.thesis_factory import (
    ThesisSpec,
    build_image_only_pdf,
    build_text_pdf,
    build_thesis_pdf,
)


def kinds(doc: ExtractedDocument) -> list[str]:
    return [s.kind for s in doc.sections]


def test_chinese_thesis_is_ok_with_pages_and_clean_text(zh_thesis: ExtractedDocument) -> None:
    doc = zh_thesis
    assert doc.status == "ok" and doc.reason is None
    assert doc.pages == 12
    assert len(doc.page_starts) == doc.pages and doc.page_starts[0] == 0
    assert list(doc.page_starts) == sorted(doc.page_starts)
    assert "\x00" not in doc.text and "\ufffd" not in doc.text
    # Chinese lines are joined without spaces and paragraphs keep their breaks.
    body = [line for line in doc.text.splitlines() if len(line) > 60 and "...." not in line]
    assert len(body) > 10
    assert not any(re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", line) for line in body)
    assert "\n\n" not in doc.text


def test_running_headers_and_page_numbers_are_dropped(zh_thesis: ExtractedDocument) -> None:
    assert "硕士学位论文\t" not in zh_thesis.text
    assert zh_thesis.text.count("东海理工大学硕士学位论文") == 1  # only the cover line
    assert not re.search(r"^- \d+ -$", zh_thesis.text, re.M)


def test_sections_in_reading_order_without_overlap(zh_thesis: ExtractedDocument) -> None:
    sections = zh_thesis.sections
    assert kinds(zh_thesis) == [
        "cover",
        "declaration",
        "declaration",
        "abstract_zh",
        "abstract_en",
        "toc",
        "chapter",
        "chapter",
        "chapter",
        "chapter",
        "references",
        "acknowledgements",
        "publications",
    ]
    assert [s.title for s in sections if s.kind == "chapter"] == [
        "第一章 绪论",
        "第二章 相关工作",
        "第三章 方法设计",
        "第四章 实验与分析",
    ]
    for before, after in zip(sections, sections[1:], strict=False):
        assert before.end <= after.start
    assert sections[0].start == 0 and sections[-1].end == len(zh_thesis.text)
    chapter_one = sections[6]
    assert zh_thesis.text[chapter_one.start : chapter_one.end].startswith("第一章 绪论\n")


def test_page_of_cites_the_printed_page(zh_thesis: ExtractedDocument) -> None:
    references = next(s for s in zh_thesis.sections if s.kind == "references")
    assert zh_thesis.page_of(references.start) == 10
    assert zh_thesis.page_of(0) == 1
    assert zh_thesis.page_of(len(zh_thesis.text) - 1) == zh_thesis.pages


def test_quotes_block_quotes_and_citations(zh_thesis: ExtractedDocument) -> None:
    quoted = [zh_thesis.text[a:b] for a, b in zh_thesis.quotes]
    assert "“知识就是力量，学习使人进步”" in quoted
    assert any(BLOCK_QUOTE in q for q in quoted)
    cited = [zh_thesis.text[a:b] for a, b in zh_thesis.citations]
    assert cited == ["[1]", "[2-5]"]  # list labels in the references are not citations


def test_cover_metadata(zh_thesis: ExtractedDocument) -> None:
    meta = zh_thesis.metadata
    assert meta["title"] == "基于深度学习的中文文本相似度检测方法研究"
    assert meta["author"] == "张三丰"
    assert meta["supervisor"] == "李四光"
    assert meta["institution"] == "东海理工大学"
    assert meta["discipline"] == "计算机科学与技术"
    assert meta["degree"] == "硕士"


def test_caller_metadata_wins(zh_thesis_pdf: Path) -> None:
    doc = extract_file(zh_thesis_pdf, metadata={"author": "李雷", "thesis_id": "T1"})
    assert doc.metadata["author"] == "李雷"
    assert doc.metadata["thesis_id"] == "T1"
    assert doc.metadata["supervisor"] == "李四光"


def test_english_thesis(en_thesis: ExtractedDocument) -> None:
    assert en_thesis.status == "ok"
    chapters = [s.title for s in en_thesis.sections if s.kind == "chapter"]
    assert chapters == [
        "Chapter 1 Introduction",
        "Chapter 2 Related Work",
        "Chapter 3 Method",
        "Chapter 4 Experiments",
    ]
    assert {"abstract_en", "references", "acknowledgements", "toc"} <= set(kinds(en_thesis))
    assert "Chapter 1 Introduction ...." in en_thesis.text  # the contents entry stays text
    assert re.search(r"[a-z]+ [a-z]+ [a-z]+", en_thesis.text)


@pytest.mark.parametrize(
    ("numbering", "first"),
    [("第1章", "第1章 绪论"), ("1 绪论", "1 绪论"), ("一 引言", "一 绪论")],
)
def test_numbering_schemes_contents_without_heading_and_inline_abstract(
    files: Path, numbering: str, first: str
) -> None:
    spec = ThesisSpec(numbering=numbering, toc_heading=False, inline_abstract=True, seed=3)
    doc = extract_file(build_thesis_pdf(files / f"n-{numbering}.pdf", spec))
    assert doc.status == "ok"
    chapters = [s for s in doc.sections if s.kind == "chapter"]
    assert len(chapters) == 4 and chapters[0].title == first
    toc = next(s for s in doc.sections if s.kind == "toc")
    assert toc.start < chapters[0].start
    abstract = next(s for s in doc.sections if s.kind == "abstract_zh")
    assert abstract.title == "摘要" and doc.text[abstract.start :].startswith("摘要：")


def test_encrypted_pdf(files: Path) -> None:
    doc = extract_file(build_thesis_pdf(files / "locked.pdf", encrypt="secret"))
    assert doc.status == "encrypted" and doc.text == "" and "password" in (doc.reason or "")


def test_scanned_pdf_needs_ocr(files: Path) -> None:
    doc = extract_file(build_image_only_pdf(files / "scan.pdf", pages=3))
    assert doc.status == "no_text_layer"
    assert doc.pages == 3 and "3 page" in (doc.reason or "") and "OCR" in (doc.reason or "")
    assert doc.text == "" and doc.sections == ()


def test_unmapped_glyphs_are_not_extractable(files: Path) -> None:
    doc = extract_file(unmapped_glyph_pdf(files / "cid.pdf"))
    assert doc.status == "not_extractable" and doc.text == ""
    assert "Unicode" in (doc.reason or "")


def test_latin1_mojibake_is_not_extractable(files: Path) -> None:
    doc = extract_file(latin1_mojibake_pdf(files / "mojibake.pdf"))
    assert doc.status == "not_extractable" and "mojibake" in (doc.reason or "")


def test_fake_bold_overprint_is_collapsed(files: Path) -> None:
    doc = extract_file(fake_bold_pdf(files / "bold.pdf", ["开学典礼在大礼堂举行", "学生们很高兴"]))
    assert doc.status == "ok"
    assert doc.text == "开学典礼在大礼堂举行\n学生们很高兴\n"


def test_real_doubled_characters_stay(files: Path) -> None:
    doc = extract_file(build_text_pdf(files / "doubled.pdf", ["谢谢大家，人人都说好好学习。"]))
    assert doc.text == "谢谢大家，人人都说好好学习。\n"


def test_truncated_pdf_is_corrupt(files: Path, zh_thesis_pdf: Path) -> None:
    data = zh_thesis_pdf.read_bytes()
    path = files / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    doc = extract_file(path)
    assert doc.status in ("corrupt", "partial")
    assert doc.reason and "truncated" in doc.reason


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("empty.pdf", b"", "corrupt"),
        ("html.pdf", b"<html>not found</html>", "corrupt"),
        ("garbage.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8, "corrupt"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "unsupported"),
        ("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "unsupported"),
        ("sheet.docx", b"PK\x03\x04broken", "corrupt"),
    ],
)
def test_broken_files_get_a_status_and_reason(
    files: Path, name: str, data: bytes, status: str
) -> None:
    path = files / name
    path.write_bytes(data)
    doc = extract_file(path)
    assert doc.status == status
    assert doc.status in STATUSES
    assert doc.text == "" and doc.reason


def test_page_limit_gives_too_large(zh_thesis_pdf: Path) -> None:
    from corpora.extract import ExtractionLimits

    doc = extract_file(zh_thesis_pdf, limits=ExtractionLimits(max_pages=5))
    assert doc.status == "too_large" and "5" in (doc.reason or "")


def test_size_limit_gives_too_large(zh_thesis_pdf: Path) -> None:
    from corpora.extract import ExtractionLimits

    doc = extract_file(zh_thesis_pdf, limits=ExtractionLimits(max_bytes=1000))
    assert doc.status == "too_large"


def test_to_json_matches_the_contract(zh_thesis: ExtractedDocument) -> None:
    data = zh_thesis.to_json()
    assert {"file", "status", "pages", "text", "page_starts", "sections", "metadata"} <= set(data)
    assert data["file"] == "zh-thesis.pdf"
    assert all(set(s) == {"kind", "title", "start", "end"} for s in data["sections"])
    back = ExtractedDocument.from_json(zh_thesis.to_json(include_raw=True))
    assert back == zh_thesis
    assert (back.origin == zh_thesis.origin).all()


def test_unreadable_pages_make_the_document_partial(files: Path) -> None:
    from tests.corpora.broken_files import mixed_pages_pdf

    doc = extract_file(mixed_pages_pdf(files / "mixed.pdf"))
    assert doc.status == "partial"
    assert "page(s) (4)" in (doc.reason or "")
    assert doc.pages == 5 and len(doc.text) > 500
    assert not re.search(r"[À-ÿ]", doc.text)
    assert doc.warnings and "images only" in doc.warnings[0]


def test_damaged_pdfs_always_get_a_status(zh_thesis_pdf: Path) -> None:
    import random

    from corpora.extract import extract_bytes

    data = zh_thesis_pdf.read_bytes()
    rng = random.Random(2026)
    for round_ in range(24):
        damaged = bytearray(data)
        if round_ % 3 == 0:
            for _ in range(20):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        elif round_ % 3 == 1:
            cut = rng.randrange(len(damaged))
            damaged = damaged[:cut] + damaged[cut + rng.randrange(1, 2000) :]
        else:
            damaged = damaged[: rng.randrange(len(damaged))]
        doc = extract_bytes(bytes(damaged), "damaged.pdf")
        assert doc.status in STATUSES
        if doc.status in ("ok", "partial"):
            assert doc.text and len(doc.page_starts) == doc.pages
        else:
            assert doc.text == "" and doc.reason


def lying_page_tree_pdf(path: Path, pages: int) -> Path:
    """`/Count 1` in the page tree, `pages` pages in its kids, each with a line of text."""
    from tests.corpora.broken_files import stream, write_raw_pdf

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",
        stream(b"BT /F1 12 Tf 72 720 Td (Spot check page text) Tj ET"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for _ in range(pages):
        kids.append(b"%d 0 R" % (len(objects) + 1))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
            b"/Resources << /Font << /F1 4 0 R >> >> >>"
        )
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count 1 >>" % b" ".join(kids)
    return write_raw_pdf(path, objects)


def test_a_page_tree_that_lies_is_counted_before_any_page_is_read(files: Path) -> None:
    doc = extract_file(
        lying_page_tree_pdf(files / "liar.pdf", 400), limits=ExtractionLimits(max_pages=100)
    )
    assert doc.status == "too_large"
    assert "400 pages" in (doc.reason or "")
