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
from screening.align_units import sentence_spans
from screening.crosslingual.dictionary import find_words, load_dictionary, token_stem_ids
from screening.crosslingual.features import cross_features
from screening.fingerprint import mix64
from screening.index.terms import HASH_BITS, Terms, code_points, token_ids

__all__ = [
    "DOCUMENT_GLOSSES",
    "PAIR_REACH",
    "SAMPLE_EN",
    "SAMPLE_ZH",
    "cross_document_keys",
    "cross_query_terms",
    "sorted_unique",
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


def _word_ends(codes: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """For each start offset, the offset of the next character that is no letter or digit."""
    alnum = (
        ((codes >= 0x30) & (codes <= 0x39))
        | ((codes >= 0x41) & (codes <= 0x5A))
        | ((codes >= 0x61) & (codes <= 0x7A))
        | ((codes >= 0xC0) & (codes <= 0x24F))
    )
    stops = np.append(np.flatnonzero(~alnum), len(codes))
    return stops[np.searchsorted(stops, starts, side="left")]


def _is_han(codes: np.ndarray) -> np.ndarray:
    return ((codes >= 0x3400) & (codes <= 0x9FFF)) | ((codes >= 0xF900) & (codes <= 0xFAFF))


def cross_document_keys(text: str, *, chinese: bool = True) -> np.ndarray:
    """The distinct cross-language term hashes a document is indexed under, sorted.

    `chinese=False` leaves out the gloss pairs of Chinese text (the costly part: dictionary
    matching runs at about 5 M characters per second, the k-gram terms at 30).

    Indexing must keep pace with the k-gram terms, so this works on the raw text with the
    index's table-driven tokens (`screening.index.terms.token_ids`) rather than a prepared
    text: sentences from `sentence_spans`, Chinese words by maximal dictionary matches, English
    words (of English sentences) stemmed once per distinct token. Words pair within a sentence.
    """
    codes = code_points(text)
    ids, positions = token_ids(text)
    han = _is_han(codes[positions]) if len(positions) else np.zeros(0, dtype=bool)
    if not chinese and np.count_nonzero(~han) < 3:
        return np.zeros(0, dtype=np.uint64)  # no English to index
    dictionary = load_dictionary()
    starts, _ = sentence_spans(codes.astype(np.int64))
    sentence = np.searchsorted(starts, positions, side="right")
    hashes: list[np.ndarray] = []
    if chinese and han.any():
        where, found = find_words(ids, han, sentence, dictionary.lookup_index_tokens, min_chars=2)
        order = np.argsort(where, kind="stable")
        where, found = where[order], found[order]
        first = dictionary.gloss_start[found]
        sizes = dictionary.gloss_start[found + 1] - first
        last = len(dictionary.gloss_ids) - 1
        stems = [
            np.where(sizes > g, dictionary.gloss_ids[np.minimum(first + g, last)], -1)
            for g in range(DOCUMENT_GLOSSES)
        ]
        hashes.append(_sequence_pairs(stems, sentence[where], positions[where], _ZH_SALT)[0])
    # English pairs only from English sentences, by the rule of `unit_languages`: words (2+
    # characters, starting with a letter) outnumber Han characters, at least 3 of them, one a
    # function word. Names and formulas in Chinese text would otherwise pair up and compete
    # with the English documents.
    latin = np.flatnonzero(~han)
    if len(latin):
        starts_at = positions[latin]
        ends_at = _word_ends(codes, starts_at)

        def words(index: np.ndarray) -> list[str]:
            pairs = zip(starts_at[index].tolist(), ends_at[index].tolist(), strict=True)
            return [text[a:b].casefold() for a, b in pairs]

        first = codes[starts_at] | 0x20
        word = (first >= 0x61) & (first <= 0x7A) & (ends_at - starts_at >= 2)
        n_sentences = len(starts) + 1
        token_sentence = sentence[latin]
        han_count = np.bincount(sentence[han], minlength=n_sentences)
        word_count = np.bincount(token_sentence[word], minlength=n_sentences)
        candidate = (word_count >= 3) & (han_count < word_count)
        # Stems (hence function words) only for the words of candidate sentences.
        word_stems = np.full(len(latin), -1, dtype=np.int64)
        alpha = np.flatnonzero(word & candidate[token_sentence])
        word_stems[alpha] = token_stem_ids(ids[latin[alpha]], lambda k: words(alpha[k]))
        function = np.zeros(len(latin), dtype=bool)
        function[alpha] = word_stems[alpha] < 0
        function_count = np.bincount(token_sentence[function], minlength=n_sentences)
        english = candidate & (function_count >= 1)
        inside = np.flatnonzero(english[token_sentence])
        en_stems = np.where(word, word_stems, -1)[inside]
        numbers = np.flatnonzero(~word[inside])
        if len(numbers):
            picked = inside[numbers]
            en_stems[numbers] = token_stem_ids(ids[latin[picked]], lambda k: words(picked[k]))
        content = en_stems >= 0
        pairs = _sequence_pairs(
            [en_stems[content]],
            token_sentence[inside][content],
            starts_at[inside][content],
            _EN_SALT,
        )
        hashes.append(pairs[0])
    if not hashes:
        return np.zeros(0, dtype=np.uint64)
    return sorted_unique(np.concatenate(hashes))


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Distinct values, sorted (a sort: numpy's hash-based `unique` is slower on uint64)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def cross_query_terms(doc: PreparedText) -> Terms:
    """Terms that find documents in the other language, with their offsets in `doc`."""
    zh, zh_starts = _chinese_pairs(doc, QUERY_GLOSSES, _EN_SALT)
    en, en_starts = _english_pairs(doc, _ZH_SALT)
    hashes = np.concatenate((zh, en))
    starts = np.concatenate((zh_starts, en_starts)).astype(np.int64)
    order = np.argsort(starts, kind="stable")
    return Terms(hashes=hashes[order], starts=starts[order], tokens=len(doc.tokens))
