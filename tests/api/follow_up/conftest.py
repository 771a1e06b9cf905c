"""The app with an easy proof of work (the difficulty is a setting; tests solve in Python)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.settings import Settings
from tests.api.conftest import Api, _api, make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", allegation_pow_bits=8, allegations_per_hour=10000)


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    yield from _api(settings)


@pytest.fixture
def api_any_db(tmp_path: Path, database_url: str) -> Iterator[Api]:
    """The same app on SQLite and, when available, PostgreSQL."""
    yield from _api(
        make_settings(
            tmp_path / "data", database_url, allegation_pow_bits=8, allegations_per_hour=10000
        )
    )
