"""Migrations, the append-only audit log and keys on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from api import audit
from api.keys import authenticate, create_key, revoke_key
from api.migrations import alembic_config, upgrade_to_head
from api.storage.db import make_engine, make_session_factory
from api.storage.models import AppendOnlyViolation, AuditEvent

SECRET = "test-secret-key-0123456789abcdef"


def test_migrations_create_every_table_and_match_the_models(database_url: str) -> None:
    upgrade_to_head(database_url)
    upgrade_to_head(database_url)  # idempotent on start
    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"api_keys", "audit_events", "submissions", "screenings", "jobs", "webhooks"} <= tables
    command.check(alembic_config(database_url))  # raises if models and migrations differ


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # noqa: ANN001
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_audit_log_is_append_only_in_orm_and_database(database_url: str) -> None:
    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        event = audit.record(session, audit.SYSTEM_ACTOR, "draw.create", "draw", "d1", {"n": 1})
        session.commit()
        event.action = "tampered"
        with pytest.raises(AppendOnlyViolation):
            session.commit()
        session.rollback()
        session.delete(session.get(AuditEvent, event.id))
        with pytest.raises(AppendOnlyViolation):
            session.commit()
        session.rollback()
    with engine.begin() as connection, pytest.raises(DBAPIError):
        connection.execute(text("UPDATE audit_events SET action = 'x'"))
    with engine.begin() as connection, pytest.raises(DBAPIError):
        connection.execute(text("DELETE FROM audit_events"))
    with sessions() as session:
        events, count = audit.list_events(session, limit=10, offset=0)
        assert count == 1 and events[0].action == "draw.create"
    engine.dispose()


def test_keys_are_hashed_authenticated_and_revoked(database_url: str) -> None:
    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        created = create_key(session, secret=SECRET, role="system", name="x", institution="甲")
        session.commit()
        assert created.key.key_hash != created.token and created.token not in created.key.key_hash
        principal = authenticate(session, created.token, SECRET)
        assert principal is not None and principal.institution == "甲"
        assert authenticate(session, created.token, SECRET + "other") is None
        revoke_key(session, created.key.id)
        session.commit()
        assert authenticate(session, created.token, SECRET) is None
    engine.dispose()
