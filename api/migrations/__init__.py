"""Alembic migrations of the service database; `upgrade_to_head` runs them (on every start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(url: str) -> None:
    """Brings the database at `url` to the latest schema (a no-op when it is current)."""
    command.upgrade(alembic_config(url), "head")
