"""Section detection on clean text: Chinese and English conventions, contents pages, order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpora.structure import detect_sections

BODY = "本章介绍研究的背景、意义和主要内容，并说明论文的组织结构。" * 3
EN_BODY = (
    "This chapter introduces the background of the study and the structure of the thesis. " * 2
)


def layout(*paragraphs: str) -> str:
    return "".join(p + "\n" for p in paragraphs)


def outline(text: str) -> list[tuple[str, str]]:
    return [(s.kind, s.title) for s in detect_sections(text)]


def test_chinese_thesis_with_all_parts() -> None:
    text = layout(
        "北方大学博士学位论文",
        "论文题目",
        "独创性声明",
        "本人声明所呈交的论文是我个人在导师指导下进行的研究工作。",
        "学位论文使用权限",
        "本人完全了解学校有关保留、使用学位论文的规定。",
        "摘 要",
        BODY,
        "Abstract",
        EN_BODY,
        "目 录",
        "第一章 绪论 ........ 1",
        "1.1 研究背景 ........ 1",
        "第二章 方法 ........ 9",
        "参考文献 ........ 20",
        "第一章 绪论",
        BODY,
        "1.1 研究背景",
        BODY,
        "一、问题的提出",
        BODY,
        "第二章 方法",
        BODY,
        "结论",
        BODY,
        "参考文献",
        "[1] 王五. 论文[J]. 学报, 2020.",
        "附录A 调查问卷",
        BODY,
        "致 谢",
        "感谢导师。",
        "攻读博士学位期间取得的研究成果",
        "[1] 论文一",
    )
    assert outline(text) == [
        ("cover", "北方大学博士学位论文"),
        ("declaration", "独创性声明"),
        ("declaration", "学位论文使用权限"),
        ("abstract_zh", "摘 要"),
        ("abstract_en", "Abstract"),
        ("toc", "目 录"),
        ("chapter", "第一章 绪论"),
        ("chapter", "第二章 方法"),
        ("chapter", "结论"),
        ("references", "参考文献"),
        ("appendix", "附录A 调查问卷"),
        ("acknowledgements", "致 谢"),
        ("publications", "攻读博士学位期间取得的研究成果"),
    ]


def test_declaration_names_of_many_universities() -> None:
    for name in (
        "原创性声明",
        "独创性声明",
        "承诺书",
        "学位论文使用权限",
        "著作权使用声明",
        "学位论文版权使用授权书",
        "授权书",
    ):
        text = layout("某某大学", name, "本人承诺所呈交的论文是独立完成的。", "第1章 引言", BODY)
        assert ("declaration", name) in outline(text), name


def test_numbering_schemes() -> None:
    for headings in (
        ["第1章 引言", "第2章 方法", "第3章 结论"],
        ["1 绪论", "2 方法", "3 实验"],
        ["1 引言", "2 方法", "3 讨论"],
        ["一 引言", "二 方法", "三 结论"],
        ["一、引言", "二、方法", "三、结论"],
        ["Chapter 1 Introduction", "Chapter 2 Method", "Chapter 3 Results"],
        ["CHAPTER ONE INTRODUCTION", "CHAPTER TWO METHOD", "CHAPTER THREE RESULTS"],
        ["1. Introduction", "2. Method", "3. Results"],
    ):
        parts: list[str] = []
        for heading in headings:
            parts += [heading, BODY, "1.1 小节", BODY]
        found = [t for k, t in outline(layout("封面", *parts)) if k == "chapter"]
        assert found == headings, headings


def test_sub_sections_and_numbered_body_lines_are_not_chapters() -> None:
    text = layout(
        "第一章 引言",
        "一、研究背景",
        BODY,
        "二、研究意义",
        BODY,
        "2019年以来，相关研究迅速增加。",
        "第二章 方法",
        BODY,
    )
    assert [t for k, t in outline(text) if k == "chapter"] == ["第一章 引言", "第二章 方法"]


def test_contents_without_heading_and_inline_abstract() -> None:
    text = layout(
        "南方大学硕士学位论文",
        "摘要：本文研究了中文学位论文的复制检测问题，提出了一种新的方法。",
        "关键词：复制检测；学位论文",
        "ABSTRACT: This thesis studies copy detection in Chinese theses.",
        "1 绪论 1",
        "1.1 研究背景 1",
        "2 方法 5",
        "3 实验 9",
        "参考文献 20",
        "1 绪论",
        BODY,
        "2 方法",
        BODY,
        "3 实验",
        BODY,
        "参考文献",
        "[1] 文献",
    )
    assert outline(text) == [
        ("cover", "南方大学硕士学位论文"),
        ("abstract_zh", "摘要"),
        ("abstract_en", "ABSTRACT"),
        ("toc", "目录"),
        ("chapter", "1 绪论"),
        ("chapter", "2 方法"),
        ("chapter", "3 实验"),
        ("references", "参考文献"),
    ]


def test_english_back_matter() -> None:
    text = layout(
        "A Thesis Submitted to Eastern University",
        "Abstract",
        EN_BODY,
        "Table of Contents",
        "Chapter 1 Introduction .......... 1",
        "Bibliography .......... 30",
        "Chapter 1 Introduction",
        EN_BODY,
        "Bibliography",
        "Smith, J. (2020). A paper.",
        "Appendix A Questionnaire",
        EN_BODY,
        "Acknowledgements",
        "I thank my supervisor.",
        "List of Publications",
        "[1] A paper.",
    )
    assert [k for k, _ in outline(text)] == [
        "cover",
        "abstract_en",
        "toc",
        "chapter",
        "references",
        "appendix",
        "acknowledgements",
        "publications",
    ]


def test_text_without_headings_is_one_other_section() -> None:
    text = "这是一段没有任何标题的网页文本。\n它被加入参考语料库。\n"
    assert outline(text) == [("other", "")]


heading_like = st.sampled_from(
    [
        "第一章 绪论",
        "第二章 方法",
        "摘要",
        "Abstract",
        "参考文献",
        "致谢",
        "目录",
        "1 绪论",
        "附录",
        "Chapter 2 Method",
        "1.1 背景",
        "第一章 绪论 .... 3",
    ]
)
prose = st.text(alphabet="的一是在不了有和人这中大为。，abc ", min_size=1, max_size=80)


@given(st.lists(st.one_of(heading_like, prose), min_size=0, max_size=40))
def test_sections_never_overlap_and_stay_in_order(paragraphs: list[str]) -> None:
    text = "".join(p.strip() + "\n" for p in paragraphs if p.strip())
    sections = detect_sections(text)
    allowed = {
        "cover",
        "declaration",
        "abstract_zh",
        "abstract_en",
        "toc",
        "chapter",
        "references",
        "appendix",
        "acknowledgements",
        "publications",
        "other",
    }
    for section in sections:
        assert section.kind in allowed
        assert 0 <= section.start < section.end <= len(text)
    for before, after in zip(sections, sections[1:], strict=False):
        assert before.end <= after.start


def test_traditional_chinese_headings() -> None:
    text = layout(
        "國立東海大學碩士論文",
        "學位論文原創性聲明",
        "本人聲明所呈交的論文是獨立完成的。",
        "摘  要",
        "本論文研究學位論文的抄襲檢測。",
        "目  錄",
        "第一章 緒論 ...... 1",
        "參考文獻 ...... 9",
        "第一章 緒論",
        "本章介紹研究背景與動機，說明論文的架構。",
        "第二章 研究方法",
        "本章介紹研究方法。",
        "參考文獻",
        "[1] 文獻",
        "致  謝",
        "感謝指導教授。",
    )
    assert outline(text) == [
        ("cover", "國立東海大學碩士論文"),
        ("declaration", "學位論文原創性聲明"),
        ("abstract_zh", "摘 要"),
        ("toc", "目 錄"),
        ("chapter", "第一章 緒論"),
        ("chapter", "第二章 研究方法"),
        ("references", "參考文獻"),
        ("acknowledgements", "致 謝"),
    ]


def test_chapter_number_and_title_on_separate_lines() -> None:
    text = layout(
        "封面",
        "Chapter 1",
        "Introduction",
        EN_BODY,
        "Chapter 2",
        "Related Work",
        EN_BODY,
        "第三章",
        "实验",
        BODY,
    )
    chapters = [t for k, t in outline(text) if k == "chapter"]
    assert chapters == ["Chapter 1 Introduction", "Chapter 2 Related Work"]
    zh = layout("封面", "第一章", "绪论", BODY, "第二章", "1.1 背景", BODY)
    assert [t for k, t in outline(zh) if k == "chapter"] == ["第一章 绪论", "第二章"]


def test_numbered_list_items_do_not_steal_chapter_numbers() -> None:
    text = layout(
        "1 绪论",
        BODY,
        "2 数据收集：问卷与访谈",
        "3 数据分析，使用统计方法",
        "2 方法",
        BODY,
        "3 实验",
        BODY,
    )
    assert [t for k, t in outline(text) if k == "chapter"] == ["1 绪论", "2 方法", "3 实验"]


def test_english_conventions_and_per_section_running_headers(tmp_path: Path) -> None:
    """Large chapter numbers above their titles, Bibliography, Acknowledgments, List of
    Publications, and running headers that repeat the current section in capitals."""
    from corpora.extract import extract_file
    from tests.corpora.thesis_factory import build_english_thesis_pdf

    doc = extract_file(build_english_thesis_pdf(tmp_path / "en-conventions.pdf"))
    assert doc.status == "ok"
    kinds = [(s.kind, s.title) for s in doc.sections]
    assert [t for k, t in kinds if k == "chapter"] == [
        "1 Introduction",
        "2 Related Work",
        "3 Method",
        "4 Experiments",
    ]
    assert ("abstract_en", "Abstract") in kinds and ("references", "Bibliography") in kinds
    assert ("acknowledgements", "Acknowledgments") in kinds
    assert ("publications", "List of Publications") in kinds
    headers = re.findall(r"^(?:CHAPTER \d\. [A-Z ]+|\d\.\d\. [A-Z ]+)$", doc.raw_text, re.M)
    assert len(set(headers)) >= 5  # the headers change with every section…
    assert not re.search(r"CHAPTER \d\.|\d\.\d\. [A-Z]{4,}", doc.text)  # …and none is left


def test_chapters_come_from_the_pdf_bookmarks_when_the_text_has_no_numbering(
    tmp_path: Path,
) -> None:
    import random

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from corpora.extract import extract_file
    from tests.corpora.thesis_factory import EN_FONT, en_paragraph

    rng = random.Random(4)
    titles = ["Why Spot Checks Matter", "Data and Sampling", "What the Reviews Found"]
    path = tmp_path / "bookmarked.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont(EN_FONT, 18)
    c.drawString(72, 760, "A Study of Thesis Spot Checks")
    c.showPage()
    for number, title in enumerate(titles):
        c.bookmarkPage(f"ch{number}")
        c.addOutlineEntry(title, f"ch{number}", level=0)
        c.bookmarkPage(f"s{number}")
        c.addOutlineEntry("A subsection", f"s{number}", level=1)
        c.setFont(EN_FONT, 20)
        c.drawString(72, 740, title)
        y = 700
        for line in [en_paragraph(rng, 1)[:80] for _ in range(12)]:
            c.setFont(EN_FONT, 12)
            c.drawString(72, y, line)
            y -= 18
        c.showPage()
    c.bookmarkPage("refs")
    c.addOutlineEntry("References", "refs", level=0)
    c.setFont(EN_FONT, 20)
    c.drawString(72, 740, "References")
    c.setFont(EN_FONT, 12)
    c.drawString(72, 700, "[1] A. Author. On copy detection. Journal, 2020.")
    c.showPage()
    c.save()
    doc = extract_file(path)
    chapters = [(s.title, doc.page_of(s.start)) for s in doc.sections if s.kind == "chapter"]
    assert chapters == [(title, page) for page, title in enumerate(titles, start=2)]
    assert [s.kind for s in doc.sections][-1] == "references"


def nested_bookmarks_pdf(path: Path) -> tuple[Path, list[tuple[int, str, int]]]:
    """A Chinese thesis whose bookmarks nest chapters, sections and subsections, with the
    (level, title, page) each should give; one bookmark names a title the page does not hold."""
    import random

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from tests.corpora.thesis_factory import ZH_FONT, zh_paragraph

    rng = random.Random(9)
    chapters = {
        "第一章 绪论": {"1.1 研究背景": ["1.1.1 抽检制度", "1.1.2 评议方法"], "1.2 本文工作": []},
        "第二章 方法": {"2.1 抽样设计": [], "2.2 复制检测": ["2.2.1 指纹索引"]},
    }
    expected: list[tuple[int, str, int]] = []
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont(ZH_FONT, 18)
    c.drawString(72, 760, "学位论文抽检方法研究")
    c.showPage()
    page = 2
    key = 0

    def mark(title: str, level: int) -> None:
        nonlocal key
        key += 1
        c.bookmarkPage(f"b{key}")
        c.addOutlineEntry(title, f"b{key}", level=level)

    def body(y: float) -> float:
        text = zh_paragraph(rng, 2)
        for start in range(0, len(text), 36):
            c.setFont(ZH_FONT, 12)
            c.drawString(72, y, text[start : start + 36])
            y -= 20
        return y

    for chapter, sections in chapters.items():
        mark(chapter, 0)
        c.setFont(ZH_FONT, 16)
        c.drawString(72, 760, chapter)
        expected.append((1, chapter, page))
        y = body(720)
        for section, subsections in sections.items():
            mark(section, 1)
            c.setFont(ZH_FONT, 14)
            c.drawString(72, y - 10, section)
            expected.append((2, section, page))
            y = body(y - 40)
            for subsection in subsections:
                mark(subsection, 2)
                c.setFont(ZH_FONT, 12)
                c.drawString(72, y - 10, subsection)
                expected.append((3, subsection, page))
                y = body(y - 36)
            c.showPage()
            page += 1
            y = 760
        mark("一个页面上没有的书签", 1)
    mark("参考文献", 0)
    c.setFont(ZH_FONT, 16)
    c.drawString(72, 760, "参考文献")
    c.setFont(ZH_FONT, 12)
    c.drawString(72, 720, "[1] 王五. 文本复制检测研究[J]. 计算机学报, 2020.")
    expected.append((1, "参考文献", page))
    c.showPage()
    c.save()
    return path, expected


def test_nested_bookmarks_give_chapter_section_and_subsection_headings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.cli.main import main
    from corpora.extract import ExtractedDocument, extract_file

    path, expected = nested_bookmarks_pdf(tmp_path / "nested.pdf")
    doc = extract_file(path)
    assert doc.status == "ok", doc.reason
    found = [(h.level, h.title, doc.page_of(h.start)) for h in doc.headings]
    assert found == expected
    for heading in doc.headings:
        assert doc.text[heading.start :].startswith(heading.title.split()[0])
        holder = next(s for s in doc.sections if s.start <= heading.start < s.end)
        assert heading.start < heading.end <= holder.end
    by_title = {h.title: h for h in doc.headings}
    chapter, section = by_title["第一章 绪论"], by_title["1.1 研究背景"]
    assert section.end == by_title["1.2 本文工作"].start <= chapter.end
    assert by_title["1.1.1 抽检制度"].end == by_title["1.1.2 评议方法"].start
    assert [s.kind for s in doc.sections if s.kind == "chapter"] == ["chapter", "chapter"]
    assert ExtractedDocument.from_json(doc.to_json()).headings == doc.headings
    assert main(["extract", str(path), "--in-process"]) == 0
    assert "      p.2    1.1.1 抽检制度" in capsys.readouterr().out
