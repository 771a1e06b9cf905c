"""Feedback, rectification, marks and accountability over HTTP — and that an institution
sees only its own, never an expert's or a reporter's identity."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from api.review_service import clock
from api.storage.models import AuditEvent
from tests.api.documents import thesis_pdf_bytes
from tests.api.follow_up.workflow import allegation_fields, decided_cycle, solved

A = quote("甲大学")
B = quote("乙大学")


def _open(api: Any) -> tuple[Any, str]:
    cycle, failed, _ = decided_cycle(api.client, api.as_("admin"))
    opened = api.client.post(
        f"/v1/review-cycles/{cycle.id}/rectification-items", json={}, headers=api.as_("admin")
    )
    assert opened.status_code == 201, opened.text
    assert [(i["institution"], i["kind"]) for i in opened.json()] == [
        ("甲大学", "plan"),
        ("甲大学", "report"),
    ]
    return cycle, failed


def _upload(
    api: Any, cycle_id: str, kind: str, who: str, name: str, content: bytes, institution: str = A
) -> Any:
    return api.client.put(
        f"/v1/review-cycles/{cycle_id}/rectification-items/{institution}/{kind}/document?filename={quote(name)}",
        content=content,
        headers=api.as_(who),
    )


def test_feedback_shows_opinions_without_expert_or_reporter_identity(api: Any) -> None:
    cycle, failed = _open(api)
    client = api.client
    code = client.post("/v1/allegations", json=allegation_fields() | solved(client)).json()[
        "tracking_code"
    ]
    admin = api.as_("admin")
    client.post(f"/v1/allegations/{code}/steps", json={"action": "accept"}, headers=admin)
    client.post(
        f"/v1/allegations/{code}/steps", json={"action": "link", "thesis_id": failed}, headers=admin
    )

    answer = client.get(f"/v1/review-cycles/{cycle.id}/feedback/{A}", headers=api.as_("system_a"))
    assert answer.status_code == 200, answer.text
    feedback = answer.json()
    assert [t["thesis_id"] for t in feedback["problem_theses"]] == [failed]
    assert [o["expert"] for o in feedback["problem_theses"][0]["opinions"]] == [
        "专家 A expert",
        "专家 B expert",
        "专家 C expert",
    ]
    assert feedback["own"]["problems"] == 1 and feedback["own"]["ci_high"] is not None
    assert [a["thesis_id"] for a in feedback["allegations"]] == [failed]
    experts = {a["expert_id"] for a in cycle.assignments}
    page = client.get(
        f"/v1/review-cycles/{cycle.id}/feedback-pages/{A}", headers=api.as_("system_a")
    )
    assert page.status_code == 200 and "<script" not in page.text
    for text in (answer.text, page.text):
        for private in (*experts, "专家1", "王举报", "whistle@example.org", code, "E001"):
            assert private not in text
    assert client.get(
        f"/v1/review-cycles/{cycle.id}/feedback", headers=api.as_("system_a")
    ).json() == ["甲大学"]
    everyone = client.get(f"/v1/review-cycles/{cycle.id}/feedback", headers=admin).json()
    assert sorted(everyone) == ["乙大学", "甲大学"]


def test_an_institution_cannot_read_or_write_another_institutions_records(api: Any) -> None:
    cycle, _ = _open(api)
    client = api.client
    base = f"/v1/review-cycles/{cycle.id}"
    for path in (
        f"/feedback/{A}",
        f"/feedback-pages/{A}",
        f"/rectification-items/{A}/plan",
        f"/rectification-items/{A}/plan/document",
    ):
        assert client.get(base + path, headers=api.as_("system_b")).status_code == 404, path
    pdf = thesis_pdf_bytes("整改方案", ["整改措施。"])
    assert _upload(api, cycle.id, "plan", "system_b", "plan.pdf", pdf).status_code == 404
    assert client.get(f"{base}/rectification-items", headers=api.as_("system_b")).json() == []
    assert len(client.get(f"{base}/rectification-items", headers=api.as_("system_a")).json()) == 2
    assert client.get(f"{base}/feedback/{A}", headers=api.as_("reviewer")).status_code == 403
    decide = client.post(
        f"{base}/rectification-items/{A}/plan/decisions",
        json={"action": "accept"},
        headers=api.as_("system_a"),
    )
    assert decide.status_code == 403
    assert client.post(f"{base}/escalation-runs", headers=api.as_("system_a")).status_code == 403


def test_rectification_items_move_through_every_state(api_any_db: Any) -> None:
    api = api_any_db
    cycle, _ = _open(api)
    client = api.client
    base = f"/v1/review-cycles/{cycle.id}/rectification-items/{A}"
    admin = api.as_("admin")
    html = _upload(
        api, cycle.id, "plan", "system_a", "方案.pdf", b"<html><body>not a pdf</body></html>"
    )
    assert html.status_code == 415 and "方案.pdf" in html.json()["detail"]
    pdf = thesis_pdf_bytes("整改方案", ["整改措施：加强导师责任。"])
    early = _upload(api, cycle.id, "report", "system_a", "报告.pdf", pdf)
    assert early.status_code == 409 and "plan is not accepted" in early.json()["detail"]
    submitted = _upload(api, cycle.id, "plan", "system_a", "方案.pdf", pdf)
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    assert client.get(f"{base}/plan/document", headers=api.as_("system_a")).content == pdf
    returned = client.post(
        f"{base}/plan/decisions",
        json={"action": "return", "reason": "措施不具体 too vague"},
        headers=admin,
    )
    assert returned.json()["state"] == "returned"
    assert (
        client.post(f"{base}/plan/decisions", json={"action": "return"}, headers=admin).status_code
        == 409
    )
    _upload(api, cycle.id, "plan", "system_a", "方案v2.pdf", pdf + b"\n")
    accepted = client.post(f"{base}/plan/decisions", json={"action": "accept"}, headers=admin)
    assert accepted.json()["state"] == "accepted"
    assert (
        client.post(f"{base}/plan/decisions", json={"action": "accept"}, headers=admin).status_code
        == 409
    )
    report = _upload(api, cycle.id, "report", "system_a", "报告.pdf", pdf)
    assert report.status_code == 200 and report.json()["state"] == "submitted"
    kinds = [
        e["kind"] for e in client.get(f"{base}/plan", headers=api.as_("system_a")).json()["events"]
    ]
    assert kinds == ["opened", "submitted", "returned", "submitted", "accepted"]
    with api.service.sessions() as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.resource_type == "rectification_item")
                .order_by(AuditEvent.id)
            )
        )
    assert actions == [
        "rectification.submit", "rectification.return", "rectification.submit",
        "rectification.accept", "rectification.submit",
    ]  # fmt: skip
    past = client.post(
        f"{base}/report/decisions", json={"action": "due", "due": "2000-01-01"}, headers=admin
    )
    assert past.status_code == 409


def test_overdue_items_escalate_once_and_put_the_institution_on_the_notice_list(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cycle, _ = _open(api)
    client = api.client
    admin = api.as_("admin")
    base = f"/v1/review-cycles/{cycle.id}"
    assert client.post(f"{base}/escalation-runs", headers=admin).json() == []
    later = date.today() + timedelta(days=40)
    monkeypatch.setattr(clock, "today", lambda: later)
    overdue = client.get(f"{base}/rectification-items?overdue=true", headers=admin).json()
    assert [i["kind"] for i in overdue] == ["plan"]
    escalated = client.post(f"{base}/escalation-runs", headers=admin).json()
    assert [(i["kind"], i["escalations"]) for i in escalated] == [("plan", 1)]
    assert client.post(f"{base}/escalation-runs", headers=admin).json() == []
    marks = client.get(f"{base}/marks", headers=api.as_("system_a")).json()
    assert [m["kind"] for m in marks] == ["notice"] and "escalated" in marks[0]["basis"]
    assert client.get(f"{base}/marks", headers=api.as_("system_b")).json() == []
    moved = client.post(
        f"{base}/rectification-items/{A}/plan/decisions",
        json={"action": "due", "due": (later + timedelta(days=10)).isoformat(), "note": "同意延期"},
        headers=admin,
    )
    assert moved.status_code == 200 and moved.json()["overdue"] is False


def test_accountability_decisions_need_a_basis_and_institutions_read_their_own(api: Any) -> None:
    cycle, _ = _open(api)
    client = api.client
    base = f"/v1/review-cycles/{cycle.id}/accountability-decisions"
    admin = api.as_("admin")
    body = {
        "institution": "甲大学",
        "measure": "enrolment_cut",
        "basis": "",
        "decided_by": "学位办",
    }
    assert client.post(base, json=body, headers=admin).status_code == 422
    body["basis"] = "连续两年存在问题学位论文 problem theses two years running"
    recorded = client.post(base, json=body, headers=admin)
    assert recorded.status_code == 201 and recorded.json()["measure_label"].startswith(
        "减少招生计划"
    )
    assert client.post(base, json=body, headers=admin).status_code == 422  # duplicate
    assert client.post(base, json=body, headers=api.as_("system_a")).status_code == 403
    assert len(client.get(base, headers=api.as_("system_a")).json()) == 1
    assert client.get(base, headers=api.as_("system_b")).json() == []
    feedback = client.get(
        f"/v1/review-cycles/{cycle.id}/feedback/{A}", headers=api.as_("system_a")
    ).json()
    assert [d["measure"] for d in feedback["accountability"]] == ["enrolment_cut"]
    assert (
        client.get(
            f"/v1/review-cycles/{cycle.id}/feedback/{B}", headers=api.as_("system_a")
        ).status_code
        == 404
    )
