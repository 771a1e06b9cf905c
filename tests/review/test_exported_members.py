"""The package's public surface is deliberate: `__all__` is pinned and every name exists."""

from __future__ import annotations

import review


def test_all_names_exist_and_are_unique() -> None:
    for name in review.__all__:
        assert hasattr(review, name), name
    assert len(set(review.__all__)) == len(review.__all__)


def test_public_surface_is_pinned() -> None:
    assert set(review.__all__) >= {
        "ReviewCycle",
        "decide",
        "staff",
        "assign_initial",
        "record_reviews",
        "compute_results",
        "write_results",
        "simulate_review_cycle",
        "generate_expert_pool",
        "theses_from_rows",
    }
    assert len(review.__all__) == 63
