"""Request and response bodies of expert review (office and reviewer endpoints)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from review.forms import Grade, MisconductOpinion
from review.misconduct import CaseEventKind, CaseOutcome

GRADE_DESCRIPTION = "excellent 优秀 / good 良好 / pass 合格 / fail 不合格"


def _plausible(value: date) -> date:
    """Dates of the procedure lie in a sane range (deadlines are computed from them)."""
    if not 1980 <= value.year <= 2200:
        raise ValueError("must be a date between 1980 and 2200")
    return value


ProcedureDate = Annotated[date, AfterValidator(_plausible)]


Exclusion = Literal["same-province", "supervisor", "co-authors", "pre-defence-reviewers"]
DEFAULT_EXCLUSION_NAMES: tuple[Exclusion, ...] = (
    "supervisor",
    "co-authors",
    "pre-defence-reviewers",
)


class ReviewCycleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    draw_id: str = Field(max_length=32, description="the draw whose sample is reviewed")
    year: int = Field(ge=1980, le=2200, description="the spot check's year (for results)")
    seed: int = Field(ge=0, le=2**62, description="seed of the reproducible assignment")
    due_days: int = Field(default=30, ge=1, le=365, description="days each expert has")
    exclusions: list[Exclusion] = Field(
        default_factory=lambda: list(DEFAULT_EXCLUSION_NAMES),
        max_length=4,
        description="conflict rules besides the author's institution (always excluded)",
    )
    identity: Literal["none", "id", "full"] = Field(
        default="id", description="thesis identities in published results"
    )


class ReviewCyclePublic(BaseModel):
    id: str
    draw_id: str
    year: int
    seed: int
    due_days: int
    exclusions: list[str]
    identity: str
    theses: int
    experts: int
    states: dict[str, int] = Field(description="theses per state")
    prior_results: str | None = Field(description="label of the prior years' results file")
    created_at: datetime


class ExpertPublic(BaseModel):
    expert_id: str
    name: str
    institution: str
    province: str
    disciplines: list[str]
    contact: str
    max_load: int
    load: int = Field(description="active and completed assignments")


class ImportSummary(BaseModel):
    imported: int
    label: str


class ReviewAssignmentPublic(BaseModel):
    id: str
    thesis_id: str
    expert_id: str
    round: int = Field(description="1 评议, 2 复评")
    match: str = Field(description="discipline (same first-level code) or category (门类)")
    assigned_on: date
    due_on: date
    status: str = Field(description="active / completed / declined / timed_out")
    replaces: str
    ended_on: date | None


class ShortfallPublic(BaseModel):
    thesis_id: str
    round: int
    needed: int
    assigned: int
    reason: str


class StaffingPublic(BaseModel):
    assigned: list[ReviewAssignmentPublic]
    shortfalls: list[ShortfallPublic] = Field(description="theses not fully staffed, and why")


class AssignmentEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    thesis_id: str = Field(max_length=100)
    expert_id: str = Field(max_length=100)
    status: Literal["declined", "timed_out"]


class TimeoutRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    today: ProcedureDate | None = Field(default=None, description="defaults to the server's date")


class DimensionPublic(BaseModel):
    key: str
    grade: Grade
    comment: str


class ReviewPublic(BaseModel):
    round: int
    form_id: str
    overall: Grade
    overall_label: str
    dimensions: list[DimensionPublic]
    comment: str
    misconduct: MisconductOpinion | None
    misconduct_comment: str
    submitted_on: date
    revision: int


class OfficeReviewPublic(ReviewPublic):
    thesis_id: str
    expert_id: str


class ThesisStatusPublic(BaseModel):
    thesis_id: str
    institution: str
    degree_level: str
    degree_type: str
    discipline_code: str
    title: str
    state: str = Field(description="unassigned / assigned / in_review / re_review / decided")
    state_label: str
    outcome: str = Field(description="pending / re_review / problem / not_problem")
    outcome_label: str
    reason: str
    reviews_needed: int
    active_experts: int
    screening_level: str | None


class ThesisDetailPublic(ThesisStatusPublic):
    assignments: list[ReviewAssignmentPublic]
    reviews: list[OfficeReviewPublic] = Field(description="every revision, oldest first")


class ReviewImportSummary(BaseModel):
    imported: int
    label: str
    re_review_assigned: list[ReviewAssignmentPublic]
    shortfalls: list[ShortfallPublic]
    cases_opened: list[str]


class CaseEventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: CaseEventKind
    on: ProcedureDate
    outcome: CaseOutcome | None = None
    note: str = Field(default="", max_length=4000)


class CaseEventPublic(BaseModel):
    kind: str
    label: str
    on: date
    outcome: str | None
    note: str


class DeadlinePublic(BaseModel):
    name: str
    due: date | None
    status: str = Field(description="open / met / missed / expired")
    done_on: date | None


class OpinionPublic(BaseModel):
    reviewer: str
    round: int
    overall: str
    misconduct: str
    comment: str


class CasePublic(BaseModel):
    thesis_id: str
    opened_on: date
    triggers: list[str]
    closed: bool
    events: list[CaseEventPublic]
    deadlines: list[DeadlinePublic]
    screening_level: str
    screening_reasons: list[str]
    screening_report: str
    total_copy_ratio: float | None
    opinions: list[OpinionPublic] = Field(description="anonymised reviewer opinions")


class RatePublic(BaseModel):
    estimate: float
    ci_low: float
    ci_high: float
    method: str


class GroupResultPublic(BaseModel):
    group_by: str
    group: str
    label: str
    sampled: int
    reviewed: int
    problems: int
    pending: int
    grades: dict[str, int]
    rate: RatePublic | None


class ProblemThesisPublic(BaseModel):
    institution: str
    discipline_code: str
    degree_level: str
    degree_type: str
    thesis_id: str
    title: str
    author: str


class ConsecutivePublic(BaseModel):
    institution: str
    years: list[int]
    problems_this_year: int
    problems_last_year: int


class ResultsPublic(BaseModel):
    year: int
    identity: str
    groups: list[GroupResultPublic]
    problem_theses: list[ProblemThesisPublic]
    consecutive: list[ConsecutivePublic]
    notes: list[str]


class ExpertKeyCreated(BaseModel):
    key_id: str
    prefix: str
    token: str = Field(description="shown once; give it to the expert")
    cycle_id: str
    expert_id: str


class LoginLinkCreated(BaseModel):
    path: str = Field(description="portal path of the one-time sign-in link (single use)")
    token: str
    expires_at: datetime


class DimensionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grade: Grade = Field(description=GRADE_DESCRIPTION)
    comment: str = Field(default="", max_length=4000)


class ReviewSubmit(BaseModel):
    """A reviewer's form: the four dimensions, the overall grade, a misconduct opinion."""

    model_config = ConfigDict(extra="forbid")

    overall: Grade = Field(description=GRADE_DESCRIPTION)
    dimensions: dict[
        Literal["topic_review", "originality_value", "research_ability", "academic_norms"],
        DimensionInput,
    ]
    comment: str = Field(default="", max_length=10000)
    misconduct_opinion: MisconductOpinion | None = None
    misconduct_comment: str = Field(default="", max_length=4000)


class FormDimensionPublic(BaseModel):
    key: str
    label_zh: str
    label_en: str
    guidance: str


class FormPublic(BaseModel):
    form_id: str
    title: str
    dimensions: list[FormDimensionPublic]


class MyAssignmentPublic(BaseModel):
    """An assignment as its reviewer sees it: no author, supervisor or institution."""

    id: str
    blind_id: str
    title: str
    degree_level: str
    degree_type: str
    discipline_code: str
    discipline_label: str
    round: int
    due_on: date
    status: str
    thesis_state: str
    thesis_state_label: str
    misconduct_opinion_required: bool
    open_for_review: bool
    form: FormPublic
    review: ReviewPublic | None
