"""The problem-thesis decision rule (存在问题学位论文), as a pure function.

National rule for doctoral and master spot checks:
  - 2 or 3 of the 3 experts grade 不合格 → problem thesis;
  - exactly 1 of 3 → 2 more experts (复评); if 1 or 2 of those grade 不合格 → problem
    thesis, otherwise not;
  - 0 of 3 → not a problem thesis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from review.assign import EXPERTS_PER_THESIS, RE_REVIEW_EXPERTS
from review.forms import Grade


class Outcome(StrEnum):
    PENDING = "pending"
    RE_REVIEW = "re_review"
    PROBLEM = "problem"
    NOT_PROBLEM = "not_problem"


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.PENDING: "评议中 reviews pending",
    Outcome.RE_REVIEW: "复评中 second-round review",
    Outcome.PROBLEM: "存在问题学位论文 problem thesis",
    Outcome.NOT_PROBLEM: "非问题论文 not a problem thesis",
}


@dataclass(frozen=True)
class Decision:
    """The rule's answer; `reviews_needed` is how many more verdicts it is waiting for."""

    outcome: Outcome
    first_round_fails: int
    second_round_fails: int | None
    reviews_needed: int
    reason: str

    @property
    def final(self) -> bool:
        return self.outcome in (Outcome.PROBLEM, Outcome.NOT_PROBLEM)


def decide(first_round: Sequence[Grade], second_round: Sequence[Grade] = ()) -> Decision:
    """Applies the rule to the overall grades received so far (order does not matter)."""
    if len(first_round) > EXPERTS_PER_THESIS:
        raise ValueError(f"round 1 has {len(first_round)} verdicts, at most 3 are allowed")
    if len(second_round) > RE_REVIEW_EXPERTS:
        raise ValueError(f"round 2 has {len(second_round)} verdicts, at most 2 are allowed")
    fails = sum(1 for grade in first_round if grade is Grade.FAIL)
    if len(first_round) < EXPERTS_PER_THESIS:
        if second_round:
            raise ValueError("round-2 verdicts before round 1 is complete")
        missing = EXPERTS_PER_THESIS - len(first_round)
        return Decision(
            Outcome.PENDING,
            fails,
            None,
            missing,
            f"等待 {missing} 份评议意见 waiting for {missing} of 3 first-round reviews",
        )
    if fails != 1:
        if second_round:
            raise ValueError(f"round-2 verdicts given but round 1 has {fails} 不合格, not 1")
        if fails >= 2:
            return Decision(
                Outcome.PROBLEM,
                fails,
                None,
                0,
                f"{fails}/3 位专家评为不合格 {fails} of 3 experts graded 不合格 (fail)",
            )
        return Decision(
            Outcome.NOT_PROBLEM, 0, None, 0, "0/3 位专家评为不合格 no expert graded 不合格 (fail)"
        )
    second_fails = sum(1 for grade in second_round if grade is Grade.FAIL)
    if len(second_round) < RE_REVIEW_EXPERTS:
        missing = RE_REVIEW_EXPERTS - len(second_round)
        return Decision(
            Outcome.RE_REVIEW,
            1,
            second_fails,
            missing,
            f"1/3 位专家评为不合格，复评等待 {missing} 份意见 "
            f"1 of 3 graded 不合格: second round waiting for {missing} of 2 reviews",
        )
    if second_fails >= 1:
        return Decision(
            Outcome.PROBLEM,
            1,
            second_fails,
            0,
            f"1/3 不合格，复评 {second_fails}/2 不合格 "
            f"1 of 3 graded 不合格 and {second_fails} of 2 in the second round",
        )
    return Decision(
        Outcome.NOT_PROBLEM,
        1,
        0,
        0,
        "1/3 不合格，复评 0/2 不合格 1 of 3 graded 不合格, none of 2 in the second round",
    )
