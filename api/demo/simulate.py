"""Generated experts and simulated reviews for the demo (seeded, reproducible).

Real spot checks import the pool and the experts' forms; the demo needs both without
people, with realistic shapes: most theses pass, grades cluster around 良好, weak
theses draw several 不合格, and screening flags make a thesis more likely to be weak.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from review.assign import AssignmentStatus, StaffingResult
from review.conflicts import DEFAULT_EXCLUSIONS, Conflict, ConflictPolicy
from review.cycle import (
    ReviewCycle,
    latest_reviews,
)
from review.experts import Expert
from review.forms import GRADE_ORDER, Grade, MisconductOpinion, form_for
from review.keys import seeded_key, seeded_unit
from review.results import Results, compute_results
from review.reviews import DimensionAssessment, Review
from review.theses import SampledThesis
from review.workflows import ReviewImport, end_assignments, import_reviews, run_assignment

PROVINCES = (
    "北京",
    "上海",
    "江苏",
    "浙江",
    "广东",
    "湖北",
    "四川",
    "陕西",
    "山东",
    "辽宁",
    "湖南",
    "安徽",
)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌宁海波"
_OUTSIDE_INSTITUTIONS = ("中国科学院大学", "外省师范大学", "外省理工大学", "国家研究院")

# Probability a thesis is weak, by screening flag; a weak thesis draws 不合格 often.
WEAK_PROBABILITY = {"": 0.04, "clear": 0.04, "needs_review": 0.25, "suspected_misconduct": 0.6}
FAIL_IF_WEAK = 0.65
FAIL_IF_SOUND = 0.03
SOUND_GRADES = ((Grade.EXCELLENT, 0.25), (Grade.GOOD, 0.5), (Grade.PASS, 0.25))


def demo_provinces(institutions: Sequence[str], seed: int) -> dict[str, str]:
    """A stable province for each institution (seeded), for the same-province rule."""
    return {
        name: PROVINCES[seeded_key(seed, "province", name) % len(PROVINCES)]
        for name in sorted(set(institutions))
    }


def _person_name(seed: int, *parts: str) -> str:
    key = seeded_key(seed, "name", *parts)
    surname = _SURNAMES[key % len(_SURNAMES)]
    given = _GIVEN[(key >> 8) % len(_GIVEN)]
    second = _GIVEN[(key >> 16) % len(_GIVEN)] if (key >> 24) % 2 else ""
    return surname + given + second


def generate_expert_pool(
    theses: Sequence[SampledThesis],
    seed: int,
    max_load: int = 5,
    spare: float = 1.6,
    provinces: Mapping[str, str] | None = None,
) -> list[Expert]:
    """A pool covering every discipline of the theses with `spare`× the needed capacity.

    Experts come from the theses' institutions and a few outside ones, so the
    same-institution rule has to be respected; some experts hold two disciplines of
    the same 门类, so the 门类 fallback is exercised.
    """
    institutions = sorted({thesis.institution for thesis in theses} | set(_OUTSIDE_INSTITUTIONS))
    provinces = dict(provinces or demo_provinces(institutions, seed))
    for name in institutions:
        provinces.setdefault(name, PROVINCES[seeded_key(seed, "province", name) % len(PROVINCES)])
    demand = Counter(thesis.discipline_code for thesis in theses)
    codes_by_category: dict[str, list[str]] = {}
    for code in sorted(demand):
        codes_by_category.setdefault(code[:2], []).append(code)
    experts: list[Expert] = []
    for code, count in sorted(demand.items()):
        needed = math.ceil(spare * 5 * count / max_load) + 3
        for number in range(1, needed + 1):
            expert_id = f"E{code}{number:03d}"
            key = seeded_key(seed, "expert", expert_id)
            institution = institutions[key % len(institutions)]
            disciplines = {code}
            siblings = [c for c in codes_by_category[code[:2]] if c != code]
            if siblings and (key >> 20) % 4 == 0:
                disciplines.add(siblings[(key >> 24) % len(siblings)])
            experts.append(
                Expert(
                    expert_id=expert_id,
                    name=_person_name(seed, expert_id),
                    institution=institution,
                    province=provinces[institution],
                    disciplines=tuple(sorted(disciplines)),
                    contact=f"{expert_id.lower()}@experts.example.org",
                    max_load=max_load,
                )
            )
    return experts


def _draw_grade(seed: int, weak: bool, *parts: str) -> Grade:
    u = seeded_unit(seed, "grade", *parts)
    if u < (FAIL_IF_WEAK if weak else FAIL_IF_SOUND):
        return Grade.FAIL
    v = seeded_unit(seed, "sound-grade", *parts)
    cumulative = 0.0
    for grade, share in SOUND_GRADES:
        cumulative += share
        if v < cumulative:
            return grade
    return Grade.PASS


def _dimension_grade(seed: int, overall: Grade, *parts: str) -> Grade:
    step = seeded_key(seed, "dimension", *parts) % 4
    index = GRADE_ORDER.index(overall) + (-1 if step == 0 else 1 if step == 3 else 0)
    index = min(max(index, 0), len(GRADE_ORDER) - 1)
    if overall is not Grade.FAIL and GRADE_ORDER[index] is Grade.FAIL:
        index -= 1
    return GRADE_ORDER[index]


_COMMENTS = {
    Grade.EXCELLENT: "选题前沿，创新突出，论证严谨。 Timely topic, strong originality, rigorous.",
    Grade.GOOD: "研究扎实，有一定创新，个别论述需加强。 Solid work with some originality.",
    Grade.PASS: "达到学位要求，创新性一般，规范性需改进。 Meets the standard; modest originality.",
    Grade.FAIL: "论证不足，存在明显缺陷，未达到学位要求。 Major flaws; below the degree standard.",
}


def simulate_review(
    thesis: SampledThesis, expert_id: str, round_number: int, seed: int, on: date
) -> Review:
    """One plausible review of the thesis by the expert (deterministic in the seed)."""
    flag = thesis.screening.level if thesis.screening else ""
    weak = seeded_unit(seed, "weak", thesis.thesis_id) < WEAK_PROBABILITY.get(flag, 0.04)
    parts = (thesis.thesis_id, expert_id, str(round_number))
    overall = _draw_grade(seed, weak, *parts)
    form = form_for(thesis.degree_type)
    misconduct = None
    if thesis.flagged:
        suspect = 0.7 if flag == "suspected_misconduct" else 0.2
        if seeded_unit(seed, "misconduct", *parts) < (suspect if weak else suspect / 4):
            misconduct = MisconductOpinion.SUSPECTED
        else:
            misconduct = MisconductOpinion.NOT_FOUND
    return Review(
        thesis_id=thesis.thesis_id,
        expert_id=expert_id,
        round=round_number,
        form_id=form.form_id,
        overall=overall,
        dimensions=tuple(
            DimensionAssessment(
                key, _dimension_grade(seed, overall, *parts, key), _COMMENTS[overall][:12]
            )
            for key in form.dimension_keys()
        ),
        comment=_COMMENTS[overall],
        submitted_on=on,
        misconduct=misconduct,
        misconduct_comment=(
            "与检测报告所列来源存在大段雷同。 Long passages match the flagged sources."
            if misconduct is MisconductOpinion.SUSPECTED
            else ""
        ),
    )


@dataclass(frozen=True)
class SimulationLog:
    """What the simulated review stage did, for the demo's summary."""

    staffing: tuple[StaffingResult, ...]
    declined: int
    reviews: int


def simulate_review_cycle(
    cycle: ReviewCycle, start: date, decline_rate: float = 0.05
) -> tuple[ReviewCycle, SimulationLog]:
    """Assign → (declines replaced) → round-1 reviews → 复评 → decisions → cases.

    The cycle must already hold its theses and experts; the result holds every
    assignment (with history), review, decision state and opened case.
    """
    seed = cycle.seed
    run = run_assignment(cycle, start)
    cycle, staffing = run.cycle, [run.staffing]
    declines = [
        (a.thesis_id, a.expert_id, AssignmentStatus.DECLINED)
        for a in run.staffing.assignments
        if seeded_unit(seed, "decline", a.thesis_id, a.expert_id) < decline_rate
    ]
    cycle, result = end_assignments(cycle, declines, start + timedelta(days=2))
    staffing.append(result)
    declined = len(declines)
    first_round = _simulate_round(cycle, 1, start + timedelta(days=20))
    staffing.append(first_round.staffing)
    cycle = _simulate_round(first_round.cycle, 2, start + timedelta(days=45)).cycle
    log = SimulationLog(tuple(staffing), declined, len(latest_reviews(cycle.reviews)))
    return cycle, log


def _simulate_round(cycle: ReviewCycle, round_number: int, on: date) -> ReviewImport:
    """Every active expert of the round returns a review on `on` (as an import of forms)."""
    theses = cycle.thesis_map()
    submitted = [
        (0, simulate_review(theses[a.thesis_id], a.expert_id, round_number, cycle.seed, on))
        for a in cycle.assignments
        if a.round == round_number and a.status is AssignmentStatus.ACTIVE
    ]
    return import_reviews(cycle, submitted, on, source="simulated reviews")


def demo_review_stage(
    theses: Sequence[SampledThesis], seed: int, start: date, year: int
) -> tuple[ReviewCycle, SimulationLog, Results]:
    """The demo's whole review stage: generated experts, simulated reviews, the rule, results.

    Uses the same-province exclusion (provinces are generated) and the default ones.
    """
    institutions = sorted({t.institution for t in theses} | set(_OUTSIDE_INSTITUTIONS))
    provinces = demo_provinces(institutions, seed)
    located = tuple(replace(t, province=provinces[t.institution]) for t in theses)
    cycle = ReviewCycle(
        seed=seed,
        policy=ConflictPolicy(DEFAULT_EXCLUSIONS | {Conflict.SAME_PROVINCE}),
        theses=located,
        experts=tuple(generate_expert_pool(located, seed, provinces=provinces)),
    )
    cycle, log = simulate_review_cycle(cycle, start)
    return cycle, log, compute_results(cycle, year)
