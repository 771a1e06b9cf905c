"""Quotation and citation-marker spans in Chinese and English text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from corpora.quotes import find_citations, find_quotes, merge_spans


def spans_text(text: str, spans: tuple[tuple[int, int], ...]) -> list[str]:
    return [text[a:b] for a, b in spans]


def test_chinese_quotation_marks() -> None:
    text = "孔子说：“学而时习之，不亦说乎。”又说「温故而知新」，书名『论语』。"
    assert spans_text(text, find_quotes(text)) == [
        "“学而时习之，不亦说乎。”",
        "「温故而知新」",
        "『论语』",
    ]


def test_nested_quotes_are_covered_by_the_outer_span() -> None:
    text = "他写道「老师说『要多读书』，我记住了」。"
    assert spans_text(text, find_quotes(text)) == ["「老师说『要多读书』，我记住了」"]


def test_english_straight_quotes_but_not_inch_marks() -> None:
    text = 'As Smith put it, "copying is not research" (Smith, 2019). A 5" disk.'
    assert spans_text(text, find_quotes(text)) == ['"copying is not research"']


def test_quotes_do_not_cross_paragraphs() -> None:
    text = "他说“第一段没有结束\n第二段”。"
    assert find_quotes(text) == ()


def test_block_quotes_are_added() -> None:
    text = "正文。\n这是一段缩进的引文。\n正文。\n"
    assert find_quotes(text, [(4, 14)]) == ((4, 14),)


def test_numeric_citation_markers() -> None:
    text = "已有研究[1]，见文献[2-5]和[3,7]以及［8］、[9, 12–14]。年份[2020年]不是。"
    assert spans_text(text, find_citations(text)) == [
        "[1]",
        "[2-5]",
        "[3,7]",
        "［8］",
        "[9, 12–14]",
    ]


def test_author_year_citations() -> None:
    text = (
        "as shown before (Wang, 2020) and (Smith et al., 2019; Li and Zhou, 2021a). "
        "中文文献（王伟，2020）与（李明等，2018）。Not a citation (see 2020)."
    )
    assert spans_text(text, find_citations(text)) == [
        "(Wang, 2020)",
        "(Smith et al., 2019; Li and Zhou, 2021a)",
        "（王伟，2020）",
        "（李明等，2018）",
    ]


@given(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=30))
def test_merged_spans_are_sorted_disjoint_and_cover_the_input(
    spans: list[tuple[int, int]],
) -> None:
    merged = merge_spans(spans)
    for start, end in merged:
        assert start < end
    for (_, end), (start, _) in zip(merged, merged[1:], strict=False):
        assert end <= start
    for start, end in spans:
        if start < end:
            assert any(a <= start and end <= b for a, b in merged)


@given(st.text(alphabet='“”「」『』"中文ab \n[]12,-()', max_size=200))
def test_quote_spans_are_within_text_and_disjoint(text: str) -> None:
    spans = find_quotes(text)
    for start, end in spans:
        assert 0 <= start < end <= len(text)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start
