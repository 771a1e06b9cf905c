"""Reference corpora, their documents and boilerplate templates; background jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class CorpusCreate(BaseModel):
    name: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00-\x1f\x7f/\\]+$",
        description="unique; a corpus named `default` is used when a screening names none",
    )
    description: str = Field(default="", max_length=2000)


class CorpusPublic(BaseModel):
    id: str
    name: str
    description: str
    documents: int
    characters: int
    templates: int
    snapshot: str
    created_at: datetime


class CorpusDocumentPublic(BaseModel):
    id: str
    title: str
    file: str
    characters: int
    sha256: str
    type: str
    year: int | None
    authors: list[str]
    institution: str | None
    pages: int
    status: str
    added_at: str


class TemplateCreate(BaseModel):
    text: str = Field(min_length=1, max_length=200_000)
    kind: Literal["cover", "declaration", "authorisation", "other"]
    institution: str | None = Field(default=None, max_length=200)


class TemplatePublic(BaseModel):
    id: str
    institution: str | None
    kind: str
    characters: int
    sha256: str
    added_at: str


class JobPublic(BaseModel):
    id: str
    kind: str
    state: Literal["queued", "running", "complete", "error"]
    attempts: int
    result: dict[str, Any]
    error: str | None
    created_at: datetime
    finished_at: datetime | None
