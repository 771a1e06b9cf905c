"""Layout repair: from pages of lines to clean text with paragraph breaks and an offset map.

Steps, each recorded in the offset map:
- running headers, footers and page numbers (lines repeated at the same place across pages, or
  page-number shapes in the page margins) are dropped;
- control characters, NUL, unmapped glyphs (U+FFFD; U+FFFC for formula-font glyphs) and
  `(cid:NN)` tokens are dropped; runs of whitespace become one space;
- fake-bold text (every character doubled or tripled) is collapsed when it dominates the document;
- lines of one paragraph are joined: nothing between Chinese characters, a space between English
  words, and a hyphen at a line end removed when a lower-case word continues on the next line;
- a paragraph ends with a newline.

The raw text is every line followed by "\n", pages one after another.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from corpora.lines import Line, PageLines
from corpora.offsets import CleanTextBuilder, clean_starts_for
from corpora.pdf import is_cjk

DROP_OR_SPACE = re.compile(
    r"(?P<drop>[\x00-\x08\x0b-\x1f\x7f\ufffc\ufffd\u200b\ufeff\ud800-\udfff]+|\(cid:\d+\))|(?P<ws>\s+)"
)
PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–·•\[(（]?\s*\d{1,4}\s*[-—–·•\])）]?|[IVXLCDMivxlcdm]{1,7}|"
    r"第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|(?:Page|page|PAGE)\s*\d+(?:\s*of\s*\d+)?|"
    r"\d+\s*/\s*\d+)\s*$"
)
TOC_LINE = re.compile(r"(?:[.·…．⋯_]{3,}|\t)\s*(?:\d{1,4}|[IVXivx]{1,6})\s*$")
HEADING_START = re.compile(
    r"^\s*(?:第\s*[一二三四五六七八九十百零〇\d]+\s*[章篇部]|chapter\s+\w+|附\s*录|参\s*考\s*文\s*献|"
    r"致\s*谢|摘\s*要|abstract\b|references\b|bibliography\b|目\s*录|contents\b|acknowledge?ments?\b)",
    re.IGNORECASE,
)
EQUATION_NUMBER = re.compile(
    r"(?:^|\t)[(（]\s*[A-Z]?\d{1,3}(?:[.．\-–]\d{1,3}){0,2}[a-z]?\s*[)）]\s*$"
)  # "(3.1)", "（2-4）", "(A.2a)" at the end of a display equation
SENTENCE_END = "。！？!?；;：:”」』）)"


@dataclass(frozen=True)
class Assembled:
    """Raw and clean text of a document, with the map between them and the page starts."""

    raw_text: str
    raw_page_starts: tuple[int, ...]
    text: str
    origin: np.ndarray  # origin[i] = raw offset of clean character i
    page_starts: tuple[int, ...]
    block_quotes: tuple[tuple[int, int], ...]
    dropped_lines: int


def _norm_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"[\s\ufffc\ufffd]+", "", text))


def margin_lines(pages: list[PageLines], has_geometry: bool) -> set[tuple[int, int]]:
    """(page, line) positions of running headers, footers and page numbers."""
    if len(pages) < 2 or not any(page.margins for page in pages):
        return set()
    candidates: list[tuple[int, int, str, str, int]] = []
    for p, page in enumerate(pages):
        n = len(page.lines)
        positions = sorted(set(range(min(2, n))) | set(range(max(0, n - 2), n)))
        for i in positions:
            line = page.lines[i]
            key = _norm_key(line.text)
            if not key:
                continue
            slot = int(round(line.top / 3.0)) if has_geometry else (0 if i < n / 2 else 1)
            candidates.append((p, i, key, key[:6], slot))
    full = Counter((key, slot) for _, _, key, _, slot in candidates)
    prefix = Counter((pre, slot) for _, _, _, pre, slot in candidates if len(pre) >= 4)

    def near(counter: Counter[tuple[str, int]], key: str, slot: int) -> int:
        """Occurrences at this height give or take one slot (OCR'd positions wobble)."""
        return counter[(key, slot - 1)] + counter[(key, slot)] + counter[(key, slot + 1)]

    repeat = 3 if len(pages) >= 4 else 2
    sizes = [line.size for page in pages for line in page.lines]
    body_size = float(np.median(sizes)) if sizes else 0.0
    drop: set[tuple[int, int]] = set()
    top_margin: list[tuple[int, int, int]] = []  # (page, line, slot) of first lines up top
    for p, i, key, pre, slot in candidates:
        line = pages[p].lines[i]
        height = pages[p].height
        in_margin = not has_geometry or (
            height > 0 and (line.top < 0.10 * height or line.top > 0.90 * height)
        )
        if has_geometry and i == 0 and height > 0 and line.top < 0.10 * height:
            top_margin.append((p, i, slot))
        display = has_geometry and line.size > 1.3 * body_size  # chapter numbers, titles
        numbered = not in_margin and EQUATION_NUMBER.search(line.text)  # "(3.1)" of equations
        if (
            (near(full, key, slot) >= repeat and not display and not numbered)
            or (
                in_margin
                and has_geometry
                and line.size <= body_size
                and near(prefix, pre, slot) >= repeat
            )
            or (in_margin and PAGE_NUMBER.match(line.text))
        ):
            drop.add((p, i))
    # Headers that change with every section ("2.2. CONSTRUCTION HEURISTICS") repeat too little
    # to be counted; they sit at the height where the counted headers sit, in body size or less.
    header_slots = Counter(slot for p, i, slot in top_margin if (p, i) in drop)
    for p, i, slot in top_margin:
        line = pages[p].lines[i]
        if (p, i) in drop or line.size > body_size + 0.5 or len(pages[p].lines) < 4:
            continue
        if header_slots[slot - 1] + header_slots[slot] + header_slots[slot + 1] >= repeat:
            drop.add((p, i))
    return drop


@dataclass(frozen=True)
class BodyMetrics:
    left: float
    right: float
    size: float
    leading: float


def body_metrics(pages: list[PageLines]) -> BodyMetrics:
    lefts: Counter[int] = Counter()
    rights: list[float] = []
    sizes: Counter[float] = Counter()
    leadings: list[float] = []
    for page in pages:
        previous: Line | None = None
        for line in page.lines:
            weight = len(line.text)
            lefts[int(round(line.x0))] += weight
            rights.append(line.x1)
            sizes[round(line.size, 1)] += weight
            if previous is not None and abs(previous.size - line.size) < 0.5:
                gap = line.top - previous.top
                if 0 < gap < 4 * line.size:
                    leadings.append(gap / max(line.size, 1.0))
            previous = line
    if not lefts:
        return BodyMetrics(0.0, 0.0, 0.0, 0.0)
    size = sizes.most_common(1)[0][0]
    left = float(lefts.most_common(1)[0][0])
    right = float(np.percentile(rights, 90)) if rights else 0.0
    widths = [page.width for page in pages if page.width > 0]
    page_width = float(np.median(widths)) if widths else 0.0
    if page_width > 2 * left and right - left < 0.5 * (page_width - 2 * left):
        right = page_width - left  # mostly short lines: assume symmetric margins
    leading = float(np.median(leadings)) if leadings else 1.5
    return BodyMetrics(left, right, size or 10.0, leading)


def paragraph_breaks(
    flat: list[tuple[int, Line]], metrics: BodyMetrics, has_geometry: bool
) -> tuple[list[bool], list[bool]]:
    """For each kept line: does a paragraph end after it, and is it part of an indented block."""
    count = len(flat)
    ends = [True] * count
    indented = [False] * count
    for k in range(count):
        page, line = flat[k]
        if k + 1 >= count:
            break
        next_page, following = flat[k + 1]
        if not has_geometry:
            ends[k] = line.paragraph_end if line.paragraph_end is not None else True
            continue
        em = max(line.size, 1.0)
        stripped = line.text.rstrip()
        if TOC_LINE.search(line.text) or "\t" in line.text:
            continue
        if abs(line.size - following.size) > 0.15 * max(line.size, following.size):
            continue
        if next_page == page and following.top - line.top > (metrics.leading * 1.25 + 0.1) * em:
            continue
        if HEADING_START.match(following.text) and following.x1 < metrics.right - 3 * em:
            continue
        if (
            HEADING_START.match(line.text)
            and len(stripped) <= 30
            and line.x1 < metrics.right - 3 * em
        ):
            continue
        full = line.x1 >= metrics.right - 1.5 * em
        block = (
            line.x0 >= metrics.left + 1.5 * em
            and line.x1 - line.x0 >= 0.5 * (metrics.right - metrics.left)
            and line.x1 >= metrics.right - (line.x0 - metrics.left) - 1.5 * em
            and abs(following.x0 - line.x0) < 0.5 * em
            and line.x1 >= following.x1 - 1.5 * em
        )
        next_indented = following.x0 > metrics.left + 0.9 * em and not block
        if (full or block) and not next_indented:
            ends[k] = False
            if block:
                indented[k] = indented[k + 1] = True
    for k, (_, line) in enumerate(flat):
        if line.indented_block:
            indented[k] = True
    return ends, indented


def detect_fake_bold(text_sample: str) -> int:
    """The repeat factor (2-4) when most characters come in equal runs (fake bold), else 1."""
    chars = [c for c in text_sample if not c.isspace()]
    if len(chars) < 20:
        return 1
    best, best_cover = 1, 0.0
    for factor in (2, 3, 4):
        runs = re.finditer(r"(\S)\1{" + str(factor - 1) + ",}", "".join(chars))
        covered = sum(len(m.group(0)) for m in runs if len(m.group(0)) % factor == 0)
        cover = covered / len(chars)
        if cover > best_cover:
            best, best_cover = factor, cover
    return best if best_cover >= 0.6 else 1


def line_fake_bold(text: str) -> int:
    """The repeat factor when every character of this line comes 2-4 times in a row, else 1."""
    compact = "".join(text.split())
    if len(compact) < 6:
        return 1
    lengths = {len(m.group(0)) for m in re.finditer(r"(.)\1*", compact, re.DOTALL)}
    if len(lengths) == 1:
        factor = lengths.pop()
        if 2 <= factor <= 4:
            return factor
    return 1


def _append_line_text(builder: CleanTextBuilder, text: str, raw_start: int, bold: int) -> None:
    """Copies one line into the clean text, applying the character-level normalisations."""
    if bold == 1:
        bold = line_fake_bold(text)
    position = 0
    for match in DROP_OR_SPACE.finditer(text):
        _copy_piece(builder, text, position, match.start(), raw_start, bold)
        if match.group("ws") is not None and builder.last_char not in ("", " ", "\n"):
            builder.insert(" ", raw_start + match.start())
        position = match.end()
    _copy_piece(builder, text, position, len(text), raw_start, bold)


def _copy_piece(
    builder: CleanTextBuilder, text: str, start: int, end: int, raw_start: int, bold: int
) -> None:
    if start >= end:
        return
    if bold == 1:
        builder.copy(text[start:end], raw_start + start)
        return
    for run in re.finditer(r"(.)\1*", text[start:end], re.DOTALL):
        keep = max(1, round(len(run.group(0)) / bold))
        builder.copy(run.group(0)[:keep], raw_start + start + run.start())


def assemble(pages: list[PageLines], *, has_geometry: bool) -> Assembled:
    """Builds raw and clean text from pages of lines (see the module docstring)."""
    raw_parts: list[str] = []
    raw_page_starts: list[int] = []
    line_starts: dict[tuple[int, int], int] = {}
    offset = 0
    for p, page in enumerate(pages):
        raw_page_starts.append(offset)
        for i, line in enumerate(page.lines):
            line_starts[(p, i)] = offset
            raw_parts.append(line.text)
            raw_parts.append("\n")
            offset += len(line.text) + 1
    raw_text = "".join(raw_parts)
    drop = margin_lines(pages, has_geometry)
    flat = [
        (p, line)
        for p, page in enumerate(pages)
        for i, line in enumerate(page.lines)
        if (p, i) not in drop
    ]
    flat_keys = [
        (p, i) for p, page in enumerate(pages) for i in range(len(page.lines)) if (p, i) not in drop
    ]
    widths = [page.width for page in pages if page.width]
    page_width = float(np.median(widths)) if widths else 0.0
    kept = PageLines(lines=[line for _, line in flat], width=page_width)
    metrics = body_metrics([kept]) if has_geometry else None
    ends, indented = paragraph_breaks(flat, metrics or BodyMetrics(0, 0, 0, 0), has_geometry)
    bold = detect_fake_bold("".join(line.text for _, line in flat[:400]))
    builder = CleanTextBuilder()
    block_quotes: list[tuple[int, int]] = []
    block_start: int | None = None
    paragraph_open = False
    newline_at_prev = 0
    for k, ((_, line), key) in enumerate(zip(flat, flat_keys, strict=True)):
        raw_start = line_starts[key]
        newline_at = raw_start + len(line.text)
        if indented[k] and block_start is None:
            block_start = len(builder)
        before = len(builder)
        if paragraph_open and before:
            _join(builder, line.text, newline_at_prev)
        _append_line_text(builder, line.text, raw_start, bold)
        if len(builder) == before and not paragraph_open:
            continue
        paragraph_open = True
        newline_at_prev = newline_at
        if ends[k]:
            if builder.last_char == " ":
                builder.drop_last()
            if len(builder) and builder.last_char != "\n":
                builder.insert("\n", newline_at)
            paragraph_open = False
            if block_start is not None and not (k + 1 < len(flat) and indented[k + 1]):
                block_quotes.append((block_start, len(builder) - 1))
                block_start = None
    text, origin = builder.build()
    page_starts = clean_starts_for(origin, raw_page_starts)
    return Assembled(
        raw_text=raw_text,
        raw_page_starts=tuple(raw_page_starts),
        text=text,
        origin=origin,
        page_starts=tuple(page_starts),
        block_quotes=tuple(span for span in block_quotes if span[1] > span[0]),
        dropped_lines=len(drop),
    )


def _join(builder: CleanTextBuilder, next_text: str, newline_at: int) -> None:
    """Joins a wrapped line to the next: no space for Chinese, de-hyphenation for English."""
    last = builder.last_char
    first = next_text.lstrip()[:1]
    if not first or last in ("", " ", "\n"):
        return
    if is_cjk(last) or is_cjk(first):
        return
    if last == "-" and first.islower():
        hyphen_at = builder.drop_last()
        if builder.last_char.isalpha():
            return
        builder.insert("-", hyphen_at)
    builder.insert(" ", newline_at)
