"""Shapes shared by every resource: paged lists and accepted-for-processing answers."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Paged(BaseModel, Generic[T]):
    """A page of a list: `data` holds the items, `count` the total matching the filter."""

    data: list[T]
    count: int = Field(ge=0)


class Accepted(BaseModel):
    """Work accepted for background processing; poll `location`."""

    id: str
    state: str
    location: str
