"""Review cycles: one per draw, with its rules and seed."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import func, select

from api import review_service as rs
from api.deps import AdminCaller, PageDep, ServiceDep, SessionDep
from api.problems import ApiProblem, not_found
from api.routes.review.common import (
    _audit,
    cycle_public,
    router,
)
from api.schemas.common import Paged
from api.schemas.review import (
    ReviewCycleCreate,
    ReviewCyclePublic,
)
from api.storage.models import Draw
from api.storage.review_models import ReviewCycleRecord
from review.cycle import (
    ReviewCycle,
)

# --- review cycles -------------------------------------------------------------------------


@router.post("/review-cycles", response_model=ReviewCyclePublic, status_code=201)
def create_review_cycle(
    body: ReviewCycleCreate,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> ReviewCyclePublic:
    """Starts the review stage of a draw: its sampled theses, the rules and the seed."""
    draw = session.get(Draw, body.draw_id)
    if draw is None:
        raise not_found("draw", body.draw_id)
    existing = session.scalar(
        select(ReviewCycleRecord.id).where(ReviewCycleRecord.draw_id == draw.id)
    )
    if existing is not None:
        raise ApiProblem(
            409,
            "cycle-exists",
            "Review cycle exists",
            f"draw {draw.id!r} already has review cycle {existing!r}",
        )
    theses = rs.with_screening_evidence(service, session, rs.sample_theses(service, draw))
    record = ReviewCycleRecord(
        draw_id=draw.id,
        year=body.year,
        seed=body.seed,
        exclusions=sorted(set(body.exclusions)),
        due_days=body.due_days,
        identity=body.identity,
        created_by=caller.key_id,
    )
    session.add(record)
    session.flush()
    empty = rs.LoadedCycle(record, ReviewCycle(seed=body.seed))
    loaded = rs.save_cycle(session, empty, ReviewCycle(seed=body.seed, theses=tuple(theses)))
    _audit(
        session,
        caller,
        request,
        "review.cycle.create",
        record.id,
        {"draw_id": draw.id, "seed": body.seed, "theses": len(theses)},
    )
    session.commit()
    return cycle_public(session, rs.load_cycle(session, loaded.record.id))


@router.get("/review-cycles", response_model=Paged[ReviewCyclePublic])
def list_review_cycles(
    session: SessionDep, caller: AdminCaller, page: PageDep
) -> Paged[ReviewCyclePublic]:
    count = session.scalar(select(func.count(ReviewCycleRecord.id))) or 0
    ids = session.scalars(
        select(ReviewCycleRecord.id)
        .order_by(ReviewCycleRecord.created_at.desc(), ReviewCycleRecord.id)
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return Paged[ReviewCyclePublic](
        data=[cycle_public(session, rs.load_cycle(session, i)) for i in ids], count=count
    )


@router.get("/review-cycles/{cycle_id}", response_model=ReviewCyclePublic)
def get_review_cycle(cycle_id: str, session: SessionDep, caller: AdminCaller) -> ReviewCyclePublic:
    """The cycle's rules and how many theses are in each state."""
    return cycle_public(session, rs.load_cycle(session, cycle_id))
