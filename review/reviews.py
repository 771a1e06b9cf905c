"""Submitted reviews: the record, its validation against the form, and offline-form import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from review.forms import (
    DIMENSION_KEYS,
    FORMS,
    Grade,
    MisconductOpinion,
    ReviewForm,
    form_for,
    parse_grade,
    parse_misconduct,
)
from review.tables import Problem, ValidationError, read_table, resolve_columns
from review.theses import SampledThesis


@dataclass(frozen=True)
class DimensionAssessment:
    key: str
    grade: Grade
    comment: str = ""


@dataclass(frozen=True)
class Review:
    """One expert's verdict on one thesis in one round; `revision` counts resubmissions."""

    thesis_id: str
    expert_id: str
    round: int
    form_id: str
    overall: Grade
    dimensions: tuple[DimensionAssessment, ...]
    comment: str
    submitted_on: date
    misconduct: MisconductOpinion | None = None
    misconduct_comment: str = ""
    revision: int = 1


def validate_review(review: Review, thesis: SampledThesis) -> list[tuple[str, str]]:
    """(field, reason) for every way the review does not fit its form and thesis."""
    problems: list[tuple[str, str]] = []
    form: ReviewForm | None = FORMS.get(review.form_id)
    if form is None:
        problems.append(("form", f"unknown form {review.form_id!r} (known: {', '.join(FORMS)})"))
    elif form.degree_type != thesis.degree_type:
        problems.append(
            (
                "form",
                f"form {form.form_id!r} is for {form.degree_type} degrees, "
                f"thesis {thesis.thesis_id!r} is {thesis.degree_type}",
            )
        )
    if review.round not in (1, 2):
        problems.append(("round", "must be 1 (评议) or 2 (复评)"))
    keys = [assessment.key for assessment in review.dimensions]
    expected = form.dimension_keys() if form else DIMENSION_KEYS
    for key in expected:
        if keys.count(key) != 1:
            problems.append((key, "each of the form's four dimensions needs exactly one grade"))
    for key in sorted(set(keys) - set(expected)):
        problems.append((key, "not a dimension of this form"))
    if review.overall is Grade.FAIL and not review.comment.strip():
        problems.append(("comment", "a 不合格 (fail) verdict needs the reviewer's reasons"))
    if thesis.flagged and review.misconduct is None:
        problems.append(
            (
                "misconduct_opinion",
                "screening flagged this thesis: a misconduct opinion 学术不端意见 is required",
            )
        )
    return problems


REVIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "thesis_id": ("论文编号",),
    "expert_id": ("专家编号",),
    "round": ("评议轮次", "轮次"),
    "form": ("表单", "表单版本", "form_id"),
    "overall_grade": ("总体评价", "总体评价等级", "评价结果", "overall"),
    "comment": ("评议意见", "总体意见"),
    "misconduct_opinion": ("学术不端意见",),
    "misconduct_comment": ("学术不端说明",),
    "submitted_on": ("提交日期", "评议日期"),
    "topic_review": ("选题与综述",),
    "topic_review_comment": ("选题与综述评语",),
    "originality_value": ("创新性及论文价值",),
    "originality_value_comment": ("创新性及论文价值评语",),
    "research_ability": ("科研能力与基础知识",),
    "research_ability_comment": ("科研能力与基础知识评语",),
    "academic_norms": ("论文规范性",),
    "academic_norms_comment": ("论文规范性评语",),
}
REQUIRED_REVIEW_COLUMNS = ("thesis_id", "expert_id", "overall_grade", *DIMENSION_KEYS)


def parse_review_rows(
    path: Path | str, theses: dict[str, SampledThesis], today: date
) -> list[tuple[int, Review]]:
    """Reads an offline review-form table; ValidationError with every problem found.

    Checks each row against its form and thesis; whether the expert was assigned is
    checked when the reviews are recorded (`review.cycle.record_reviews`).
    """
    table = read_table(path)
    positions, problems = resolve_columns(table, REVIEW_COLUMNS, REQUIRED_REVIEW_COLUMNS)
    if problems:
        raise ValidationError(path, problems)
    parsed: list[tuple[int, Review]] = []
    seen: dict[tuple[str, str, int], int] = {}
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        values = {name: row[index] for name, index in positions.items()}
        row_problems: list[Problem] = []

        def bad(
            column: str,
            reason: str,
            values: dict[str, str] = values,
            number: int = number,
            found: list[Problem] = row_problems,
        ) -> None:
            found.append(Problem(number, column, values.get(column, ""), reason))

        thesis = theses.get(values["thesis_id"])
        if not values["thesis_id"]:
            bad("thesis_id", "empty")
        elif thesis is None:
            bad("thesis_id", "not a thesis of this review workspace")
        if not values["expert_id"]:
            bad("expert_id", "empty")
        round_number = 1
        if values.get("round"):
            try:
                round_number = int(values["round"])
            except ValueError:
                round_number = 0
            if round_number not in (1, 2):
                bad("round", "must be 1 (评议) or 2 (复评)")
        grades: dict[str, Grade] = {}
        for column in ("overall_grade", *DIMENSION_KEYS):
            try:
                grades[column] = parse_grade(values[column])
            except ValueError as exc:
                bad(column, "empty" if not values[column] else str(exc))
        misconduct = None
        if values.get("misconduct_opinion"):
            try:
                misconduct = parse_misconduct(values["misconduct_opinion"])
            except ValueError as exc:
                bad("misconduct_opinion", str(exc))
        submitted_on = today
        if values.get("submitted_on"):
            try:
                submitted_on = date.fromisoformat(values["submitted_on"])
            except ValueError:
                bad("submitted_on", "not an ISO date YYYY-MM-DD")
        form_id = values.get("form", "")
        if not form_id and thesis is not None:
            form_id = form_for(thesis.degree_type).form_id
        key = (values["thesis_id"], values["expert_id"], round_number)
        if key in seen:
            bad("expert_id", f"second review of this thesis by this expert (row {seen[key]})")
        else:
            seen[key] = number
        if row_problems or thesis is None:
            problems.extend(row_problems)
            continue
        review = Review(
            thesis_id=values["thesis_id"],
            expert_id=values["expert_id"],
            round=round_number,
            form_id=form_id,
            overall=grades["overall_grade"],
            dimensions=tuple(
                DimensionAssessment(key, grades[key], values.get(f"{key}_comment", ""))
                for key in DIMENSION_KEYS
            ),
            comment=values.get("comment", ""),
            submitted_on=submitted_on,
            misconduct=misconduct,
            misconduct_comment=values.get("misconduct_comment", ""),
        )
        for column, reason in validate_review(review, thesis):
            problems.append(Problem(number, column, values.get(column, ""), reason))
        parsed.append((number, review))
    if not table.rows:
        problems.append(Problem(0, "", "", "the file has no reviews (header only)"))
    if problems:
        raise ValidationError(path, problems)
    return parsed
