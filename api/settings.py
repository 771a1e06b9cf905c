"""Service settings from the environment (`SPOTCHECK_` prefix) with safe defaults for development.

Outside development (`SPOTCHECK_ENVIRONMENT=production`) the service refuses to start with a
default secret, so a forgotten setting cannot ship a guessable key pepper.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "development-only-secret-change-me"


class Settings(BaseSettings):
    """Everything the service reads from the environment; one instance per app."""

    model_config = SettingsConfigDict(env_prefix="SPOTCHECK_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("./spotcheck-data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite under data_dir when unset"
    )
    secret_key: str = DEFAULT_SECRET
    max_upload_bytes: int = 200 * 1024 * 1024
    max_frame_bytes: int = 100 * 1024 * 1024
    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 200
    auth_cache_seconds: float = 5.0
    result_cache_bytes: int = 64 * 1024 * 1024
    run_worker: bool = True
    concurrent_uploads: int = Field(
        default=4,
        ge=1,
        le=1000,
        description="file bodies one process receives at a time; more wait their turn, so "
        "bulk uploads cannot crowd out the short status and result reads",
    )
    upload_wait_seconds: float = Field(
        default=60.0,
        gt=0,
        description="how long an upload waits for its turn before a 503 with Retry-After",
    )
    request_threads: int = Field(
        default=8,
        ge=1,
        le=200,
        description="threads per process for blocking request work (database writes, "
        "reports); more only add GIL contention",
    )
    worker_threads: int = 1
    worker_nice: int = Field(
        default=19, ge=0, le=19, description="niceness of job threads, so requests come first"
    )
    job_lease_seconds: float = 60.0
    job_poll_seconds: float = 0.5
    job_max_attempts: int = 3
    webhook_timeout_seconds: float = 10.0
    webhook_allow_private: bool = Field(
        default=False,
        description="let webhooks reach private, loopback and link-local addresses "
        "(for a receiver inside the network; off by default against request forgery)",
    )
    webhook_max_attempts: int = 6
    webhook_backoff_seconds: float = 5.0
    retry_after_seconds: int = 5
    allegation_pow_bits: int = Field(
        default=16,
        ge=0,
        le=32,
        description="proof-of-work difficulty (leading zero bits of SHA-256) of a public "
        "allegation: about 2**bits hashes, about a second in a browser at 16",
    )
    allegation_challenge_seconds: int = Field(
        default=1800, ge=60, description="how long a proof-of-work challenge stays valid"
    )
    allegations_per_hour: float = Field(
        default=10.0,
        ge=0,
        description="public allegation submissions (and status look-ups ×10) per client "
        "address per hour; 0 turns the limit off",
    )
    allegation_max_bytes: int = Field(
        default=25 * 1024 * 1024, ge=1024, description="largest public allegation body"
    )
    allegation_max_files: int = Field(
        default=5, ge=0, le=20, description="attachments per allegation"
    )
    rectification_max_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1024, description="largest rectification plan/report upload"
    )

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                "SPOTCHECK_SECRET_KEY must be set to a long random value outside development "
                f"(environment is {self.environment!r})"
            )
        if len(self.secret_key) < 16:
            raise ValueError("SPOTCHECK_SECRET_KEY must be at least 16 characters long")
        return self

    def blinding_key(self, scope: str = "deployment") -> bytes:
        """The key of blind ids and institution numbers for `scope` (a review cycle's id, or
        the whole deployment), derived from the secret key (`corpora.blind.blinding_key`)."""
        from corpora.blind import blinding_key

        return blinding_key(self.secret_key, scope)

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'spotcheck.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def corpora_dir(self) -> Path:
        return self.data_dir / "corpora"

    @property
    def work_dir(self) -> Path:
        return self.data_dir / "work"


@lru_cache
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
