"""The parts of a thesis: cover, declarations, abstracts, contents, chapters, back matter.

Works on the clean text, one paragraph per line. A heading is a short paragraph that matches a
named part (摘要, 参考文献, Acknowledgements, …) or a chapter numbering scheme (第一章, 第1章,
Chapter 1, 1 绪论, 一 引言, or a chapter number alone on its line above the title). Chapter
headings are accepted only as a run numbered 1, 2, 3… in one scheme, which keeps sub-sections
(1.1, 一、 inside a 第一章 thesis) and numbered body lines out. Contents pages are found by their
heading or, without one, by a run of entries ending in page numbers; nothing inside the contents
counts as a heading. A PDF's bookmarks give the chapters when they name more than the text
patterns find, and all their levels give the heading outline (`Heading`: chapters, sections,
subsections). Sections run from one heading to the next, in reading order, never overlapping;
text before the first heading is the cover.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from corpora.simplify import to_simplified

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
EN_NUMBERS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ]
    )
}
ROMAN = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "xi": 11,
    "xii": 12,
}

MAX_HEADING = 40
SENTENCE_PUNCT = re.compile(r"[。；;！？!?]|，.*，")
TOC_ENTRY_LEADER = re.compile(r"(?:[.·…．⋯_]\s*){3,}\s*(?:\d{1,4}|[ivxlcIVXLC]{1,6})\s*$")
TOC_ENTRY_NUMBER = re.compile(r"\S\s+(?:\d{1,3}|[ivxIVX]{1,5})\s*$")
SECTION_NUMBER = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})+\s*\S")
BARE_NUMBER = re.compile(r"^(\d{1,2})()$")  # a chapter number alone on its line
TITLE_START = re.compile(r"^[A-Z\u4e00-\u9fff]")

SCHEMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("zh_chapter", re.compile(r"^第\s*([一二三四五六七八九十百零〇两\d]{1,4})\s*章\s*(.{0,36})$")),
    (
        "en_chapter",
        re.compile(
            r"^(?:chapter|CHAPTER|Chapter)\s+(\d{1,2}|[IVXivx]{1,5}|[A-Za-z]{3,6})\b[\s.:：-]*(.{0,60})$"
        ),
    ),
    (
        "arabic",
        re.compile(
            r"^(\d{1,2})(?:[、．]|\.(?=\s)|(?=\s)|(?=[\u4e00-\u9fff]))\s*([^\d\s.．].{0,36})$"
        ),
    ),
    ("cn_numeral", re.compile(r"^([一二三四五六七八九十]{1,3})\s*[、.．\s]\s*(\S.{0,30})$")),
)

NAMED: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "declaration",
        re.compile(
            r"(原创性声明|独创性声明|原创性说明|承诺书|使用权限|著作权使用声明|授权书|使用授权|版权使用|"
            r"学术诚信|论文声明|^声明$|^declaration(?:of(?:originality|authorship))?$|"
            r"^statementof(?:originality|authorship)$|^originalitystatement$|"
            r"^copyright(?:statement|declaration|authori[sz]ation|notice)?$|"
            r"^authori[sz]ation(?:letter|statement)?$)",
            re.I,
        ),
    ),
    ("abstract_zh", re.compile(r"^(?:中文|论文|内容)?(?:摘要|提要)(?:[:：].*)?$")),
    ("abstract_en", re.compile(r"^(?:abstract|英文摘要|summary)(?:[:：.].*)?$", re.I)),
    ("toc", re.compile(r"^(?:目录|contents|tableofcontents)$", re.I)),
    (
        "references",
        re.compile(
            r"^(?:主要)?(?:参考文献|参考资料|引用文献)$|^(?:references|bibliography)$", re.I
        ),
    ),
    (
        "appendix",
        re.compile(
            r"^(?:附录(?:[A-Z一二三四五六七八九十\d]{1,3}.*|(?:[:：、.．\-—].*)?)$|"
            r"appendix(?:[A-Z]|\d{1,2})?(?:[:.\-].*|[A-Z][a-z].*)?$|appendices$)",
            re.I,
        ),
    ),
    (
        "acknowledgements",
        re.compile(r"^(?:致谢|谢辞|鸣谢|后记|acknowledge?ments?)(?:[:：].*)?$", re.I),
    ),
    (
        "publications",
        re.compile(
            r"(攻读.{0,14}(?:期间|阶段).{0,14}(?:发表|取得|完成|参与|成果)|在(?:学|读|校)期间.{0,14}"
            r"(?:发表|成果)|^(?:科研|学术|研究)成果|^(?:listof)?publications|^发表(?:的)?(?:学术)?论文)",
            re.I,
        ),
    ),
    (
        "other",
        re.compile(
            r"^(?:符号说明|主要符号(?:表|对照表|说明)?|缩略语(?:表|对照表)?|插图(?:索引|清单|目录)|"
            r"表格(?:索引|清单|目录)|图目录|表目录|图表目录|索引|作者简介|个人简介|个人简历|作者简历|"
            r"学位论文数据集|术语表|注释|listoffigures|listoftables|nomenclature|curriculumvitae|"
            r"vita|biography)$",
            re.I,
        ),
    ),
    (
        "chapter",
        re.compile(
            r"^(?:引言|绪论|前言|导论|结论|结语|结束语|总结|总结与展望|结论与展望|研究结论|"
            r"introduction|conclusions?|conclusionsandfuturework)$",
            re.I,
        ),
    ),
)


@dataclass(frozen=True)
class Section:
    """One part of the thesis: `kind` from the contract list, heading `title`, clean-text span."""

    kind: str
    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Marker:
    start: int
    kind: str
    title: str


def paragraphs(text: str) -> list[Paragraph]:
    return [Paragraph(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[^\n]+", text)]


def squash(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text)


def chinese_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if not text or any(c not in CN_DIGITS and c not in "十百" for c in text):
        return None
    if "百" in text:
        return None
    if "十" in text:
        tens, _, units = text.partition("十")
        value = (CN_DIGITS.get(tens, 0) if tens else 1) * 10
        return value + (CN_DIGITS.get(units, 0) if units else 0)
    if len(text) == 1:
        return CN_DIGITS[text]
    return None


def scheme_number(scheme: str, token: str) -> int | None:
    if scheme in ("zh_chapter", "cn_numeral"):
        return chinese_number(token)
    if scheme == "arabic":
        return int(token)
    lowered = token.lower()
    if lowered.isdigit():
        return int(lowered)
    return ROMAN.get(lowered, EN_NUMBERS.get(lowered))


def is_toc_entry(text: str) -> bool:
    stripped = text.strip()
    if TOC_ENTRY_LEADER.search(stripped):
        return True
    if len(stripped) > 80 or not TOC_ENTRY_NUMBER.search(stripped):
        return False
    body = re.sub(r"\s+(?:\d{1,3}|[ivxIVX]{1,5})\s*$", "", stripped)
    return bool(
        SECTION_NUMBER.match(body)
        or any(pattern.match(body) for _, pattern in SCHEMES)
        or named_kind(body) is not None
    )


def named_kind(text: str) -> str | None:
    """The kind of a named heading (摘要, 参考文献, …; traditional forms too), or None."""
    squashed = squash(text).rstrip(":：")
    if len(squashed) <= 2 * MAX_HEADING:
        squashed = to_simplified(squashed)
    if not squashed:
        return None
    inline_abstract = re.match(r"^(摘要|abstract)[:：]", squashed, re.I)
    if len(squashed) > MAX_HEADING and not inline_abstract:
        return None
    if not inline_abstract and SENTENCE_PUNCT.search(text):
        return None
    for kind, pattern in NAMED:
        if pattern.search(squashed):
            return kind
    return None


def toc_region(paras: list[Paragraph]) -> tuple[int, int] | None:
    """(first, last) paragraph indexes of the contents pages, if any."""
    heading = next((i for i, p in enumerate(paras[:400]) if named_kind(p.text) == "toc"), None)
    entries = [i for i, p in enumerate(paras) if is_toc_entry(p.text)]
    if heading is not None:
        following = [i for i in entries if i > heading]
        last = heading
        for i in following:
            if i - last <= 4:
                last = i
            else:
                break
        return heading, last
    runs: list[tuple[int, int, int]] = []  # (first, last, entries)
    for i in entries:
        if runs and i - runs[-1][1] <= 2:
            first, _, count = runs[-1]
            runs[-1] = (first, i, count + 1)
        else:
            runs.append((i, i, 1))
    return next(((first, last) for first, last, count in runs if count >= 3), None)


def _with_title_line(number_line: str, following: str) -> str:
    """ "第一章" or "Chapter 1" alone on a line takes its title from the next short line."""
    candidate = following.strip()
    if (
        not candidate
        or len(candidate) > MAX_HEADING
        or SENTENCE_PUNCT.search(candidate)
        or any(pattern.match(candidate) for _, pattern in SCHEMES)
        or SECTION_NUMBER.match(candidate)
        or named_kind(candidate) not in (None, "chapter")
    ):
        return number_line
    return number_line + " " + re.sub(r"\s+", " ", candidate)


def chapter_markers(paras: list[Paragraph], skip: set[int]) -> list[Marker]:
    """Chapter headings of the numbering scheme with the longest run 1, 2, 3, …."""
    best: list[Marker] = []
    for scheme, pattern in SCHEMES:
        accepted: list[Marker] = []
        expected = 1
        for i, para in enumerate(paras):
            if i in skip:
                continue
            stripped = para.text.strip()
            if len(stripped) > 60 or SENTENCE_PUNCT.search(stripped):
                continue
            match = pattern.match(stripped)
            if not match and scheme == "arabic" and BARE_NUMBER.match(stripped):
                following = paras[i + 1].text if i + 1 < len(paras) else ""
                if _with_title_line(stripped, following) != stripped and TITLE_START.match(
                    following.strip()
                ):
                    match = BARE_NUMBER.match(stripped)  # a large number above the title
            if not match:
                continue
            number = scheme_number(scheme, match.group(1))
            if number is None:
                continue
            if scheme in ("arabic", "cn_numeral") and (
                len(match.group(2)) > 25 or re.search(r"[：:，,；;。、]", match.group(2))
            ):
                continue  # a numbered list item, not a heading
            if number == expected or (not accepted and number == 0 and expected == 1):
                title = re.sub(r"\s+", " ", stripped)
                if not match.group(2).strip() and i + 1 < len(paras):
                    title = _with_title_line(title, paras[i + 1].text)
                accepted.append(Marker(para.start, "chapter", title))
                expected = number + 1
        threshold = 1 if scheme in ("zh_chapter", "en_chapter") else 2
        if len(accepted) >= threshold and len(accepted) > len(best):
            best = accepted
            if scheme in ("zh_chapter", "en_chapter") and len(accepted) >= 2:
                break
    return best


def _outline_paragraph(
    paras: list[Paragraph], starts: list[int], skip: set[int], title: str, start: int, end: int
) -> int | None:
    """The index of the heading paragraph (or number line above its title line) that a bookmark
    titled `title` names within the clean-text span [start, end) of the page it points to."""
    wanted = squash(title).lower()
    if not wanted:
        return None
    for i in range(bisect.bisect_left(starts, start), len(paras)):
        para = paras[i]
        if para.start >= end or i in skip:
            return None
        here = squash(para.text).lower()
        joined = here + (squash(paras[i + 1].text).lower() if i + 1 < len(paras) else "")
        if len(para.text) <= 2 * MAX_HEADING and (here == wanted or joined == wanted):
            return i
    return None


def outline_chapters(
    paras: list[Paragraph], skip: set[int], outline: Sequence[tuple[int, str, int, int]]
) -> list[Marker]:
    """Chapters from the PDF's bookmarks: top-level entries that are not named parts, each found
    as a heading paragraph (or a number line and its title line) on the page it points to."""
    if not outline:
        return []
    top = min(level for level, _, _, _ in outline)
    starts = [p.start for p in paras]
    found: list[Marker] = []
    for level, title, start, end in outline:
        if level != top or named_kind(title) not in (None, "chapter"):
            continue
        i = _outline_paragraph(paras, starts, skip, title, start, end)
        if i is not None and (not found or found[-1].start < paras[i].start):
            found.append(Marker(paras[i].start, "chapter", re.sub(r"\s+", " ", title)))
    return found


@dataclass(frozen=True)
class Heading:
    """A heading from the PDF's bookmarks: `level` 1 for the outline's top (chapters and named
    parts), 2 for sections, 3 for subsections, …; [start, end) runs from the heading to the next
    heading of the same or a higher level, within the section (`Section`) that holds it."""

    level: int
    title: str
    start: int
    end: int


def outline_headings(
    text: str, outline: Sequence[tuple[int, str, int, int]], sections: Sequence[Section]
) -> tuple[Heading, ...]:
    """The bookmarks found as headings in the text, at every outline depth, in reading order.

    An entry counts when its title is a heading paragraph on the page it points to (as for
    `outline_chapters`); entries not found there, or out of reading order, are left out.
    """
    if not outline:
        return ()
    paras = paragraphs(text)
    starts = [p.start for p in paras]
    toc = toc_region(paras)
    skip: set[int] = set(range(toc[0], toc[1] + 1)) if toc else set()
    top = min(level for level, _, _, _ in outline)
    found: list[tuple[int, str, int]] = []
    for level, title, start, end in outline:
        i = _outline_paragraph(paras, starts, skip, title, start, end)
        if i is not None and (not found or found[-1][2] < paras[i].start):
            found.append((level - top + 1, re.sub(r"\s+", " ", title), paras[i].start))
    section_ends = [s.end for s in sections]
    headings: list[Heading] = []
    for index, (level, title, start) in enumerate(found):
        holder = bisect.bisect_right(section_ends, start)
        end = section_ends[holder] if holder < len(section_ends) else len(text)
        for later_level, _, later_start in found[index + 1 :]:
            if later_level <= level:
                end = min(end, later_start)
                break
        headings.append(Heading(level, title, start, end))
    return tuple(headings)


def detect_sections(
    text: str, outline: Sequence[tuple[int, str, int, int]] = ()
) -> tuple[Section, ...]:
    """Sections of the clean text in reading order, non-overlapping, covering all headed text.

    `outline` holds the PDF's bookmarks as (level, title, start, end), where start/end bound the
    clean text of the page the entry points to; its chapters win when they are more than the
    text patterns find.
    """
    paras = paragraphs(text)
    if not paras:
        return ()
    toc = toc_region(paras)
    skip: set[int] = set(range(toc[0], toc[1] + 1)) if toc else set()
    markers: list[Marker] = []
    if toc:
        title = paras[toc[0]].text.strip() if named_kind(paras[toc[0]].text) == "toc" else "目录"
        markers.append(Marker(paras[toc[0]].start, "toc", re.sub(r"\s+", " ", title)))
    chapters = chapter_markers(paras, skip)
    from_outline = outline_chapters(paras, skip, outline)
    if len(from_outline) > len(chapters):
        chapters = from_outline
    chapter_starts = {m.start for m in chapters}
    seen_once: set[str] = set()
    for i, para in enumerate(paras):
        if i in skip or para.start in chapter_starts:
            continue
        kind = named_kind(para.text)
        if kind is None or kind == "toc":
            continue
        if kind in ("abstract_zh", "abstract_en", "references", "acknowledgements", "publications"):
            if kind in seen_once:
                continue
            seen_once.add(kind)
        if kind == "chapter" and chapters and chapters[0].start < para.start < chapters[-1].start:
            continue
        title = re.sub(r"\s+", " ", para.text.strip())
        if (
            kind in ("abstract_zh", "abstract_en")
            and re.match(r"^\S+\s*[:：]", title)
            and len(title) > 12
        ):
            title = re.split(r"[:：]", title, maxsplit=1)[0].strip()
        markers.append(Marker(para.start, kind, title[:80]))
    markers.extend(chapters)
    markers.sort(key=lambda m: m.start)
    deduped: list[Marker] = []
    for marker in markers:
        if deduped and deduped[-1].start == marker.start:
            continue
        deduped.append(marker)
    sections: list[Section] = []
    if not deduped:
        return (Section("other", "", 0, len(text)),)
    if deduped[0].start > 0:
        first_line = paras[0].text.strip()[:80]
        sections.append(Section("cover", first_line, 0, deduped[0].start))
    for index, marker in enumerate(deduped):
        end = deduped[index + 1].start if index + 1 < len(deduped) else len(text)
        sections.append(Section(marker.kind, marker.title, marker.start, end))
    return tuple(sections)
