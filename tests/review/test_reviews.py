"""Review forms: versions per degree type, validation, offline-form import."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from review.forms import FORMS, Grade, MisconductOpinion, form_for, parse_grade
from review.reviews import parse_review_rows, validate_review
from review.tables import ValidationError
from tests.review.builders import review, thesis

TODAY = date(2025, 3, 20)
HEADER = (
    "论文编号,专家编号,评议轮次,总体评价,评议意见,选题与综述,创新性及论文价值,"
    "科研能力与基础知识,论文规范性,学术不端意见,提交日期\n"
)


def test_forms_are_versioned_per_degree_type_with_the_four_dimensions() -> None:
    academic, professional = form_for("academic"), form_for("professional")
    assert academic.form_id != professional.form_id
    for form in FORMS.values():
        labels = [d.label_zh for d in form.dimensions]
        assert labels == ["选题与综述", "创新性及论文价值", "科研能力与基础知识", "论文规范性"]
    assert academic.dimensions[0].guidance != professional.dimensions[0].guidance


@pytest.mark.parametrize(
    ("text", "grade"),
    [("优秀", Grade.EXCELLENT), ("良好", Grade.GOOD), ("合格", Grade.PASS),
     ("不合格", Grade.FAIL), ("FAIL", Grade.FAIL), ("Ｄ", Grade.FAIL)],
)  # fmt: skip
def test_grades_parse_from_chinese_english_and_letters(text: str, grade: Grade) -> None:
    assert parse_grade(text) is grade


def test_flagged_thesis_needs_a_misconduct_opinion() -> None:
    flagged = thesis("T1", flag="needs_review")
    problems = validate_review(review("T1", "E1", Grade.PASS), flagged)
    assert [field for field, _ in problems] == ["misconduct_opinion"]
    ok = review("T1", "E1", Grade.PASS, misconduct=MisconductOpinion.NOT_FOUND)
    assert validate_review(ok, flagged) == []


def test_form_must_match_degree_type() -> None:
    problems = validate_review(review("T1", "E1", Grade.PASS, degree_type="professional"), thesis())
    assert problems and problems[0][0] == "form"


def test_offline_forms_import_with_all_problems(tmp_path: Path) -> None:
    theses = {"T1": thesis("T1"), "T2": thesis("T2", flag="suspected_misconduct")}
    path = tmp_path / "forms.csv"
    path.write_text(
        HEADER
        + "T1,E1,1,不合格,,良好,合格,合格,不合格,,2025-03-10\n"
        + "T2,E2,1,良好,好,良好,良好,良好,良好,,\n"
        + "T9,E3,1,优秀,好,优秀,优秀,优秀,优秀,,\n"
        + "T1,E4,3,很好,好,,优秀,优秀,优秀,,2025-13-01\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as caught:
        parse_review_rows(path, theses, TODAY)
    found = {(p.row, p.column) for p in caught.value.problems}
    assert (2, "comment") in found
    assert (3, "misconduct_opinion") in found
    assert (4, "thesis_id") in found
    assert {(5, "round"), (5, "overall_grade"), (5, "topic_review"), (5, "submitted_on")} <= found


def test_valid_forms_are_parsed(tmp_path: Path) -> None:
    path = tmp_path / "forms.csv"
    path.write_text(HEADER + "T1,E1,,良好,研究扎实,良好,合格,良好,优秀,,\n", encoding="utf-8")
    [(row, parsed)] = parse_review_rows(path, {"T1": thesis("T1")}, TODAY)
    assert row == 2 and parsed.round == 1 and parsed.submitted_on == TODAY
    assert parsed.overall is Grade.GOOD and parsed.form_id == "academic-v1"
    grades = [d.grade for d in parsed.dimensions]
    assert grades == [Grade.GOOD, Grade.PASS, Grade.GOOD, Grade.EXCELLENT]
