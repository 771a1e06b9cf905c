"""The service's shared resources (settings, database, blob store), built once per process."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.key_lookup import KeyLookup
from api.keys import PrincipalCache
from api.migrations import upgrade_to_head
from api.ratelimit import RateLimiter
from api.settings import Settings
from api.storage.blob_cache import BlobCache
from api.storage.blobs import BlobStore
from api.storage.db import (
    make_engine,
    make_inline_reader,
    make_point_reader,
    make_session_factory,
)
from api.storage.row_cache import FinishedRows


@dataclass
class Service:
    """Settings, database, blob store, and the per-process caches and limits."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStore
    limiter: RateLimiter = field(default_factory=RateLimiter)
    principals: PrincipalCache = field(default_factory=PrincipalCache)
    inline_reader: Engine | None = None
    point_reader: Engine | None = None
    results: BlobCache = field(init=False)
    finished_rows: FinishedRows = field(init=False)
    keys: KeyLookup = field(init=False)
    upload_slots: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.results = BlobCache(self.blobs, max_bytes=self.settings.result_cache_bytes)
        self.finished_rows = FinishedRows()
        self.keys = KeyLookup(self)
        self.upload_slots = asyncio.Semaphore(self.settings.concurrent_uploads)

    def close(self) -> None:
        for reader in (self.inline_reader, self.point_reader):
            if reader is not None:
                reader.dispose()
        self.engine.dispose()

    def corpus_path(self, corpus_id: str) -> Path:
        return self.settings.corpora_dir / corpus_id


def open_service(settings: Settings, *, migrate: bool = True) -> Service:
    """Creates the data folder, migrates the database to the latest schema and connects."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    for folder in (settings.blob_dir, settings.corpora_dir, settings.work_dir):
        folder.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    if migrate:
        upgrade_to_head(url)
    engine = make_engine(url)
    return Service(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        blobs=BlobStore(settings.blob_dir),
        limiter=RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst),
        principals=PrincipalCache(settings.auth_cache_seconds),
        inline_reader=make_inline_reader(url),
        point_reader=make_point_reader(url),
    )
