"""The full-text view: the thesis text with matched passages marked, in one pass.

All boundaries (passage starts and ends, page starts, section starts) are sorted once;
the text between two neighbouring boundaries is one segment, escaped as a whole and
wrapped in a `<mark>` when passages cover it. Work grows with the number of boundaries,
not with the number of characters. Pages become blocks so the browser can skip laying
out pages that are off screen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from markupsafe import Markup, escape

from screening.report.model import PassageEntry, Section

# When passages of different classes overlap, the segment shows the strongest one.
CLASS_PRIORITY: dict[str, int] = {
    "identical": 7,
    "minor_changes": 6,
    "paraphrase": 5,
    "translated": 4,
    "quote": 2,
    "excluded": 1,
}


def render_full_text(
    text: str,
    passages: Sequence[PassageEntry],
    page_starts: Sequence[int],
    sections: Sequence[Section] = (),
) -> Markup:
    """HTML for the whole thesis text: page blocks, section anchors, coloured passages."""
    length = len(text)
    pages = [s for s in page_starts if 0 <= s < length] or [0]
    if pages[0] != 0:
        pages.insert(0, 0)
    page_numbers: dict[int, list[int]] = {}
    for i, start in enumerate(page_starts):
        if 0 <= start < length:
            page_numbers.setdefault(start, []).append(i + 1)
    page_numbers.setdefault(0, [1])
    section_at: dict[int, list[int]] = {}
    for i, s in enumerate(sections):
        section_at.setdefault(min(s.start, length), []).append(i)

    starts_at: dict[int, list[int]] = {}
    ends_at: dict[int, list[int]] = {}
    for i, p in enumerate(passages):
        if p.thesis_end > p.thesis_start:
            starts_at.setdefault(p.thesis_start, []).append(i)
            ends_at.setdefault(p.thesis_end, []).append(i)
    bounds = np.unique(
        np.fromiter(
            [0, length, *pages, *starts_at, *ends_at, *section_at],
            dtype=np.int64,
        )
    )
    bounds = bounds[(bounds >= 0) & (bounds <= length)].tolist()

    page_set = set(pages)
    active: dict[int, PassageEntry] = {}
    parts: list[str] = []
    for position, following in zip(bounds, bounds[1:] + [None], strict=True):
        for i in ends_at.get(position, ()):
            active.pop(i, None)
        if position in page_set:
            if position != 0:
                parts.append("</div>")
            numbers = page_numbers[position]
            shown = f"{numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else str(numbers[0])
            parts.append(
                f'<div class="pgb" id="page-{numbers[0]}"><span class="pg" '
                f'title="第 {shown} 页 Page {shown}">{shown}</span>'
            )
            parts.extend(f'<span id="page-{n}"></span>' for n in numbers[1:])
        for i in section_at.get(position, ()):
            parts.append(f'<span class="sec" id="sec-{i + 1}"></span>')
        for i in starts_at.get(position, ()):
            p = passages[i]
            active[i] = p
            parts.append(
                f'<a class="lbl c-{p.display_class}" id="ft-{p.label}" data-s="{p.source_number}"'
                f' href="#sbs-{p.label}">{p.label}</a>'
            )
        if following is None:
            break
        chunk = str(escape(text[position:following]))
        if active:
            parts.append(_mark(active.values(), chunk))
        else:
            parts.append(chunk)
    parts.append("</div>")
    return Markup("".join(parts))


def _mark(active: object, chunk: str) -> str:
    covering = list(active)  # type: ignore[call-overload]
    strongest = max(covering, key=lambda p: CLASS_PRIORITY[p.display_class])
    sources = " ".join(sorted({str(p.source_number) for p in covering}, key=int))
    labels = " ".join(p.label for p in covering)
    return (
        f'<mark class="c-{strongest.display_class}" data-s=" {sources} " '
        f'title="{labels}">{chunk}</mark>'
    )
