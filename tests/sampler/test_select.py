"""Seeded keys and within-stratum ranking."""

from __future__ import annotations

import hashlib

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sampler.select import comb_offset, rank_within_strata, stratum_order, unit_keys


def test_unit_keys_are_pinned_so_draws_reproduce_on_any_machine() -> None:
    keys = unit_keys(7, ["T00001", "论文-002"])
    assert keys.dtype == np.uint64
    assert keys.tolist() == [
        int.from_bytes(
            hashlib.blake2b(f"spotcheck/unit/7/{t}".encode(), digest_size=8).digest(),
            "big",
        )
        for t in ["T00001", "论文-002"]
    ]
    assert unit_keys(7, ["T00001"])[0] != unit_keys(8, ["T00001"])[0]


def test_keys_do_not_depend_on_the_other_units() -> None:
    alone = unit_keys(3, ["b"])[0]
    assert unit_keys(3, ["a", "b", "c"])[1] == alone


def test_stratum_order_and_offset_depend_on_seed_and_stage() -> None:
    labels = [f"s{i}" for i in range(30)]
    assert sorted(stratum_order(1, "main", labels)) == list(range(30))
    assert stratum_order(1, "main", labels) != stratum_order(2, "main", labels)
    assert stratum_order(1, "main", labels) != stratum_order(1, "supplement-1", labels)
    assert comb_offset(1, "main", "doctoral") != comb_offset(1, "main", "master")
    assert comb_offset(1, "main", "doctoral") == comb_offset(1, "main", "doctoral")


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 30)), min_size=1, max_size=60))
def test_rank_within_strata_matches_a_plain_sort(units: list[tuple[int, int]]) -> None:
    strata = np.array([s for s, _ in units], dtype=np.int64)
    keys = np.array([k for _, k in units], dtype=np.uint64)
    tiebreak = np.arange(len(units), dtype=np.int64)
    ranks = rank_within_strata(strata, keys, tiebreak)
    for i, (s, k) in enumerate(units):
        smaller = sum(1 for j, (s2, k2) in enumerate(units) if s2 == s and (k2, j) < (k, i))
        assert ranks[i] == smaller
