"""The expert pool, the institution → province mapping, reviewer keys and sign-in links."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api import audit
from api import review_service as rs
from api.deps import AdminCaller, PageDep, ServiceDep, SessionDep, client_address
from api.keys import Principal, create_key
from api.problems import not_found
from api.routes.review.common import (
    MAX_TABLE_BYTES,
    _audit,
    router,
)
from api.schemas.common import Paged
from api.schemas.review import (
    ExpertKeyCreated,
    ExpertPublic,
    ImportSummary,
    LoginLinkCreated,
)
from api.storage.review_models import ExpertKey
from api.uploads import TABLE_BODY, label_from_request, read_body_limited
from review import workflows
from review.cycle import ReviewCycle
from review.experts import read_expert_pool
from review.provinces import read_institution_provinces
from review.tables import TableError, ValidationError

# --- expert pool and reviewer credentials -------------------------------------------------


@router.put(
    "/review-cycles/{cycle_id}/experts",
    response_model=ImportSummary,
    openapi_extra=TABLE_BODY,
    responses={413: {"description": "too large"}, 422: {"description": "invalid pool"}},
)
async def import_expert_pool(
    cycle_id: str,
    request: Request,
    session: SessionDep,
    caller: AdminCaller,
) -> ImportSummary:
    """Replaces the expert pool with a CSV/XLSX file (raw body); every problem is listed.

    Columns: expert_id, name, institution, province, disciplines, contact, max_load
    (Chinese headers such as 专家编号, 姓名, 工作单位 are accepted). Experts who already have
    assignments must stay in the pool.
    """
    return await _import_table(
        request,
        session,
        caller,
        cycle_id,
        TableImport("experts.csv", "Invalid expert pool", "review.experts.import", "experts"),
        read_expert_pool,
        workflows.replace_pool,
    )


@router.put(
    "/review-cycles/{cycle_id}/provinces",
    response_model=ImportSummary,
    openapi_extra=TABLE_BODY,
    responses={413: {"description": "too large"}, 422: {"description": "invalid mapping"}},
)
async def import_institution_provinces(
    cycle_id: str,
    request: Request,
    session: SessionDep,
    caller: AdminCaller,
) -> ImportSummary:
    """Institution → province mapping (CSV/XLSX: institution, province) for the
    same-province exclusion; it overrides what the expert pool says about an institution."""
    return await _import_table(
        request,
        session,
        caller,
        cycle_id,
        TableImport(
            "provinces.csv", "Invalid province mapping", "review.provinces.import", "institutions"
        ),
        read_institution_provinces,
        workflows.apply_province_mapping,
    )


@dataclass(frozen=True)
class TableImport:
    """How one kind of uploaded table is labelled, refused and audited."""

    fallback_label: str
    refusal_title: str
    action: str
    counted: str


async def _import_table(
    request: Request,
    session: Session,
    caller: Principal,
    cycle_id: str,
    kind: TableImport,
    read: Callable[[Path], Sized],
    apply: Callable[[ReviewCycle, Any], ReviewCycle],
) -> ImportSummary:
    """Reads an uploaded table (every problem listed), applies it to the cycle, audits it."""
    data = await read_body_limited(request, MAX_TABLE_BYTES)
    label = label_from_request(request, kind.fallback_label)

    def run() -> ImportSummary:
        try:
            with rs.uploaded_table(data, label) as path:
                table = read(path)
        except (ValidationError, TableError) as exc:
            raise rs.table_problem(exc, label, kind.refusal_title) from exc
        with rs.workflow_problems():
            rs.change_cycle(session, cycle_id, lambda loaded: (apply(loaded.cycle, table), None))
        details = {"label": label, kind.counted: len(table)}
        _audit(session, caller, request, kind.action, cycle_id, details)
        session.commit()
        return ImportSummary(imported=len(table), label=label)

    return await run_in_threadpool(run)


@router.get("/review-cycles/{cycle_id}/experts", response_model=Paged[ExpertPublic])
def list_cycle_experts(
    cycle_id: str, session: SessionDep, caller: AdminCaller, page: PageDep
) -> Paged[ExpertPublic]:
    cycle = rs.load_cycle(session, cycle_id).cycle
    load = Counter(a.expert_id for a in cycle.assignments if a.counts_toward_load)
    experts = cycle.experts[page.offset : page.offset + page.limit]
    return Paged[ExpertPublic](
        data=[
            ExpertPublic(
                expert_id=e.expert_id,
                name=e.name,
                institution=e.institution,
                province=e.province,
                disciplines=list(e.disciplines),
                contact=e.contact,
                max_load=e.max_load,
                load=load[e.expert_id],
            )
            for e in experts
        ],
        count=len(cycle.experts),
    )


def _expert_in_cycle(session: Session, cycle_id: str, expert_id: str) -> None:
    cycle = rs.load_cycle(session, cycle_id).cycle
    if all(e.expert_id != expert_id for e in cycle.experts):
        raise not_found("expert", expert_id)


@router.post(
    "/review-cycles/{cycle_id}/experts/{expert_id}/keys",
    response_model=ExpertKeyCreated,
    status_code=201,
)
def create_expert_key(
    cycle_id: str,
    expert_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> ExpertKeyCreated:
    """A reviewer API key bound to this expert; the token is shown only in this response."""
    _expert_in_cycle(session, cycle_id, expert_id)
    created = create_key(
        session,
        secret=service.settings.secret_key,
        role="reviewer",
        name=f"expert {expert_id}",
    )
    session.add(ExpertKey(key_id=created.key.id, cycle_id=cycle_id, expert_id=expert_id))
    audit.record(
        session,
        caller,
        "key.create",
        "api_key",
        created.key.id,
        {"role": "reviewer", "cycle_id": cycle_id, "expert_id": expert_id},
        client_address(request),
    )
    session.commit()
    return ExpertKeyCreated(
        key_id=created.key.id,
        prefix=created.key.prefix,
        token=created.token,
        cycle_id=cycle_id,
        expert_id=expert_id,
    )


@router.post(
    "/review-cycles/{cycle_id}/experts/{expert_id}/login-links",
    response_model=LoginLinkCreated,
    status_code=201,
)
def create_login_link(
    cycle_id: str,
    expert_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> LoginLinkCreated:
    """A single-use portal sign-in link for the expert, valid for 7 days."""
    _expert_in_cycle(session, cycle_id, expert_id)
    token, record = rs.issue_token(
        session,
        service.settings.secret_key,
        "link",
        rs.ReviewerIdentity(cycle_id, expert_id),
        rs.LINK_TTL,
        caller.key_id,
    )
    _audit(
        session,
        caller,
        request,
        "portal.link.create",
        cycle_id,
        {"expert_id": expert_id, "link_id": record.id},
    )
    session.commit()
    return LoginLinkCreated(path=f"/portal/link/{token}", token=token, expires_at=record.expires_at)
