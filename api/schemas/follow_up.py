"""Request and response bodies of the follow-up chain: allegations (举报), feedback (反馈),
rectification (整改), marks (约谈/通报/激励) and accountability (问责)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from review.allegations import FollowUp
from review.consequences import Measure


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- allegations ----------------------------------------------------------------------------


class ChallengePublic(BaseModel):
    """A proof-of-work challenge: find a decimal `counter` such that SHA-256 of
    `challenge + ":" + counter` (UTF-8) starts with `difficulty_bits` zero bits."""

    challenge: str
    difficulty_bits: int
    expires_at: datetime
    algorithm: str = "sha256-leading-zero-bits"


class AllegationCreate(BaseModel):
    """The fields of a public allegation (JSON, urlencoded or multipart with `attachment`
    files); `challenge` and `counter` are the solved proof of work."""

    title: str = Field(description="论文题目, required")
    author: str = ""
    institution: str = Field(description="学位授予单位, required")
    year: int = Field(description="year the degree was awarded")
    kind: str = Field(description="plagiarism 剽窃 | fabrication 伪造 | ghost_writing 代写")
    suspected_source: str = ""
    details: str = ""
    reporter_name: str = Field("", description="empty = anonymous 匿名")
    reporter_contact: str = ""
    challenge: str
    counter: str


class AllegationStatusPublic(BaseModel):
    """What the tracking code shows the reporter; nothing about other reporters or the
    office's internal handling."""

    tracking_code: str
    state: str
    state_label: str
    received_on: date
    last_step_on: date
    rejection_reason: str = ""
    follow_up: str | None = None
    follow_up_label: str | None = None
    merged_into: str = ""


class EventPublic(BaseModel):
    kind: str
    on: date
    actor: str
    note: str = ""


class AttachmentPublic(BaseModel):
    index: int
    label: str
    stored: bool = Field(description="whether the file is held by the service (downloadable)")


class ReporterPublic(BaseModel):
    name: str
    contact: str


class AllegationOffice(BaseModel):
    """Everything about one allegation, for the degree office only (reporter included)."""

    tracking_code: str
    state: str
    state_label: str
    received_on: date
    title: str
    author: str
    institution: str
    year: int
    kind: str
    kind_label: str
    suspected_source: str
    details: str
    attachments: list[AttachmentPublic]
    reporter: ReporterPublic | None
    thesis_id: str
    matched: bool
    merged_into: str
    rejection_reason: str
    follow_up: str | None
    answer_due: date | None
    overdue: bool
    events: list[EventPublic]


class AllegationAction(_Body):
    """One office step: accept, reject (reason), merge (into), link (thesis_id), unlink,
    follow_up (follow_up; `cycle_id` names the review cycle whose case procedure a
    `misconduct_case` opens in), close (note)."""

    action: Literal["accept", "reject", "merge", "link", "unlink", "follow_up", "close"]
    reason: str = Field("", max_length=4000)
    into: str = Field("", max_length=60)
    thesis_id: str = Field("", max_length=100)
    follow_up: FollowUp | None = None
    cycle_id: str | None = Field(None, max_length=32)
    note: str = Field("", max_length=4000)
    on: date | None = Field(None, description="date of the step (default today)")


class AllegationImportResult(BaseModel):
    imported: int
    unmatched: int
    tracking_codes: list[str]


class RegisterMatchPublic(BaseModel):
    tracking_code: str
    linked: str
    candidates: list[str]


class MatchRun(_Body):
    frame_id: str = Field(max_length=32)


# --- rectification --------------------------------------------------------------------------


class RectificationOpen(_Body):
    institutions: list[str] | None = Field(
        None, description="default: every institution with problem theses in the cycle"
    )
    plan_due: date | None = None
    report_due: date | None = None


class RectificationItemPublic(BaseModel):
    institution: str
    year: int
    kind: str
    kind_label: str
    state: str
    state_label: str
    due_on: date
    overdue: bool
    escalations: int
    document: str
    events: list[EventPublic]


class RectificationDecision(_Body):
    """The office's step on an item: accept, return (reason, optional new_due) or due
    (a new due date while the institution owes the document)."""

    action: Literal["accept", "return", "due"]
    reason: str = Field("", max_length=4000)
    new_due: date | None = None
    due: date | None = None
    note: str = Field("", max_length=4000)


# --- feedback, marks, accountability ----------------------------------------------------------


class RatePublic(BaseModel):
    sampled: int
    reviewed: int
    problems: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None


class DimensionOpinionPublic(BaseModel):
    label: str
    grade: str
    comment: str


class ExpertOpinionPublic(BaseModel):
    expert: str = Field(description="专家 A/B/C…: never an id or a name")
    round: int
    overall: str
    dimensions: list[DimensionOpinionPublic]
    comment: str


class FeedbackThesisPublic(BaseModel):
    thesis_id: str
    title: str
    author: str
    discipline: str
    degree_level: str
    degree_type: str
    opinions: list[ExpertOpinionPublic]


class InstitutionAllegationPublic(BaseModel):
    """An accepted allegation as the institution sees it: never the reporter or the code."""

    thesis_id: str
    title: str
    author: str
    year: int
    kind: str
    suspected_source: str
    state: str
    follow_up: str | None
    received_on: date


class MarkPublic(BaseModel):
    institution: str
    year: int
    kind: str
    label: str
    basis: str


class AccountabilityCreate(_Body):
    institution: str = Field(max_length=200)
    measure: Measure
    basis: str = Field(max_length=4000)
    decided_by: str = Field(max_length=200)
    programme: str = Field("", max_length=200)
    note: str = Field("", max_length=4000)
    decided_on: date | None = None


class AccountabilityPublic(BaseModel):
    institution: str
    year: int
    measure: str
    measure_label: str
    basis: str
    decided_on: date
    decided_by: str
    programme: str
    note: str


class FeedbackPublic(BaseModel):
    institution: str
    year: int
    position: str
    own: RatePublic | None
    overall: RatePublic | None
    problem_theses: list[FeedbackThesisPublic]
    allegations: list[InstitutionAllegationPublic]
    rectification: list[RectificationItemPublic]
    marks: list[MarkPublic]
    accountability: list[AccountabilityPublic]
