"""Background jobs (admin): poll corpus additions and reindexing."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import AdminCaller, ServiceDep, SessionDep
from api.problems import not_found
from api.schemas.corpora import JobPublic
from api.storage.models import Job

router = APIRouter(prefix="/v1", tags=["jobs"])


@router.get("/jobs/{job_id}", response_model=JobPublic)
def get_job(
    job_id: str, response: Response, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> JobPublic:
    job = session.get(Job, job_id)
    if job is None:
        raise not_found("job", job_id)
    if job.state in ("queued", "running"):
        response.headers["Retry-After"] = str(service.settings.retry_after_seconds)
    return JobPublic(
        id=job.id,
        kind=job.kind,
        state=job.state,  # type: ignore[arg-type]
        attempts=job.attempts,
        result=job.result or {},
        error=job.last_error if job.state == "error" else None,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )
