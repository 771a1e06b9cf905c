from __future__ import annotations

import re
from html import unescape

from hypothesis import given
from hypothesis import strategies as st

from screening.report.diff import MAX_DIFF_CHARACTERS, diff_passages


def _plain(markup: str) -> str:
    return unescape(re.sub(r"</?span[^>]*>", "", markup))


def _marked(markup: str) -> str:
    return unescape("".join(re.findall(r'<span class="d">(.*?)</span>', markup)))


def test_changed_characters_are_marked_on_both_sides() -> None:
    d = diff_passages("使其能够快速适应新任务", "使它能快速适应新任务")
    assert _marked(str(d.thesis)) == "其够"
    assert _marked(str(d.source)) == "它"
    assert d.compared and d.differing_thesis == 2 and d.differing_source == 1


def test_identical_passages_have_no_marks_and_html_is_escaped() -> None:
    d = diff_passages("a<b>&c", "a<b>&c")
    assert str(d.thesis) == "a&lt;b&gt;&amp;c" and 'class="d"' not in str(d.source)


def test_very_long_passages_are_shown_without_a_diff() -> None:
    long = "字" * (MAX_DIFF_CHARACTERS + 1)
    d = diff_passages(long, long + "x")
    assert not d.compared and _plain(str(d.source)) == long + "x"


@given(st.text(alphabet="抄袭论文ab<&", max_size=40), st.text(alphabet="抄袭论文ab<&", max_size=40))
def test_the_text_survives_and_the_unmarked_parts_agree(a: str, b: str) -> None:
    d = diff_passages(a, b)
    assert _plain(str(d.thesis)) == a and _plain(str(d.source)) == b
    unmarked_a = re.sub(r'<span class="d">.*?</span>', "", str(d.thesis))
    unmarked_b = re.sub(r'<span class="d">.*?</span>', "", str(d.source))
    assert unescape(unmarked_a) == unescape(unmarked_b)
    assert d.differing_thesis == len(_marked(str(d.thesis)))
