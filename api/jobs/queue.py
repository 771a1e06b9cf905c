"""Enqueue, claim (lease), renew, finish and retry jobs with plain conditional UPDATEs.

The conditional UPDATE is atomic on both SQLite and PostgreSQL, so two workers can never
hold the same job.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.storage.models import Job, rowcount, utcnow

QUEUED, RUNNING, COMPLETE, ERROR = "queued", "running", "complete", "error"


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    queue: str = "default",
    max_attempts: int = 3,
    delay_seconds: float = 0.0,
) -> Job:
    """Adds a job to the session's transaction; it becomes visible to workers on commit."""
    job = Job(
        queue=queue,
        kind=kind,
        payload=payload,
        max_attempts=max_attempts,
        run_after=utcnow() + timedelta(seconds=delay_seconds),
    )
    session.add(job)
    session.flush()
    return job


def _claimable(queue: str, now: datetime) -> Any:
    return and_(
        Job.queue == queue,
        or_(
            and_(Job.state == QUEUED, Job.run_after <= now),
            and_(Job.state == RUNNING, Job.lease_until < now),
        ),
    )


def claim(
    sessions: sessionmaker[Session], queue: str, worker_id: str, lease_seconds: float
) -> Job | None:
    """Leases the next due job of `queue` (or one whose worker's lease expired)."""
    with sessions() as session:
        now = utcnow()
        candidates = session.scalars(
            select(Job.id).where(_claimable(queue, now)).order_by(Job.run_after).limit(5)
        ).all()
        for job_id in candidates:
            result = session.execute(
                update(Job)
                .where(Job.id == job_id, _claimable(queue, now))
                .values(
                    state=RUNNING,
                    worker_id=worker_id,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=Job.attempts + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            session.commit()
            if rowcount(result) == 1:
                return session.get(Job, job_id, populate_existing=True)
    return None


def renew(
    sessions: sessionmaker[Session], job_id: str, worker_id: str, lease_seconds: float
) -> bool:
    """Extends the lease; False when the job is no longer this worker's."""
    with sessions() as session:
        now = utcnow()
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.worker_id == worker_id, Job.state == RUNNING)
            .values(lease_until=now + timedelta(seconds=lease_seconds), updated_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return rowcount(result) == 1


def hold(session: Session, job_id: str, worker_id: str, lease_seconds: float) -> bool:
    """Whether this worker still holds the job; if so, locks its row and extends its lease.

    Run first in the transaction that records a job's outcome. The conditional UPDATE takes
    the row's lock (PostgreSQL) or the database's write lock (SQLite) until that transaction
    ends, and the fresh lease keeps another worker from claiming the job between the commit
    and `finish`; a worker whose lease expired and was claimed by another gets False and
    must record nothing, so a job's outcome is recorded once even when a stalled worker wakes.
    """
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.worker_id == worker_id, Job.state == RUNNING)
        .values(lease_until=now + timedelta(seconds=lease_seconds), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def complete_in(
    session: Session, job_id: str, worker_id: str, result: dict[str, Any] | None = None
) -> bool:
    """Marks the job complete inside `session`'s transaction, so the outcome a handler
    records and the job's completion commit together (no moment when a screening is
    complete while its job still runs); False if this worker no longer holds it."""
    return _end_in(session, job_id, worker_id, state=COMPLETE, result=result, error=None)


def finish(
    sessions: sessionmaker[Session],
    job_id: str,
    worker_id: str,
    *,
    state: str,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> bool:
    with sessions() as session:
        ended = _end_in(session, job_id, worker_id, state=state, result=result, error=error)
        session.commit()
        return ended


def _end_in(
    session: Session,
    job_id: str,
    worker_id: str,
    *,
    state: str,
    result: dict[str, Any] | None,
    error: str | None,
) -> bool:
    """Ends a running job held by `worker_id`; False if this worker no longer holds it."""
    now = utcnow()
    changed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.worker_id == worker_id, Job.state == RUNNING)
        .values(
            state=state,
            result=result or {},
            last_error=error,
            lease_until=None,
            finished_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return rowcount(changed) == 1


def release(
    sessions: sessionmaker[Session],
    job_id: str,
    worker_id: str,
    *,
    delay_seconds: float,
    error: str | None,
    count_attempt: bool = True,
) -> bool:
    """Puts a running job back in the queue to run again after `delay_seconds`."""
    with sessions() as session:
        now = utcnow()
        values: dict[str, Any] = {
            "state": QUEUED,
            "worker_id": None,
            "lease_until": None,
            "last_error": error,
            "run_after": now + timedelta(seconds=delay_seconds),
            "updated_at": now,
        }
        if not count_attempt:
            values["attempts"] = Job.attempts - 1
        changed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.worker_id == worker_id, Job.state == RUNNING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return rowcount(changed) == 1


def pending_count(session: Session, queue: str | None = None) -> int:
    query = select(Job.id).where(Job.state.in_((QUEUED, RUNNING)))
    if queue:
        query = query.where(Job.queue == queue)
    return len(session.scalars(query).all())
