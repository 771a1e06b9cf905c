"""What a prepared text offers to cross-language matching, per alignment unit.

- The *language* of each unit: Chinese when Han characters are at least as many as Latin words
  (and at least two), English when it has at least three Latin words and fewer Han characters.
- *Chinese bag*: the dictionary headwords found in a unit's Han characters (maximal matches of
  2–4 characters, plus every single character that is a headword), each with its gloss
  stems, plus the unit's Latin words and numbers, which match themselves (names, "iPhone", "G7").
- *English bag*: the stem of each Latin content word of a unit.

Everything per character is numpy; Python touches only Latin tokens (one dictionary look-up
each, cached).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from screening.align import PreparedText, is_stop_word
from screening.crosslingual.dictionary import english_stem_ids, find_words, load_dictionary

__all__ = [
    "LANGUAGE_EN",
    "LANGUAGE_OTHER",
    "LANGUAGE_ZH",
    "CrossFeatures",
    "cross_features",
    "text_language",
    "unit_languages",
]

LANGUAGE_OTHER = 0
LANGUAGE_ZH = 1
LANGUAGE_EN = 2
_CACHE_KEY = "crosslingual"
_LANGUAGE_KEY = "unit-language"


@dataclass(frozen=True)
class CrossFeatures:
    """Per-unit language and the Chinese and English bags of a prepared text."""

    unit_language: np.ndarray  # int8 per unit
    han_counts: np.ndarray  # int64 per unit
    word_counts: np.ndarray  # int64 per unit: Latin-script words and numbers
    # Chinese bag, one entry per (item, gloss stem); items are words or Latin tokens.
    zh_item_unit: np.ndarray  # int64 per item
    zh_item_word: np.ndarray  # int64 per item: dictionary headword, -1 for a Latin token
    zh_item_start: np.ndarray  # int64 per item: original offset of its first character
    zh_item_end: np.ndarray  # int64 per item: original offset just after its last character
    zh_entry_item: np.ndarray  # int64 per entry
    zh_entry_stem: np.ndarray  # int64 per entry
    # English bag: one entry per Latin content token.
    en_token_unit: np.ndarray  # int64
    en_token_stem: np.ndarray  # int64
    en_token_start: np.ndarray  # int64: original offset
    en_token_end: np.ndarray  # int64: original offset just after the token


def _latin_words(doc: PreparedText, index: np.ndarray) -> list[str]:
    text, starts, ends = doc.original, doc.tokens.starts, doc.tokens.ends
    return [text[int(starts[k]) : int(ends[k])].casefold() for k in index]


def _han_mask(doc: PreparedText) -> np.ndarray:
    if doc.tokens.is_han is None:
        return np.zeros(len(doc.tokens), dtype=bool)
    return doc.tokens.is_han


def unit_languages(doc: PreparedText) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each unit's language, Han characters and words (cheap; kept with the text).

    A word is a Latin-script token of two or more characters starting with a letter, so
    numbers, units and formulas (2.53%, nm, Ca(BTZ)2) do not make a Chinese sentence English;
    an English unit also needs a function word (the, of, is …), which formulas and lists of
    abbreviations lack.
    """
    cached = doc.cache.get(_LANGUAGE_KEY)
    if cached is not None:
        return cast(tuple[np.ndarray, np.ndarray, np.ndarray], cached)
    n_units = len(doc.sentence_starts)
    han = _han_mask(doc)
    unit = doc.token_unit
    tokens = doc.tokens
    codes = np.frombuffer(doc.original.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    first = codes[tokens.starts] if len(tokens) else np.zeros(0, dtype=np.uint32)
    lower = first | 0x20
    letter = ((lower >= 0x61) & (lower <= 0x7A)) | ((first >= 0xC0) & (first <= 0x24F))
    word = ~han & letter & (tokens.ends - tokens.starts >= 2)
    function_word = ~han & is_stop_word(tokens.ids)
    han_counts = np.bincount(unit[han], minlength=n_units).astype(np.int64)
    word_counts = np.bincount(unit[word], minlength=n_units).astype(np.int64)
    function_counts = np.bincount(unit[function_word], minlength=n_units)
    language = np.full(n_units, LANGUAGE_OTHER, dtype=np.int8)
    language[(han_counts >= 2) & (han_counts >= word_counts)] = LANGUAGE_ZH
    english = (word_counts >= 3) & (han_counts < word_counts) & (function_counts >= 1)
    language[english] = LANGUAGE_EN
    result = (language, han_counts, word_counts)
    doc.cache[_LANGUAGE_KEY] = result
    return result


def cross_features(doc: PreparedText) -> CrossFeatures:
    """The cross-language features of a prepared text (computed once, kept with it)."""
    cached = doc.cache.get(_CACHE_KEY)
    if isinstance(cached, CrossFeatures):
        return cached
    language, han_counts, word_counts = unit_languages(doc)
    han = _han_mask(doc)
    unit = doc.token_unit
    latin_index = np.flatnonzero(~han)
    stems = english_stem_ids(_latin_words(doc, latin_index))
    content = stems >= 0
    latin_index, stems = latin_index[content], stems[content]
    # Chinese bag: dictionary words of Chinese units, then their Latin tokens.
    item_unit: list[np.ndarray] = []
    item_word: list[np.ndarray] = []
    item_start: list[np.ndarray] = []
    item_end: list[np.ndarray] = []
    entry_item: list[np.ndarray] = []
    entry_stem: list[np.ndarray] = []
    if han.any():
        dictionary = load_dictionary()
        where, found = find_words(doc.tokens.ids, han, unit, dictionary.lookup)
        keep = language[unit[where]] == LANGUAGE_ZH
        where, found = where[keep], found[keep]
        sizes = dictionary.gloss_start[found + 1] - dictionary.gloss_start[found]
        item_unit.append(unit[where])
        item_word.append(found)
        item_start.append(doc.tokens.starts[where])
        item_end.append(doc.tokens.ends[where + dictionary.word_chars[found] - 1])
        entry_item.append(np.repeat(np.arange(len(found)), sizes))
        offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        entry_stem.append(
            dictionary.gloss_ids[np.repeat(dictionary.gloss_start[found], sizes) + offsets]
        )
    in_zh = language[unit[latin_index]] == LANGUAGE_ZH
    base = sum(len(u) for u in item_unit)
    item_unit.append(unit[latin_index[in_zh]])
    item_word.append(np.full(int(in_zh.sum()), -1, dtype=np.int64))
    item_start.append(doc.tokens.starts[latin_index[in_zh]])
    item_end.append(doc.tokens.ends[latin_index[in_zh]])
    entry_item.append(base + np.arange(int(in_zh.sum())))
    entry_stem.append(stems[in_zh])
    in_en = language[unit[latin_index]] == LANGUAGE_EN
    features = CrossFeatures(
        unit_language=language,
        han_counts=han_counts,
        word_counts=word_counts,
        zh_item_unit=np.concatenate(item_unit).astype(np.int64),
        zh_item_word=np.concatenate(item_word).astype(np.int64),
        zh_item_start=np.concatenate(item_start).astype(np.int64),
        zh_item_end=np.concatenate(item_end).astype(np.int64),
        zh_entry_item=np.concatenate(entry_item).astype(np.int64),
        zh_entry_stem=np.concatenate(entry_stem).astype(np.int64),
        en_token_unit=unit[latin_index[in_en]].astype(np.int64),
        en_token_stem=stems[in_en],
        en_token_start=doc.tokens.starts[latin_index[in_en]].astype(np.int64),
        en_token_end=doc.tokens.ends[latin_index[in_en]].astype(np.int64),
    )
    doc.cache[_CACHE_KEY] = features
    return features


def text_language(doc: PreparedText) -> str:
    """ "zh", "en" or "" (neither dominates) by the characters of its Chinese and English units."""
    language = unit_languages(doc)[0]
    lengths = doc.sentence_ends - doc.sentence_starts
    zh = int(lengths[language == LANGUAGE_ZH].sum())
    en = int(lengths[language == LANGUAGE_EN].sum())
    if zh == en == 0:
        return ""
    return "zh" if zh >= en else "en"
