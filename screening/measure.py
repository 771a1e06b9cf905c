"""CNKI-style measures of a thesis from its matched passages, on character masks.

Every figure is a count of thesis characters divided by the thesis's countable
characters (all characters except whitespace). A character matched by several
sources counts once. Coverage is computed with numpy boolean masks built from
span boundaries (a difference array and a cumulative sum), never character by
character.

Figures (see docs/screening.md for the exact definitions):
- total_copy_ratio — characters matched by any counted passage (总文字复制比);
- copy_ratio_excluding_quotes — minus quotations and cited sentences (去除引用文献复制比);
- copy_ratio_excluding_references — minus the references section;
- copy_ratio_excluding_own — minus passages from the author's own work (去除本人文献复制比);
- max_single_source_ratio — the largest share of one source (单篇最大文字复制比);
- assessed_copy_ratio — with all the exclusions the settings choose (what the flag policy uses).
Passages inside registered templates/boilerplate, from excluded sources or
shorter than the minimum never count in any figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

SENTENCE_STOPS = "。！？!?；;\n"


def span_mask(length: int, spans: Iterable[tuple[int, int]]) -> np.ndarray:
    """Boolean mask of `length` characters, True inside any of the (start, end) spans."""
    arr = np.asarray(list(spans), dtype=np.int64).reshape(-1, 2)
    if arr.size == 0 or length == 0:
        return np.zeros(length, dtype=bool)
    starts = arr[:, 0].clip(0, length)
    ends = arr[:, 1].clip(0, length)
    ok = ends > starts
    diff = np.zeros(length + 1, dtype=np.int64)
    np.add.at(diff, starts[ok], 1)
    np.add.at(diff, ends[ok], -1)
    return np.cumsum(diff[:length]) > 0


def countable_mask(text: str) -> np.ndarray:
    """Characters that count (everything but whitespace)."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    space = (
        (cps == 0x20)
        | ((cps >= 0x09) & (cps <= 0x0D))
        | (cps == 0x3000)
        | (cps == 0xA0)
        | ((cps >= 0x2000) & (cps <= 0x200B))
        | (cps == 0xFEFF)
    )
    return ~space


def sentence_spans_with(text: str, offsets: Sequence[int]) -> list[tuple[int, int]]:
    """The sentences (between stops in SENTENCE_STOPS) that contain any of `offsets`."""
    if not offsets or not text:
        return []
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    stop_codes = np.array([ord(c) for c in SENTENCE_STOPS], dtype=np.uint32)
    stops = np.flatnonzero(np.isin(cps, stop_codes))
    at = np.clip(np.asarray(offsets, dtype=np.int64), 0, len(text) - 1)
    k = np.searchsorted(stops, at, side="left")
    begin = np.where(k > 0, stops[np.maximum(k - 1, 0)] + 1, 0)
    # A citation marker right after a full stop (…。[3]) cites the sentence before it.
    after_stop = (k > 0) & (at - begin <= 1)
    k_prev = np.maximum(k - 2, 0)
    begin = np.where(after_stop, np.where(k >= 2, stops[k_prev] + 1, 0), begin)
    end = np.where(k < stops.size, stops[np.minimum(k, stops.size - 1)] + 1, len(text))
    return sorted({(int(b), int(e)) for b, e in zip(begin, end, strict=True)})


@dataclass(frozen=True)
class Regions:
    """Masks over the thesis text that the measures need."""

    countable: np.ndarray  # characters that count at all
    quotes: np.ndarray  # quotations and cited sentences
    references: np.ndarray  # the references section
    template: np.ndarray  # registered templates and boilerplate sections

    @property
    def length(self) -> int:
        return int(self.countable.size)


@dataclass(frozen=True)
class Match:
    """A matched thesis span attributed to a source; `excluded` says why it does not count."""

    start: int
    end: int
    source: str
    excluded: str | None = None
    translated: bool = False  # the source passage is in another language


@dataclass(frozen=True)
class SectionFigure:
    kind: str
    title: str
    start: int
    end: int
    characters: int
    repeated_characters: int
    ratio: float


@dataclass(frozen=True)
class Figures:
    """The measures of one thesis."""

    total_characters: int
    repeated_characters: int
    total_copy_ratio: float
    copy_ratio_excluding_quotes: float
    copy_ratio_excluding_references: float
    copy_ratio_excluding_own: float
    max_single_source_ratio: float
    assessed_copy_ratio: float
    assessed_characters: int
    source_characters: dict[str, int]  # per source: characters it covers (CNKI basis)
    source_assessed_characters: dict[str, int]  # same within the assessed mask
    per_section: tuple[SectionFigure, ...]
    # Of the repeated characters, those matched only by translated passages (跨语言).
    translated_characters: int = 0
    translated_copy_ratio: float = 0.0

    def share(self, source: str) -> float:
        return self.source_characters.get(source, 0) / max(self.total_characters, 1)

    def assessed_share(self, source: str) -> float:
        return self.source_assessed_characters.get(source, 0) / max(self.total_characters, 1)


def classify_exclusion(
    match: Match,
    regions: Regions,
    *,
    excluded_sources: frozenset[str],
    min_chars: int,
    exclude_quotes: bool,
    exclude_references: bool,
    majority: float = 0.5,
) -> str | None:
    """Why a passage does not count (`template`, `excluded_source`, `small_match`,
    `quote`, `references`), or None when it counts."""
    s, e = max(match.start, 0), min(match.end, regions.length)
    size = max(e - s, 1)
    if regions.template[s:e].sum() >= majority * size:
        return "template"
    if match.source in excluded_sources:
        return "excluded_source"
    if int(regions.countable[s:e].sum()) < min_chars:
        return "small_match"
    if exclude_quotes and regions.quotes[s:e].sum() >= majority * size:
        return "quote"
    if exclude_references and regions.references[s:e].sum() >= majority * size:
        return "references"
    return None


def compute_figures(
    regions: Regions,
    matches: Sequence[Match],
    *,
    own_sources: frozenset[str] = frozenset(),
    exclude_quotes: bool = True,
    exclude_references: bool = True,
    exclude_own: bool = True,
    sections: Sequence[tuple[str, str, int, int]] = (),
) -> Figures:
    """The figures of a thesis; `matches` with a passage-level reason in
    ("template", "excluded_source", "small_match") never count; quote/reference
    exclusions are applied at character level from `regions`."""
    n = regions.length
    never = {"template", "excluded_source", "small_match"}
    counted = [m for m in matches if m.excluded not in never]
    base = regions.countable & ~regions.template
    total_chars = int(regions.countable.sum())
    covered = span_mask(n, ((m.start, m.end) for m in counted)) & base
    not_own = span_mask(n, ((m.start, m.end) for m in counted if m.source not in own_sources))
    assessed = covered.copy()
    if exclude_quotes:
        assessed &= ~regions.quotes
    if exclude_references:
        assessed &= ~regions.references
    if exclude_own:
        assessed &= not_own

    by_source: dict[str, list[tuple[int, int]]] = {}
    for m in counted:
        by_source.setdefault(m.source, []).append((m.start, m.end))
    source_chars: dict[str, int] = {}
    source_assessed: dict[str, int] = {}
    for src, spans in by_source.items():
        mask = span_mask(n, spans)
        source_chars[src] = int((mask & covered).sum())
        source_assessed[src] = int((mask & assessed).sum())

    def ratio(mask: np.ndarray) -> float:
        return float(mask.sum()) / total_chars if total_chars else 0.0

    repeated = int(covered.sum())
    monolingual = span_mask(n, ((m.start, m.end) for m in counted if not m.translated))
    translated = covered & ~monolingual
    per_section = []
    cum_countable = np.concatenate(([0], np.cumsum(regions.countable)))
    cum_covered = np.concatenate(([0], np.cumsum(covered)))
    for kind, title, start, end in sections:
        s, e = max(0, min(start, n)), max(0, min(end, n))
        chars = int(cum_countable[e] - cum_countable[s])
        rep = int(cum_covered[e] - cum_covered[s])
        per_section.append(
            SectionFigure(kind, title, s, e, chars, rep, rep / chars if chars else 0.0)
        )
    return Figures(
        total_characters=total_chars,
        repeated_characters=repeated,
        total_copy_ratio=ratio(covered),
        copy_ratio_excluding_quotes=ratio(covered & ~regions.quotes),
        copy_ratio_excluding_references=ratio(covered & ~regions.references),
        copy_ratio_excluding_own=ratio(covered & not_own),
        max_single_source_ratio=(
            max(source_chars.values()) / total_chars if source_chars and total_chars else 0.0
        ),
        assessed_copy_ratio=ratio(assessed),
        assessed_characters=int(assessed.sum()),
        source_characters=source_chars,
        source_assessed_characters=source_assessed,
        per_section=tuple(per_section),
        translated_characters=int(translated.sum()),
        translated_copy_ratio=ratio(translated),
    )


def small_sources(regions: Regions, matches: Sequence[Match], min_share: float) -> frozenset[str]:
    """Sources whose counted passages cover less than `min_share` of the thesis's
    countable characters (Turnitin's "exclude matches below N %")."""
    if min_share <= 0:
        return frozenset()
    total = int(regions.countable.sum())
    base = regions.countable & ~regions.template
    by_source: dict[str, list[tuple[int, int]]] = {}
    for m in matches:
        if m.excluded is None:
            by_source.setdefault(m.source, []).append((m.start, m.end))
    small = {
        src
        for src, spans in by_source.items()
        if total == 0 or int((span_mask(regions.length, spans) & base).sum()) / total < min_share
    }
    return frozenset(small)
