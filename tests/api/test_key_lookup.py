"""Key lookups: one database query per key however many requests wait, refreshed ahead."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from api.keys import create_key, revoke_key
from api.service import Service, open_service
from tests.api.conftest import make_settings


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    svc = open_service(make_settings(tmp_path / "data", auth_cache_seconds=0.4))
    yield svc
    svc.close()


def _token(service: Service) -> tuple[str, str]:
    with service.sessions() as session:
        created = create_key(
            session,
            secret=service.settings.secret_key,
            role="system",
            name="k",
            institution="甲大学",
        )
        session.commit()
        return created.token, created.key.id


def _count_key_queries(service: Service) -> list[str]:
    seen: list[str] = []

    def record(_conn, _cursor, statement: str, *_args: object) -> None:  # noqa: ANN001
        if "FROM api_keys" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(service.engine, "before_cursor_execute", record)
    return seen


def test_many_waiting_requests_share_one_database_lookup(service: Service) -> None:
    token, key_id = _token(service)
    queries = _count_key_queries(service)

    async def fifty() -> list[object]:
        return await asyncio.gather(*(service.keys.principal(token) for _ in range(50)))

    principals = asyncio.run(fifty())
    assert len(queries) == 1
    assert {getattr(p, "key_id", None) for p in principals} == {key_id}
    assert asyncio.run(service.keys.principal("sck_unknown")) is None


def test_a_key_is_refreshed_before_it_expires_and_a_revocation_still_ends_it(
    service: Service,
) -> None:
    token, key_id = _token(service)
    queries = _count_key_queries(service)

    async def scenario() -> tuple[object, object, int, object]:
        first = await service.keys.principal(token)
        await asyncio.sleep(0.25)  # past half of the 0.4 s cache lifetime
        served_at_once = await service.keys.principal(token)  # cached; refresh in background
        await asyncio.sleep(0.05)
        lookups = len(queries)
        with service.sessions() as session:
            revoke_key(session, key_id)  # elsewhere: this process's cache is not told
            session.commit()
        await asyncio.sleep(0.45)
        return first, served_at_once, lookups, await service.keys.principal(token)

    started = time.monotonic()
    first, served, lookups, after_revocation = asyncio.run(scenario())
    assert first is not None and served == first
    assert lookups == 2, "the second request should have started one background refresh"
    assert after_revocation is None
    assert time.monotonic() - started < 5


def test_a_lookup_that_raced_a_revocation_here_is_not_cached(service: Service) -> None:
    token, key_id = _token(service)
    cache = service.principals
    generation = cache.generation
    principal = asyncio.run(service.keys.principal(token))
    assert principal is not None
    cache.invalidate(key_id)
    cache.put(token, principal, generation)
    assert cache.get(token) is None
