"""The problem-thesis rule, checked for every combination of verdicts."""

from __future__ import annotations

import itertools

import pytest

from review.decision import Outcome, decide
from review.forms import Grade

GRADES = list(Grade)


def expected_outcome(first: tuple[Grade, ...], second: tuple[Grade, ...]) -> Outcome:
    """The documented rule, written out independently of the implementation."""
    fails = first.count(Grade.FAIL)
    if fails in (2, 3):
        return Outcome.PROBLEM
    if fails == 0:
        return Outcome.NOT_PROBLEM
    if len(second) < 2:
        return Outcome.RE_REVIEW
    return Outcome.PROBLEM if second.count(Grade.FAIL) in (1, 2) else Outcome.NOT_PROBLEM


@pytest.mark.parametrize("first", list(itertools.product(GRADES, repeat=3)))
def test_every_first_round_combination(first: tuple[Grade, ...]) -> None:
    decision = decide(first)
    assert decision.outcome is expected_outcome(first, ())
    assert decision.first_round_fails == first.count(Grade.FAIL)
    if first.count(Grade.FAIL) == 1:
        assert decision.reviews_needed == 2
        assert not decision.final
    else:
        assert decision.final and decision.reviews_needed == 0


def test_every_second_round_combination() -> None:
    checked = 0
    for first in itertools.product(GRADES, repeat=3):
        if first.count(Grade.FAIL) != 1:
            continue
        for size in (0, 1, 2):
            for second in itertools.product(GRADES, repeat=size):
                decision = decide(first, second)
                assert decision.outcome is expected_outcome(first, second), (first, second)
                assert decision.reviews_needed == 2 - size
                checked += 1
    assert checked == 27 * (1 + 4 + 16)


def test_problem_reasons_are_bilingual() -> None:
    decision = decide([Grade.FAIL, Grade.FAIL, Grade.PASS])
    assert "不合格" in decision.reason and "fail" in decision.reason


@pytest.mark.parametrize("received", [0, 1, 2])
def test_incomplete_first_round_is_pending(received: int) -> None:
    decision = decide([Grade.FAIL] * received)
    assert decision.outcome is Outcome.PENDING
    assert decision.reviews_needed == 3 - received


def test_order_of_verdicts_does_not_matter() -> None:
    for first in itertools.product(GRADES, repeat=3):
        outcomes = {decide(p).outcome for p in itertools.permutations(first)}
        assert len(outcomes) == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ([Grade.PASS] * 4, []),
        ([Grade.FAIL, Grade.PASS, Grade.PASS], [Grade.PASS] * 3),
        ([Grade.PASS] * 3, [Grade.FAIL]),
        ([Grade.FAIL, Grade.FAIL, Grade.PASS], [Grade.PASS]),
        ([Grade.FAIL], [Grade.FAIL]),
    ],
)
def test_impossible_inputs_are_refused(first: list[Grade], second: list[Grade]) -> None:
    with pytest.raises(ValueError):
        decide(first, second)
