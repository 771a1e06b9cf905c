"""The hot read helpers: inline reads, ETag matching, the immutable-blob cache, job priority."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from api.jobs.worker import lower_thread_priority
from api.screening_reads import etag_matches, first_row
from api.service import Service, open_service
from api.settings import Settings
from api.storage.blob_cache import BlobCache
from api.storage.blobs import BlobStore
from api.storage.db import make_inline_reader
from api.storage.models import ApiKey

KEY_COUNT = select(func.count()).select_from(ApiKey)

ETAG = '"' + "a" * 64 + '"'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("*", True),
        (ETAG, True),
        (f"W/{ETAG}", True),
        (f'"x", {ETAG} ,"y"', True),
        ('"' + "b" * 64 + '"', False),
        ("a" * 64, False),
    ],
)
def test_etag_matches(header: str | None, expected: bool) -> None:
    assert etag_matches(header, ETAG) is expected


@given(st.lists(st.text(alphabet="0123456789abcdef", min_size=1, max_size=8), max_size=5))
def test_etag_never_matches_a_list_without_it(tags: list[str]) -> None:
    header = ", ".join(f'"{tag}"' for tag in tags)
    assert etag_matches(header, '"' + "f" * 9 + '"') is False


def test_blob_cache_serves_from_memory_and_bounds_its_size(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    blobs = [store.put_bytes(bytes([index]) * 400) for index in range(5)]
    cache = BlobCache(store, max_bytes=1000, max_item_bytes=500)
    assert cache.get(blobs[0].sha256) is None
    assert cache.read(blobs[0].sha256) == bytes([0]) * 400
    blobs[0].path.unlink()  # a cached blob no longer needs the disk
    assert cache.read(blobs[0].sha256) == bytes([0]) * 400
    for blob in blobs[1:]:
        cache.read(blob.sha256)
    assert len(cache) == 2  # 1000 bytes hold two 400-byte blobs; the oldest were evicted
    assert cache.get(blobs[4].sha256) is not None and cache.get(blobs[0].sha256) is None
    big = store.put_bytes(b"z" * 600)
    assert cache.read(big.sha256) == b"z" * 600 and cache.get(big.sha256) is None


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="no thread priorities here")
def test_job_threads_run_at_lower_priority_without_touching_the_caller() -> None:
    before = os.getpriority(os.PRIO_PROCESS, 0)
    seen: list[int | None] = []

    def job_thread() -> None:
        seen.append(lower_thread_priority(before + 5 if before + 5 <= 19 else 19))
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=job_thread)
    thread.start()
    thread.join()
    assert seen[0] is not None and seen[1] == seen[0] >= before
    assert os.getpriority(os.PRIO_PROCESS, 0) == before
    assert lower_thread_priority(0) is None


def _lower_session_priority_in_child(autogroup: Path, *, own_session: bool) -> str:
    code = (
        "import sys; from pathlib import Path; from api.jobs.worker import "
        "lower_session_priority as lower; print(lower(19, Path(sys.argv[1])))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(autogroup)],
        start_new_session=own_session,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_worker_leading_its_own_session_lowers_only_that_sessions_priority(
    tmp_path: Path,
) -> None:
    autogroup = tmp_path / "autogroup"  # stands in for /proc/self/autogroup
    autogroup.write_text("/autogroup-7 nice 0\n")
    assert _lower_session_priority_in_child(autogroup, own_session=False) == "None"
    assert autogroup.read_text() == "/autogroup-7 nice 0\n", "a shared session is left alone"
    assert _lower_session_priority_in_child(autogroup, own_session=True) == "19"
    assert autogroup.read_text() == "19\n"
    assert _lower_session_priority_in_child(tmp_path / "absent", own_session=True) == "None"


@pytest.fixture
def sqlite_service(tmp_path: Path) -> Iterator[Service]:
    settings = Settings(environment="test", secret_key="s" * 32, data_dir=tmp_path / "data")
    service = open_service(settings)
    yield service
    service.close()


async def first_row_with_loop_ticks(service: Service) -> tuple[int, float, int]:
    """`first_row(KEY_COUNT)`, with the seconds it took and how often the loop ticked meanwhile."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    row = await first_row(service, KEY_COUNT, {})
    took = time.monotonic() - started
    ticker.cancel()
    assert row is not None
    return row[0], took, ticks


def test_a_locked_database_is_waited_for_off_the_event_loop(sqlite_service: Service) -> None:
    assert sqlite_service.inline_reader is not None
    database = sqlite_service.settings.data_dir / "spotcheck.db"
    holder = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("DELETE FROM api_keys")

    def release() -> None:
        holder.execute("COMMIT")
        holder.close()

    timer = threading.Timer(0.5, release)
    timer.start()
    try:
        count, took, ticks = asyncio.run(first_row_with_loop_ticks(sqlite_service))
    finally:
        timer.join()
    assert count == 0
    assert took >= 0.4  # it really waited for the lock …
    assert ticks >= 0.5 * took / 0.01  # … while the event loop went on serving


def test_a_taken_inline_reader_falls_back_at_once(sqlite_service: Service) -> None:
    assert sqlite_service.inline_reader is not None
    with sqlite_service.inline_reader.connect():  # its only connection is in use
        count, took, _ = asyncio.run(first_row_with_loop_ticks(sqlite_service))
    assert count == 0 and took < 5


def test_only_sqlite_files_get_an_inline_reader(tmp_path: Path) -> None:
    assert make_inline_reader("postgresql+psycopg://u:p@localhost/db") is None
    assert make_inline_reader("sqlite://") is None
    reader = make_inline_reader(f"sqlite:///{tmp_path / 'x.db'}")
    assert reader is not None
    reader.dispose()


@pytest.mark.postgres
def test_postgres_point_reads_survive_dropped_connections(pg_database: str, tmp_path: Path) -> None:
    settings = Settings(
        environment="test",
        secret_key="s" * 32,
        data_dir=tmp_path / "data",
        database_url=pg_database,
    )
    service = open_service(settings)
    try:
        assert service.inline_reader is None and service.point_reader is not None
        first = asyncio.run(first_row(service, KEY_COUNT, {}))
        assert first is not None
        with service.engine.connect() as connection:  # as a database restart would
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        again = asyncio.run(first_row(service, KEY_COUNT, {}))
        assert again is not None and again[0] == first[0]
    finally:
        service.close()


def test_only_finished_screening_rows_are_kept_and_the_oldest_go_first() -> None:
    from sqlalchemy import column, literal

    from api.storage.row_cache import FinishedRows

    query = select(literal("x").label("id"))
    rows = FinishedRows(size=2)

    class Found:  # a row stand-in: only `.state` is read
        def __init__(self, state: str) -> None:
            self.state = state

    rows.keep(query, "running", Found("running"))  # type: ignore[arg-type]
    assert rows.get(query, "running") is None
    first, second, third = Found("complete"), Found("error"), Found("complete")
    rows.keep(query, "a", first)  # type: ignore[arg-type]
    rows.keep(query, "b", second)  # type: ignore[arg-type]
    assert rows.get(query, "a") is first  # now the most recently used
    rows.keep(query, "c", third)  # type: ignore[arg-type]
    assert rows.get(query, "b") is None
    assert rows.get(query, "a") is first and rows.get(query, "c") is third
    assert rows.get(select(column("y")), "a") is None  # another query's rows are apart
