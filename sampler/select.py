"""Seeded, platform-independent random numbers for the draw, derived with BLAKE2b.

Nothing here uses NumPy's or Python's global random state: every number is a hash of
the seed and a name (a thesis_id, a stratum label, a level), so the draw does not depend
on the order, encoding or header language of the frame, nor on the machine.

- unit key:      BLAKE2b-64("spotcheck/unit/<seed>/<thesis_id>"), big-endian
- stratum order: BLAKE2b-64("spotcheck/stratum/<seed>/<stage>/<stratum label>")
- comb offset:   BLAKE2b-256("spotcheck/offset/<seed>/<stage>/<level>")
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


def _digest(text: str, size: int) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=size).digest()


def unit_keys(seed: int, thesis_ids: Sequence[str]) -> np.ndarray:
    """One 64-bit random key per thesis (uint64 array); the smallest keys are selected."""
    blake2b = hashlib.blake2b
    prefix = f"spotcheck/unit/{seed}/".encode()
    joined = b"".join(
        [blake2b(prefix + tid.encode("utf-8"), digest_size=8).digest() for tid in thesis_ids]
    )
    return np.frombuffer(joined, dtype=">u8").astype(np.uint64)


def stratum_order(seed: int, stage: str, labels: Sequence[str]) -> list[int]:
    """A seeded permutation of the strata (indices into `labels`), ties broken by label."""
    keys = [_digest(f"spotcheck/stratum/{seed}/{stage}/{label}", 8) for label in labels]
    return sorted(range(len(labels)), key=lambda h: (keys[h], labels[h]))


def comb_offset(seed: int, stage: str, level: str) -> int:
    """A 256-bit random integer for the systematic rounding of one level at one stage."""
    return int.from_bytes(_digest(f"spotcheck/offset/{seed}/{stage}/{level}", 32), "big")


def rank_within_strata(
    strata: np.ndarray, keys: np.ndarray, tiebreak: np.ndarray | None = None
) -> np.ndarray:
    """Each unit's rank (0 = smallest key) among the units of its stratum.

    `tiebreak` (e.g. the rank of the thesis_id) orders units whose keys collide, so the
    ranking never depends on the frame's row order; without it the keys must be distinct.
    """
    order = np.argsort(keys) if tiebreak is None else np.lexsort((tiebreak, keys))
    order = order[np.argsort(strata[order], kind="stable")]
    sorted_strata = strata[order]
    starts = np.flatnonzero(np.r_[True, sorted_strata[1:] != sorted_strata[:-1]])
    run_lengths = np.diff(np.r_[starts, len(order)])
    start_of_each = np.repeat(starts, run_lengths)
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order)) - start_of_each
    return ranks


def has_collisions(keys: np.ndarray) -> bool:
    """Whether two keys are equal (astronomically rare with 64-bit keys, but handled)."""
    ordered = np.sort(keys)
    return bool((ordered[1:] == ordered[:-1]).any())
