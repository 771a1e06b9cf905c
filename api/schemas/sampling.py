"""Frames, draws and estimates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FramePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    sha256: str = Field(description="sha256 of the uploaded file's bytes")
    size: int
    rows: int
    summary: dict[str, Any]
    created_at: datetime


class DrawCreate(BaseModel):
    frame_id: str = Field(max_length=32)
    seed: int | None = Field(
        default=None, ge=0, le=2**63 - 1, description="random seed; taken from the plan if unset"
    )
    plan: dict[str, Any] | None = Field(
        default=None, description="the plan as an object with the PLAN.toml keys"
    )
    plan_toml: str | None = Field(
        default=None, max_length=100_000, description="the plan as PLAN.toml text"
    )


class DrawPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    frame_id: str
    seed: int
    plan: dict[str, Any]
    population: int
    sample_size: int
    created_at: datetime


class DrawVerification(BaseModel):
    draw_id: str
    ok: bool
    detail: str
    checks: dict[str, Any] = Field(default_factory=dict)


class EstimateCreate(BaseModel):
    problems: dict[str, int] = Field(
        description="thesis_id → 1 (problem thesis) or 0, for the draw's sampled theses"
    )


class EstimateRow(BaseModel):
    group_by: str
    group: str
    sampled: int
    problems: int
    estimate: float
    ci_low: float
    ci_high: float
    method: str


class EstimatePublic(BaseModel):
    draw_id: str
    rows: list[EstimateRow]
