"""Plain text in many encodings, DOCX files, and text-signature checks for garbage."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from corpora.extract import extract_bytes, extract_file
from corpora.plaintext import decode_text
from corpora.quality import garbage_reason, signature

ZH = "第一章 绪论\n学位论文抽检是保证研究生培养质量的重要手段。本文研究复制检测方法。\n"
ZH_TRAD = "第一章 緒論\n學位論文抽檢是保證研究生培養質量的重要手段。本文研究複製檢測方法。\n"


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("utf-8", ZH.encode("utf-8")),
        ("utf-8", codecs.BOM_UTF8 + ZH.encode("utf-8")),
        ("gb18030", ZH.encode("gb18030")),
        ("utf-16-le", codecs.BOM_UTF16_LE + ZH.encode("utf-16-le")),
        ("utf-16-be", codecs.BOM_UTF16_BE + ZH.encode("utf-16-be")),
        ("utf-16-le", ZH.encode("utf-16-le")),
        ("big5", ZH_TRAD.encode("big5")),
    ],
)
def test_text_encodings_are_detected(encoding: str, data: bytes) -> None:
    text, detected = decode_text(data)
    assert detected == encoding
    assert text.strip() in (ZH.strip(), ZH_TRAD.strip())


def test_txt_file_extracts_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "paper.txt"
    path.write_bytes(ZH.encode("gb18030"))
    doc = extract_file(path)
    assert doc.status == "ok" and doc.format == "txt" and doc.pages == 1
    assert doc.text == ZH
    assert [(s.kind, s.title) for s in doc.sections] == [("chapter", "第一章 绪论")]


def test_wrapped_english_txt_is_joined_and_dehyphenated() -> None:
    data = (
        b"Copy detection compares a the-\nsis with sources and lists\nthe passages.\n\n"
        b"A second para-\ngraph.\n"
    )
    doc = extract_bytes(data, "en.txt")
    assert (
        doc.text == "Copy detection compares a thesis with sources and lists the passages.\n"
        "A second paragraph.\n"
    )


def test_form_feeds_are_pages() -> None:
    doc = extract_bytes("第一页的内容。\f第二页的内容。\f第三页。".encode(), "p.txt")
    assert doc.pages == 3
    assert doc.page_of(doc.text.index("第二页")) == 2
    assert doc.page_of(doc.text.index("第三页")) == 3


def test_nul_characters_are_removed() -> None:
    doc = extract_bytes("学位\x00论文\x00抽检是重要的质量保障手段。".encode(), "nul.txt")
    assert doc.status == "ok" and doc.text == "学位论文抽检是重要的质量保障手段。\n"


def test_fake_bold_tripled_text_is_collapsed() -> None:
    tripled = "".join(c * 3 for c in "开学典礼在大礼堂隆重举行，全体新生参加了典礼。")
    doc = extract_bytes(tripled.encode(), "bold.txt")
    assert doc.text == "开学典礼在大礼堂隆重举行，全体新生参加了典礼。\n"


def test_cid_tokens_are_not_extractable() -> None:
    data = " ".join(f"(cid:{n})" for n in range(300)).encode()
    doc = extract_bytes(data, "cid.txt")
    assert doc.status == "not_extractable" and doc.text == ""


def test_mojibake_without_cjk_is_not_extractable() -> None:
    garbled = ("学位论文抽检是保证研究生培养质量的重要手段" * 20).encode("gbk").decode("latin-1")
    doc = extract_bytes(garbled.encode("utf-8"), "moji.txt")
    assert doc.status == "not_extractable" and "mojibake" in (doc.reason or "")


def test_wrong_chinese_code_page_is_not_extractable() -> None:
    garbled = (
        ("学位论文抽检是保证研究生培养质量的重要手段" * 20)
        .encode("utf-8")
        .decode("gbk", errors="ignore")
    )
    assert garbage_reason(signature(garbled)) is not None


def test_letter_soup_is_garbage_but_english_is_not() -> None:
    soup = " ".join(["qzxv", "bkrt", "lmnp", "wvxq", "zzkt"] * 20)
    english = "The thesis compares the text with the sources and it lists all of the passages. " * 5
    assert garbage_reason(signature(soup)) is not None
    assert garbage_reason(signature(english)) is None
    assert garbage_reason(signature(ZH_TRAD * 5)) is None


def test_empty_and_binary_text_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert extract_file(empty).status == "corrupt"
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    doc = extract_file(binary)
    assert doc.status in ("unsupported", "not_extractable") and doc.reason


def test_docx_thesis(docx_thesis_file: Path) -> None:
    doc = extract_file(docx_thesis_file)
    assert doc.status == "ok" and doc.format == "docx"
    assert doc.pages == 5
    assert [(s.kind, s.title) for s in doc.sections] == [
        ("cover", "南海师范大学硕士学位论文"),
        ("declaration", "独创性声明"),
        ("abstract_zh", "摘要"),
        ("chapter", "第1章 引言"),
        ("chapter", "第2章 方法"),
        ("references", "参考文献"),
        ("acknowledgements", "致谢"),
    ]
    assert "本文方法\n0.93\n" in doc.text  # table cells in reading order
    quotes = [doc.text[a:b] for a, b in doc.quotes]
    assert quotes == ["学而不思则罔，思而不学则殆。这是一段缩进的引文，用来检验块引用的识别。"]
    assert [doc.text[a:b] for a, b in doc.citations] == ["[1]", "[2,3]"]
    assert doc.metadata["author"] == "王小明" and doc.metadata["supervisor"] == "赵大海"
    assert doc.page_of(doc.text.index("第1章 引言")) == 4


def test_zip_that_is_not_docx_is_unsupported(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "sheet.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    doc = extract_file(path)
    assert doc.status == "unsupported" and "Word" in (doc.reason or "")


def test_nul_interleaved_text_is_recovered() -> None:
    interleaved = "\x00".join("学位论文抽检是研究生教育质量保障的重要环节，每年进行一次。")
    doc = extract_bytes(interleaved.encode("utf-8"), "nul.txt")
    assert doc.status == "ok"
    assert doc.text == "学位论文抽检是研究生教育质量保障的重要环节，每年进行一次。\n"


def test_fake_bold_heading_lines_are_collapsed_even_when_the_body_is_normal() -> None:
    body = "学位论文抽检是研究生教育质量保障的重要环节。" * 3
    text = "第第第一一一章章章 绪绪绪论论论\n" + body + "\n"
    doc = extract_bytes(text.encode("utf-8"), "t.txt")
    assert doc.text == "第一章 绪论\n" + body + "\n"
    assert [(s.kind, s.title) for s in doc.sections] == [("chapter", "第一章 绪论")]


def test_txt_headings_on_their_own_lines_stay_headings() -> None:
    """Blank lines between paragraphs, hard-wrapped lines, and headings with no blank line after."""
    body = "学位论文抽检是保证研究生培养质量的重要手段，本文研究复制检测方法及其评价。"
    wrapped = "\n".join(body[i : i + 20] for i in range(0, len(body), 20))
    text = (
        "摘要\n" + wrapped + "\n\n"
        "第一章 绪论\n" + wrapped + "\n\n" + wrapped + "\n\n"
        "1.1 研究背景\n" + wrapped + "\n\n"
        "第二章 方法\n" + wrapped + "\n\n"
        "参考文献\n[1] 王五. 文本复制检测研究[J]. 计算机学报, 2020.\n"
    )
    doc = extract_bytes(text.encode("utf-8"), "thesis.txt")
    titles = [(s.kind, s.title) for s in doc.sections]
    assert ("chapter", "第一章 绪论") in titles and ("chapter", "第二章 方法") in titles
    assert ("references", "参考文献") in titles and ("abstract_zh", "摘要") in titles
    assert "\n1.1 研究背景\n" in doc.text
    assert body[:20] in doc.text  # the wrapped paragraph is still joined


def docx_with_inflated_xml(path: Path, xml_bytes: int) -> Path:
    """A small DOCX whose document.xml inflates to `xml_bytes` bytes (a compression bomb)."""
    import io
    import zipfile

    from tests.corpora.broken_files import docx_thesis

    source = docx_thesis(path.with_name("source.docx"))
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                head, sep, tail = data.partition(b"</w:body>")
                pad = b"<w:p><w:r><w:t>xxxxxxxxxx</w:t></w:r></w:p>"
                data = head + pad * (xml_bytes // len(pad)) + sep + tail
            zout.writestr(info.filename, data)
    path.write_bytes(out.getvalue())
    return path


def test_docx_that_inflates_to_huge_xml_is_refused_before_parsing(tmp_path: Path) -> None:
    import time
    import tracemalloc

    path = docx_with_inflated_xml(tmp_path / "bomb.docx", 70 << 20)
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    started = time.monotonic()
    doc = extract_file(path)
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert doc.status == "too_large" and "XML" in (doc.reason or "")
    assert peak < 64 << 20 and elapsed < 10


def test_formula_heavy_text_with_real_words_is_not_garbage() -> None:
    """A page of formulas between Chinese and English sentences stays readable text."""
    formulas = "f(x_i)=(a_i+b_i)/2, g(y)=[x+1]*(y-2)/3; h(z)={z^2+1}/(z-1)! " * 8
    text = (
        "由上式可得"
        + formulas
        + "因此，当且仅当条件成立时，上述不等式取等号，证毕。"
        + "where the sum is taken over all i and the bound holds for each term. "
    )
    assert garbage_reason(signature(text), strict=False) is None
    assert garbage_reason(signature("#$%&*+-/<=>@[]^_{|}~" * 10), strict=False) is not None
