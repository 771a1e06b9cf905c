"""The public and institution pages of the portal (server-rendered, no external requests).

- **Allegations (举报)**, for anyone: the form (attachments, a proof of work computed by
  `static/pow.js` with Web Crypto), the tracking-code page, and the status page (the code
  is posted, never put in a URL). Checks are `api.follow_up_service.intake`, the same as
  `POST /v1/allegations`.
- **Institutions**, signed in with their system key: their feedback per spot-check year,
  their rectification items with due dates and state, and the upload of plan and report.
  The session cookie holds a random token signed with the deployment secret; the database
  keeps only its keyed hash; every form carries a CSRF token derived from the session.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jinja2
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import audit, proof_of_work
from api import review_service as rs
from api.deps import ServiceDep, SessionDep, client_address
from api.follow_up_service import intake, store, views
from api.follow_up_service.rectification_steps import submit_document
from api.keys import Principal, authenticate
from api.problems import ApiProblem
from api.routes.portal import csrf_for, signed_cookie, static_asset, unsigned_cookie
from api.service import Service
from api.signing import digests_match, keyed_digest
from api.storage.follow_up_models import InstitutionSession
from api.storage.models import ApiKey, utcnow
from api.storage.review_models import ReviewCycleRecord
from review.allegations import (
    KIND_LABELS,
    STATE_LABELS,
    AllegationKind,
    AnswerDeadlines,
    answer_due,
)
from review.consequences import MARK_LABELS
from review.forms import GRADE_LABELS, Grade
from review.rectification import ItemKind, ItemState

router = APIRouter(prefix="/portal", include_in_schema=False)

INSTITUTION_COOKIE = "spotcheck_institution"
LOGIN_COOKIE = "spotcheck_institution_login"
SESSION_TTL = timedelta(hours=8)
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
FORM_CSP = PAGE_CSP + "; script-src 'self'"

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("api.portal", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.ChainableUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _headers(response: Response, csp: str = PAGE_CSP) -> Response:
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(name: str, status: int = 200, csp: str = PAGE_CSP, **context: Any) -> HTMLResponse:
    context.setdefault("institution", "")
    context.setdefault("csrf", "")
    html = _templates.get_template(name).render(**context)
    response = HTMLResponse(html, status_code=status)
    _headers(response, csp)
    return response


# Chinese titles for the problems the shared upload checks word in English only.
TITLES_ZH = {413: "提交内容过大", 415: "文件类型不支持", 429: "请求过于频繁"}


def _error(problem: ApiProblem, back: str, **context: Any) -> HTMLResponse:
    title = problem.title
    if problem.status in TITLES_ZH and TITLES_ZH[problem.status] not in title:
        title = f"{TITLES_ZH[problem.status]} {title}"
    response = _page(
        "public_error.html",
        problem.status,
        title=title,
        detail=problem.detail or "",
        back=back,
        **context,
    )
    for name, value in (problem.headers or {}).items():
        response.headers[name] = value
    return response


# --- allegations ------------------------------------------------------------------------------


def _form_page(
    service: Service,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: list[str] | None = None,
    error_title: str = "",
) -> HTMLResponse:
    settings = service.settings
    challenge = proof_of_work.issue(
        settings.secret_key, settings.allegation_pow_bits, settings.allegation_challenge_seconds
    )
    return _page(
        "allegation_form.html",
        status,
        FORM_CSP,
        challenge=challenge.token,
        bits=challenge.bits,
        max_bytes=settings.allegation_max_bytes,
        max_mb=settings.allegation_max_bytes // (1024 * 1024),
        max_files=settings.allegation_max_files,
        this_year=rs.clock.today().year,
        kinds=[(k.value, KIND_LABELS[k]) for k in AllegationKind],
        values=values or {},
        errors=errors or [],
        error_title=error_title,
    )


@router.get("/static/pow.js")
def portal_pow_script() -> Response:
    return static_asset("pow.js", "text/javascript")


@router.get("/allegations/new")
def allegation_form(service: ServiceDep) -> Response:
    return _form_page(service)


@router.post("/allegations")
async def allegation_submit(request: Request, service: ServiceDep, session: SessionDep) -> Response:
    try:
        intake.check_rate(request, service)
        form = await intake.read_form(request, service)
    except ApiProblem as problem:
        return _error(problem, "/portal/allegations/new")
    values = {k: v for k, v in form.values.items() if k not in ("challenge", "counter")}

    def work() -> Response:
        try:
            allegation = intake.receive_public(
                session, service, form, rs.clock.today(), client_address(request), "portal"
            )
        except ApiProblem as problem:
            session.rollback()
            fields = problem.status == 422 and problem.code == "invalid-allegation"
            reasons = [e.reason for e in problem.errors] if fields else [problem.detail or ""]
            return _form_page(service, problem.status, values, reasons, problem.title)
        session.commit()
        deadlines: AnswerDeadlines = views.policy().allegation_deadlines
        due = answer_due(allegation, deadlines)
        return _page(
            "allegation_received.html",
            201,
            found=views.status_public(allegation),
            answer_due=due.isoformat() if due else "",
        )

    return await run_in_threadpool(work)


@router.get("/allegations/status")
def allegation_status_form() -> Response:
    return _page("allegation_status.html", found=None, error="")


@router.post("/allegations/status")
async def allegation_status(request: Request, service: ServiceDep, session: SessionDep) -> Response:
    try:
        intake.check_rate(request, service, lookup=True)
        form = await intake.parse_form(request, 4096, 0)
    except ApiProblem as problem:
        return _error(problem, "/portal/allegations/status")
    code = form.get("code")

    def work() -> Response:
        try:
            stored = store.find_allegation(session, code if isinstance(code, str) else "")
        except ApiProblem:
            return _page(
                "allegation_status.html",
                404,
                found=None,
                error="查询码不存在 No report with this tracking code",
            )
        return _page(
            "allegation_status.html", found=views.status_public(stored.allegation), error=""
        )

    return await run_in_threadpool(work)


# --- institution sessions ---------------------------------------------------------------------


class InstitutionUser:
    """The signed-in institution of this request and the CSRF token of its forms."""

    def __init__(self, record: InstitutionSession, token: str, secret: str) -> None:
        self.record = record
        self.institution = record.institution
        self.csrf = csrf_for(secret, "institution:" + token)
        self.principal = Principal(
            key_id=record.key_id,
            name=f"portal {record.institution}",
            role="system",
            institution=record.institution,
        )

    def context(self) -> dict[str, Any]:
        return {"institution": self.institution, "csrf": self.csrf}


def _token_hash(secret: str, token: str) -> str:
    return keyed_digest(secret, token, "institution-session")


def current_user(request: Request, service: Service, session: Session) -> InstitutionUser | None:
    secret = service.settings.secret_key
    token = unsigned_cookie(secret, request.cookies.get(INSTITUTION_COOKIE))
    if token is None:
        return None
    record = session.scalar(
        select(InstitutionSession).where(
            InstitutionSession.token_hash == _token_hash(secret, token)
        )
    )
    if record is None or record.ended_at is not None:
        return None
    expires = record.expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    if expires < datetime.now(UTC):
        return None
    if not _key_is_valid(session, record.key_id):
        return None
    return InstitutionUser(record, token, secret)


def _key_is_valid(session: Session, key_id: str) -> bool:
    """Whether the session's key is still valid (revoking the key ends its sessions)."""
    key = session.get(ApiKey, key_id)
    return key is not None and key.revoked_at is None


def _set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/portal", secure=True, httponly=True, samesite="strict"
    )


def _check_csrf(secret: str, binding: str | None, submitted: object) -> None:
    if (
        not binding
        or not isinstance(submitted, str)
        or not digests_match(submitted, csrf_for(secret, binding))
    ):
        raise ApiProblem(
            403,
            "csrf",
            "表单已失效 Form expired",
            "请刷新页面后重试 reload the page and try again (CSRF check failed)",
        )


def _to_login() -> Response:
    response = RedirectResponse("/portal/institution/login", status_code=303)
    response.delete_cookie(INSTITUTION_COOKIE, path="/portal")
    return _headers(response)


def _login_page(service: Service, status: int = 200, error: str = "") -> Response:
    nonce = secrets.token_urlsafe(24)
    response = _page(
        "institution_login.html",
        status,
        login_csrf=csrf_for(service.settings.secret_key, "institution-login:" + nonce),
        error=error,
    )
    _set_cookie(response, LOGIN_COOKIE, nonce, 3600)
    return response


async def _run(work: Callable[[], Response], back: str) -> Response:
    try:
        return await run_in_threadpool(work)
    except ApiProblem as problem:
        return _error(problem, back)


@router.get("/institution/login")
def institution_login_form(service: ServiceDep) -> Response:
    return _login_page(service)


@router.post("/institution/login")
async def institution_login(request: Request, service: ServiceDep, session: SessionDep) -> Response:
    form = await request.form()
    secret = service.settings.secret_key
    nonce = request.cookies.get(LOGIN_COOKIE)
    try:
        _check_csrf(secret, "institution-login:" + nonce if nonce else None, form.get("csrf"))
    except ApiProblem as problem:
        return _error(problem, "/portal/institution/login")
    if service.limiter.acquire(f"institution-login:{client_address(request)}") > 0:
        return _login_page(
            service, 429, "尝试过于频繁，请稍后再试 Too many attempts; try again later"
        )
    key = form.get("api_key")

    def work() -> Response:
        token = key.strip() if isinstance(key, str) else ""
        principal = authenticate(session, token, secret) if token else None
        if principal is None or principal.role != "system" or not principal.institution:
            return _login_page(
                service,
                401,
                "密钥无效或不是单位系统密钥 Invalid key, or not an institution's system key",
            )
        session_token = secrets.token_urlsafe(32)
        record = InstitutionSession(
            token_hash=_token_hash(secret, session_token),
            key_id=principal.key_id,
            institution=principal.institution,
            expires_at=utcnow() + SESSION_TTL,
        )
        session.add(record)
        session.flush()
        audit.record(
            session,
            principal,
            "portal.institution.sign_in",
            "institution_session",
            record.id,
            {"institution": principal.institution},
            client_address(request),
        )
        session.commit()
        response = RedirectResponse("/portal/institution", status_code=303)
        _set_cookie(
            response,
            INSTITUTION_COOKIE,
            signed_cookie(secret, session_token),
            int(SESSION_TTL.total_seconds()),
        )
        response.delete_cookie(LOGIN_COOKIE, path="/portal")
        return _headers(response)

    return await _run(work, "/portal/institution/login")


@router.post("/institution/logout")
async def institution_logout(
    request: Request, service: ServiceDep, session: SessionDep
) -> Response:
    form = await request.form()

    def work() -> Response:
        user = current_user(request, service, session)
        if user is None:
            return _to_login()
        secret = service.settings.secret_key
        token = unsigned_cookie(secret, request.cookies.get(INSTITUTION_COOKIE))
        _check_csrf(secret, "institution:" + token if token else None, form.get("csrf"))
        user.record.ended_at = utcnow()
        audit.record(session, user.principal, "portal.institution.sign_out", "institution_session",
                     user.record.id, {}, client_address(request))  # fmt: skip
        session.commit()
        return _to_login()

    return await _run(work, "/portal/institution")


# --- institution pages ------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@router.get("/institution")
async def institution_home(request: Request, service: ServiceDep, session: SessionDep) -> Response:
    def work() -> Response:
        user = current_user(request, service, session)
        if user is None:
            return _to_login()
        cycles = []
        records = session.scalars(select(ReviewCycleRecord).order_by(ReviewCycleRecord.year.desc()))
        for record in records:
            year = views.cycle_year(service, session, record.id)
            items = [i for i in year.items if i.institution == user.institution]
            own = next(
                (g for g in year.results.by("institution") if g.group == user.institution), None
            )
            if own is None and not items:
                continue
            states = sorted({ItemState(i.state).value for i in items})
            cycles.append(
                {
                    "id": record.id,
                    "year": record.year,
                    "sampled": own.sampled if own else 0,
                    "problems": own.problems if own else 0,
                    "rectification": ", ".join(states) if states else "—",
                }
            )
        return _page("institution_home.html", cycles=cycles, **user.context())

    return await _run(work, "/portal/institution")


def _cycle_page(
    service: Service,
    session: Session,
    user: InstitutionUser,
    cycle_id: str,
    status: int = 200,
    saved: str = "",
    error: str = "",
) -> Response:
    year = views.cycle_year(service, session, cycle_id)
    feedback = views.feedback_public(
        views.feedback_for(year, user.institution),
        store.cycle_decisions(session, cycle_id, user.institution),
        rs.clock.today(),
    )
    items = []
    for item in feedback.rectification:
        waiting = item.state in (ItemState.AWAITING.value, ItemState.RETURNED.value)
        plan_done = any(
            i.kind == ItemKind.PLAN.value and i.state == ItemState.ACCEPTED.value
            for i in feedback.rectification
        )
        can_submit = waiting and (item.kind == ItemKind.PLAN.value or plan_done)
        last_return = next((e.note for e in reversed(item.events) if e.kind == "returned"), "")
        items.append(
            item.model_dump()
            | {
                "can_submit": can_submit,
                "waiting": "待学位办审核 awaiting the office"
                if item.state == ItemState.SUBMITTED.value
                else ("方案通过后提交 after the plan is accepted" if waiting else "已完成 done"),
                "last_return": last_return if item.state == ItemState.RETURNED.value else "",
            }
        )
    rates = [
        {
            "label": label,
            "sampled": r.sampled if r else 0,
            "reviewed": r.reviewed if r else 0,
            "problems": r.problems if r else 0,
            "estimate": _percent(r.estimate if r else None),
            "interval": "—"
            if r is None or r.ci_low is None
            else f"{_percent(r.ci_low)} – {_percent(r.ci_high)}",
        }
        for label, r in (
            (f"{feedback.institution} 本单位 this institution", feedback.own),
            ("全部抽检论文 all sampled theses", feedback.overall),
        )
    ]
    return _page(
        "institution_cycle.html",
        status,
        f=feedback,
        rates=rates,
        items=items,
        decisions=feedback.accountability,
        cycle_id=cycle_id,
        saved=saved,
        error=error,
        grade_labels={g.value: GRADE_LABELS[g] for g in Grade},
        allegation_kinds={k.value: v for k, v in KIND_LABELS.items()},
        allegation_states={k.value: v for k, v in STATE_LABELS.items()},
        mark_labels={k.value: v for k, v in MARK_LABELS.items()},
        **user.context(),
    )


@router.get("/institution/cycles/{cycle_id}")
async def institution_cycle(
    cycle_id: str, request: Request, service: ServiceDep, session: SessionDep
) -> Response:
    def work() -> Response:
        user = current_user(request, service, session)
        if user is None:
            return _to_login()
        saved = request.query_params.get("saved", "")
        label = {"plan": "整改方案 plan", "report": "整改报告 report"}.get(saved, "")
        return _cycle_page(service, session, user, cycle_id, saved=label)

    return await _run(work, "/portal/institution")


@router.post("/institution/cycles/{cycle_id}/items/{kind}")
async def institution_upload(
    cycle_id: str, kind: str, request: Request, service: ServiceDep, session: SessionDep
) -> Response:
    back = f"/portal/institution/cycles/{cycle_id}"
    try:
        form = await intake.parse_form(request, service.settings.rectification_max_bytes, 1)
        values, uploads = await intake.form_parts(form)
    except ApiProblem as problem:
        return _error(problem, back)

    def work() -> Response:
        user = current_user(request, service, session)
        if user is None:
            return _to_login()
        secret = service.settings.secret_key
        token = unsigned_cookie(secret, request.cookies.get(INSTITUTION_COOKIE))
        _check_csrf(secret, "institution:" + token if token else None, values.get("csrf"))
        try:
            item_kind = ItemKind(kind)
        except ValueError:
            raise ApiProblem(
                404, "not-found", "未找到 Not found", f"no item kind {kind!r}"
            ) from None
        if not uploads:
            return _cycle_page(
                service, session, user, cycle_id, 422, error="请选择文件 choose a file"
            )
        upload = uploads[0]
        try:
            submit_document(
                session,
                service,
                cycle_id,
                user.institution,
                item_kind,
                upload.label,
                upload.data,
                user.principal,
                rs.clock.today(),
                client_address(request),
            )
        except ApiProblem as problem:
            session.rollback()
            return _cycle_page(service, session, user, cycle_id, problem.status,
                               error=f"{problem.title}: {problem.detail}")  # fmt: skip
        session.commit()
        return _headers(RedirectResponse(f"{back}?saved={item_kind.value}", status_code=303))

    return await _run(work, back)
