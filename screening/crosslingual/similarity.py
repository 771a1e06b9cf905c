"""Dictionary-based similarity of Chinese and English units (CL-ASA-like bag coverage).

For a Chinese unit *z* and an English unit *e*:

- Chinese coverage: the share of *z*'s dictionary words (and Latin tokens) with a gloss stem
  among the stems of *e*;
- English coverage: the share of *e*'s content tokens whose stem is a gloss of some word of *z*;
- similarity: the harmonic mean of both (a translation covers both ways; two texts of one field
  share some terms but leave most words of each side unexplained).

All unit pairs at once with sparse matrix products; the result is dense (Chinese × English
units), which is small for the excerpts the aligner sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from screening.align import PreparedText
from screening.crosslingual.features import CrossFeatures, cross_features

__all__ = ["UnitSimilarity", "bag_similarity", "chinese_meaning_similarity", "unit_similarity"]


@dataclass(frozen=True)
class UnitSimilarity:
    """Similarities of Chinese units (rows) with English units (columns)."""

    zh_units: np.ndarray  # int64: unit index in the Chinese-side text of each row
    en_units: np.ndarray  # int64: unit index in the English-side text of each column
    zh_coverage: np.ndarray  # float (rows × columns)
    en_coverage: np.ndarray
    similarity: np.ndarray


def _f1(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    total = a + b
    return np.divide(2.0 * a * b, total, out=np.zeros_like(total), where=total > 0)


def unit_similarity(
    zh: CrossFeatures, zh_units: np.ndarray, en: CrossFeatures, en_units: np.ndarray
) -> UnitSimilarity:
    """Similarity of every listed Chinese unit of one text with every listed English unit."""
    rows, cols = len(zh_units), len(en_units)
    shape = (rows, cols)
    empty = UnitSimilarity(zh_units, en_units, np.zeros(shape), np.zeros(shape), np.zeros(shape))
    if rows == 0 or cols == 0:
        return empty
    row_of_unit = np.full(len(zh.unit_language), -1, dtype=np.int64)
    row_of_unit[zh_units] = np.arange(rows)
    col_of_unit = np.full(len(en.unit_language), -1, dtype=np.int64)
    col_of_unit[en_units] = np.arange(cols)
    # English tokens of the listed units, and their stem vocabulary.
    token_col = col_of_unit[en.en_token_unit]
    tokens = token_col >= 0
    token_col, token_stem = token_col[tokens], en.en_token_stem[tokens]
    vocabulary, token_term = np.unique(token_stem, return_inverse=True)
    n_terms = len(vocabulary)
    if n_terms == 0:
        return empty
    # Chinese items of the listed units and their gloss entries inside the vocabulary.
    item_row = row_of_unit[zh.zh_item_unit]
    listed = np.flatnonzero(item_row[zh.zh_entry_item] >= 0)
    entry_stem = zh.zh_entry_stem[listed]
    where = np.minimum(np.searchsorted(vocabulary, entry_stem), n_terms - 1)
    known = vocabulary[where] == entry_stem
    known_items, where = zh.zh_entry_item[listed[known]], where[known]
    items = np.flatnonzero(item_row >= 0)
    item_number = np.full(len(item_row), -1, dtype=np.int64)
    item_number[items] = np.arange(len(items))
    n_items = len(items)
    gloss = sparse.csr_matrix(
        (np.ones(len(where)), (item_number[known_items], where)), shape=(n_items, n_terms)
    )
    gloss.data[:] = 1.0
    en_bin = sparse.csr_matrix(
        (np.ones(len(token_term)), (token_col, token_term)), shape=(cols, n_terms)
    )
    en_bin.data[:] = 1.0
    item_rows = item_row[items]
    item_to_row = sparse.csr_matrix(
        (np.ones(n_items), (item_rows, np.arange(n_items))), shape=(rows, n_items)
    )
    hit = (gloss @ en_bin.T).tocsr()
    hit.data[:] = 1.0
    zh_matched = (item_to_row @ hit).toarray()
    zh_total = np.bincount(item_rows, minlength=rows).astype(float)
    zh_coverage = zh_matched / np.maximum(zh_total, 1.0)[:, None]
    zh_bag = (item_to_row @ gloss).tocsr()
    zh_bag.data[:] = 1.0
    token_matrix = sparse.csr_matrix(
        (np.ones(len(token_term)), (np.arange(len(token_term)), token_term)),
        shape=(len(token_term), n_terms),
    )
    covered = (token_matrix @ zh_bag.T).tocsr()
    covered.data[:] = 1.0
    token_to_col = sparse.csr_matrix(
        (np.ones(len(token_col)), (token_col, np.arange(len(token_col)))),
        shape=(cols, len(token_col)),
    )
    en_matched = (token_to_col @ covered).toarray().T
    en_total = np.bincount(token_col, minlength=cols).astype(float)
    en_coverage = en_matched / np.maximum(en_total, 1.0)[None, :]
    return UnitSimilarity(
        zh_units, en_units, zh_coverage, en_coverage, _f1(zh_coverage, en_coverage)
    )


def bag_similarity(
    zh: CrossFeatures, zh_range: tuple[int, int], en: CrossFeatures, en_range: tuple[int, int]
) -> float:
    """The similarity of Chinese units `zh_range` taken as one bag with English units `en_range`."""
    zh_units = np.arange(zh_range[0], zh_range[1] + 1)
    zh_units = zh_units[zh.unit_language[zh_units] == 1]
    en_units = np.arange(en_range[0], en_range[1] + 1)
    en_units = en_units[en.unit_language[en_units] == 2]
    if len(zh_units) == 0 or len(en_units) == 0:
        return 0.0
    zh_one = _merged(zh, zh_units)
    en_one = _merged_en(en, en_units)
    result = unit_similarity(zh_one, np.array([0]), en_one, np.array([0]))
    return float(result.similarity[0, 0])


def _merged(zh: CrossFeatures, units: np.ndarray) -> CrossFeatures:
    """The Chinese items of `units` as unit 0 of a two-unit text (the rest is unit 1)."""
    inside = np.isin(zh.zh_item_unit, units)
    return CrossFeatures(
        unit_language=np.array([1, 0], dtype=np.int8),
        han_counts=np.zeros(2, dtype=np.int64),
        word_counts=np.zeros(2, dtype=np.int64),
        zh_item_unit=np.where(inside, 0, 1).astype(np.int64),
        zh_item_word=zh.zh_item_word,
        zh_item_start=zh.zh_item_start,
        zh_item_end=zh.zh_item_end,
        zh_entry_item=zh.zh_entry_item,
        zh_entry_stem=zh.zh_entry_stem,
        en_token_unit=np.zeros(0, dtype=np.int64),
        en_token_stem=np.zeros(0, dtype=np.int64),
        en_token_start=np.zeros(0, dtype=np.int64),
        en_token_end=np.zeros(0, dtype=np.int64),
    )


def _merged_en(en: CrossFeatures, units: np.ndarray) -> CrossFeatures:
    inside = np.isin(en.en_token_unit, units)
    return CrossFeatures(
        unit_language=np.array([2], dtype=np.int8),
        han_counts=np.zeros(1, dtype=np.int64),
        word_counts=np.zeros(1, dtype=np.int64),
        zh_item_unit=np.zeros(0, dtype=np.int64),
        zh_item_word=np.zeros(0, dtype=np.int64),
        zh_item_start=np.zeros(0, dtype=np.int64),
        zh_item_end=np.zeros(0, dtype=np.int64),
        zh_entry_item=np.zeros(0, dtype=np.int64),
        zh_entry_stem=np.zeros(0, dtype=np.int64),
        en_token_unit=np.zeros(int(inside.sum()), dtype=np.int64),
        en_token_stem=en.en_token_stem[inside],
        en_token_start=en.en_token_start[inside],
        en_token_end=en.en_token_end[inside],
    )


def _explained(
    items: np.ndarray, entries: np.ndarray, stems: np.ndarray, other: np.ndarray
) -> float:
    """Share of `items` with a gloss among the stems `other`."""
    if len(items) == 0:
        return 0.0
    hit = np.isin(stems, other)
    explained = np.isin(items, entries[hit])
    return float(explained.mean())


def chinese_meaning_similarity(
    a: PreparedText, a_units: tuple[int, int], b: PreparedText, b_units: tuple[int, int]
) -> float:
    """How well two Chinese unit spans explain each other's words through their glosses.

    Each side's dictionary words (and Latin tokens) count as explained when one of their
    glosses is a gloss of some word of the other side; the result is the harmonic mean of both
    shares. Synonyms (慢跑 / 小跑: jog) explain each other; the different names, drugs and
    findings of two unrelated texts built on one template do not.
    """
    fa, fb = cross_features(a), cross_features(b)
    sides = []
    for f, (first, last) in ((fa, a_units), (fb, b_units)):
        items = np.flatnonzero((f.zh_item_unit >= first) & (f.zh_item_unit <= last))
        in_span = np.isin(f.zh_entry_item, items)
        sides.append((items, f.zh_entry_item[in_span], f.zh_entry_stem[in_span]))
    (ia, ea, sa), (ib, eb, sb) = sides
    x = _explained(ia, ea, sa, np.unique(sb))
    y = _explained(ib, eb, sb, np.unique(sa))
    return 2.0 * x * y / (x + y) if x + y > 0 else 0.0
