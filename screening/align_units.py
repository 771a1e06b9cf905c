"""Units of alignment: sentences, and near-equal chunks of over-long sentences.

Cutting is done on numpy code-point arrays with a per-code-point flag table; a "." ends a
sentence when a space, a Han character, an opening quote or the end of the text follows it, or a
Han character precedes it (Chinese typed with half-width stops).
"""

from __future__ import annotations

import numpy as np

from screening.fingerprint import Tokens

__all__ = ["MAX_UNIT_TOKENS", "sentence_spans", "split_long_sentences"]

MAX_UNIT_TOKENS = 60
WRAP_MIN_LINES = 8

_SPACE = 1
_MARK = 2  # ends a sentence: 。！？!?；;… and line breaks
_CLOSER = 4  # closing quotes and brackets that stay with the sentence before them
_HAN = 8
_DOT_NEXT = 16  # after "." these end a sentence too: opening quotes and brackets


def _code_flags() -> np.ndarray:
    flags = np.zeros(0x10000, dtype=np.uint8)
    for code in range(0x10000):
        if chr(code).isspace():
            flags[code] |= _SPACE
    flags[0xFEFF] |= _SPACE
    for ch in "。！？!?；;…\n":
        flags[ord(ch)] |= _MARK
    for ch in "”’」』）)]\"'":
        flags[ord(ch)] |= _CLOSER
    flags[0x3400:0xA000] |= _HAN
    for ch in '“”"「」（(':
        flags[ord(ch)] |= _DOT_NEXT
    return flags


_FLAGS = _code_flags()


def _flags(codes: np.ndarray) -> np.ndarray:
    return np.where(codes < 0x10000, _FLAGS[np.minimum(codes, 0xFFFF)], 0).astype(np.uint8)


def _sentence_cuts(flags: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Offsets just after each sentence end: a run of end marks and closers holding a mark.

    A "." ends a sentence when a space, a Han character, an opening quote or the end of the
    text follows it, or a Han character precedes it (Chinese text with half-width stops).
    """
    n = len(codes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    space, han = (flags & _SPACE) > 0, (flags & _HAN) > 0
    next_ok = np.ones(n, dtype=bool)
    next_ok[:-1] = space[1:] | han[1:] | ((flags[1:] & _DOT_NEXT) > 0)
    prev_han = np.zeros(n, dtype=bool)
    prev_han[1:] = han[:-1]
    mark = ((flags & _MARK) > 0) | ((codes == ord(".")) & (next_ok | prev_han))
    in_run = mark | ((flags & _CLOSER) > 0)
    run_start = in_run & ~np.concatenate(([False], in_run[:-1]))
    run_id = np.cumsum(run_start) - 1
    has_mark = np.bincount(run_id[mark], minlength=int(run_id[-1]) + 1) > 0
    run_end = np.flatnonzero(in_run & ~np.concatenate((in_run[1:], [False])))
    return run_end[has_mark[run_id[run_end]]] + 1


def soft_line_breaks(codes: np.ndarray) -> np.ndarray:
    """Positions of line breaks that only wrap a line (hard-wrapped plain text).

    A text is taken as hard-wrapped when at least half of its lines have about the same length
    (the upper quartile, at least 20 characters); in such a text a break after a line of about
    that length, not followed by a blank line, continues the sentence.
    """
    breaks = np.flatnonzero(codes == ord("\n"))
    if len(breaks) < WRAP_MIN_LINES:
        return np.zeros(0, dtype=np.int64)
    lengths = breaks - np.concatenate(([0], breaks[:-1] + 1))
    body = lengths[lengths > 0]
    if len(body) < WRAP_MIN_LINES:
        return np.zeros(0, dtype=np.int64)
    width = float(np.percentile(body, 75))
    if width < 20 or np.mean(np.abs(body - width) <= max(2.0, 0.1 * width)) < 0.5:
        return np.zeros(0, dtype=np.int64)
    following = np.full(len(breaks), -1, dtype=np.int64)
    inside = breaks + 1 < len(codes)
    following[inside] = codes[breaks[inside] + 1]
    soft = (lengths >= 0.85 * width) & (following != ord("\n")) & (following != -1)
    return breaks[soft]


def sentence_spans(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sentence spans without surrounding whitespace; every non-space character is in one."""
    flags = _flags(codes)
    soft = soft_line_breaks(codes)
    if len(soft):
        flags[soft] &= np.uint8(~_MARK & 0xFF)
    cuts = np.concatenate(([0], _sentence_cuts(flags, codes), [len(codes)]))
    solid = np.flatnonzero((flags & _SPACE) == 0)
    if len(solid) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    first = np.searchsorted(solid, cuts[:-1], side="left")
    last = np.searchsorted(solid, cuts[1:], side="left") - 1
    ok = last >= first
    first, last = first[ok], last[ok]
    return solid[first], solid[last] + 1


def split_long_sentences(
    starts: np.ndarray, ends: np.ndarray, tokens: Tokens, token_sentence: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut sentences of more than `MAX_UNIT_TOKENS` tokens into near-equal chunks.

    Text stripped of its punctuation would otherwise be one huge "sentence" that resembles no
    single source sentence. Returns unit starts, ends, each token's unit, and which units are
    chunks of a longer sentence.
    """
    n_sent = len(starts)
    if n_sent == 0 or len(tokens) == 0:
        return starts, ends, token_sentence, np.zeros(n_sent, dtype=bool)
    counts = np.bincount(token_sentence, minlength=n_sent)
    if counts.max() <= MAX_UNIT_TOKENS:
        return starts, ends, token_sentence, np.zeros(n_sent, dtype=bool)
    chunks = np.maximum(1, -(-counts // MAX_UNIT_TOKENS))
    chunk_size = np.maximum(1, -(-counts // chunks))
    first_token = np.cumsum(counts) - counts
    rank = np.arange(len(tokens)) - first_token[token_sentence]
    unit_base = np.cumsum(chunks) - chunks
    token_unit = unit_base[token_sentence] + rank // chunk_size[token_sentence]
    unit_sentence = np.repeat(np.arange(n_sent), chunks)
    unit_starts = starts[unit_sentence].copy()
    unit_ends = ends[unit_sentence].copy()
    boundary = np.flatnonzero(token_unit[1:] != token_unit[:-1]) + 1
    same_sentence = token_sentence[boundary] == token_sentence[boundary - 1]
    inner = boundary[same_sentence]
    unit_starts[token_unit[inner]] = tokens.starts[inner]
    unit_ends[token_unit[inner - 1]] = tokens.ends[inner - 1]
    return unit_starts, unit_ends, token_unit, (chunks > 1)[unit_sentence]
