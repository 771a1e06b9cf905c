"""Rows of finished screenings, kept per process: they never change once finished."""

from __future__ import annotations

from collections import OrderedDict

from sqlalchemy import Row
from sqlalchemy.sql import Select

FINISHED_STATES = frozenset({"complete", "error"})


class FinishedRows:
    """Rows of finished screenings by (query, screening id), least recently used dropped."""

    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._rows: OrderedDict[tuple[int, str], Row] = OrderedDict()

    def get(self, query: Select, screening_id: str) -> Row | None:
        key = (id(query), screening_id)
        row = self._rows.get(key)
        if row is not None:
            self._rows.move_to_end(key)
        return row

    def keep(self, query: Select, screening_id: str, row: Row) -> None:
        """Keeps `row` if its screening has finished (only such rows never change)."""
        if row.state not in FINISHED_STATES:
            return
        self._rows[(id(query), screening_id)] = row
        if len(self._rows) > self._size:
            self._rows.popitem(last=False)
