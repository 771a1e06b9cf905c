"""Quotations and citation markers in clean text, as (start, end) spans.

Quotation spans include their marks: “…”, 「…」, 『…』, "…" (straight quotes paired within a
paragraph), plus indented block quotes found by layout. Nested quotes are covered by the outer
span. Citation markers: numeric brackets [1], [2-5], [3,7], ［1］, and author-year parentheses
(Wang, 2020), (Smith et al., 2019; Li and Zhou, 2021), （王伟，2020）, （王伟等，2020）.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

QUOTE_PATTERNS = (
    re.compile(r"“[^“”\n]{1,1500}”"),
    re.compile(r"「[^「」\n]{1,1500}」"),
    re.compile(r"『[^『』\n]{1,1500}』"),
    re.compile(r"(?<![\w\"])\"[^\"\n]{1,1500}\"(?![\w\"])"),
)
_NUM = r"\d{1,4}(?:\s*[-–—~～]\s*\d{1,4})?"
NUMERIC_CITATION = re.compile(rf"[\[［]\s*{_NUM}(?:\s*[,，、;；]\s*{_NUM})*\s*[\]］]")
_AUTHOR = (
    r"[A-Z][A-Za-z'’\-]+(?:\s+(?:et\s+al\.?|and\s+[A-Z][A-Za-z'’\-]+|&\s+[A-Z][A-Za-z'’\-]+))?"
)
_YEAR = r"(?:1[89]|20)\d{2}[a-z]?"
AUTHOR_YEAR = re.compile(rf"\(\s*{_AUTHOR},?\s+{_YEAR}(?:\s*[;；]\s*{_AUTHOR},?\s+{_YEAR})*\s*\)")
ZH_AUTHOR_YEAR = re.compile(
    rf"[（(]\s*[\u4e00-\u9fff·]{{2,8}}(?:等|等人)?\s*[，,]\s*{_YEAR}(?:\s*[;；]\s*[\u4e00-\u9fff·]{{2,8}}"
    rf"(?:等|等人)?\s*[，,]\s*{_YEAR})*\s*[）)]"
)


def merge_spans(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted, non-overlapping union of spans (touching spans stay separate)."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def find_quotes(
    text: str, block_quotes: Iterable[tuple[int, int]] = ()
) -> tuple[tuple[int, int], ...]:
    """Quotation spans (marks included) and block-quote spans, merged and sorted."""
    spans = [m.span() for pattern in QUOTE_PATTERNS for m in pattern.finditer(text)]
    spans.extend(block_quotes)
    return merge_spans(spans)


def find_citations(text: str) -> tuple[tuple[int, int], ...]:
    """Citation-marker spans, sorted."""
    spans = [m.span() for m in NUMERIC_CITATION.finditer(text)]
    spans.extend(m.span() for m in AUTHOR_YEAR.finditer(text))
    spans.extend(m.span() for m in ZH_AUTHOR_YEAR.finditer(text))
    return merge_spans(spans)
