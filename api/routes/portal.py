"""The reviewer portal: server-rendered pages (Jinja2) where experts sign in and review.

Sign-in is with a reviewer API key bound to an expert or a single-use link the office
issues. Either starts a server-side session: the cookie carries a random token signed
with the service's secret (Secure, HttpOnly, SameSite=Strict) and the database keeps
only its keyed hash, so signing out ends it for good. Every form post carries a CSRF
token derived from the session (or, before sign-in, from a short-lived cookie).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from importlib.resources import files
from typing import Any

import jinja2
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api import audit
from api import review_service as rs
from api.deps import ServiceDep, SessionDep, client_address
from api.keys import authenticate
from api.problems import ApiProblem
from api.routes.review import discipline_label
from api.service import Service
from api.signing import digests_match, keyed_digest
from api.storage.models import utcnow
from api.storage.review_models import ExpertKey, PortalToken
from review.cycle import STATE_LABELS
from review.forms import GRADE_LABELS, GRADE_ORDER, MISCONDUCT_LABELS, MisconductOpinion, form_for
from review.forms import Grade as GradeEnum

router = APIRouter(prefix="/portal", include_in_schema=False)

SESSION_COOKIE = "spotcheck_portal"
LOGIN_COOKIE = "spotcheck_portal_login"
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
GRADE_VALUES = frozenset(g.value for g in GradeEnum)
DEGREE_LABELS = {
    "doctoral": "博士 Doctoral",
    "master": "硕士 Master",
    "academic": "学术学位 Academic",
    "professional": "专业学位 Professional",
}

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("api.portal", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


# --- cookies, signatures, CSRF -------------------------------------------------------------


def _sign(secret: str, purpose: str, value: str) -> str:
    return keyed_digest(secret, value, purpose)


def signed_cookie(secret: str, token: str) -> str:
    return f"{token}.{_sign(secret, 'cookie', token)[:32]}"


def unsigned_cookie(secret: str, value: str | None) -> str | None:
    """The token inside a signed cookie value, or None when the signature does not match."""
    if not value or "." not in value or len(value) > 300:
        return None
    token, signature = value.rsplit(".", 1)
    expected = _sign(secret, "cookie", token)[:32]
    return token if digests_match(signature, expected) else None


def csrf_for(secret: str, binding: str) -> str:
    return _sign(secret, "csrf", binding)


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


def _secure_headers(response: Response, csp: str = PAGE_CSP) -> Response:
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/portal",
        secure=True,
        httponly=True,
        samesite="strict",
    )


def page(name: str, status: int = 200, csp: str = PAGE_CSP, **context: Any) -> HTMLResponse:
    context.setdefault("signed_in", False)
    context.setdefault("csrf", "")
    context.setdefault("expert_id", "")
    html = _templates.get_template(name).render(
        grade_order=[(g.value, GRADE_LABELS[g]) for g in GRADE_ORDER],
        **context,
    )
    return _secure_headers(HTMLResponse(html, status_code=status), csp)  # type: ignore[return-value]


def error_page(problem: ApiProblem, **context: Any) -> HTMLResponse:
    return page(
        "error.html",
        status=problem.status,
        title=problem.title,
        detail=problem.detail or "",
        errors=problem.errors,
        **context,
    )


# --- sessions --------------------------------------------------------------------------------


class PortalSession:
    """The signed-in expert of this request and the CSRF token of its forms."""

    def __init__(self, record: PortalToken, token: str, secret: str) -> None:
        self.record = record
        self.identity = rs.ReviewerIdentity(record.cycle_id, record.expert_id, record.key_id)
        self.csrf = csrf_for(secret, token)

    @property
    def actor(self) -> Any:
        return rs.expert_principal(self.identity, f"expert {self.identity.expert_id}")

    def context(self) -> dict[str, Any]:
        return {"signed_in": True, "csrf": self.csrf, "expert_id": self.identity.expert_id}


def current_session(request: Request, service: Service, session: Session) -> PortalSession | None:
    secret = service.settings.secret_key
    token = unsigned_cookie(secret, request.cookies.get(SESSION_COOKIE))
    if token is None:
        return None
    record = rs.find_token(session, secret, "session", token)
    return None if record is None else PortalSession(record, token, secret)


def _sign_in_redirect() -> Response:
    response = RedirectResponse("/portal/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/portal")
    return _secure_headers(response)


def _start_session(
    service: Service, session: Session, identity: rs.ReviewerIdentity, request: Request
) -> Response:
    secret = service.settings.secret_key
    token, record = rs.issue_token(session, secret, "session", identity, rs.SESSION_TTL)
    audit.record(
        session,
        rs.expert_principal(identity, f"expert {identity.expert_id}"),
        "portal.sign_in",
        "portal_session",
        record.id,
        {
            "cycle_id": identity.cycle_id,
            "expert_id": identity.expert_id,
            "with": "key" if identity.key_id else "link",
        },
        client_address(request),
    )
    session.commit()
    response = RedirectResponse("/portal/assignments", status_code=303)
    _set_cookie(
        response, SESSION_COOKIE, signed_cookie(secret, token), int(rs.SESSION_TTL.total_seconds())
    )
    response.delete_cookie(LOGIN_COOKIE, path="/portal")
    return _secure_headers(response)


def _login_page(service: Service, status: int = 200, **context: Any) -> HTMLResponse:
    nonce = secrets.token_urlsafe(24)
    response = page(
        context.pop("template", "login.html"),
        status=status,
        csrf=csrf_for(service.settings.secret_key, "login:" + nonce),
        **context,
    )
    _set_cookie(response, LOGIN_COOKIE, nonce, 3600)
    return response


def _check_login_csrf(request: Request, service: Service, submitted: object) -> None:
    nonce = request.cookies.get(LOGIN_COOKIE)
    _check_csrf(service.settings.secret_key, "login:" + nonce if nonce else None, submitted)


async def _run(request: Request, work: Callable[[], Response], **error_context: Any) -> Response:
    """Runs blocking page work in the thread pool; problems become HTML error pages."""
    try:
        return await run_in_threadpool(work)
    except ApiProblem as problem:
        return error_page(problem, **error_context)


# --- pages -----------------------------------------------------------------------------------


@router.get("")
@router.get("/")
def portal_home(request: Request, service: ServiceDep, session: SessionDep) -> Response:
    if current_session(request, service, session) is None:
        return _secure_headers(RedirectResponse("/portal/login", status_code=303))
    return _secure_headers(RedirectResponse("/portal/assignments", status_code=303))


def static_asset(name: str, media_type: str) -> Response:
    """A file shipped in `api/portal/static`, cacheable and never content-sniffed."""
    body = files("api.portal").joinpath("static", name).read_text(encoding="utf-8")
    response = Response(body, media_type=f"{media_type}; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/static/portal.css")
def portal_css() -> Response:
    return static_asset("portal.css", "text/css")


@router.get("/login")
def portal_login_form(service: ServiceDep) -> Response:
    return _login_page(service)


@router.post("/login")
async def portal_login(request: Request, service: ServiceDep, session: SessionDep) -> Response:
    form = await request.form()
    try:
        _check_login_csrf(request, service, form.get("csrf"))
    except ApiProblem as problem:
        return error_page(problem)
    key = form.get("api_key")
    wait = service.limiter.acquire(f"portal-login:{client_address(request)}")
    if wait > 0:
        return _login_page(
            service, 429, error="尝试过于频繁，请稍后再试 Too many attempts; try again later"
        )

    def work() -> Response:
        secret = service.settings.secret_key
        token = key.strip() if isinstance(key, str) else ""
        principal = authenticate(session, token, secret) if token else None
        binding = session.get(ExpertKey, principal.key_id) if principal else None
        if principal is None or principal.role != "reviewer" or binding is None:
            return _login_page(
                service,
                401,
                error="密钥无效或未绑定评审专家 Invalid key, or the key is not an expert's key",
            )
        identity = rs.ReviewerIdentity(binding.cycle_id, binding.expert_id, principal.key_id)
        return _start_session(service, session, identity, request)

    return await _run(request, work)


@router.get("/link/{token}")
def portal_link_form(token: str, service: ServiceDep, session: SessionDep) -> Response:
    """Confirms before the single-use link is consumed (link scanners only issue GETs)."""
    record = rs.find_token(session, service.settings.secret_key, "link", token)
    if record is None:
        return _login_page(
            service,
            410,
            error="登录链接无效、已使用或已过期 The sign-in link is invalid, used or expired",
        )
    return _login_page(service, template="link.html", token=token)


@router.post("/link")
async def portal_link(request: Request, service: ServiceDep, session: SessionDep) -> Response:
    form = await request.form()
    try:
        _check_login_csrf(request, service, form.get("csrf"))
    except ApiProblem as problem:
        return error_page(problem)
    token = form.get("token")

    def work() -> Response:
        identity = rs.redeem_link(
            session, service.settings.secret_key, token if isinstance(token, str) else ""
        )
        if identity is None:
            session.rollback()
            return _login_page(
                service,
                410,
                error="登录链接无效、已使用或已过期 The sign-in link is invalid, used or expired",
            )
        return _start_session(service, session, identity, request)

    return await _run(request, work)


@router.post("/logout")
async def portal_logout(request: Request, service: ServiceDep, session: SessionDep) -> Response:
    form = await request.form()

    def work() -> Response:
        current = current_session(request, service, session)
        if current is None:
            return _sign_in_redirect()
        _check_csrf(
            service.settings.secret_key,
            unsigned_cookie(service.settings.secret_key, request.cookies.get(SESSION_COOKIE)),
            form.get("csrf"),
        )
        current.record.used_at = utcnow()
        audit.record(
            session,
            current.actor,
            "portal.sign_out",
            "portal_session",
            current.record.id,
            {"expert_id": current.identity.expert_id},
            client_address(request),
        )
        session.commit()
        return _sign_in_redirect()

    return await _run(request, work)


def _assignment_view(item: rs.ReviewerAssignment) -> dict[str, Any]:
    thesis = item.thesis
    return {
        "id": item.id,
        "blind_id": item.blind_id,
        "title": thesis.title,
        "level": DEGREE_LABELS.get(thesis.degree_level, thesis.degree_level),
        "type": DEGREE_LABELS.get(thesis.degree_type, thesis.degree_type),
        "discipline": discipline_label(thesis.discipline_code),
        "round": item.assignment.round,
        "due_on": item.assignment.due_on.isoformat(),
        "state": item.status.state.value,
        "state_label": STATE_LABELS[item.status.state],
        "reviewed": item.review is not None,
        "overall": GRADE_LABELS[item.review.overall] if item.review else "",
        "open": item.open_for_review,
        "flagged": thesis.flagged,
    }


@router.get("/assignments")
async def portal_assignments(
    request: Request, service: ServiceDep, session: SessionDep
) -> Response:
    def work() -> Response:
        current = current_session(request, service, session)
        if current is None:
            return _sign_in_redirect()
        items = rs.reviewer_assignments(service.settings, session, current.identity)
        return page(
            "assignments.html",
            assignments=[_assignment_view(i) for i in items],
            **current.context(),
        )

    return await _run(request, work)


def _form_page(
    current: PortalSession,
    item: rs.ReviewerAssignment,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: list[str] | None = None,
    saved: bool = False,
) -> HTMLResponse:
    form = form_for(item.thesis.degree_type)
    review = item.review
    if values is None:
        values = {}
        if review is not None:
            values["overall"] = review.overall.value
            values["comment"] = review.comment
            values["misconduct_opinion"] = review.misconduct.value if review.misconduct else ""
            values["misconduct_comment"] = review.misconduct_comment
            for d in review.dimensions:
                values[f"{d.key}_grade"] = d.grade.value
                values[f"{d.key}_comment"] = d.comment
    return page(
        "assignment.html",
        status=status,
        a=_assignment_view(item),
        form=form,
        values=values,
        errors=errors or [],
        saved=saved,
        revision=review.revision if review else 0,
        submitted_on=review.submitted_on.isoformat() if review else "",
        misconduct_options=[(m.value, MISCONDUCT_LABELS[m]) for m in MisconductOpinion],
        **current.context(),
    )


@router.get("/assignments/{assignment_id}")
async def portal_assignment(
    assignment_id: str, request: Request, service: ServiceDep, session: SessionDep
) -> Response:
    def work() -> Response:
        current = current_session(request, service, session)
        if current is None:
            return _sign_in_redirect()
        try:
            item = rs.reviewer_assignment(
                service.settings, session, current.identity, assignment_id
            )
        except ApiProblem as problem:
            return error_page(problem, **current.context())
        return _form_page(current, item, saved=request.query_params.get("saved") == "1")

    return await _run(request, work)


@router.get("/assignments/{assignment_id}/report")
async def portal_report(
    assignment_id: str, request: Request, service: ServiceDep, session: SessionDep
) -> Response:
    def work() -> Response:
        current = current_session(request, service, session)
        if current is None:
            return _sign_in_redirect()
        try:
            item = rs.reviewer_assignment(
                service.settings, session, current.identity, assignment_id
            )
            html = rs.blind_report(service, session, item)
        except ApiProblem as problem:
            return error_page(problem, **current.context())
        audit.record(
            session,
            current.actor,
            "review.report.view",
            "review_assignment",
            assignment_id,
            {
                "cycle_id": current.identity.cycle_id,
                "expert_id": current.identity.expert_id,
                "blind": True,
                "via": "portal",
            },
            client_address(request),
        )
        session.commit()
        return _secure_headers(HTMLResponse(html), REPORT_CSP)

    return await _run(request, work)


def _parse_form(
    form: Any, dimension_labels: dict[str, str]
) -> tuple[rs.ReviewInput | None, list[str]]:
    """The posted form as a ReviewInput, or the fields that are missing or wrong."""
    errors: list[str] = []

    def grade(field: str, label: str) -> GradeEnum | None:
        raw = form.get(field)
        if isinstance(raw, str) and raw in GRADE_VALUES:
            return GradeEnum(raw)
        errors.append(f"{label}：请选择等级 choose a grade")
        return None

    def text(field: str, limit: int = 10000) -> str:
        raw = form.get(field)
        value = raw if isinstance(raw, str) else ""
        if len(value) > limit:
            errors.append(f"{field}: 超过 {limit} 字 longer than {limit} characters")
        return value

    overall = grade("overall", "总体评价 Overall grade")
    dimensions: dict[str, tuple[GradeEnum, str]] = {}
    for key, label in dimension_labels.items():
        value = grade(f"{key}_grade", label)
        if value is not None:
            dimensions[key] = (value, text(f"{key}_comment", 4000))
    opinion_raw = form.get("misconduct_opinion")
    opinion = None
    if isinstance(opinion_raw, str) and opinion_raw:
        try:
            opinion = MisconductOpinion(opinion_raw)
        except ValueError:
            errors.append("学术不端意见 misconduct opinion: 无效选项 not a valid choice")
    comment = text("comment")
    misconduct_comment = text("misconduct_comment", 4000)
    if errors or overall is None:
        return None, errors
    return rs.ReviewInput(overall, dimensions, comment, opinion, misconduct_comment), []


@router.post("/assignments/{assignment_id}/review")
async def portal_submit_review(
    assignment_id: str, request: Request, service: ServiceDep, session: SessionDep
) -> Response:
    form = await request.form()

    def work() -> Response:
        current = current_session(request, service, session)
        if current is None:
            return _sign_in_redirect()
        secret = service.settings.secret_key
        _check_csrf(
            secret, unsigned_cookie(secret, request.cookies.get(SESSION_COOKIE)), form.get("csrf")
        )
        item = rs.reviewer_assignment(service.settings, session, current.identity, assignment_id)
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
        labels = {
            d.key: f"{d.label_zh} {d.label_en}"
            for d in form_for(item.thesis.degree_type).dimensions
        }
        parsed, errors = _parse_form(form, labels)
        if parsed is None:
            return _form_page(current, item, 422, values, errors)
        try:
            rs.submit_review(
                service.settings,
                session,
                current.identity,
                assignment_id,
                parsed,
                current.actor,
                client_address(request),
            )
        except ApiProblem as problem:
            session.rollback()
            reasons = [f"{e.name}: {e.reason}" for e in problem.errors] or [problem.detail or ""]
            return _form_page(current, item, problem.status, values, [problem.title, *reasons])
        return _secure_headers(
            RedirectResponse(f"/portal/assignments/{assignment_id}?saved=1", status_code=303)
        )

    return await _run(request, work)
