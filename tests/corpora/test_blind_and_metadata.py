"""Blind copies for double-blind review, and cover-page metadata."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from corpora.blind import MASK, blind_copy, mask_text
from corpora.extract import ExtractedDocument
from corpora.metadata import read_cover_metadata


def test_blind_copy_masks_names_everywhere_and_the_acknowledgements(
    zh_thesis: ExtractedDocument,
) -> None:
    blind = blind_copy(zh_thesis, names=["王五"])
    assert len(blind) == len(zh_thesis.text)
    for name in ("张三丰", "李四光", "东海理工大学", "王五"):
        assert name in zh_thesis.text
        assert name not in blind
    ack = next(s for s in zh_thesis.sections if s.kind == "acknowledgements")
    assert set("".join(blind[ack.start : ack.end].split())) == {MASK}
    chapter = next(s for s in zh_thesis.sections if s.kind == "chapter")
    assert blind[chapter.start : chapter.start + 6] == "第一章 绪论"


def test_spaced_out_names_on_covers_are_masked() -> None:
    text = "作者：张 三 丰\n导师：李四光\n张三丰的论文\nJohn  Smith wrote; john smith agreed.\n"
    blind = mask_text(text, ["张三丰", "李四光", "John Smith"])
    assert "张" not in blind and "李四光" not in blind
    assert "John" not in blind and "john" not in blind
    assert blind.count("\n") == text.count("\n") and len(blind) == len(text)


@given(st.text(max_size=200), st.lists(st.text(min_size=1, max_size=5), max_size=4))
def test_masking_keeps_length_and_line_breaks(text: str, names: list[str]) -> None:
    blind = mask_text(text, names, [(0, len(text) // 3)])
    assert len(blind) == len(text)
    assert [i for i, c in enumerate(blind) if c == "\n"] == [
        i for i, c in enumerate(text) if c == "\n"
    ]


def test_cover_labels_with_spaces_and_titles() -> None:
    cover = "\n".join(
        [
            "分类号：TP391    密级：公开",
            "西山大学",
            "博士学位论文",
            "面向学位论文抽检的文本复用检测",
            "研 究 生 姓 名：陈 晓 东",
            "指 导 教 师：刘明 教授",
            "学 科 专 业：软件工程",
            "二〇二四年五月",
        ]
    )
    meta = read_cover_metadata(cover)
    assert meta == {
        "author": "陈晓东",
        "supervisor": "刘明",
        "discipline": "软件工程",
        "institution": "西山大学",
        "degree": "博士",
        "title": "面向学位论文抽检的文本复用检测",
    }


def test_english_cover() -> None:
    cover = (
        "Text Reuse in Theses\nA dissertation submitted to Lakeside University\n"
        "Author: Mary Chen\nSupervisor: Prof. Alan Wu\nDoctor of Philosophy"
    )
    meta = read_cover_metadata(cover)
    assert meta["title"] == "Text Reuse in Theses"
    assert meta["author"] == "Mary Chen"
    assert meta["supervisor"] in ("Alan Wu", "Prof. Alan Wu")
    assert meta["institution"] == "Lakeside University"
    assert meta["degree"] == "doctor"


def test_pdf_info_title_is_used_only_when_meaningful() -> None:
    assert read_cover_metadata("", {"title": "Microsoft Word - thesis.docx"}) == {}
    assert read_cover_metadata("", {"title": "论文题名"}) == {"title": "论文题名"}


def test_traditional_cover_keeps_original_characters() -> None:
    cover = (
        "國立東海大學碩士論文\n基於深度學習的抄襲檢測研究\n研究生：陳曉東\n指導教授：劉明 博士\n"
    )
    meta = read_cover_metadata(cover)
    assert meta["author"] == "陳曉東" and meta["supervisor"] == "劉明"
    assert meta["institution"] == "國立東海大學"
    assert meta["title"] == "基於深度學習的抄襲檢測研究"
    assert meta["degree"] == "硕士"
