"""Index terms for cross-language retrieval: pairs of English stems, by language.

Single words are too common to find one source among many, but two content words close
together ("humanitarian situation", 人道主义局势 → humanitarian + situation) are rare and survive
translation, whose word order differs but keeps phrases together. So a term is the unordered
pair of two stems of one unit at most `PAIR_REACH` content words apart:

- a document is indexed under the stem pairs of its English units (salted "en") and the gloss
  pairs of its Chinese units (salted "zh": neighbouring dictionary words, their first
  `DOCUMENT_GLOSSES` glosses each);
- a query looks for the other language: gloss pairs of its Chinese units as "en" terms find
  English documents, stem pairs of its English units as "zh" terms find Chinese documents.

Both sides keep only the pairs whose hash falls in a fixed share (`1 / SAMPLE_EN` of English
pairs, `1 / SAMPLE_ZH` of Chinese gloss pairs: consistent sampling, as in MinHash), which bounds
the index size while a translated passage still shares many terms with its source. Terms live in
the 40-bit hash space of the k-gram terms (`screening.index.terms.HASH_BITS`), so they go into
the same store, shard with it, and are ranked by `screening.retrieve.rank_candidates`.
"""

from __future__ import annotations

import numpy as np

from screening.align import PreparedText
from screening.crosslingual.dictionary import load_dictionary
from screening.crosslingual.features import cross_features
from screening.fingerprint import mix64
from screening.index.terms import HASH_BITS, Terms

__all__ = [
    "DOCUMENT_GLOSSES",
    "PAIR_REACH",
    "SAMPLE_EN",
    "SAMPLE_ZH",
    "cross_document_keys",
    "cross_query_terms",
]

DOCUMENT_GLOSSES = 2
QUERY_GLOSSES = 3
PAIR_REACH = 2
SAMPLE_EN = 1  # English pairs: one per content word and reach
SAMPLE_ZH = 2  # Chinese gloss pairs: several per word and reach, so fewer are kept
_EN_SALT = np.uint64(0x3C6EF372FE94F82B)
_ZH_SALT = np.uint64(0xA54FF53A5F1D36F1)
_PAIR = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(64 - HASH_BITS)


def _pair_hashes(
    left: np.ndarray, right: np.ndarray, starts: np.ndarray, salt: np.uint64
) -> tuple[np.ndarray, np.ndarray]:
    """Sampled hashes of unordered stem pairs, with the offset of each pair's first word."""
    low = np.minimum(left, right).astype(np.uint64)
    high = np.maximum(left, right).astype(np.uint64)
    full = mix64((mix64(low) * _PAIR + high) ^ salt)
    sample = np.uint64(SAMPLE_ZH if salt == _ZH_SALT else SAMPLE_EN)
    keep = (left != right) & (full % sample == 0)
    return full[keep] >> _SHIFT, starts[keep]


def _sequence_pairs(
    stems: list[np.ndarray], units: np.ndarray, starts: np.ndarray, salt: np.uint64
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of items of one unit at most `PAIR_REACH` apart; an item holds one or more stems.

    `stems[g]` holds the g-th alternative stem of each item (-1 where an item has fewer).
    """
    hashes: list[np.ndarray] = []
    offsets: list[np.ndarray] = []
    n = len(units)
    for reach in range(1, PAIR_REACH + 1):
        if n <= reach:
            break
        same = units[:-reach] == units[reach:]
        for a in stems:
            for b in stems:
                left, right = a[:-reach], b[reach:]
                ok = same & (left >= 0) & (right >= 0)
                h, s = _pair_hashes(left[ok], right[ok], starts[:-reach][ok], salt)
                hashes.append(h)
                offsets.append(s)
    if not hashes:
        empty = np.zeros(0, dtype=np.int64)
        return empty.astype(np.uint64), empty
    return np.concatenate(hashes), np.concatenate(offsets)


def _english_pairs(doc: PreparedText, salt: np.uint64) -> tuple[np.ndarray, np.ndarray]:
    features = cross_features(doc)
    return _sequence_pairs(
        [features.en_token_stem], features.en_token_unit, features.en_token_start, salt
    )


def _chinese_pairs(
    doc: PreparedText, glosses: int, salt: np.uint64
) -> tuple[np.ndarray, np.ndarray]:
    """Gloss pairs of neighbouring Chinese items (words of 2+ characters and Latin tokens)."""
    features = cross_features(doc)
    dictionary = load_dictionary()
    word = features.zh_item_word
    latin = word < 0
    keep = latin | (dictionary.word_chars[np.maximum(word, 0)] >= 2)
    items = np.flatnonzero(keep)
    items = items[np.argsort(features.zh_item_start[items], kind="stable")]
    if len(items) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty.astype(np.uint64), empty
    # A Latin token's own stem is its only "gloss" (its entry in the Chinese bag).
    latin_stem = np.full(len(word), -1, dtype=np.int64)
    latin_entries = latin[features.zh_entry_item]
    latin_stem[features.zh_entry_item[latin_entries]] = features.zh_entry_stem[latin_entries]
    w = np.maximum(word[items], 0)
    first, sizes = (
        dictionary.gloss_start[w],
        dictionary.gloss_start[w + 1] - dictionary.gloss_start[w],
    )
    stems: list[np.ndarray] = []
    for g in range(glosses):
        alt = np.where(
            sizes > g,
            dictionary.gloss_ids[np.minimum(first + g, len(dictionary.gloss_ids) - 1)],
            -1,
        )
        if g == 0:
            alt = np.where(latin[items], latin_stem[items], alt)
        else:
            alt = np.where(latin[items], -1, alt)
        stems.append(alt)
    return _sequence_pairs(stems, features.zh_item_unit[items], features.zh_item_start[items], salt)


def cross_document_keys(doc: PreparedText) -> np.ndarray:
    """The distinct cross-language term hashes a document is indexed under, sorted."""
    en, _ = _english_pairs(doc, _EN_SALT)
    zh, _ = _chinese_pairs(doc, DOCUMENT_GLOSSES, _ZH_SALT)
    return np.unique(np.concatenate((en, zh)))


def cross_query_terms(doc: PreparedText) -> Terms:
    """Terms that find documents in the other language, with their offsets in `doc`."""
    zh, zh_starts = _chinese_pairs(doc, QUERY_GLOSSES, _EN_SALT)
    en, en_starts = _english_pairs(doc, _ZH_SALT)
    hashes = np.concatenate((zh, en))
    starts = np.concatenate((zh_starts, en_starts)).astype(np.int64)
    order = np.argsort(starts, kind="stable")
    return Terms(hashes=hashes[order], starts=starts[order], tokens=len(doc.tokens))
