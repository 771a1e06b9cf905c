"""Allegations (举报) over HTTP: the public submission with its abuse protection, the
reporter's status page, and the office's triage, import, matching and follow-up."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.storage.models import AuditEvent
from tests.api.conftest import _api, make_settings
from tests.api.documents import frame_csv_bytes, thesis_pdf_bytes
from tests.api.follow_up.workflow import allegation_fields, decided_cycle, solved

HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def _submit(client: Any, files: list[tuple[str, bytes]] | None = None, **changes: str) -> Any:
    data = allegation_fields(**changes) | solved(client)
    multipart = [
        ("attachment", (name, content, "application/pdf")) for name, content in files or []
    ]
    return client.post("/v1/allegations", data=data, files=multipart or None)


def _office_count(api: Any) -> int:
    return api.client.get("/v1/allegations", headers=api.as_("admin")).json()["count"]


def test_a_public_allegation_gets_a_code_and_its_status_shows_no_internals(api: Any) -> None:
    client = api.client
    pdf = thesis_pdf_bytes("证据材料 evidence", ["第三章与来源论文大段相同。"])
    answer = _submit(client, files=[("证据.pdf", pdf)])
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    code = answer.json()["tracking_code"]
    assert code.startswith("JB-") and answer.json()["state"] == "received"

    typed = code.lower().replace("-", " ").replace("j", "Ｊ")  # any case, spaces, full width
    status = client.get(f"/v1/allegations/{typed}")
    assert status.status_code == 200, status.text
    assert status.json()["tracking_code"] == code
    text = status.text
    for private in ("王举报", "whistle@example.org", "张三", "甲大学", "证据.pdf", "第三章"):
        assert private not in text

    office = client.get(f"/v1/allegations/{code}/record", headers=api.as_("admin")).json()
    assert office["reporter"] == {"name": "王举报", "contact": "whistle@example.org"}
    assert office["attachments"] == [{"index": 0, "label": "证据.pdf", "stored": True}]
    assert office["answer_due"] and office["overdue"] is False
    download = client.get(f"/v1/allegations/{code}/attachments/0", headers=api.as_("admin"))
    assert download.status_code == 200 and download.content == pdf
    assert download.headers["content-disposition"].startswith("attachment;")

    with api.service.sessions() as session:
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.like("allegation.%"))
                .order_by(AuditEvent.id)
            )
        )
    assert [e.action for e in events] == ["allegation.receive", "allegation.attachment.read"]
    assert "王举报" not in str(events[0].detail) and events[0].role == "public"


def test_an_unknown_code_is_404_and_office_routes_need_an_admin_key(api: Any) -> None:
    client = api.client
    assert client.get("/v1/allegations/JB-22222-22222-22222-22222").status_code == 404
    assert client.get("/v1/allegations").status_code == 401
    assert client.get("/v1/allegations", headers=api.as_("system_a")).status_code == 403
    code = _submit(client).json()["tracking_code"]
    assert (
        client.get(f"/v1/allegations/{code}/record", headers=api.as_("system_a")).status_code == 403
    )
    step = client.post(
        f"/v1/allegations/{code}/steps", json={"action": "accept"}, headers=api.as_("system_a")
    )
    assert step.status_code == 403


def test_the_proof_of_work_is_required_verified_and_single_use(api: Any) -> None:
    from api import proof_of_work

    client = api.client
    fields = allegation_fields()
    missing = client.post("/v1/allegations", json=fields)
    assert missing.status_code == 403 and missing.json()["type"].endswith("proof-of-work")

    proof = solved(client)
    wrong = client.post("/v1/allegations", json=fields | proof | {"counter": "x"})
    assert wrong.status_code == 403
    body, _, signature = proof["challenge"].rpartition(".")
    version, expires, bits, nonce = body.split(".")
    easier = f"{version}.{expires}.0.{nonce}.{signature}"
    forged = client.post("/v1/allegations", json=fields | {"challenge": easier, "counter": "0"})
    assert forged.status_code == 403 and "not issued" in forged.json()["detail"]
    expired = proof_of_work.issue(api.service.settings.secret_key, 8, -5)
    late = client.post(
        "/v1/allegations",
        json=fields
        | {"challenge": expired.token, "counter": proof_of_work.solve(expired.token, 8)},
    )
    assert late.status_code == 403 and "expired" in late.json()["detail"]
    weak = proof_of_work.issue(api.service.settings.secret_key, 2, 600)
    too_easy = client.post(
        "/v1/allegations",
        json=fields | {"challenge": weak.token, "counter": proof_of_work.solve(weak.token, 2)},
    )
    assert too_easy.status_code == 403 and "easier" in too_easy.json()["detail"]
    assert _office_count(api) == 0

    first = client.post("/v1/allegations", json=fields | proof)
    assert first.status_code == 201, first.text
    again = client.post("/v1/allegations", json=fields | proof)
    assert again.status_code == 403 and "already been used" in again.json()["detail"]
    assert _office_count(api) == 1


def test_bad_fields_are_named_and_nothing_is_stored(api: Any) -> None:
    client = api.client
    answer = client.post(
        "/v1/allegations",
        json=allegation_fields(title="", year="24", kind="偷懒", details="x" * 10001)
        | solved(client),
    )
    assert answer.status_code == 422, answer.text
    names = {e["name"] for e in answer.json()["errors"]}
    assert names == {"title", "year", "kind", "details"}
    assert (
        client.post(
            "/v1/allegations", content=b"[1]", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/v1/allegations", content=b"title=x", headers={"Content-Type": "text/plain"}
        ).status_code
        == 415
    )
    assert _office_count(api) == 0


def test_a_traditional_chinese_anonymous_report_is_kept(api: Any) -> None:
    client = api.client
    answer = _submit(
        client,
        title="論文題目：數據偽造",
        kind="偽造",
        reporter_name="",
        reporter_contact="",
        year="２０２３年",
    )
    assert answer.status_code == 201, answer.text
    office = client.get(
        f"/v1/allegations/{answer.json()['tracking_code']}/record", headers=api.as_("admin")
    ).json()
    assert office["reporter"] is None and office["kind"] == "fabrication" and office["year"] == 2023


def test_a_malformed_attachment_is_refused_and_nothing_is_stored(api: Any) -> None:
    client = api.client
    html = _submit(client, files=[("evidence.pdf", HTML_AS_PDF)])
    assert html.status_code == 415, html.text
    assert "evidence.pdf" in html.json()["detail"] and "not a PDF" in html.json()["detail"]
    exe = _submit(client, files=[("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" * 50)])
    assert exe.status_code == 415
    empty = _submit(client, files=[("empty.txt", b"")])
    assert empty.status_code == 422
    assert _office_count(api) == 0


def test_oversized_bodies_and_too_many_files_are_refused(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path / "data", allegation_pow_bits=4, allegation_max_bytes=4096, allegation_max_files=2
    )
    for api in _api(settings):
        client = api.client
        big = _submit(client, files=[("big.txt", "很长的证据。".encode() * 1000)])
        assert big.status_code == 413, big.text
        assert big.headers["connection"] == "close"
        many = _submit(client, files=[(f"e{i}.txt", b"evidence") for i in range(3)])
        assert many.status_code == 400 and "at most 2" in many.json()["detail"]
        assert _office_count(api) == 0


def test_submissions_are_rate_limited_per_client_address(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", allegation_pow_bits=4, allegations_per_hour=2)
    for api in _api(settings):
        client = api.client
        assert _submit(client).status_code == 201
        assert _submit(client).status_code == 201
        third = _submit(client)
        assert third.status_code == 429 and int(third.headers["retry-after"]) > 0
        assert _office_count(api) == 2


def _step(api: Any, code: str, **body: Any) -> Any:
    return api.client.post(f"/v1/allegations/{code}/steps", json=body, headers=api.as_("admin"))


def test_every_triage_step_and_the_reporter_sees_the_answer(api_any_db: Any) -> None:
    api = api_any_db
    client = api.client
    first, duplicate, spam = (_submit(client).json()["tracking_code"] for _ in range(3))

    assert _step(api, spam, action="reject").status_code == 409  # a reason is required
    rejected = _step(api, spam, action="reject", reason="与论文无关 not about a thesis")
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert (
        client.get(f"/v1/allegations/{spam}").json()["rejection_reason"]
        == "与论文无关 not about a thesis"
    )
    assert _step(api, spam, action="accept").status_code == 409

    merged = _step(api, duplicate, action="merge", into=first)
    assert merged.json()["state"] == "merged" and merged.json()["merged_into"] == first
    assert client.get(f"/v1/allegations/{duplicate}").json()["merged_into"] == first
    assert _step(api, first, action="merge", into=first).status_code == 409

    assert _step(api, first, action="accept", note="受理").json()["state"] == "accepted"
    unlinked = _step(api, first, action="follow_up", follow_up="certainty_next_year")
    assert unlinked.status_code == 409 and "link it" in unlinked.json()["detail"]
    assert _step(api, first, action="link", thesis_id="T9999").json()["matched"] is True
    assert _step(api, first, action="unlink", note="错误 wrong thesis").json()["thesis_id"] == ""
    _step(api, first, action="link", thesis_id="T0001")
    chosen = _step(api, first, action="follow_up", follow_up="certainty_next_year")
    assert chosen.json()["state"] == "follow_up" and chosen.json()["answer_due"] is None
    assert _step(api, first, action="close").status_code == 409  # a note is required
    closed = _step(api, first, action="close", note="已纳入下一年度抽检 drawn next year")
    assert closed.json()["state"] == "closed"
    record = client.get(f"/v1/allegations/{first}/record", headers=api.as_("admin")).json()
    assert [e["kind"] for e in record["events"]] == [
        "received", "accepted", "linked", "unlinked", "linked", "follow_up", "closed",
    ]  # fmt: skip
    assert _step(api, first, action="teleport").status_code == 422
    with api.service.sessions() as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.resource_type == "allegation")
            )
        )
    assert actions.count("allegation.link") == 2 and "allegation.close" in actions


def test_a_misconduct_follow_up_opens_a_case_in_the_review_cycle(api: Any) -> None:
    cycle, failed, _ = decided_cycle(api.client, api.as_("admin"))
    client = api.client
    sampled = _submit(client).json()["tracking_code"]
    outside = _submit(client, title="未抽中的论文").json()["tracking_code"]
    for code, thesis in ((sampled, failed), (outside, "T0999")):
        _step(api, code, action="accept")
        _step(api, code, action="link", thesis_id=thesis)
    assert _step(api, outside, action="follow_up", follow_up="misconduct_case").status_code == 422
    assert _step(api, sampled, action="follow_up", follow_up="misconduct_case").status_code == 200
    done = _step(api, outside, action="follow_up", follow_up="misconduct_case", cycle_id=cycle.id)
    assert done.status_code == 200, done.text
    cases = client.get(f"/v1/review-cycles/{cycle.id}/cases", headers=api.as_("admin")).json()[
        "data"
    ]
    triggers = {c["thesis_id"]: c["triggers"] for c in cases}
    assert any(sampled in t for t in triggers[failed])
    assert any(outside in t for t in triggers["T0999"])
    assert client.get(f"/v1/allegations/{sampled}").json()["follow_up"] == "misconduct_case"


def _table(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["论文题目", "作者", "学位授予单位", "年度", "举报类型", "论文编号"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_an_import_names_bad_rows_and_imports_all_or_nothing(api: Any) -> None:
    client = api.client
    admin = api.as_("admin") | {"Content-Type": "text/csv"}
    bad = _table(
        [
            ["题目一", "甲", "甲大学", "2024", "剽窃", ""],
            ["题目二", "乙", "乙大学", "二〇二四", "抄袭", ""],
            ["", "丙", "甲大学", "2024", "偷懒", ""],
        ]
    )
    refused = client.post("/v1/allegation-imports?filename=举报.csv", content=bad, headers=admin)
    assert refused.status_code == 422, refused.text
    problems = {(e["row"], e["name"]) for e in refused.json()["errors"]}
    assert problems == {(3, "year"), (4, "title"), (4, "kind")}
    assert "举报.csv" in refused.json()["detail"]
    assert _office_count(api) == 0

    good = _table(
        [
            ["论文题目1", "作者1", "甲大学", "2024", "剽窃", ""],
            ["不在名册的论文", "某人", "甲大学", "2024", "代写", ""],
            ["题目三", "丙", "乙大学", "2024", "伪造", "T0003"],
        ]
    )
    imported = client.post("/v1/allegation-imports?filename=举报.csv", content=good, headers=admin)
    assert imported.status_code == 201, imported.text
    assert imported.json()["imported"] == 3 and imported.json()["unmatched"] == 2

    frame = client.post(
        "/v1/frames?filename=register.csv", content=frame_csv_bytes(12), headers=api.as_("admin")
    )
    matches = client.post(
        "/v1/allegation-matches", json={"frame_id": frame.json()["id"]}, headers=api.as_("admin")
    )
    assert matches.status_code == 200, matches.text
    by_code = {m["tracking_code"]: m for m in matches.json()}
    codes = imported.json()["tracking_codes"]
    assert by_code[codes[1]]["linked"] == "" and by_code[codes[1]]["candidates"] == []
    unmatched = client.get("/v1/allegations?matched=false", headers=api.as_("admin")).json()
    assert [a["title"] for a in unmatched["data"]] == ["不在名册的论文"]  # kept, not lost


def test_an_xlsx_import_names_the_row_and_column(api: Any) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["论文题目", "作者", "学位授予单位", "年度", "举报类型", "收到日期"])
    sheet.append(["題目一", "甲", "甲大學", "2024", "剽竊", "2025年9月1日"])
    sheet.append(["题目二", "乙", "乙大学", "2024", "代写", "2025-13-40"])
    out = io.BytesIO()
    book.save(out)
    answer = api.client.post(
        "/v1/allegation-imports?filename=allegations.xlsx",
        content=out.getvalue(),
        headers=api.as_("admin"),
    )
    assert answer.status_code == 422, answer.text
    assert [(e["row"], e["name"], e["value"]) for e in answer.json()["errors"]] == [
        (3, "received_on", "2025-13-40")
    ]
    assert _office_count(api) == 0


def test_the_export_is_a_workspace_allegations_file_the_cli_reads(api: Any, tmp_path: Path) -> None:
    from review import workspace
    from review.cycle import ReviewCycle
    from review.follow_up_store import load_records

    client = api.client
    code = _submit(client).json()["tracking_code"]
    _step(api, code, action="accept")
    _step(api, code, action="link", thesis_id="T0001")
    exported = client.get("/v1/allegation-exports/allegations.json", headers=api.as_("admin"))
    assert exported.status_code == 200, exported.text
    assert (
        client.get(
            "/v1/allegation-exports/allegations.json", headers=api.as_("system_a")
        ).status_code
        == 403
    )
    folder = tmp_path / "review"
    workspace.save(folder, ReviewCycle(seed=1), workspace.WorkspaceInfo(seed=1))
    (folder / "allegations.json").write_bytes(exported.content)
    (allegation,) = load_records(folder).allegations
    assert allegation.code == code and allegation.thesis_id == "T0001"
    assert allegation.report.reporter is not None and allegation.report.reporter.name == "王举报"


def test_answer_deadlines_are_tracked_and_late_ones_listed(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date, timedelta

    from api.review_service import clock

    client = api.client
    waiting = _submit(client).json()["tracking_code"]
    answered = _submit(client).json()["tracking_code"]
    _step(api, answered, action="reject", reason="重复 duplicate of an earlier report")
    admin = api.as_("admin")
    assert client.get("/v1/allegations?overdue=true", headers=admin).json()["count"] == 0
    monkeypatch.setattr(clock, "today", lambda: date.today() + timedelta(days=16))
    late = client.get("/v1/allegations?overdue=true", headers=admin).json()
    assert [a["tracking_code"] for a in late["data"]] == [waiting]
    assert late["data"][0]["answer_due"] == (date.today() + timedelta(days=15)).isoformat()


def test_status_look_ups_are_rate_limited_per_address(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", allegation_pow_bits=4, allegations_per_hour=0.2)
    for api in _api(settings):
        client = api.client
        answers = [client.get("/v1/allegations/JB-22222-22222-22222-22222") for _ in range(3)]
        assert [a.status_code for a in answers] == [404, 404, 429]
