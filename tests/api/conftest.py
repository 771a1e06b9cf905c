"""Fixtures for the service tests: settings on a temporary data folder, databases, keys, clients."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.app import create_app

with warnings.catch_warnings():
    # Starlette's TestClient warns that it prefers `httpx2`; httpx is what the project ships.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from api.jobs.tasks import HANDLERS
from api.jobs.worker import Worker
from api.keys import create_key
from api.service import Service
from api.settings import Settings

PG_ENV = "SPOTCHECK_TEST_PG_URL"


def pg_base_url() -> str | None:
    return os.environ.get(PG_ENV)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    base = pg_base_url()
    if not base:
        pytest.skip(f"{PG_ENV} is not set; PostgreSQL storage tests need a running server")
    name = f"spotcheck_api_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the environment
        admin.dispose()
        pytest.skip(f"cannot create a PostgreSQL test database at {base}: {exc}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = connection.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on SQLite and, when available, PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'spotcheck.db'}"
    url = request.getfixturevalue("pg_database")
    _truncate_all(url)
    return url


def make_settings(data_dir: Path, database_url: str | None = None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "secret_key": "test-secret-key-0123456789abcdef",
        "data_dir": data_dir,
        "database_url": database_url,
        "run_worker": False,
        "job_lease_seconds": 5.0,
        "job_poll_seconds": 0.05,
        "rate_limit_per_second": 1000.0,
        "rate_limit_burst": 1000,
        "webhook_backoff_seconds": 0.01,
        "webhook_allow_private": True,  # the test receivers listen on loopback
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@dataclass
class Keys:
    admin: str
    system_a: str
    system_b: str
    reviewer: str
    reviewer_id: str
    other_reviewer: str

    def auth(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


@dataclass
class Api:
    """An app in process: its client, service, keys and a worker to run queued jobs."""

    client: TestClient
    service: Service
    keys: Keys
    worker: Worker

    def as_(self, who: str) -> dict[str, str]:
        return self.keys.auth(getattr(self.keys, who))

    def run_jobs(self) -> int:
        return self.worker.run_until_idle()


def issue_keys(service: Service) -> Keys:
    secret = service.settings.secret_key
    with service.sessions() as session:
        admin = create_key(session, secret=secret, role="admin", name="office")
        system_a = create_key(session, secret=secret, role="system", name="a", institution="甲大学")
        system_b = create_key(session, secret=secret, role="system", name="b", institution="乙大学")
        reviewer = create_key(session, secret=secret, role="reviewer", name="expert 1")
        other = create_key(session, secret=secret, role="reviewer", name="expert 2")
        session.commit()
        return Keys(
            admin.token,
            system_a.token,
            system_b.token,
            reviewer.token,
            reviewer.key.id,
            other.token,
        )


def _api(settings: Settings) -> Iterator[Api]:
    app = create_app(settings, run_worker=False)
    with TestClient(app) as client:
        service: Service = app.state.service
        yield Api(client, service, issue_keys(service), Worker(service, HANDLERS))


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    """The app on SQLite."""
    yield from _api(settings)


@pytest.fixture
def api_any_db(tmp_path: Path, database_url: str) -> Iterator[Api]:
    """The app on SQLite and, when available, PostgreSQL."""
    yield from _api(make_settings(tmp_path / "data", database_url))
