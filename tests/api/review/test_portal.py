"""The reviewer portal in process: sign-in (key or one-time link), CSRF, the form, sign-out."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import Api
from tests.api.review.workflow import Cycle, start_cycle

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def cycle(api: Api) -> Cycle:
    api.client.base_url = "https://testserver"  # the session cookie is Secure
    return start_cycle(api.client, api.as_("admin"))


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match, "every portal form carries a CSRF token"
    return match.group(1)


def _key(api: Api, cycle: Cycle, expert_id: str) -> str:
    answer = api.client.post(
        f"/v1/review-cycles/{cycle.id}/experts/{expert_id}/keys", headers=cycle.admin
    )
    return answer.json()["token"]


def _sign_in(api: Api, token: str) -> None:
    client = api.client
    client.cookies.clear()
    form = client.get("/portal/login")
    assert form.status_code == 200 and "专家登录" in form.text and "Sign in" in form.text
    answer = client.post(
        "/portal/login",
        data={"api_key": token, "csrf": _csrf(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/portal/assignments"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie


def test_sign_in_list_submit_and_state_change(api: Api, cycle: Cycle) -> None:
    client = api.client
    expert = cycle.assignments[0]["expert_id"]
    mine = [a for a in cycle.assignments if a["expert_id"] == expert]
    _sign_in(api, _key(api, cycle, expert))
    listing = client.get("/portal/assignments")
    assert listing.status_code == 200
    assert "我的评审任务" in listing.text and "My assignments" in listing.text
    assert listing.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in listing.headers["content-security-policy"]
    shown = set(re.findall(r'data-assignment="([0-9a-f]+)"', listing.text))
    assert shown == {a["id"] for a in mine}
    for row in cycle.sample:
        assert row["author"] not in listing.text and row["institution"] not in listing.text

    target = mine[0]
    page = client.get(f"/portal/assignments/{target['id']}")
    assert page.status_code == 200 and "总体评价" in page.text and "选题与综述" in page.text
    form = {
        "overall": "pass",
        "comment": "结构完整 well organised",
        **{
            f"{key}_grade": "good"
            for key in ("topic_review", "originality_value", "research_ability", "academic_norms")
        },
    }
    url = f"/portal/assignments/{target['id']}/review"
    forged = client.post(url, data=form, follow_redirects=False)
    assert forged.status_code == 403 and "CSRF" in forged.text
    missing = client.post(
        url, data={"csrf": _csrf(page.text), "overall": "pass"}, follow_redirects=False
    )
    assert missing.status_code == 422 and "选题与综述" in missing.text
    saved = client.post(url, data=form | {"csrf": _csrf(page.text)}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    after = client.get(saved.headers["location"])
    assert "评议中" in after.text and "已保存" in after.text
    detail = client.get(
        f"/v1/review-cycles/{cycle.id}/theses/{target['thesis_id']}", headers=cycle.admin
    ).json()
    assert detail["state"] == "in_review"
    assert detail["reviews"][0]["expert_id"] == expert

    foreign = next(a for a in cycle.assignments if a["expert_id"] != expert)
    assert client.get(f"/portal/assignments/{foreign['id']}").status_code == 404
    denied = client.post(
        f"/portal/assignments/{foreign['id']}/review",
        data=form | {"csrf": _csrf(page.text)},
        follow_redirects=False,
    )
    assert denied.status_code == 404

    audit = client.get("/v1/audit-events?action=review.submit", headers=cycle.admin).json()
    assert audit["count"] == 1 and audit["data"][0]["role"] == "reviewer"


def test_one_time_link_works_once_and_sign_out_ends_the_session(api: Api, cycle: Cycle) -> None:
    client = api.client
    expert = cycle.assignments[0]["expert_id"]
    link = client.post(
        f"/v1/review-cycles/{cycle.id}/experts/{expert}/login-links", headers=cycle.admin
    )
    assert link.status_code == 201
    path = link.json()["path"]
    confirm = client.get(path)
    assert confirm.status_code == 200 and "一次性" in confirm.text
    assert confirm.headers["referrer-policy"] == "no-referrer"
    token = path.rsplit("/", 1)[1]
    used = client.post(
        "/portal/link", data={"token": token, "csrf": _csrf(confirm.text)}, follow_redirects=False
    )
    assert used.status_code == 303
    session_cookie = client.cookies.get("spotcheck_portal")
    listing = client.get("/portal/assignments")
    assert listing.status_code == 200 and "data-assignment" in listing.text

    client.cookies.clear()
    again = client.get(path)
    assert again.status_code == 410
    replay = client.post(
        "/portal/link", data={"token": token, "csrf": _csrf(again.text)}, follow_redirects=False
    )
    assert replay.status_code == 410

    client.cookies.set("spotcheck_portal", session_cookie, path="/portal")
    page = client.get("/portal/assignments")
    out = client.post("/portal/logout", data={"csrf": _csrf(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/portal/login"
    client.cookies.set("spotcheck_portal", session_cookie, path="/portal")
    stale = client.get("/portal/assignments", follow_redirects=False)
    assert stale.status_code == 303 and stale.headers["location"] == "/portal/login"


def test_bad_keys_and_tampered_cookies_are_refused(api: Api, cycle: Cycle) -> None:
    client = api.client
    form = client.get("/portal/login")
    unbound = client.post(
        "/portal/login",
        data={"api_key": api.keys.reviewer, "csrf": _csrf(form.text)},
        follow_redirects=False,
    )
    assert unbound.status_code == 401 and "Invalid key" in unbound.text
    admin = client.post(
        "/portal/login",
        data={"api_key": api.keys.admin, "csrf": _csrf(unbound.text)},
        follow_redirects=False,
    )
    assert admin.status_code == 401
    no_csrf = client.post("/portal/login", data={"api_key": api.keys.admin})
    assert no_csrf.status_code == 403
    client.cookies.set("spotcheck_portal", "forged.0123456789abcdef", path="/portal")
    forged = client.get("/portal/assignments", follow_redirects=False)
    assert forged.status_code == 303 and forged.headers["location"] == "/portal/login"
    css = client.get("/portal/static/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
