"""Review forms (评议意见书), versioned per degree type, and the grades experts give."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Grade(StrEnum):
    """The four-level grade used for the overall verdict and for each dimension."""

    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"
    FAIL = "fail"

    @property
    def label(self) -> str:
        return GRADE_LABELS[self]


GRADE_LABELS: dict[Grade, str] = {
    Grade.EXCELLENT: "优秀",
    Grade.GOOD: "良好",
    Grade.PASS: "合格",
    Grade.FAIL: "不合格",
}
GRADE_ORDER = (Grade.EXCELLENT, Grade.GOOD, Grade.PASS, Grade.FAIL)
_GRADE_ALIASES: dict[str, Grade] = {
    **{grade.value: grade for grade in Grade},
    **{label: grade for grade, label in GRADE_LABELS.items()},
    "a": Grade.EXCELLENT,
    "b": Grade.GOOD,
    "c": Grade.PASS,
    "d": Grade.FAIL,
    "passed": Grade.PASS,
    "failed": Grade.FAIL,
}


def parse_grade(text: str) -> Grade:
    """A grade from its English name, Chinese label (优秀/良好/合格/不合格) or A–D letter."""
    key = unicodedata.normalize("NFKC", text).strip().casefold()
    try:
        return _GRADE_ALIASES[key]
    except KeyError:
        message = "not a grade (优秀/良好/合格/不合格 or excellent/good/pass/fail)"
        raise ValueError(message) from None


class MisconductOpinion(StrEnum):
    """The reviewer's opinion on suspected academic misconduct (学术不端)."""

    NOT_FOUND = "not_found"
    SUSPECTED = "suspected"
    CANNOT_JUDGE = "cannot_judge"

    @property
    def label(self) -> str:
        return MISCONDUCT_LABELS[self]


MISCONDUCT_LABELS: dict[MisconductOpinion, str] = {
    MisconductOpinion.NOT_FOUND: "未发现学术不端 no misconduct found",
    MisconductOpinion.SUSPECTED: "存在疑似学术不端 suspected misconduct",
    MisconductOpinion.CANNOT_JUDGE: "无法判断 cannot judge",
}
_MISCONDUCT_ALIASES: dict[str, MisconductOpinion] = {
    **{item.value: item for item in MisconductOpinion},
    "未发现": MisconductOpinion.NOT_FOUND,
    "未发现学术不端": MisconductOpinion.NOT_FOUND,
    "疑似": MisconductOpinion.SUSPECTED,
    "存在疑似学术不端": MisconductOpinion.SUSPECTED,
    "疑似学术不端": MisconductOpinion.SUSPECTED,
    "无法判断": MisconductOpinion.CANNOT_JUDGE,
}


def parse_misconduct(text: str) -> MisconductOpinion:
    key = unicodedata.normalize("NFKC", text).strip().casefold()
    try:
        return _MISCONDUCT_ALIASES[key]
    except KeyError:
        raise ValueError("not a misconduct opinion (not_found/suspected/cannot_judge)") from None


@dataclass(frozen=True)
class Dimension:
    """One assessed dimension of a form, with the guidance reviewers see."""

    key: str
    label_zh: str
    label_en: str
    guidance: str


@dataclass(frozen=True)
class ReviewForm:
    """A versioned form: `form_id` is stored with every review so old reviews stay readable."""

    form_id: str
    degree_type: str
    version: int
    title: str
    dimensions: tuple[Dimension, ...]

    def dimension_keys(self) -> tuple[str, ...]:
        return tuple(dimension.key for dimension in self.dimensions)


DIMENSION_KEYS = ("topic_review", "originality_value", "research_ability", "academic_norms")

ACADEMIC_FORM_V1 = ReviewForm(
    form_id="academic-v1",
    degree_type="academic",
    version=1,
    title="学术学位论文评议意见书 Academic degree thesis review form",
    dimensions=(
        Dimension(
            "topic_review",
            "选题与综述",
            "Topic and literature review",
            "选题的理论意义与前沿性，文献综述的全面性与评述深度。"
            " Significance of the topic; coverage and critical depth of the review.",
        ),
        Dimension(
            "originality_value",
            "创新性及论文价值",
            "Originality and value",
            "新见解、新方法或新发现及其学术价值。"
            " New insights, methods or findings and their scholarly value.",
        ),
        Dimension(
            "research_ability",
            "科研能力与基础知识",
            "Research ability and foundations",
            "理论基础、专业知识与研究方法的掌握程度。"
            " Command of theory, subject knowledge and research methods.",
        ),
        Dimension(
            "academic_norms",
            "论文规范性",
            "Academic norms and writing",
            "引用规范、结构、图表与文字表达。 Citation practice, structure, figures and writing.",
        ),
    ),
)

PROFESSIONAL_FORM_V1 = ReviewForm(
    form_id="professional-v1",
    degree_type="professional",
    version=1,
    title="专业学位论文评议意见书 Professional degree thesis review form",
    dimensions=(
        Dimension(
            "topic_review",
            "选题与综述",
            "Topic and literature review",
            "选题来源于专业实践、具有应用背景，综述与实际问题结合。"
            " Topic drawn from professional practice; review tied to the practical problem.",
        ),
        Dimension(
            "originality_value",
            "创新性及论文价值",
            "Originality and value",
            "解决实际问题的新思路、新方案及其应用价值或经济社会效益。"
            " New approaches to a practical problem and their applied or social value.",
        ),
        Dimension(
            "research_ability",
            "科研能力与基础知识",
            "Research ability and foundations",
            "运用专业知识与方法分析、解决实际问题的能力。"
            " Ability to apply professional knowledge and methods to real problems.",
        ),
        Dimension(
            "academic_norms",
            "论文规范性",
            "Academic norms and writing",
            "形式符合专业学位论文要求（研究报告、设计、案例等），引用与表达规范。"
            " Form suited to the professional genre (report, design, case), proper citation.",
        ),
    ),
)

FORMS: dict[str, ReviewForm] = {
    form.form_id: form for form in (ACADEMIC_FORM_V1, PROFESSIONAL_FORM_V1)
}
CURRENT_FORMS: dict[str, str] = {"academic": "academic-v1", "professional": "professional-v1"}


def form_for(degree_type: str) -> ReviewForm:
    """The current form version for a degree type."""
    try:
        return FORMS[CURRENT_FORMS[degree_type]]
    except KeyError:
        raise ValueError(f"no review form for degree type {degree_type!r}") from None
