"""Index terms: winnowed k-gram hashes of a text, computed with numpy only.

Retrieval needs the same terms for the corpus (100 million characters and more)
and for the query, and must run at several million characters per second, so
this module has its own table-driven normalisation instead of the aligner's
offset-mapping one: every BMP code point is mapped once (NFKC, casefold,
traditional → simplified from OpenCC's character table, punctuation and
whitespace dropped) and a text is normalised with one array lookup.

Tokens follow the aligner's units: every Han character is a token; a run of
letters/digits in any other script (a Latin word, a number) is one token.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import numpy as np

HASH_BITS = 40
"""Bits of a k-gram hash kept in the index (the rest of a 64-bit key is the document)."""

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_KGRAM_MULTIPLIERS = np.array(
    [
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
        0xC4CEB9FE1A85EC53,
        0x27D4EB2F165667C5,
        0x85EBCA77C2B2AE63,
        0x94D049BB133111EB,
        0xBF58476D1CE4E5B9,
        0x2545F4914F6CDD1D,
        0x5851F42D4C957F2D,
    ],
    dtype=np.uint64,
)
_WORD_SALT = np.uint64(0x632BE59BD9B4E019)
MAX_K = len(_KGRAM_MULTIPLIERS)


@dataclass(frozen=True)
class TermParams:
    """Parameters that define the terms; an index records them and refuses others."""

    k: int = 5
    window: int = 4
    version: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.k <= MAX_K:
            raise ValueError(f"k must be between 1 and {MAX_K}, got {self.k}")
        if self.window < 1:
            raise ValueError(f"window must be at least 1, got {self.window}")

    def to_json(self) -> dict[str, int]:
        return {"k": self.k, "window": self.window, "version": self.version}


@dataclass(frozen=True)
class Terms:
    """Winnowed k-gram hashes of one text and where each k-gram starts in it."""

    hashes: np.ndarray  # uint64, HASH_BITS significant bits
    starts: np.ndarray  # int64, original-text offset of the k-gram's first token
    tokens: int  # number of tokens in the text


def _is_han(cp: np.ndarray) -> np.ndarray:
    return (
        ((cp >= 0x3400) & (cp <= 0x4DBF))
        | ((cp >= 0x4E00) & (cp <= 0x9FFF))
        | ((cp >= 0xF900) & (cp <= 0xFAFF))
        | ((cp >= 0x20000) & (cp <= 0x3FFFF))
    )


@cache
def _t2s_characters() -> dict[str, str]:
    """OpenCC's traditional → simplified character table (first choice of each entry)."""
    table: dict[str, str] = {}
    path = files("opencc").joinpath("dictionary", "TSCharacters.txt")
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and len(parts[0]) == 1:
            target = parts[1].split(" ")[0]
            if len(target) == 1:
                table[parts[0]] = target
    return table


@cache
def normalisation_table() -> np.ndarray:
    """uint32 table over the BMP: normalised code point, or 0 for a dropped character."""
    t2s = _t2s_characters()
    table = np.zeros(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        folded = unicodedata.normalize("NFKC", chr(cp)).casefold()
        for ch in folded:
            if ch.isalnum():
                table[cp] = ord(t2s.get(ch, ch))
                break
    return table


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads the bits of uint64 values (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def code_points(text: str) -> np.ndarray:
    """The text's code points as a uint32 array (one element per Python character)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def token_ids(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(uint64 token ids, int64 original start offsets) of the text's tokens."""
    cps = code_points(text)
    if cps.size == 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    table = normalisation_table()
    if int(cps.max()) < 0x10000:
        norm = table[cps]
    else:
        bmp = cps < 0x10000
        norm = np.where(bmp, table[np.where(bmp, cps, 0)], cps)
    kept = norm != 0
    han = kept & _is_han(norm)
    word = kept & ~han
    word_start = word.copy()
    word_start[1:] &= ~word[:-1]
    token_at = np.zeros(cps.size, dtype=np.uint64)
    han_pos = np.flatnonzero(han)
    token_at[han_pos] = _mix(norm[han_pos].astype(np.uint64))
    starts_pos = np.flatnonzero(word_start)
    if starts_pos.size:
        word_pos = np.flatnonzero(word)
        run_of_char = np.cumsum(word_start)[word_pos] - 1
        offset_in_run = word_pos - starts_pos[run_of_char]
        weights = _KGRAM_MULTIPLIERS[offset_in_run % MAX_K] + (offset_in_run // MAX_K).astype(
            np.uint64
        )
        contrib = norm[word_pos].astype(np.uint64) * weights
        run_starts_in_words = np.flatnonzero(np.diff(run_of_char, prepend=-1))
        token_at[starts_pos] = _mix(np.add.reduceat(contrib, run_starts_in_words) ^ _WORD_SALT)
    positions = np.flatnonzero(han | word_start)
    return token_at[positions], positions.astype(np.int64)


def kgram_hashes(ids: np.ndarray, k: int) -> np.ndarray:
    """Order-sensitive hash of every k consecutive token ids (len(ids) - k + 1 values)."""
    n = ids.size - k + 1
    if n <= 0:
        return np.zeros(0, np.uint64)
    acc = ids[:n] * _KGRAM_MULTIPLIERS[0]
    for j in range(1, k):
        acc = acc + ids[j : j + n] * _KGRAM_MULTIPLIERS[j]
    return _mix(acc) >> np.uint64(64 - HASH_BITS)


def winnow_positions(hashes: np.ndarray, window: int) -> np.ndarray:
    """Indices kept by winnowing: every position holding the minimum of some window.

    Two passes of `window - 1` element-wise operations: the minimum of each window,
    then for each position the largest minimum among the windows that contain it;
    a position is kept when that equals its own hash (ties are all kept).
    """
    n = hashes.size
    if n == 0:
        return np.zeros(0, np.int64)
    if window <= 1:
        return np.arange(n, dtype=np.int64)
    if n <= window:
        return np.array([int(np.argmin(hashes))], dtype=np.int64)
    w = window
    mins = hashes[: n - w + 1].copy()
    for s in range(1, w):
        np.minimum(mins, hashes[s : n - w + 1 + s], out=mins)
    pad = np.zeros(n + w - 1, dtype=hashes.dtype)
    pad[w - 1 : n] = mins
    best = pad[:n].copy()
    for s in range(1, w):
        np.maximum(best, pad[s : s + n], out=best)
    return np.flatnonzero(best == hashes).astype(np.int64)


def text_terms(text: str, params: TermParams) -> Terms:
    """The winnowed k-gram terms of `text` (hashes with their original offsets)."""
    ids, positions = token_ids(text)
    grams = kgram_hashes(ids, params.k)
    kept = winnow_positions(grams, params.window)
    return Terms(hashes=grams[kept], starts=positions[kept], tokens=int(ids.size))


def document_keys(text: str, params: TermParams) -> np.ndarray:
    """The distinct term hashes of a document, sorted (what the index stores for it)."""
    hashes = np.sort(text_terms(text, params).hashes)
    if hashes.size > 1:
        hashes = hashes[np.concatenate(([True], hashes[1:] != hashes[:-1]))]
    return hashes
