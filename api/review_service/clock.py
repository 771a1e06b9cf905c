"""Today's date for the review service, in one place so tests can move time past a deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime


def today() -> date:
    """The service's idea of today (UTC)."""
    return datetime.now(UTC).date()
