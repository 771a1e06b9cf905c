"""Tokens, hashed k-grams and winnowing (Schleimer, Wilkerson and Aiken, 2003), all in numpy.

A token is one Han character (or kana, hangul syllable) or one run of Latin-script letters and
digits of the normalised text. Token ids are 64-bit hashes of the token's characters, so the same
word gets the same id in every document without a shared vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from screening.normalize import CHAR_HAN, CHAR_WORD, NormalizedText, char_classes

__all__ = [
    "DEFAULT_K",
    "DEFAULT_WINDOW",
    "Fingerprints",
    "Tokens",
    "fingerprint",
    "kgram_hashes",
    "mix64",
    "tokenize",
    "winnow",
]

DEFAULT_K = 6
DEFAULT_WINDOW = 4

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_BASE = np.uint64(0x100000001B3)


def mix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a fast, well-spread bijection on uint64 arrays."""
    z = np.asarray(values, dtype=np.uint64) + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@dataclass(frozen=True)
class Tokens:
    """Token ids with their original-text spans (end-exclusive)."""

    ids: np.ndarray  # uint64
    starts: np.ndarray  # int64
    ends: np.ndarray  # int64
    is_han: np.ndarray | None = None  # bool: one Han (or kana, hangul) character, not a word

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Fingerprints:
    """The k-gram hashes kept by winnowing and the token index where each k-gram starts."""

    hashes: np.ndarray  # uint64
    positions: np.ndarray  # int64


def _token_bounds(norm: NormalizedText) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and end indices (in the normalised text) of every token, and its class."""
    classes = char_classes(norm.text)
    n = len(classes)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, classes
    word = classes == CHAR_WORD
    han = classes == CHAR_HAN
    prev_word = np.concatenate(([False], word[:-1]))
    next_word = np.concatenate((word[1:], [False]))
    starts_mask = han | (word & ~prev_word)
    ends_mask = han | (word & ~next_word)
    starts = np.flatnonzero(starts_mask)
    return starts, np.flatnonzero(ends_mask) + 1, classes[starts]


def tokenize(norm: NormalizedText) -> Tokens:
    """Tokens of a normalised text, with their spans in the original text."""
    starts, ends, classes = _token_bounds(norm)
    if len(starts) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Tokens(
            ids=np.zeros(0, dtype=np.uint64),
            starts=empty,
            ends=empty,
            is_han=np.zeros(0, dtype=bool),
        )
    codes = np.frombuffer(norm.text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = ends - starts
    # Polynomial hash of each token's characters: sum(code[j] * BASE^(j - start)), mod 2^64.
    total = int(lengths.sum())
    position = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    covered = np.repeat(starts, lengths) + position
    max_len = int(lengths.max())
    powers = np.cumprod(np.full(max_len, _BASE, dtype=np.uint64)) // _BASE
    powers[0] = np.uint64(1)
    contributions = codes[covered] * powers[position]
    sums = np.add.reduceat(contributions, np.cumsum(lengths) - lengths)
    ids = mix64(sums ^ lengths.astype(np.uint64))
    original_starts = norm.offsets[starts]
    original_ends = norm.offsets[ends - 1] + 1
    return Tokens(ids=ids, starts=original_starts, ends=original_ends, is_han=classes == CHAR_HAN)


def kgram_hashes(token_ids: np.ndarray, k: int) -> np.ndarray:
    """Hash of every run of `k` consecutive tokens; `len(ids) - k + 1` values (none if shorter)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    ids = np.asarray(token_ids, dtype=np.uint64)
    count = len(ids) - k + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    acc = np.zeros(count, dtype=np.uint64)
    for j in range(k):
        acc = acc * _BASE + ids[j : j + count]
    return mix64(acc)


def winnow(hashes: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Robust winnowing: the minimum of each window of `window` hashes (rightmost on ties).

    Returns `(positions, hashes)` of the selected k-grams, each selected once, in order. A
    sequence shorter than one window keeps its minimum.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    values = np.asarray(hashes, dtype=np.uint64)
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    if window == 1:
        return np.arange(n, dtype=np.int64), values.copy()
    w = min(window, n)
    windows = np.lib.stride_tricks.sliding_window_view(values, w)
    # argmin on the reversed window gives the rightmost minimum.
    picks = np.arange(len(windows), dtype=np.int64) + (w - 1 - np.argmin(windows[:, ::-1], axis=1))
    positions = np.unique(picks)
    return positions, values[positions]


def fingerprint(
    tokens: Tokens, *, k: int = DEFAULT_K, window: int = DEFAULT_WINDOW
) -> Fingerprints:
    """Winnowed k-gram fingerprints of a token sequence."""
    positions, hashes = winnow(kgram_hashes(tokens.ids, k), window)
    return Fingerprints(hashes=hashes, positions=positions)
