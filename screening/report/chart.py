"""A small inline SVG bar chart of the copy ratio per chapter (no scripts, no external assets)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from screening.report.model import ChapterEntry

ROW_HEIGHT = 22
LABEL_WIDTH = 220
BAR_WIDTH = 380
MAX_LABEL_CHARACTERS = 16


def _bar_colour(ratio: float) -> str:
    if ratio >= 0.4:
        return "#c62828"
    if ratio >= 0.15:
        return "#ef6c00"
    return "#5c6bc0"


def _short(title: str) -> str:
    title = " ".join(title.split())
    if len(title) <= MAX_LABEL_CHARACTERS:
        return title
    return title[: MAX_LABEL_CHARACTERS - 1] + "…"


def chapter_chart(chapters: Sequence[ChapterEntry]) -> Markup:
    """Horizontal bars, one per chapter, on an axis from 0 to a round percentage."""
    if not chapters:
        return Markup("")
    top = max(c.ratio for c in chapters)
    scale = min(1.0, max(0.1, math.ceil(top * 10) / 10))
    width = LABEL_WIDTH + BAR_WIDTH + 60
    height = ROW_HEIGHT * len(chapters) + 30
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="各章复制比 Copy ratio by chapter">'
    ]
    for tick in range(5):
        value = scale * tick / 4
        x = LABEL_WIDTH + BAR_WIDTH * tick / 4
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 22}" stroke="#ddd"/>'
            f'<text x="{x:.1f}" y="{height - 8}" font-size="11" text-anchor="middle" '
            f'fill="#555">{value * 100:.0f}%</text>'
        )
    for i, c in enumerate(chapters):
        y = i * ROW_HEIGHT
        bar = BAR_WIDTH * min(c.ratio / scale, 1.0)
        title = escape(c.title or c.kind)
        parts.append(
            f"<g><title>{title}: {c.ratio * 100:.1f}%</title>"
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" font-size="12" text-anchor="end" '
            f'fill="#222">{escape(_short(c.title or c.kind))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{bar:.1f}" height="{ROW_HEIGHT - 8}" '
            f'fill="{_bar_colour(c.ratio)}"/>'
            f'<text x="{LABEL_WIDTH + bar + 4:.1f}" y="{y + 15}" font-size="11" '
            f'fill="#222">{c.ratio * 100:.1f}%</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
