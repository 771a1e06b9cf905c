"""Draws: the spot-check sample drawn from a frame with a plan and a seed; verify; estimates."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import tomllib
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import func, select

from api import audit
from api.cli.main import package_version
from api.deps import AdminCaller, PageDep, ServiceDep, SessionDep, client_address
from api.problems import ApiProblem, InvalidParam, not_found
from api.schemas.common import Paged
from api.schemas.sampling import (
    DrawCreate,
    DrawPublic,
    DrawVerification,
    EstimateCreate,
    EstimatePublic,
    EstimateRow,
)
from api.service import Service
from api.storage.models import Draw, Frame
from sampler.draw import draw_sample
from sampler.estimate import EstimateInputError, ReviewedUnit, estimate_rates
from sampler.frame import FrameError, load_frame_bytes
from sampler.outputs import render_outputs
from sampler.plan import PlanError, resolve_plan
from sampler.verify import DrawDirectoryError, verify_draw

router = APIRouter(prefix="/v1", tags=["draws"])

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


def _reject_file_references(raw: Any, where: str = "plan") -> None:
    """Plans sent over HTTP may not name server files (`*_file` keys)."""
    if isinstance(raw, dict):
        for key, value in raw.items():
            if str(key).endswith("_file"):
                raise PlanError(f"{where}.{key}: file references are not accepted over HTTP")
            _reject_file_references(value, f"{where}.{key}")
    elif isinstance(raw, list):
        for index, value in enumerate(raw):
            _reject_file_references(value, f"{where}[{index}]")


def plan_input(body: DrawCreate) -> dict[str, Any]:
    if body.plan is not None and body.plan_toml is not None:
        raise PlanError("give either `plan` or `plan_toml`, not both")
    if body.plan_toml is not None:
        try:
            raw = tomllib.loads(body.plan_toml)
        except tomllib.TOMLDecodeError as exc:
            raise PlanError(f"plan_toml: not valid TOML: {exc}") from None
    else:
        raw = dict(body.plan or {})
    _reject_file_references(raw)
    if body.seed is not None:
        raw["seed"] = body.seed
    return raw


def perform_draw(service: Service, frame: Frame, raw_plan: dict[str, Any]) -> dict[str, bytes]:
    """Re-reads the stored frame, resolves the plan and renders every output file."""
    data = service.blobs.read_bytes(frame.sha256)
    loaded = load_frame_bytes(data, frame.name, max_bytes=max(len(data), 1))
    plan = resolve_plan(raw_plan)
    return render_outputs(draw_sample(loaded, plan), package_version())


def to_public(draw: Draw) -> DrawPublic:
    return DrawPublic.model_validate(draw)


def _get_draw(session: Any, draw_id: str) -> Draw:
    draw = session.get(Draw, draw_id)
    if draw is None:
        raise not_found("draw", draw_id)
    return draw


@router.post("/draws", response_model=DrawPublic, status_code=201)
async def create_draw(
    body: DrawCreate,
    request: Request,
    response: Response,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> DrawPublic:
    """Draws the sample from a stored frame; the same frame, plan and seed give the same files."""

    def run() -> Draw:
        frame = session.get(Frame, body.frame_id)
        if frame is None:
            raise not_found("frame", body.frame_id)
        try:
            raw = plan_input(body)
            files = perform_draw(service, frame, raw)
        except (PlanError, FrameError) as exc:
            raise ApiProblem(422, "invalid-plan", "Invalid plan", str(exc)) from exc
        manifest = json.loads(files["manifest.json"])
        stored = {name: service.blobs.put_bytes(data).sha256 for name, data in files.items()}
        draw = Draw(
            frame_id=frame.id,
            seed=manifest["seed"],
            plan_input=raw,
            plan=manifest["plan"],
            population=manifest["population"],
            sample_size=manifest["sample_size"],
            manifest=manifest,
            files=stored,
            created_by=caller.key_id,
        )
        session.add(draw)
        session.flush()
        audit.record(
            session,
            caller,
            "draw.create",
            "draw",
            draw.id,
            {
                "frame_id": frame.id,
                "frame_sha256": frame.sha256,
                "seed": draw.seed,
                "sample_size": draw.sample_size,
                "sample_sha256": stored["sample.csv"],
            },
            client_address(request),
        )
        session.commit()
        return draw

    draw = await run_in_threadpool(run)
    response.headers["Location"] = f"/v1/draws/{draw.id}"
    return to_public(draw)


@router.get("/draws", response_model=Paged[DrawPublic])
def list_draws(session: SessionDep, caller: AdminCaller, page: PageDep) -> Paged[DrawPublic]:
    count = session.scalar(select(func.count(Draw.id))) or 0
    rows = session.scalars(
        select(Draw).order_by(Draw.created_at.desc(), Draw.id).limit(page.limit).offset(page.offset)
    )
    return Paged[DrawPublic](data=[to_public(r) for r in rows], count=count)


@router.get("/draws/{draw_id}", response_model=DrawPublic)
def get_draw(draw_id: str, session: SessionDep, caller: AdminCaller) -> DrawPublic:
    return to_public(_get_draw(session, draw_id))


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _file(service: Service, draw: Draw, name: str) -> bytes:
    return service.blobs.read_bytes(draw.files[name])


@router.get("/draws/{draw_id}/sample", response_model=Paged[dict[str, str]])
def get_draw_sample(
    draw_id: str, service: ServiceDep, session: SessionDep, caller: AdminCaller, page: PageDep
) -> Paged[dict[str, str]]:
    """The sampled theses (rows of sample.csv, values as written there)."""
    rows = csv_rows(_file(service, _get_draw(session, draw_id), "sample.csv"))
    return Paged[dict[str, str]](data=rows[page.offset : page.offset + page.limit], count=len(rows))


@router.get("/draws/{draw_id}/allocation", response_model=Paged[dict[str, str]])
def get_draw_allocation(
    draw_id: str, service: ServiceDep, session: SessionDep, caller: AdminCaller, page: PageDep
) -> Paged[dict[str, str]]:
    rows = csv_rows(_file(service, _get_draw(session, draw_id), "allocation.csv"))
    return Paged[dict[str, str]](data=rows[page.offset : page.offset + page.limit], count=len(rows))


def _csv_download(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/draws/{draw_id}/sample.csv", response_class=Response, responses=CSV_RESPONSE)
def get_draw_sample_csv(
    draw_id: str, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> Response:
    """sample.csv byte for byte as `spotcheck sample` writes it."""
    return _csv_download(_file(service, _get_draw(session, draw_id), "sample.csv"), "sample.csv")


@router.get("/draws/{draw_id}/allocation.csv", response_class=Response, responses=CSV_RESPONSE)
def get_draw_allocation_csv(
    draw_id: str, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> Response:
    draw = _get_draw(session, draw_id)
    return _csv_download(_file(service, draw, "allocation.csv"), "allocation.csv")


@router.get("/draws/{draw_id}/manifest", response_model=dict[str, Any])
def get_draw_manifest(draw_id: str, session: SessionDep, caller: AdminCaller) -> dict[str, Any]:
    """manifest.json: frame hash, seed, resolved plan, algorithm, version, file hashes."""
    return _get_draw(session, draw_id).manifest


@router.post("/draws/{draw_id}/verify", response_model=DrawVerification)
async def verify_draw_by_id(
    draw_id: str, request: Request, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> DrawVerification:
    """Re-performs the draw from the stored frame and manifest and compares every output file."""

    def run() -> DrawVerification:
        draw = _get_draw(session, draw_id)
        frame = session.get(Frame, draw.frame_id)
        if frame is None or not service.blobs.exists(frame.sha256):
            return DrawVerification(draw_id=draw_id, ok=False, detail="the frame file is missing")
        data = service.blobs.read_bytes(frame.sha256)
        loaded = load_frame_bytes(data, frame.name, max_bytes=max(len(data), 1))
        with tempfile.TemporaryDirectory(dir=service.settings.work_dir) as folder:
            for name, sha in draw.files.items():
                (Path(folder) / name).write_bytes(service.blobs.read_bytes(sha))
            try:
                report = verify_draw(loaded, Path(folder), package_version())
            except (DrawDirectoryError, PlanError) as exc:
                return DrawVerification(draw_id=draw_id, ok=False, detail=str(exc))
        checks: dict[str, Any] = {f.name: f.status for f in report.files}
        checks["frame_sha256_matches"] = report.frame_sha256_matches
        checks["manifest_differences"] = list(report.manifest_differences)
        audit.record(
            session,
            caller,
            "draw.verify",
            "draw",
            draw_id,
            {"ok": report.ok},
            client_address(request),
        )
        session.commit()
        return DrawVerification(
            draw_id=draw_id, ok=report.ok, detail="; ".join(report.lines()), checks=checks
        )

    return await run_in_threadpool(run)


@router.post("/draws/{draw_id}/estimates", response_model=EstimatePublic)
def create_estimate(
    draw_id: str,
    body: EstimateCreate,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
    group_by: Annotated[
        list[str] | None,
        Query(max_length=10, description="grouping columns (default: level, type, institution)"),
    ] = None,
) -> EstimatePublic:
    """Design-weighted problem rates with 95% intervals from review outcomes of the sample.

    `problems` must give 0 or 1 for every sampled thesis of each stratum it covers.
    """
    draw = _get_draw(session, draw_id)
    rows = csv_rows(_file(service, draw, "sample.csv"))
    by_id = {row["thesis_id"]: row for row in rows}
    unknown = sorted(set(body.problems) - set(by_id))
    errors = [
        InvalidParam(name=f"problems.{t}", reason="not a sampled thesis of this draw")
        for t in unknown[:50]
    ] + [
        InvalidParam(name=f"problems.{t}", reason="must be 0 or 1", value=str(v))
        for t, v in body.problems.items()
        if v not in (0, 1)
    ][:50]
    if errors:
        raise ApiProblem(
            422, "invalid-estimate-input", "Invalid estimate input", errors[0].reason, errors=errors
        )
    groupings = tuple(group_by or ("degree_level", "degree_type", "institution"))
    for name in groupings:
        if rows and name not in rows[0]:
            raise ApiProblem(
                422, "validation-error", "Validation error", f"group_by: no column {name!r}"
            )
    units = [
        ReviewedUnit(
            stratum=row["stratum"],
            design_weight=float(row["design_weight"]),
            problem=int(body.problems[thesis_id]),
            groups={name: row[name] for name in groupings},
        )
        for thesis_id, row in by_id.items()
        if thesis_id in body.problems
    ]
    try:
        estimates = estimate_rates(units, groupings)
    except EstimateInputError as exc:
        raise ApiProblem(422, "invalid-estimate-input", "Invalid estimate input", str(exc)) from exc
    audit.record(
        session,
        caller,
        "estimate.create",
        "draw",
        draw_id,
        {"units": len(units), "problems": sum(u.problem for u in units)},
        client_address(request),
    )
    session.commit()
    return EstimatePublic(
        draw_id=draw_id,
        rows=[
            EstimateRow(
                group_by=e.group_by,
                group=e.group,
                sampled=e.sampled,
                problems=e.problems,
                estimate=e.estimate,
                ci_low=e.ci_low,
                ci_high=e.ci_high,
                method=e.method,
            )
            for e in estimates
        ],
    )
