"""What kind of copy an aligned passage is: identical, minor changes or paraphrase.

The decision compares the two passages after a *light* normalisation (NFKC, case, whitespace and
punctuation dropped) that keeps traditional characters as they are, so a passage converted to
traditional characters counts as a disguise, not as an identical copy:

- identical: the lightly normalised texts are equal;
- minor_changes: edit similarity (rapidfuzz Indel, on the light normalisation) at least
  `MINOR_CHANGES_MIN` — typos, changed numbers, a word here and there;
- paraphrase: anything else (reordered clauses, synonym swaps, traditional characters, summary).

The reported similarity is the best of the edit similarity and a bag-of-bigrams cosine of the
fully normalised texts (traditional → simplified), so reordered text still scores high.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Indel

from screening.normalize import normalize

__all__ = ["MINOR_CHANGES_MIN", "MatchClass", "classify_passage"]

MINOR_CHANGES_MIN = 0.85

_LIGHT_DROP = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class MatchClass:
    """The class of a passage pair and its similarity (0..1)."""

    match_class: str
    similarity: float


def _light(text: str) -> str:
    return _LIGHT_DROP.sub("", unicodedata.normalize("NFKC", text).casefold())


def _bigram_counts(text: str) -> tuple[np.ndarray, np.ndarray]:
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    grams = (codes[:-1] << np.uint64(21)) | codes[1:]
    return np.unique(grams, return_counts=True)


def _bigram_cosine(a: str, b: str) -> float:
    """Cosine of the character-bigram count vectors: insensitive to the order of clauses."""
    grams_a, counts_a = _bigram_counts(a)
    grams_b, counts_b = _bigram_counts(b)
    if len(grams_a) == 0 or len(grams_b) == 0:
        return 1.0 if a == b else 0.0
    _, index_a, index_b = np.intersect1d(grams_a, grams_b, assume_unique=True, return_indices=True)
    dot = float(np.dot(counts_a[index_a], counts_b[index_b]))
    norm = math.sqrt(float(np.dot(counts_a, counts_a)) * float(np.dot(counts_b, counts_b)))
    return dot / norm


def classify_passage(
    suspicious: str, source: str, *, normalized: tuple[str, str] | None = None
) -> MatchClass:
    """Class and similarity of a suspicious passage against its source passage.

    `normalized` may pass the two passages' `normalize(...).text` when the caller has them.
    """
    light_a, light_b = _light(suspicious), _light(source)
    if light_a == light_b:
        return MatchClass("identical", 1.0)
    edit = Indel.normalized_similarity(light_a, light_b)
    if normalized is None:
        normalized = (normalize(suspicious).text, normalize(source).text)
    full_a = normalized[0].replace(" ", "")
    full_b = normalized[1].replace(" ", "")
    full_edit = Indel.normalized_similarity(full_a, full_b)
    similarity = max(full_edit, _bigram_cosine(full_a, full_b))
    if edit >= MINOR_CHANGES_MIN:
        return MatchClass("minor_changes", round(similarity, 4))
    return MatchClass("paraphrase", round(similarity, 4))
