"""Feedback (反馈) to one institution after the results are published.

Its problem theses with the experts' opinions — grades, dimension assessments and
comments, each expert shown only as 专家 A/B/C… (never an id or a name) — its rates
with their 95% intervals beside the overall rate, where it stands, the accepted
allegations about its theses (never the reporter), its rectification items and its
marks. Everything an institution sees is built from explicit fields here.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import jinja2

from review.allegations import (
    FOLLOW_UP_LABELS,
    KIND_LABELS,
    Allegation,
    InstitutionAllegation,
    institution_view,
)
from review.allegations import (
    STATE_LABELS as ALLEGATION_STATE_LABELS,
)
from review.consequences import MARK_LABELS, Mark
from review.cycle import ReviewCycle, latest_reviews, thesis_statuses
from review.decision import Outcome
from review.forms import FORMS, Grade
from review.rectification import KIND_LABELS as ITEM_LABELS
from review.rectification import STATE_LABELS as ITEM_STATE_LABELS
from review.rectification import RectificationItem
from review.results import GroupResult, Results, group_label
from review.reviews import Review


@dataclass(frozen=True)
class DimensionOpinion:
    label: str
    grade: Grade
    comment: str


@dataclass(frozen=True)
class ExpertOpinion:
    """One expert's review as the institution sees it: no expert id, no name."""

    expert: str
    round: int
    overall: Grade
    dimensions: tuple[DimensionOpinion, ...]
    comment: str


@dataclass(frozen=True)
class FeedbackThesis:
    thesis_id: str
    title: str
    author: str
    discipline: str
    degree_level: str
    degree_type: str
    opinions: tuple[ExpertOpinion, ...]


@dataclass(frozen=True)
class InstitutionFeedback:
    institution: str
    year: int
    own: GroupResult | None
    overall: GroupResult | None
    position: str
    problem_theses: tuple[FeedbackThesis, ...]
    allegations: tuple[InstitutionAllegation, ...]
    rectification: tuple[RectificationItem, ...]
    marks: tuple[Mark, ...]


def _position(own: GroupResult | None, overall: GroupResult | None) -> str:
    """Where the institution stands: its interval against the overall estimate."""
    if own is None or own.rate is None or overall is None or overall.rate is None:
        return "尚无可比较的估计 no estimate to compare yet"
    if own.rate.ci_low > overall.rate.estimate:
        return "高于总体问题率 above the overall problem rate (its whole 95% interval is above)"
    if own.rate.ci_high < overall.rate.estimate:
        return "低于总体问题率 below the overall problem rate (its whole 95% interval is below)"
    return "与总体问题率无明显差异 not clearly different from the overall problem rate"


def _opinions(reviews: Sequence[Review]) -> tuple[ExpertOpinion, ...]:
    ordered = sorted(reviews, key=lambda r: (r.round, r.submitted_on, r.expert_id))
    letters = iter(string.ascii_uppercase)
    aliases: dict[str, str] = {}
    opinions = []
    for review in ordered:
        alias = aliases.setdefault(review.expert_id, f"专家 {next(letters)} expert")
        form = FORMS.get(review.form_id)
        labels = {d.key: f"{d.label_zh} {d.label_en}" for d in form.dimensions} if form else {}
        opinions.append(
            ExpertOpinion(
                expert=alias,
                round=review.round,
                overall=review.overall,
                dimensions=tuple(
                    DimensionOpinion(labels.get(d.key, d.key), d.grade, d.comment)
                    for d in review.dimensions
                ),
                comment=review.comment,
            )
        )
    return tuple(opinions)


def institution_feedback(
    cycle: ReviewCycle,
    results: Results,
    institution: str,
    allegations: Iterable[Allegation] = (),
    rectification: Iterable[RectificationItem] = (),
    marks: Iterable[Mark] = (),
) -> InstitutionFeedback:
    """The feedback for one institution of the year's results."""
    return feedback_for_institutions(
        cycle, results, [institution], allegations, rectification, marks
    )[0]


def feedback_for_institutions(
    cycle: ReviewCycle,
    results: Results,
    institutions: Sequence[str],
    allegations: Iterable[Allegation] = (),
    rectification: Iterable[RectificationItem] = (),
    marks: Iterable[Mark] = (),
) -> list[InstitutionFeedback]:
    """The feedback of each institution, in order; the cycle's decisions are worked out
    once for all of them (one page per institution of a national sample)."""
    statuses = thesis_statuses(cycle)
    by_thesis: dict[str, list[Review]] = {}
    for review in latest_reviews(cycle.reviews).values():
        by_thesis.setdefault(review.thesis_id, []).append(review)
    problems: dict[str, list[FeedbackThesis]] = {}
    for thesis in sorted(cycle.theses, key=lambda t: t.thesis_id):
        status = statuses[thesis.thesis_id]
        if status.decision.outcome is not Outcome.PROBLEM:
            continue
        problems.setdefault(thesis.institution, []).append(
            FeedbackThesis(
                thesis_id=thesis.thesis_id,
                title=thesis.title,
                author=thesis.author,
                discipline=group_label("discipline_code", thesis.discipline_code),
                degree_level=group_label("degree_level", thesis.degree_level),
                degree_type=group_label("degree_type", thesis.degree_type),
                opinions=_opinions(by_thesis.get(thesis.thesis_id, [])),
            )
        )
    groups = {g.group: g for g in results.by("institution")}
    overall = next(iter(results.by("overall")), None)
    allegations, rectification, marks = tuple(allegations), tuple(rectification), tuple(marks)
    return [
        InstitutionFeedback(
            institution=institution,
            year=results.year,
            own=groups.get(institution),
            overall=overall,
            position=_position(groups.get(institution), overall),
            problem_theses=tuple(problems.get(institution, ())),
            allegations=tuple(institution_view(allegations, institution)),
            rectification=tuple(
                i for i in rectification if i.institution == institution and i.year == results.year
            ),
            marks=tuple(m for m in marks if m.institution == institution),
        )
        for institution in institutions
    ]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _rate_row(label: str, group: GroupResult | None) -> dict[str, object]:
    rate = group.rate if group else None
    return {
        "label": label,
        "sampled": group.sampled if group else 0,
        "reviewed": group.reviewed if group else 0,
        "problems": group.problems if group else 0,
        "estimate": _percent(rate.estimate if rate else None),
        "interval": "—" if rate is None else f"{_percent(rate.ci_low)} – {_percent(rate.ci_high)}",
    }


@functools.cache
def _template() -> jinja2.Template:
    """The page template, compiled once per process (one page per institution)."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("review", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("feedback.html.j2")


def render_feedback_html(feedback: InstitutionFeedback) -> str:
    """A self-contained page (no network requests), Chinese labels with English beside."""
    template = _template()
    return template.render(
        f=feedback,
        rates=[
            _rate_row(f"{feedback.institution} 本单位 this institution", feedback.own),
            _rate_row("全部抽检论文 all sampled theses", feedback.overall),
        ],
        allegation_kinds=KIND_LABELS,
        allegation_states=ALLEGATION_STATE_LABELS,
        follow_ups=FOLLOW_UP_LABELS,
        item_kinds=ITEM_LABELS,
        item_states=ITEM_STATE_LABELS,
        mark_labels=MARK_LABELS,
    )
