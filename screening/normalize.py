"""Normalisation of text for matching, with an offset map back to the original.

The normalised text is what fingerprints and alignment compare: Unicode NFKC (full/half width,
compatibility forms), case folding, traditional → simplified Chinese (OpenCC character tables),
whitespace and punctuation dropped. Between two Latin-script or digit characters that were
separated by whitespace or punctuation a single space is kept, so English words stay apart; Han
characters need no separator.

The work is done by table look-up on numpy code-point arrays: a per-code-point table for the Basic
Multilingual Plane is built once (about 0.3 s) and cached; the rare characters beyond it are
mapped one by one.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "CHAR_DROP",
    "CHAR_HAN",
    "CHAR_SPACE",
    "CHAR_WORD",
    "NormalizedText",
    "char_classes",
    "normalize",
]

# Character classes of normalised text (see `char_classes`).
CHAR_DROP = 0
CHAR_SPACE = 1
CHAR_WORD = 2  # letters of alphabetic scripts and digits: runs form one token
CHAR_HAN = 3  # ideographs, kana, hangul and other characters that are a token each

_BMP = 0x10000
_PLAIN_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3))


@dataclass(frozen=True)
class NormalizedText:
    """`text` is `original` normalised for matching; `offsets` maps it back.

    `offsets[i]` is the index in `original` of the character that produced normalised character
    `i`; `offsets[-1] == len(original)`.
    """

    original: str
    text: str
    offsets: np.ndarray

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span (end-exclusive) covering normalised characters `start:end`."""
        n = len(self.text)
        start = min(max(start, 0), n)
        end = min(max(end, start), n)
        if end == start:
            pos = int(self.offsets[start])
            return pos, pos
        return int(self.offsets[start]), int(self.offsets[end - 1]) + 1


def _opencc_dictionary_dir() -> Path:
    import opencc

    return Path(opencc.__file__).resolve().parent / "dictionary"


def _read_char_table(path: Path) -> dict[str, str]:
    table: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2 or len(parts[0]) != 1:
                continue
            target = parts[1].split(" ")[0]
            if len(target) == 1:
                table.setdefault(parts[0], target)
    return table


@functools.cache
def _traditional_to_simplified() -> dict[str, str]:
    """Character-level t2s: Taiwan/Hong Kong variants to OpenCC standard, then to simplified."""
    directory = _opencc_dictionary_dir()
    variants: dict[str, str] = {}
    for name in ("TWVariantsRev.txt", "HKVariantsRev.txt"):
        for key, value in _read_char_table(directory / name).items():
            variants.setdefault(key, value)
    simplified = _read_char_table(directory / "TSCharacters.txt")
    keys = set(variants) | set(simplified)
    table: dict[str, str] = {}
    for key in keys:
        step = variants.get(key, key)
        target = simplified.get(step, step)
        if target != key:
            table[key] = target
    return table


_VARIATION_SELECTORS = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF))


def _classify(ch: str) -> int:
    code = ord(ch)
    if any(low <= code <= high for low, high in _VARIATION_SELECTORS):
        return CHAR_DROP  # an invisible glyph-variant marker after a Han character
    category = unicodedata.category(ch)
    if category[0] in "LN" or category in ("Mn", "Mc"):
        if category == "Lo" and (
            0x2E80 <= code <= 0x9FFF
            or 0xAC00 <= code <= 0xD7AF
            or 0xF900 <= code <= 0xFAFF
            or code >= 0x20000
        ):
            return CHAR_HAN
        return CHAR_WORD
    if ch.isspace():
        return CHAR_SPACE
    return CHAR_DROP


def _map_char(ch: str, t2s: dict[str, str]) -> str:
    """The normalised form of one character: possibly empty, possibly several characters."""
    mapped = unicodedata.normalize("NFKC", ch).casefold()
    mapped = unicodedata.normalize("NFKC", mapped)
    return "".join(t2s.get(c, c) for c in mapped)


@dataclass(frozen=True)
class _Table:
    """For every BMP code point: where its mapping sits in `pool` and how long it is."""

    start: np.ndarray  # int64
    length: np.ndarray  # int64; 0 = the character is dropped
    pool: np.ndarray  # uint32 code points of all mappings, concatenated
    pool_class: np.ndarray  # uint8 class of each pool character


@functools.cache
def _table() -> _Table:
    t2s = _traditional_to_simplified()
    start = np.zeros(_BMP, dtype=np.int64)
    length = np.zeros(_BMP, dtype=np.int64)
    pool: list[int] = []
    pool_class: list[int] = []
    # Ideographs and hangul syllables map to themselves (or their simplified form): no need to
    # ask unicodedata about each of them.
    plain = np.zeros(_BMP, dtype=bool)
    for low, high in _PLAIN_HAN_RANGES:
        plain[low : high + 1] = True
    for code in np.flatnonzero(~plain).tolist():
        if 0xD800 <= code <= 0xDFFF:
            continue
        mapped = _map_char(chr(code), t2s)
        classes = [_classify(c) for c in mapped]
        kept = [(c, k) for c, k in zip(mapped, classes, strict=True) if k != CHAR_DROP]
        if not kept:
            continue
        if all(k == CHAR_SPACE for _, k in kept):
            kept = [(" ", CHAR_SPACE)]
        else:
            kept = [(c, k) for c, k in kept if k != CHAR_SPACE]
        start[code] = len(pool)
        length[code] = len(kept)
        pool.extend(ord(c) for c, _ in kept)
        pool_class.extend(k for _, k in kept)
    plain_codes = np.flatnonzero(plain)
    targets = plain_codes.copy()
    for key, value in t2s.items():
        code = ord(key)
        if code < _BMP and plain[code]:
            targets[np.searchsorted(plain_codes, code)] = ord(value)
    start[plain_codes] = len(pool) + np.arange(len(plain_codes))
    length[plain_codes] = 1
    pool.extend(targets.tolist())
    pool_class.extend([CHAR_HAN] * len(plain_codes))
    return _Table(
        start=start,
        length=length,
        pool=np.asarray(pool, dtype=np.uint32),
        pool_class=np.asarray(pool_class, dtype=np.uint8),
    )


def _map_astral(
    codes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int], list[int]]:
    """Mappings of code points beyond the BMP (rare): computed one by one."""
    t2s = _traditional_to_simplified()
    starts = np.zeros(len(codes), dtype=np.int64)
    lengths = np.zeros(len(codes), dtype=np.int64)
    pool: list[int] = []
    pool_class: list[int] = []
    for i, code in enumerate(codes.tolist()):
        mapped = _map_char(chr(code), t2s)
        kept = [(c, _classify(c)) for c in mapped]
        kept = [(c, k) for c, k in kept if k not in (CHAR_DROP, CHAR_SPACE)]
        starts[i] = len(pool)
        lengths[i] = len(kept)
        pool.extend(ord(c) for c, _ in kept)
        pool_class.extend(k for _, k in kept)
    return codes, starts, lengths, pool, pool_class


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def normalize(text: str) -> NormalizedText:
    """Normalise `text` for matching; see the module docstring for what changes."""
    table = _table()
    codes = _code_points(text).astype(np.int64)
    n = len(codes)
    pool = table.pool
    pool_class = table.pool_class
    astral = codes >= _BMP
    bmp_codes = np.where(astral, 0, codes)
    starts = table.start[bmp_codes]
    lengths = table.length[bmp_codes]
    if astral.any():
        index = np.flatnonzero(astral)
        _, a_starts, a_lengths, a_pool, a_class = _map_astral(codes[index])
        starts[index] = a_starts + len(pool)
        lengths[index] = a_lengths
        pool = np.concatenate([pool, np.asarray(a_pool, dtype=np.uint32)])
        pool_class = np.concatenate([pool_class, np.asarray(a_class, dtype=np.uint8)])
    total = int(lengths.sum())
    source = np.repeat(np.arange(n, dtype=np.int64), lengths)
    first = np.cumsum(lengths) - lengths
    within = np.arange(total, dtype=np.int64) - np.repeat(first, lengths)
    pool_index = np.repeat(starts, lengths) + within
    out = pool[pool_index]
    classes = pool_class[pool_index]

    # Whitespace and punctuation vanish; two word characters that were apart in the original
    # (anything dropped between them) get one space between them.
    solid = np.flatnonzero(classes != CHAR_SPACE)
    out = out[solid]
    src = source[solid]
    word = classes[solid] == CHAR_WORD
    if len(solid) > 1:
        apart = np.flatnonzero((src[1:] - src[:-1] > 1) & word[1:] & word[:-1]) + 1
        if len(apart):
            out = np.insert(out, apart, np.uint32(ord(" ")))
            src = np.insert(src, apart, src[apart - 1] + 1)
    normalized = out.astype("<u4").tobytes().decode("utf-32-le")
    offsets = np.empty(len(src) + 1, dtype=np.int64)
    offsets[:-1] = src
    offsets[-1] = n
    return NormalizedText(original=text, text=normalized, offsets=offsets)


def char_classes(text: str) -> np.ndarray:
    """Class (`CHAR_*`) of every character of an already normalised text."""
    table = _table()
    codes = _code_points(text).astype(np.int64)
    astral = codes >= _BMP
    bmp_codes = np.where(astral, 0, codes)
    first = table.start[bmp_codes]
    classes = np.where(table.length[bmp_codes] > 0, table.pool_class[first], CHAR_DROP)
    classes = classes.astype(np.uint8)
    if astral.any():
        index = np.flatnonzero(astral)
        classes[index] = [_classify(chr(code)) for code in codes[index].tolist()]
    return classes
