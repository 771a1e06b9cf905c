"""Which words of a translated passage pair explain each other (for reports).

A Chinese word is matched when one of its dictionary glosses is the stem of an English word
of the other passage; an English word is matched when its stem is a gloss of some Chinese word
of the other passage. The spans are what a reviewer sees highlighted on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from screening.align import prepare_text
from screening.crosslingual.features import CrossFeatures, cross_features, text_language

__all__ = ["MatchedWords", "matched_words"]

Spans = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class MatchedWords:
    """Matched word spans (character offsets, end-exclusive, merged) of both passages."""

    first: Spans
    second: Spans


def _merge(starts: np.ndarray, ends: np.ndarray) -> Spans:
    out: list[list[int]] = []
    for a, b in sorted(zip(starts.tolist(), ends.tolist(), strict=True)):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def _chinese_english(zh: CrossFeatures, en: CrossFeatures) -> tuple[Spans, Spans]:
    en_stems = np.unique(en.en_token_stem)
    entry_hit = np.isin(zh.zh_entry_stem, en_stems)
    item_hit = np.zeros(len(zh.zh_item_unit), dtype=bool)
    item_hit[zh.zh_entry_item[entry_hit]] = True
    token_hit = np.isin(en.en_token_stem, np.unique(zh.zh_entry_stem))
    return (
        _merge(zh.zh_item_start[item_hit], zh.zh_item_end[item_hit]),
        _merge(en.en_token_start[token_hit], en.en_token_end[token_hit]),
    )


def matched_words(first: str, second: str) -> MatchedWords:
    """Matched words of two passages, one Chinese and one English (either order).

    Two passages in one language (or none) give no spans: their differences are shown by the
    character-level comparison instead.
    """
    a, b = prepare_text(first), prepare_text(second)
    languages = (text_language(a), text_language(b))
    if languages == ("zh", "en"):
        zh_spans, en_spans = _chinese_english(cross_features(a), cross_features(b))
        return MatchedWords(zh_spans, en_spans)
    if languages == ("en", "zh"):
        zh_spans, en_spans = _chinese_english(cross_features(b), cross_features(a))
        return MatchedWords(en_spans, zh_spans)
    return MatchedWords((), ())
