"""Bearer keys to principals without a thundering herd on the database.

Every request authenticates, and under load one key is in many requests at once. A plain
time-limited cache makes all of them miss together when the entry expires, and each then
waits for its own database lookup in the thread pool, behind whatever else the pool is
doing (uploads, writes): on PostgreSQL that made the read tail. Here one lookup per key
runs at a time (others await it), and a cached key is looked up again in the background
once it is half way to expiry, so under steady traffic no request waits for the database
to authenticate. A key revoked elsewhere still stops working within the cache's `ttl`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from fastapi.concurrency import run_in_threadpool

from api.keys import Principal, authenticate

if TYPE_CHECKING:
    from api.service import Service


class KeyLookup:
    """Resolves bearer tokens for one service: cache first, one database lookup at a time."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._running: dict[str, asyncio.Task[Principal | None]] = {}
        self._background: set[asyncio.Task[Principal | None]] = set()

    async def principal(self, token: str) -> Principal | None:
        """The token's principal, or None for an unknown or revoked key."""
        cached, due = self.service.principals.lookup(token)
        if cached is not None:
            if due:
                self._background.add(self._lookup(token))
            return cached
        return await asyncio.shield(self._lookup(token))

    def _lookup(self, token: str) -> asyncio.Task[Principal | None]:
        loop = asyncio.get_running_loop()
        task = self._running.get(token)
        if task is None or task.done() or task.get_loop() is not loop:
            task = loop.create_task(self._from_database(token))
            self._running[token] = task
            task.add_done_callback(lambda done: self._forget(token, done))
        return task

    def _forget(self, token: str, task: asyncio.Task[Principal | None]) -> None:
        if self._running.get(token) is task:
            del self._running[token]
        self._background.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a failed background refresh is retried next time

    async def _from_database(self, token: str) -> Principal | None:
        cache = self.service.principals
        generation = cache.generation
        principal = await run_in_threadpool(self._authenticate, token)
        if principal is not None:
            cache.put(token, principal, generation)
        return principal

    def _authenticate(self, token: str) -> Principal | None:
        with self.service.sessions() as session:
            return authenticate(session, token, self.service.settings.secret_key)
