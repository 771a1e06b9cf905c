"""The persisted job queue: leases, retries, recovery of jobs whose worker died."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from api.jobs import queue as q
from api.jobs.worker import JobContext, JobHandler, PermanentFailure, RetryLater, Worker
from api.service import open_service
from api.storage.models import Job, utcnow
from tests.api.conftest import make_settings


@pytest.fixture
def service(tmp_path: Path, database_url: str):  # noqa: ANN201
    svc = open_service(make_settings(tmp_path / "data", database_url, job_lease_seconds=0.6))
    yield svc
    svc.close()


def _enqueue(service, kind: str, payload: dict[str, Any], **kwargs: Any) -> str:  # noqa: ANN001
    with service.sessions() as session:
        job = q.enqueue(session, kind, payload, **kwargs)
        session.commit()
        return job.id


def _job(service, job_id: str) -> Job:  # noqa: ANN001
    with service.sessions() as session:
        return session.get(Job, job_id)


def test_a_job_runs_once_and_completes(service) -> None:  # noqa: ANN001
    calls: list[dict[str, Any]] = []

    def run(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
        calls.append(payload)
        return {"ok": True}

    job_id = _enqueue(service, "t", {"n": 1})
    worker = Worker(service, {"t": JobHandler(run)})
    assert worker.run_until_idle() == 1
    assert worker.run_until_idle() == 0
    job = _job(service, job_id)
    assert (job.state, job.attempts, job.result, calls) == ("complete", 1, {"ok": True}, [{"n": 1}])


def test_two_workers_never_claim_the_same_job(service) -> None:  # noqa: ANN001
    _enqueue(service, "t", {})
    first = q.claim(service.sessions, "default", "w1", 30)
    second = q.claim(service.sessions, "default", "w2", 30)
    assert first is not None and second is None


def test_an_expired_lease_is_reclaimed_and_the_job_completes(service) -> None:  # noqa: ANN001
    job_id = _enqueue(service, "t", {})
    dead = q.claim(service.sessions, "default", "dead-worker", 0.3)
    assert dead is not None and dead.state == "running"
    assert q.claim(service.sessions, "default", "w2", 30) is None
    time.sleep(0.4)
    worker = Worker(service, {"t": JobHandler(lambda ctx, p: {"attempt": ctx.attempt})})
    assert worker.run_until_idle() == 1
    job = _job(service, job_id)
    assert job.state == "complete" and job.result == {"attempt": 2}
    assert not q.finish(service.sessions, job_id, "dead-worker", state="complete")


def test_a_crashing_job_is_retried_then_given_up_with_a_reason(service) -> None:  # noqa: ANN001
    given_up: list[str] = []

    def run(ctx: JobContext, payload: dict[str, Any]) -> None:
        raise RuntimeError(f"boom {ctx.attempt}")

    handler = JobHandler(
        run, give_up=lambda ctx, p, why: given_up.append(why), retry_delay=lambda a: 0
    )
    job_id = _enqueue(service, "t", {}, max_attempts=3)
    worker = Worker(service, {"t": handler})
    worker.run_until_idle()
    job = _job(service, job_id)
    assert job.state == "error" and job.attempts == 3
    assert given_up == ["RuntimeError: boom 3"]


def test_lost_worker_every_time_ends_in_error_not_running_forever(service) -> None:  # noqa: ANN001
    given_up: list[str] = []
    job_id = _enqueue(service, "t", {}, max_attempts=2)
    for name in ("dead-1", "dead-2"):
        assert q.claim(service.sessions, "default", name, 0.1) is not None
        time.sleep(0.15)
    worker = Worker(
        service, {"t": JobHandler(lambda c, p: None, give_up=lambda c, p, w: given_up.append(w))}
    )
    worker.run_until_idle()
    job = _job(service, job_id)
    assert job.state == "error" and "gave up after 2 attempts" in (job.last_error or "")
    assert len(given_up) == 1


def test_retry_later_and_permanent_failure(service) -> None:  # noqa: ANN001
    def later(ctx: JobContext, payload: dict[str, Any]) -> None:
        if ctx.attempt == 1:
            raise RetryLater(0.0, "not yet")

    def never(ctx: JobContext, payload: dict[str, Any]) -> None:
        raise PermanentFailure("bad input")

    later_id = _enqueue(service, "later", {})
    never_id = _enqueue(service, "never", {})
    Worker(service, {"later": JobHandler(later), "never": JobHandler(never)}).run_until_idle()
    assert _job(service, later_id).state == "complete"
    assert _job(service, later_id).attempts == 2
    failed = _job(service, never_id)
    assert failed.state == "error" and failed.attempts == 1 and failed.last_error == "bad input"


def test_a_long_job_keeps_its_lease_while_it_runs(service) -> None:  # noqa: ANN001
    job_id = _enqueue(service, "slow", {})
    stolen: list[Job | None] = []

    def slow(ctx: JobContext, payload: dict[str, Any]) -> None:
        time.sleep(1.5)  # longer than the 0.6 s lease: only renewals keep it
        stolen.append(q.claim(service.sessions, "default", "thief", 30))

    Worker(service, {"slow": JobHandler(slow)}).run_until_idle()
    assert stolen == [None]
    assert _job(service, job_id).attempts == 1


def test_a_stalled_worker_whose_job_was_reclaimed_records_nothing(service) -> None:  # noqa: ANN001
    job_id = _enqueue(service, "t", {})
    recorded: list[str] = []

    def record(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
        with service.sessions() as session:
            ctx.hold_lease(session)
            recorded.append(ctx.worker_id)
            session.commit()
        return {"by": ctx.worker_id}

    def stalled(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
        # The lease runs out while this worker is stalled, and another worker claims the job
        # and records its outcome before this one wakes up.
        with service.sessions() as session:
            session.execute(update(Job).where(Job.id == job_id).values(lease_until=utcnow()))
            session.commit()
        time.sleep(0.01)
        Worker(service, {"t": JobHandler(record)}, worker_id="fresh").run_until_idle()
        return record(ctx, payload)

    Worker(service, {"t": JobHandler(stalled)}, worker_id="stalled").run_until_idle()
    job = _job(service, job_id)
    assert recorded == ["fresh"]
    assert (job.state, job.attempts, job.result, job.worker_id) == (
        "complete",
        2,
        {"by": "fresh"},
        "fresh",
    )


def test_holding_the_lease_is_refused_once_another_worker_claimed_the_job(service) -> None:  # noqa: ANN001
    job_id = _enqueue(service, "t", {})
    assert q.claim(service.sessions, "default", "first", 0.1) is not None
    time.sleep(0.15)
    assert q.claim(service.sessions, "default", "second", 30) is not None
    with service.sessions() as session:
        assert not q.hold(session, job_id, "first", 30)
        assert q.hold(session, job_id, "second", 30)
        session.commit()
    assert _job(service, job_id).worker_id == "second"


def test_jobs_of_one_thread_share_one_extraction_process(service, tmp_path: Path) -> None:  # noqa: ANN001
    thesis = tmp_path / "thesis.txt"
    thesis.write_text("学位论文抽检的文本。" * 50, encoding="utf-8")
    seen: list[tuple[int | None, str]] = []
    extractors: list[Any] = []

    def run(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
        assert ctx.extractor is not None
        document = ctx.extractor.extract(thesis)
        seen.append((ctx.extractor.pid, document.status))
        extractors.append(ctx.extractor)
        return {}

    for n in range(3):
        _enqueue(service, "extract", {"n": n})
    assert Worker(service, {"extract": JobHandler(run)}).run_until_idle() == 3
    pids = {pid for pid, _ in seen}
    assert len(pids) == 1 and None not in pids  # one process served all three jobs
    assert {status for _, status in seen} == {"ok"}
    assert extractors[0].pid is None  # and it is stopped when the worker is done
