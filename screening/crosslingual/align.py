"""Alignment of translated passages between a Chinese and an English text.

1. *Units* of each text are labelled Chinese or English (`screening.crosslingual.features`);
   the Chinese units of one text are compared with the English units of the other by
   dictionary bag similarity (`screening.crosslingual.similarity`).
2. *Seeds*: unit pairs at least `seed_similarity` alike that are the best match of their row or
   their column. A translation keeps the order of sentences, so seeds of a translated passage lie
   on a diagonal; seeds between unrelated texts of one field scatter.
3. *Chains*: seeds are clustered along both texts (gaps of a few units, as in monolingual
   alignment); a chain must hold `min_seeds` seeds that mostly keep their order.
4. *Check*: the chain's seeds must average `seed_mean`, the whole passage pair taken as two
   bags must reach `passage_similarity`, the Chinese side must have at least `min_chars`
   characters, and the English side must be 1.5 to 5.5 times as long as the Chinese side (a
   translation into English runs about 2 to 4.5 times as many characters).

Offsets are original-text characters of each side, on unit boundaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from screening.align import AlignConfig, AlignedPassage, PreparedText, _cluster, numbers_agree
from screening.crosslingual.features import (
    LANGUAGE_EN,
    LANGUAGE_ZH,
    CrossFeatures,
    cross_features,
    unit_languages,
)
from screening.crosslingual.similarity import bag_similarity, unit_similarity

__all__ = [
    "CrossConfig",
    "align_cross_language",
    "has_cross_language_pair",
    "has_cross_language_units",
]

TRANSLATED = "translated"
Spans = Sequence[tuple[int, int]]


@dataclass(frozen=True)
class CrossConfig:
    """Thresholds of the cross-language aligner; tuned on the development corpora."""

    seed_similarity: float = 0.22
    gap_units: int = 2
    min_seeds: int = 2
    order_share: float = 0.7  # seeds in order with their predecessor along the chain
    passage_similarity: float = 0.30
    seed_mean: float = 0.275  # mean similarity of a chain's seeds
    min_chars: int = 60  # Chinese side, original characters
    min_units: int = 2  # language units on each side
    # English / Chinese characters of a translation: about 2 to 4.5 (news, abstracts, dialogue).
    max_length_ratio: float = 5.5
    min_length_ratio: float = 1.5


def has_cross_language_pair(susp: PreparedText, src: PreparedText, min_units: int = 2) -> bool:
    """Whether one text has Chinese units and the other English ones (cheap pre-check)."""
    a, b = unit_languages(susp)[0], unit_languages(src)[0]
    return bool(
        (
            np.count_nonzero(a == LANGUAGE_ZH) >= min_units
            and np.count_nonzero(b == LANGUAGE_EN) >= min_units
        )
        or (
            np.count_nonzero(a == LANGUAGE_EN) >= min_units
            and np.count_nonzero(b == LANGUAGE_ZH) >= min_units
        )
    )


def has_cross_language_units(doc: PreparedText, min_units: int = 2) -> bool:
    """Whether a text has Chinese or English units enough to be matched across languages."""
    language = unit_languages(doc)[0]
    return bool(
        np.count_nonzero(language == LANGUAGE_ZH) >= min_units
        or np.count_nonzero(language == LANGUAGE_EN) >= min_units
    )


def _chains(similarity: np.ndarray, config: CrossConfig) -> list[tuple[np.ndarray, np.ndarray]]:
    """Seed chains as (row indices, column indices) of the similarity matrix."""
    if similarity.size == 0:
        return []
    row_best = similarity.max(axis=1, keepdims=True)
    col_best = similarity.max(axis=0, keepdims=True)
    seed = (similarity >= config.seed_similarity) & (
        (similarity >= row_best) | (similarity >= col_best)
    )
    i, j = np.nonzero(seed)
    if len(i) == 0:
        return []
    gaps = AlignConfig(gap_suspicious=config.gap_units, gap_source=config.gap_units)
    out = []
    for members in _cluster(i.astype(np.int64), j.astype(np.int64), gaps):
        if len(members) < config.min_seeds:
            continue
        order = members[np.lexsort((j[members], i[members]))]
        steps = np.diff(j[order])
        if len(steps) and np.mean(steps >= 0) < config.order_share:
            continue
        out.append((i[order], j[order]))
    return out


def _units_within(doc: PreparedText, units: np.ndarray, spans: Spans | None) -> np.ndarray:
    """The units that start inside one of `spans` (all units when `spans` is None)."""
    if spans is None:
        return units
    starts = doc.sentence_starts[units]
    inside = np.zeros(len(units), dtype=bool)
    for a, b in spans:
        inside |= (starts >= a) & (starts < b)
    return units[inside]


def _align_direction(
    zh_doc: PreparedText,
    zh: CrossFeatures,
    en_doc: PreparedText,
    en: CrossFeatures,
    config: CrossConfig,
    zh_spans: Spans | None = None,
    en_spans: Spans | None = None,
) -> list[tuple[int, int, int, int, float]]:
    """Translated passages as (zh start, zh end, en start, en end, similarity)."""
    zh_units = _units_within(zh_doc, np.flatnonzero(zh.unit_language == LANGUAGE_ZH), zh_spans)
    en_units = _units_within(en_doc, np.flatnonzero(en.unit_language == LANGUAGE_EN), en_spans)
    if len(zh_units) < config.min_units or len(en_units) < config.min_units:
        return []
    table = unit_similarity(zh, zh_units, en, en_units)
    found: list[tuple[int, int, int, int, float]] = []
    for rows, cols in _chains(table.similarity, config):
        a0, a1 = int(zh_units[rows.min()]), int(zh_units[rows.max()])
        b0, b1 = int(en_units[cols.min()]), int(en_units[cols.max()])
        zh_start, zh_end = int(zh_doc.sentence_starts[a0]), int(zh_doc.sentence_ends[a1])
        en_start, en_end = int(en_doc.sentence_starts[b0]), int(en_doc.sentence_ends[b1])
        zh_chars, en_chars = zh_end - zh_start, en_end - en_start
        if zh_chars < config.min_chars:
            continue
        ratio = en_chars / max(zh_chars, 1)
        if not config.min_length_ratio <= ratio <= config.max_length_ratio:
            continue
        if float(table.similarity[rows, cols].mean()) < config.seed_mean:
            continue
        if not numbers_agree(zh_doc, (a0, a1), en_doc, (b0, b1)):
            continue
        score = bag_similarity(zh, (a0, a1), en, (b0, b1))
        if score < config.passage_similarity:
            continue
        found.append((zh_start, zh_end, en_start, en_end, score))
    return found


def align_cross_language(
    susp: PreparedText,
    src: PreparedText,
    config: CrossConfig | None = None,
    *,
    susp_spans: Spans | None = None,
) -> list[AlignedPassage]:
    """Translated passages between two texts in either direction, in suspicious-text order.

    `susp_spans` limits the suspicious side to units starting in those character spans (the
    regions retrieval found evidence in); the text is prepared once, whole.
    """
    config = config or CrossConfig()
    if not has_cross_language_pair(susp, src, config.min_units):
        return []
    a, b = cross_features(susp), cross_features(src)
    passages: list[AlignedPassage] = []
    for zs, ze, es, ee, score in _align_direction(susp, a, src, b, config, zh_spans=susp_spans):
        passages.append(AlignedPassage(zs, ze, es, ee, round(score, 4), TRANSLATED, "en"))
    for zs, ze, es, ee, score in _align_direction(src, b, susp, a, config, en_spans=susp_spans):
        passages.append(AlignedPassage(es, ee, zs, ze, round(score, 4), TRANSLATED, "zh"))
    passages.sort(key=lambda p: (p.susp_start, -(p.susp_end - p.susp_start)))
    kept: list[AlignedPassage] = []
    for p in passages:
        if kept and p.susp_start < kept[-1].susp_end:
            continue
        kept.append(p)
    return kept
