from __future__ import annotations

import re

from screening.report.chart import BAR_WIDTH, chapter_chart
from screening.report.model import ChapterEntry


def _chapter(title: str, ratio: float) -> ChapterEntry:
    return ChapterEntry(title, "chapter", 0, 100, int(ratio * 100), ratio)


def test_one_bar_per_chapter_proportional_to_its_ratio() -> None:
    svg = str(chapter_chart([_chapter("第1章 <引言>", 0.1), _chapter("第2章", 0.4)]))
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert len(widths) == 2
    assert widths[1] == BAR_WIDTH  # the axis runs to 40%, the largest ratio
    assert widths[0] == BAR_WIDTH / 4
    assert "&lt;引言&gt;" in svg and "<引言>" not in svg
    assert "40.0%" in svg and "href" not in svg


def test_no_chapters_no_chart() -> None:
    assert str(chapter_chart([])) == ""
