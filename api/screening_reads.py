"""The hot read paths (screening status and result): one Core query, no ORM session.

University systems poll these endpoints far more often than anything else, so they skip the
ORM unit of work and read exactly the columns they need. On SQLite the query runs on the event
loop through the service's never-blocking inline reader; if that reader is busy or SQLite
would have to wait, it runs in the thread pool instead. On PostgreSQL it runs in the thread
pool on an autocommit connection: one round trip per read.

A finished screening's row never changes (a job only moves a screening from queued to
running to complete or error), so each process keeps the rows of finished screenings it has
read in a bounded LRU and answers repeated reads of them without the database: on
PostgreSQL a round trip costs a thread-pool hop and a context switch to the server, which
on a busy machine made most of the read tail. Access is still checked on every read.
"""

from __future__ import annotations

from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine, Row, bindparam, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.sql import Select

from api.keys import Principal
from api.problems import ApiProblem, not_found
from api.service import Service
from api.storage.models import Screening, Submission

_STATUS_COLUMNS = [
    column for column in Screening.__table__.c if column.name not in ("attempts", "created_by")
]
# Built once with a bound parameter, so SQLAlchemy's compiled-statement cache key is computed
# once too instead of on every request.
STATUS_QUERY: Select = (
    select(*_STATUS_COLUMNS, Submission.thesis_id)
    .outerjoin(Submission, Submission.id == Screening.submission_id)
    .where(Screening.id == bindparam("screening_id"))
)
RESULT_QUERY: Select = select(
    Screening.id, Screening.institution, Screening.state, Screening.result_blob
).where(Screening.id == bindparam("screening_id"))


def _first_row(engine: Engine, query: Select, parameters: dict[str, Any]) -> Row | None:
    with engine.connect() as connection:
        return connection.execute(query, parameters).first()


async def first_row(service: Service, query: Select, parameters: dict[str, Any]) -> Row | None:
    """The query's first row: inline when that cannot block, else from the thread pool."""
    if service.inline_reader is not None:
        try:
            return _first_row(service.inline_reader, query, parameters)
        except (DBAPIError, PoolTimeout):
            pass  # busy or locked right now: the thread pool may wait, the event loop may not
    engine = service.point_reader or service.engine
    try:
        return await run_in_threadpool(_first_row, engine, query, parameters)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        # The database dropped that connection (a restart): one more try on a fresh one.
        return await run_in_threadpool(_first_row, engine, query, parameters)


async def _visible_row(
    service: Service, query: Select, screening_id: str, caller: Principal
) -> Row:
    """The screening's row if the caller may see it; 404 otherwise (existence not revealed).

    Reviewers never reach here: the routes reject them before reading.
    """
    if caller.role == "reviewer":
        raise ApiProblem(
            403, "forbidden", "Forbidden", "reviewers read assigned reports only (blind)"
        )
    row = service.finished_rows.get(query, screening_id)
    if row is None:
        row = await first_row(service, query, {"screening_id": screening_id})
        if row is not None:
            service.finished_rows.keep(query, screening_id, row)
    if row is None or (caller.role == "system" and row.institution != caller.institution):
        raise not_found("screening", screening_id)
    return row


async def screening_status_row(service: Service, screening_id: str, caller: Principal) -> Row:
    """Every column `ScreeningPublic` needs, with the submission's thesis id."""
    return await _visible_row(service, STATUS_QUERY, screening_id, caller)


async def screening_result_row(service: Service, screening_id: str, caller: Principal) -> Row:
    """The screening's state and result blob (sha256), enough to serve the stored result."""
    return await _visible_row(service, RESULT_QUERY, screening_id, caller)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header names `etag` (weak comparison, RFC 9110 §13.1.2)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(
        candidate.strip().removeprefix("W/") == wanted for candidate in if_none_match.split(",")
    )
