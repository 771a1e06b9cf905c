"""The public and institution portal pages in process: headers, CSRF, sessions, refusals."""

from __future__ import annotations

import re
from typing import Any

from api import proof_of_work
from tests.api.documents import thesis_pdf_bytes
from tests.api.follow_up.workflow import allegation_fields, decided_cycle


def _form_proof(client: Any) -> dict[str, str]:
    page = client.get("/portal/allegations/new")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "https://" not in page.text and "http://" not in page.text  # no external requests
    token = re.search(r'name="challenge" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    bits = int(re.search(r'data-bits="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    return {"challenge": token, "counter": proof_of_work.solve(token, bits)}


def _keep_cookie(client: Any, header: str) -> None:
    name, value = header.split(";", 1)[0].split("=", 1)
    client.cookies.set(name, value)


def test_the_form_posts_a_report_and_shows_the_tracking_code_once(api: Any) -> None:
    client = api.client
    pdf = thesis_pdf_bytes("证据", ["相同段落。"])
    answer = client.post(
        "/portal/allegations",
        data=allegation_fields() | _form_proof(client),
        files=[("attachment", ("证据.pdf", pdf, "application/pdf"))],
    )
    assert answer.status_code == 201, answer.text
    code = re.search(r'id="tracking-code">([^<]+)<', answer.text).group(1)  # type: ignore[union-attr]
    assert answer.headers["cache-control"] == "no-store"
    status = client.post("/portal/allegations/status", data={"code": code.lower()})
    assert status.status_code == 200 and "已收到 received" in status.text
    assert "王举报" not in status.text and "证据.pdf" not in status.text
    missing = client.post("/portal/allegations/status", data={"code": "JB-22222-22222-22222-22222"})
    assert missing.status_code == 404 and "查询码不存在" in missing.text


def test_a_refused_form_keeps_the_values_and_names_the_problem(api: Any) -> None:
    client = api.client
    fields = allegation_fields(title="《某论文》研究") | _form_proof(client)
    answer = client.post(
        "/portal/allegations",
        data=fields,
        files=[("attachment", ("evidence.pdf", b"<html>not a pdf</html>", "application/pdf"))],
    )
    assert answer.status_code == 415
    assert "evidence.pdf" in answer.text and "《某论文》研究" in answer.text
    assert fields["challenge"] not in answer.text  # a fresh challenge for the next attempt
    assert client.get("/v1/allegations", headers=api.as_("admin")).json()["count"] == 0


def test_institution_sign_in_needs_a_system_key_and_a_csrf_token(api: Any) -> None:
    client = api.client
    cycle, failed, _ = decided_cycle(client, api.as_("admin"))
    login = client.get("/portal/institution/login")
    token = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
    # The TestClient speaks plain HTTP, so the Secure cookies are passed on by hand here; the
    # browser tests use the real ones.
    _keep_cookie(client, login.headers["set-cookie"])
    forged = client.post(
        "/portal/institution/login", data={"csrf": "x", "api_key": api.keys.system_a}
    )
    assert forged.status_code == 403
    reviewer = client.post(
        "/portal/institution/login", data={"csrf": token, "api_key": api.keys.reviewer}
    )
    assert reviewer.status_code == 401
    assert client.get("/portal/institution", follow_redirects=False).status_code == 303
    signed_in = client.post(
        "/portal/institution/login",
        data={"csrf": token, "api_key": api.keys.system_a},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie
    _keep_cookie(client, cookie)
    home = client.get("/portal/institution")
    assert home.status_code == 200 and cycle.id in home.text
    page = client.get(f"/portal/institution/cycles/{cycle.id}")
    assert page.status_code == 200 and failed in page.text and "专家 A" in page.text
    for expert in {a["expert_id"] for a in cycle.assignments}:
        assert expert not in page.text
    upload = client.post(
        f"/portal/institution/cycles/{cycle.id}/items/plan",
        data={"csrf": "forged"},
        files=[("document", ("plan.pdf", b"%PDF-1.4", "application/pdf"))],
    )
    assert upload.status_code == 403
    client.cookies.clear()
