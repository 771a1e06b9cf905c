"""Thesis submissions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PlainText = Field(default="", max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$")


class SubmissionCreate(BaseModel):
    """Metadata of one thesis; the file is uploaded next with `PUT /v1/submissions/{id}/file`."""

    model_config = ConfigDict(extra="forbid")

    thesis_id: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f/\\]+$")
    institution: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[^\x00-\x1f\x7f]+$",
        description="required for admin keys; a system key always submits for its own",
    )
    title: str = PlainText
    author: str = PlainText
    supervisor: str = PlainText
    # Other spellings and contacts that blind copies must hide as well (optional).
    author_en: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description="e.g. Wang Xiaoming",
    )
    supervisor_en: str | None = Field(default=None, max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$")
    institution_en: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description="e.g. Jia University",
    )
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^\s@]+@[^\s@]+$")
    discipline_code: str = Field(default="", max_length=8, pattern=r"^[0-9A-Za-z]*$")
    degree_level: Literal["", "doctoral", "master"] = ""
    degree_type: Literal["", "academic", "professional"] = ""
    draw_id: str | None = Field(default=None, max_length=32)


class SubmissionPublic(BaseModel):
    id: str
    thesis_id: str
    institution: str
    metadata: dict[str, Any]
    state: Literal["awaiting_file", "uploaded"]
    file_sha256: str | None
    file_size: int | None
    file_type: str | None
    file_label: str | None
    created_at: datetime
    uploaded_at: datetime | None
