"""Screenings (one thesis) and screening batches (a draw's sample)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

State = Literal["queued", "running", "complete", "error"]
ErrorCode = Literal[
    "ENCRYPTED_PDF",
    "NO_TEXT_LAYER",
    "NOT_EXTRACTABLE",
    "CORRUPT_FILE",
    "TOO_LARGE",
    "UNSUPPORTED_TYPE",
    "INTERNAL",
]


class ScreeningRequest(BaseModel):
    """Exclusion settings of a screening; every field has the documented default."""

    model_config = ConfigDict(extra="forbid")

    corpus_id: str | None = Field(
        default=None,
        max_length=32,
        description="reference corpus; the corpus named `default` when unset (if any)",
    )
    exclude_quotes: bool = True
    exclude_references: bool = True
    exclude_own: bool = True
    min_match_characters: int = Field(default=30, ge=5, le=10_000)
    excluded_sources: list[str] = Field(default_factory=list, max_length=200)
    templates: bool = True
    batch_comparison: bool = True


class ScreeningError(BaseModel):
    code: ErrorCode
    detail: str


class ScreeningPublic(BaseModel):
    id: str
    submission_id: str
    batch_id: str | None
    thesis_id: str
    institution: str
    state: State
    progress: float = Field(ge=0, le=1)
    stage: str | None
    error: ScreeningError | None
    flag_level: str | None
    total_copy_ratio: float | None
    settings: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    links: dict[str, str]


class BatchPublic(BaseModel):
    id: str
    draw_id: str | None
    state: State
    progress: float = Field(ge=0, le=1)
    screenings: int
    by_state: dict[str, int]
    by_flag: dict[str, int]
    missing: list[str] = Field(description="sampled thesis ids without an uploaded submission")
    error: ScreeningError | None
    created_at: datetime
    finished_at: datetime | None
    links: dict[str, str]


class AssignmentCreate(BaseModel):
    reviewer_key_id: str = Field(max_length=32)


class AssignmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    screening_id: str
    reviewer_key_id: str
    created_at: datetime
