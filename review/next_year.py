"""Next year's risk-based plan (复查, re-inspection): rates raised or lowered per institution.

From this year's outcomes and the follow-up policy: institutions with problem theses get
their rate multiplied (more for consecutive years, at least the misconduct multiplier
when a case found misconduct), institutions clean over several sampled years may get a
lower rate, and theses named by accepted allegations become certainty units. The plan
uses only what `sampler.plan` already knows — `[[emphasis]]` rules on the `institution`
column and an inline `certainty` list — so `spotcheck sample` draws it with its exact
inclusion probabilities: a unit's probability is base rate × multiplier, scaled by
n_l / (f_l·Σ N_h·m_h) (1 up to the rounding of the level total).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from review.allegations import (
    FOLLOW_UP_LABELS,
    KIND_LABELS,
    Allegation,
    AllegationState,
    certainty_candidates,
)
from review.follow_up_policy import FollowUpPolicy
from review.institution_history import InstitutionHistory
from sampler.frame import match_keys
from sampler.plan_writer import (
    CertaintyDraft,
    CommentedValue,
    EmphasisDraft,
    PlanDraft,
    render_plan,
)

LEVEL_NAMES = {"doctoral": "博士 doctoral", "master": "硕士 master"}


@dataclass(frozen=True)
class Adjustment:
    """One institution's rate multiplier for next year and why."""

    institution: str
    multiplier: Fraction
    reason: str

    @property
    def raises(self) -> bool:
        return self.multiplier > 1


@dataclass(frozen=True)
class CertaintyUnit:
    thesis_id: str
    reason: str
    comment: str


@dataclass(frozen=True)
class NextYearPlan:
    """The plan for `year` (the year after the one that just ended) and its explanation."""

    year: int
    rates: Mapping[str, Fraction]
    adjustments: tuple[Adjustment, ...]
    certainty: tuple[CertaintyUnit, ...]
    unmatched: tuple[Allegation, ...]
    policy_source: str

    def multiplier(self, institution: str) -> Fraction:
        return next(
            (a.multiplier for a in self.adjustments if a.institution == institution), Fraction(1)
        )

    def stated_rate(self, level: str, institution: str) -> Fraction:
        """The rate the plan states for a unit of `institution` at `level`."""
        return self.rates[level] * self.multiplier(institution)


def _years(years: Iterable[int]) -> str:
    return "、".join(str(y) for y in years)


def _rates_text(rates: Mapping[str, Fraction], multiplier: Fraction) -> str:
    return "; ".join(
        f"{LEVEL_NAMES[level]} {float(rate):g} → {float(rate * multiplier):g}"
        for level, rate in rates.items()
    )


def adjustments(
    year: int,
    histories: Mapping[str, InstitutionHistory],
    policy: FollowUpPolicy,
    alleged_institutions: Iterable[str] = (),
) -> list[Adjustment]:
    """Each institution's multiplier: raised for problems or misconduct, lowered when clean
    (never while an accepted allegation about it is open), others unchanged."""
    alleged = set(alleged_institutions)
    found = []
    for institution, history in sorted(histories.items()):
        record = history.record(year)
        run = history.problem_run(year)
        multiplier = Fraction(1)
        reasons: list[str] = []
        if run:
            multiplier = policy.problem_multiplier(len(run))
            problems = {r.year: r.problems for r in history.records}
            counts = ", ".join(f"{y}: {problems[y]}" for y in run)
            if len(run) == 1:
                reasons.append(f"{year} 年有存在问题学位论文 problem theses in {year} ({counts})")
            else:
                reasons.append(
                    f"连续 {len(run)} 年有存在问题学位论文 problem theses {len(run)} years "
                    f"running ({counts})"
                )
        if record is not None and record.misconduct:
            if policy.raise_misconduct > multiplier:
                multiplier = policy.raise_misconduct
            reasons.append(
                f"{year} 年认定学术不端 {record.misconduct} 件 misconduct found in "
                f"{record.misconduct} case(s)"
            )
        if not reasons and policy.lower_multiplier != 1 and institution not in alleged:
            clean = history.clean_run(year)
            if len(clean) >= policy.lower_clean_years:
                multiplier = policy.lower_multiplier
                reasons.append(
                    f"连续 {len(clean)} 个抽检年度无问题论文 no problem theses in "
                    f"{len(clean)} sampled years running ({_years(clean)})"
                )
        if multiplier != 1:
            found.append(Adjustment(institution, multiplier, "; ".join(reasons)))
    return found


def plan_next_year(
    year: int,
    histories: Mapping[str, InstitutionHistory],
    allegations: Iterable[Allegation],
    policy: FollowUpPolicy,
) -> NextYearPlan:
    """Next year's plan from the year that just ended (`year`)."""
    allegations = tuple(allegations)
    accepted = (AllegationState.ACCEPTED, AllegationState.FOLLOW_UP)
    alleged = set(match_keys([a.report.institution for a in allegations if a.state in accepted]))
    names = list(histories)
    open_about = {
        name for name, key in zip(names, match_keys(names), strict=True) if key in alleged
    }
    units: dict[str, CertaintyUnit] = {}
    if policy.allegation_certainty:
        for allegation in certainty_candidates(allegations):
            follow = (
                FOLLOW_UP_LABELS[allegation.follow_up] if allegation.follow_up else "待定 pending"
            )
            comment = (
                f"{KIND_LABELS[allegation.report.kind]}; {allegation.report.institution}; "
                f"受理 accepted; follow-up {follow}"
            )
            if allegation.thesis_id in units:
                previous = units[allegation.thesis_id]
                units[allegation.thesis_id] = CertaintyUnit(
                    allegation.thesis_id,
                    f"{previous.reason}, {allegation.code}",
                    previous.comment,
                )
                continue
            units[allegation.thesis_id] = CertaintyUnit(
                allegation.thesis_id, f"举报 allegation {allegation.code}", comment
            )
    unmatched = tuple(a for a in allegations if a.state in accepted and not a.thesis_id)
    return NextYearPlan(
        year=year + 1,
        rates=dict(policy.rates),
        adjustments=tuple(adjustments(year, histories, policy, open_about)),
        certainty=tuple(units[k] for k in sorted(units)),
        unmatched=unmatched,
        policy_source=policy.source,
    )


def render_next_year_plan(plan: NextYearPlan, source_note: str = "") -> str:
    """The plan as commented TOML for `spotcheck sample --plan`."""
    header = [
        f"{plan.year} 年度学位论文抽检方案（风险调整） risk-based spot-check plan for {plan.year}",
        f"依据规则 policy: {plan.policy_source}",
    ]
    if source_note:
        header.append(source_note)
    header += [
        "种子 seed: 在抽检名单冻结后公开确定，用 --seed 给出 "
        "fixed publicly after the frame is frozen; give it with --seed",
        "各单位抽检比例 = 基础比例 × 倍数 a unit's rate is the base rate × its multiplier "
        "(the largest rule it matches), exact inclusion probabilities in sample.csv",
    ]
    by_multiplier: dict[Fraction, list[Adjustment]] = {}
    for adjustment in plan.adjustments:
        by_multiplier.setdefault(adjustment.multiplier, []).append(adjustment)
    emphasis = []
    for multiplier in sorted(by_multiplier, reverse=True):
        word = "提高 raised" if multiplier > 1 else "降低 lowered"
        emphasis.append(
            EmphasisDraft(
                column="institution",
                multiplier=multiplier,
                label=f"{word} ×{float(multiplier):g} ({plan.year - 1} 年结果 results)",
                values=tuple(
                    CommentedValue(a.institution, a.reason) for a in by_multiplier[multiplier]
                ),
                comment=(
                    f"抽检比例{word.split()[0]} rate {word.split()[1]} ×{float(multiplier):g}: "
                    + _rates_text(plan.rates, multiplier),
                ),
            )
        )
    certainty_comment = [
        "受理的举报所涉论文：必抽 certainty units, theses named by accepted allegations.",
        "它们须在下一年度的抽检名单中（从其年度的学位授予名单补入） they must be rows of next "
        "year's frame (add them from the register of their year).",
    ]
    footer = []
    if plan.unmatched:
        footer.append(
            "未匹配到论文的受理举报（未列入必抽，请关联论文） accepted allegations not linked to "
            "a register thesis (not certainty units until linked):"
        )
        footer += [
            f"  {a.code}: {a.report.institution} · {a.report.title} · {a.report.author}"
            for a in plan.unmatched
        ]
    if not plan.adjustments:
        footer.append("无单位调整 no institution's rate is adjusted")
    return render_plan(
        PlanDraft(
            rates=plan.rates,
            header=tuple(header),
            emphasis=tuple(emphasis),
            certainty=tuple(
                CertaintyDraft(u.thesis_id, u.reason, u.comment) for u in plan.certainty
            ),
            certainty_comment=tuple(certainty_comment) if plan.certainty else (),
            footer=tuple(footer),
        )
    )
