"""Consequences of the results: 约谈 interview, 通报 public notice, 激励 recognition, 问责.

Marks are derived, never stored: an institution with problem theses in consecutive
years, or at a high estimated rate, is marked for a quality interview (质量约谈) and
listed for public notice (通报); so is one whose rectification was escalated for being
overdue. Institutions clean over several sampled years are listed for recognition
(激励). Accountability decisions (问责: enrolment cuts, suspension, …) are the office's
and are recorded with their basis.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from review.follow_up_policy import FollowUpPolicy
from review.institution_history import InstitutionHistory
from review.rectification import RectificationItem


class MarkKind(StrEnum):
    INTERVIEW = "interview"
    NOTICE = "notice"
    RECOGNITION = "recognition"


MARK_LABELS: dict[MarkKind, str] = {
    MarkKind.INTERVIEW: "质量约谈 quality interview",
    MarkKind.NOTICE: "通报 public notice",
    MarkKind.RECOGNITION: "激励 recognition",
}


@dataclass(frozen=True)
class Mark:
    institution: str
    year: int
    kind: MarkKind
    basis: str


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def marks(
    year: int,
    histories: Mapping[str, InstitutionHistory],
    policy: FollowUpPolicy,
    rectification: Iterable[RectificationItem] = (),
) -> list[Mark]:
    """Every mark for `year`, by institution then kind, each with its basis."""
    escalated: dict[str, list[RectificationItem]] = {}
    for item in rectification:
        if item.escalations:
            escalated.setdefault(item.institution, []).append(item)
    found: list[Mark] = []
    for institution in sorted(set(histories) | set(escalated)):
        history = histories.get(institution)
        reasons: list[str] = []
        if history is not None:
            run = history.problem_run(year)
            if len(run) >= policy.interview_consecutive_years:
                years = "、".join(map(str, run))
                reasons.append(
                    f"连续 {len(run)} 年有存在问题学位论文 problem theses {len(run)} years "
                    f"running ({years})"
                )
            record = history.record(year)
            rate = record.rate if record else None
            if (
                record is not None
                and rate is not None
                and record.problems >= policy.interview_high_rate_min_problems
                and rate.estimate >= policy.interview_high_rate
            ):
                reasons.append(
                    f"问题论文比例估计 {_percent(rate.estimate)} (95% CI "
                    f"{_percent(rate.ci_low)}–{_percent(rate.ci_high)}, {record.problems} of "
                    f"{record.sampled}) ≥ {_percent(policy.interview_high_rate)} high problem rate"
                )
        if reasons:
            basis = "; ".join(reasons)
            found.append(Mark(institution, year, MarkKind.INTERVIEW, basis))
            found.append(Mark(institution, year, MarkKind.NOTICE, basis))
        elif institution in escalated:
            items = ", ".join(f"{i.item_id} ({i.escalations}×)" for i in escalated[institution])
            found.append(
                Mark(
                    institution,
                    year,
                    MarkKind.NOTICE,
                    f"整改逾期已升级 rectification overdue and escalated: {items}",
                )
            )
        if history is not None and not reasons:
            clean = history.clean_run(year)
            if len(clean) >= policy.recognition_clean_years:
                found.append(
                    Mark(
                        institution,
                        year,
                        MarkKind.RECOGNITION,
                        f"连续 {len(clean)} 个抽检年度无问题论文 no problem theses in "
                        f"{len(clean)} sampled years running ({'、'.join(map(str, clean))})",
                    )
                )
    return found


class Measure(StrEnum):
    CRITICISM = "criticism"
    ENROLMENT_CUT = "enrolment_cut"
    ENROLMENT_SUSPENSION = "enrolment_suspension"
    PROGRAMME_EVALUATION = "programme_evaluation"
    REVOKE_AUTHORISATION = "revoke_authorisation"
    OTHER = "other"


MEASURE_LABELS: dict[Measure, str] = {
    Measure.CRITICISM: "通报批评 public criticism",
    Measure.ENROLMENT_CUT: "减少招生计划 enrolment cut",
    Measure.ENROLMENT_SUSPENSION: "暂停招生 enrolment suspended",
    Measure.PROGRAMME_EVALUATION: "专项合格评估 special programme evaluation",
    Measure.REVOKE_AUTHORISATION: "撤销学位授权 degree-granting right revoked",
    Measure.OTHER: "其他 other",
}


class DecisionError(ValueError):
    """An accountability decision that cannot be recorded; the message says why."""


@dataclass(frozen=True)
class AccountabilityDecision:
    """A 问责 decision: what, on whom (institution, optionally a programme), why, by whom."""

    institution: str
    year: int
    measure: Measure
    basis: str
    decided_on: date
    decided_by: str
    programme: str = ""
    note: str = ""


def record_decision(
    decisions: Sequence[AccountabilityDecision], decision: AccountabilityDecision
) -> tuple[AccountabilityDecision, ...]:
    """Adds a decision; one without a stated basis, or a duplicate, is refused."""
    if not decision.institution.strip():
        raise DecisionError("an accountability decision needs the institution")
    if not decision.basis.strip():
        raise DecisionError(
            f"{decision.institution}: an accountability decision needs its basis "
            "(the results, marks or cases it rests on)"
        )
    if not decision.decided_by.strip():
        raise DecisionError(f"{decision.institution}: say who decided")
    if decision in decisions:
        raise DecisionError(f"{decision.institution}: this decision is already recorded")
    return (*decisions, decision)
