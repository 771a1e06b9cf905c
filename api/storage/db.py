"""Engine and session factory for SQLite (WAL, the default) or PostgreSQL (by URL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine with the settings each backend needs for concurrent API + worker use."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=20,
            max_overflow=20,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _inline_reader_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()


def make_inline_reader(url: str) -> Engine | None:
    """A single read-only SQLite connection for the event loop; None for other databases.

    A WAL reader almost never waits, so a point query on the loop costs tens of microseconds
    where a thread-pool hop costs far more under load. It must never block, though: the pool
    holds one connection and gives up at once when it is taken, and SQLite's busy timeout is
    zero, so the caller gets an error immediately and can retry in the thread pool instead.
    PostgreSQL reads always go to the thread pool (network round trips).
    """
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 0},
        pool_size=1,
        max_overflow=0,
        pool_timeout=0,
    )
    event.listen(engine, "connect", _inline_reader_pragmas)
    return engine


def make_point_reader(url: str) -> Engine | None:
    """Autocommit PostgreSQL connections for single-row reads; None for SQLite.

    Without a transaction there is nothing to roll back when a connection returns to the
    pool, and without the pre-ping a read is one round trip instead of three. A connection
    the database dropped (a restart) surfaces as an invalidated-connection error, after which
    the caller retries once on a fresh one.
    """
    if is_sqlite(url):
        return None
    return create_engine(
        url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None, pool_size=10, max_overflow=10
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session committed on success and rolled back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
