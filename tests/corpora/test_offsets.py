"""Offset maps: every clean character comes from a raw character, spans round-trip to pages."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from corpora.extract import ExtractedDocument
from corpora.layout import assemble
from corpora.lines import Line, PageLines
from corpora.offsets import clean_matches_raw, page_index

ALPHABET = "学位论文抽检的是。，abcXY -\t\x00\ufffd“”0123"
line_text = st.text(alphabet=ALPHABET, min_size=0, max_size=30).map(
    lambda s: s if not s.startswith("(") else s[1:]
) | st.sampled_from(
    ["(cid:12)", "- 3 -", "东海大学硕士学位论文", "第一章 绪论", "trans-", "lation"]
)


@st.composite
def pages_with_geometry(draw: st.DrawFn) -> list[PageLines]:
    pages = []
    for _ in range(draw(st.integers(1, 5))):
        lines = []
        top = 40.0
        for _ in range(draw(st.integers(0, 8))):
            text = draw(line_text).strip()
            if not text:
                continue
            x0 = draw(st.sampled_from([72.0, 96.0, 120.0, 200.0]))
            x1 = draw(st.sampled_from([300.0, 468.0, 516.0, 523.0]))
            size = draw(st.sampled_from([9.0, 12.0, 16.0]))
            top += draw(st.sampled_from([14.0, 19.2, 30.0]))
            lines.append(Line(text=text, x0=x0, x1=x1, top=top, size=size))
        pages.append(PageLines(lines=lines, height=842.0, width=595.0))
    return pages


@st.composite
def pages_without_geometry(draw: st.DrawFn) -> list[PageLines]:
    pages = []
    for _ in range(draw(st.integers(1, 4))):
        texts = [t.strip() for t in draw(st.lists(line_text, max_size=8)) if t.strip()]
        ends = draw(st.lists(st.booleans(), min_size=len(texts), max_size=len(texts)))
        pages.append(
            PageLines(lines=[Line(t, paragraph_end=e) for t, e in zip(texts, ends, strict=True)])
        )
    return pages


def check_offset_map(pages: list[PageLines], has_geometry: bool) -> None:
    result = assemble(pages, has_geometry=has_geometry)
    raw, text, origin = result.raw_text, result.text, result.origin
    assert len(origin) == len(text)
    if len(origin):
        assert (origin[1:] > origin[:-1]).all()
        assert origin[0] >= 0 and origin[-1] < len(raw)
    for index, char in enumerate(text):
        assert clean_matches_raw(char, raw[origin[index]]), (index, char, raw[origin[index]])
        raw_page = page_index(result.raw_page_starts, int(origin[index]))
        assert page_index(result.page_starts, index) == raw_page
    assert "\x00" not in text and "\ufffd" not in text and "(cid:" not in text
    assert len(result.page_starts) == len(pages)


@given(pages_with_geometry())
def test_offset_map_round_trips_for_pdf_layout(pages: list[PageLines]) -> None:
    check_offset_map(pages, has_geometry=True)


@given(pages_without_geometry())
@example([PageLines(lines=[Line("-\ufffd", paragraph_end=False), Line("lation")])])
def test_offset_map_round_trips_for_text_layout(pages: list[PageLines]) -> None:
    check_offset_map(pages, has_geometry=False)


@given(pages_without_geometry(), st.data())
def test_clean_spans_map_to_raw_spans_with_the_same_characters(
    pages: list[PageLines], data: st.DataObject
) -> None:
    result = assemble(pages, has_geometry=False)
    if not result.text:
        return
    start = data.draw(st.integers(0, len(result.text) - 1))
    end = data.draw(st.integers(start + 1, len(result.text)))
    raw_start = int(result.origin[start])
    raw_end = int(result.origin[end - 1]) + 1
    clean = re.sub(r"\s", "", result.text[start:end])
    raw = re.sub(r"\s|\x00|\ufffd|\(cid:\d+\)", "", result.raw_text[raw_start:raw_end])
    # Clean text is the raw text minus dropped characters (and collapsed fake bold).
    iterator = iter(raw)
    assert all(char in iterator for char in clean)


def test_real_pdf_offsets_round_trip(zh_thesis: ExtractedDocument) -> None:
    doc = zh_thesis
    raw = doc.raw_text
    assert len(doc.origin) == len(doc.text)
    assert all(
        clean_matches_raw(c, raw[o]) for c, o in zip(doc.text, doc.origin.tolist(), strict=True)
    )
    chapter = next(s for s in doc.sections if s.kind == "chapter")
    raw_start, raw_end = doc.raw_span(chapter.start, chapter.end)
    assert raw[raw_start:raw_end].startswith("第一章 绪论\n")
    raw_page = page_index(doc.raw_page_starts, raw_start) + 1
    assert raw_page == doc.page_of(chapter.start)
    # Running headers are in the raw text but not in the clean text.
    assert raw.count("东海理工大学硕士学位论文") > doc.text.count("东海理工大学硕士学位论文")
