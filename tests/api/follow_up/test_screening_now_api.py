"""'Screening now' (立即检测) over HTTP: choosing the follow-up queues a job that screens the
linked thesis against the corpus plus the named source, and links the result to the
allegation for the office only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.storage.models import AuditEvent
from tests.api.documents import PARAGRAPHS, thesis_pdf_bytes
from tests.api.follow_up.workflow import allegation_fields, solved

COPIED = PARAGRAPHS[:4]
OWN = [
    "本章讨论抽检结果反馈与整改落实之间的关系，并提出改进建议。",
    "我们对三所学校的整改报告进行了比较，发现复查能够促进质量提升。",
]


def _allegation(client: Any, source: bytes | None) -> str:
    data = allegation_fields() | solved(client)
    files = [("attachment", ("来源论文.pdf", source, "application/pdf"))] if source else None
    answer = client.post("/v1/allegations", data=data, files=files)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["tracking_code"])


def _thesis(api: Any, thesis_id: str) -> str:
    body = {"thesis_id": thesis_id, "title": "基于深度学习的图像识别研究", "author": "张三"}
    created = api.client.post("/v1/submissions", json=body, headers=api.as_("system_a"))
    assert created.status_code == 201, created.text
    sub_id = str(created.json()["id"])
    pdf = thesis_pdf_bytes("基于深度学习的图像识别研究", COPIED + OWN)
    uploaded = api.client.put(
        f"/v1/submissions/{sub_id}/file", content=pdf, headers=api.as_("system_a")
    )
    assert uploaded.status_code == 200, uploaded.text
    return sub_id


def _step(api: Any, code: str, **body: Any) -> Any:
    return api.client.post(f"/v1/allegations/{code}/steps", json=body, headers=api.as_("admin"))


def _linked(api: Any, code: str, thesis_id: str) -> None:
    assert _step(api, code, action="accept").status_code == 200
    assert _step(api, code, action="link", thesis_id=thesis_id).status_code == 200


def _record(api: Any, code: str) -> dict[str, Any]:
    answer = api.client.get(f"/v1/allegations/{code}/record", headers=api.as_("admin"))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_choosing_screening_now_screens_the_thesis_against_the_attached_source(
    api_any_db: Any,
) -> None:
    api = api_any_db
    client = api.client
    sub_id = _thesis(api, "T0001")
    source = thesis_pdf_bytes("李四 2019 年硕士论文", COPIED)
    code = _allegation(client, source)
    _linked(api, code, "T0001")

    chosen = _step(api, code, action="follow_up", follow_up="screening_now")
    assert chosen.status_code == 200, chosen.text
    (queued,) = chosen.json()["screenings"]
    assert queued["state"] == "queued" and queued["submission_id"] == sub_id
    assert queued["sources"] == ["attachment:0"] and queued["result"] is None

    assert api.run_jobs() >= 1
    record = _record(api, code)
    (done,) = record["screenings"]
    assert done["state"] == "complete", done
    assert done["named_source_found"] is True
    (named,) = done["named"]
    assert named["given"] == "attachment:0 (来源论文.pdf)" and named["passages"] >= 1
    assert named["share"] > 0.3 and done["total_copy_ratio"] > 0.3
    assert [e["kind"] for e in record["events"]][-1] == "screened"
    assert done["result"] in record["events"][-1]["note"]

    result = client.get(done["result"], headers=api.as_("admin"))
    assert result.status_code == 200
    assert any(s["id"] == named["doc_id"] for s in result.json()["sources"])
    assert client.get(done["result"], headers=api.as_("system_a")).status_code == 403

    status = client.get(f"/v1/allegations/{code}")
    assert status.json()["follow_up"] == "screening_now"
    assert status.json()["state"] == "follow_up" and "screenings" not in status.json()
    for private in (done["job_id"], "来源论文", "screened", "flag", "ratio", named["doc_id"]):
        assert private not in status.text
    with api.service.sessions() as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.resource_type == "allegation")
            )
        )
    assert actions[-1] == "allegation.screened"
    listed = client.get("/v1/allegations", headers=api.as_("admin")).json()["data"]
    assert [a["screenings"][0]["state"] for a in listed] == ["complete"]


def test_screening_now_needs_a_thesis_file_and_a_named_source(api: Any) -> None:
    client = api.client
    code = _allegation(client, thesis_pdf_bytes("来源", COPIED))
    _linked(api, code, "T0002")
    missing = _step(api, code, action="follow_up", follow_up="screening_now")
    assert missing.status_code == 422 and missing.json()["code"] == "thesis-file-missing"
    assert "submission" in missing.json()["detail"]
    assert _record(api, code)["state"] == "accepted"  # nothing recorded

    sub_id = _thesis(api, "T0003")
    bad = _step(
        api,
        code,
        action="follow_up",
        follow_up="screening_now",
        screening={"submission_id": sub_id, "sources": ["attachment:3"]},
    )
    assert bad.status_code == 422 and "attachment 3" in bad.json()["detail"]
    path = _step(
        api,
        code,
        action="follow_up",
        follow_up="screening_now",
        screening={"submission_id": sub_id, "sources": ["../../etc/passwd"]},
    )
    assert path.status_code == 422 and path.json()["code"] == "invalid-source"

    bare = _allegation(client, None)
    _linked(api, bare, "T0003")
    none = _step(api, bare, action="follow_up", follow_up="screening_now")
    assert none.status_code == 422 and none.json()["code"] == "no-named-source"
    assert _record(api, bare)["screenings"] == []


def test_another_screening_runs_only_for_screening_now_and_a_bad_source_fails_cleanly(
    api: Any,
) -> None:
    client = api.client
    _thesis(api, "T0004")
    code = _allegation(client, thesis_pdf_bytes("来源", COPIED))
    _linked(api, code, "T0004")
    again = client.post(f"/v1/allegations/{code}/screenings", json={}, headers=api.as_("admin"))
    assert again.status_code == 409  # the follow-up is not chosen yet
    assert _step(api, code, action="follow_up", follow_up="screening_now").status_code == 200
    api.run_jobs()

    unknown = client.post(
        f"/v1/allegations/{code}/screenings",
        json={"sources": ["ffffffffffff"]},
        headers=api.as_("admin"),
    )
    assert unknown.status_code == 202, unknown.text
    assert unknown.headers["location"].startswith("/v1/jobs/")
    assert client.post(
        f"/v1/allegations/{code}/screenings", json={}, headers=api.as_("system_a")
    ).status_code in (401, 403)
    api.run_jobs()
    first, failed = _record(api, code)["screenings"]
    assert first["state"] == "complete"
    assert failed["state"] == "error" and "ffffffffffff" in failed["error"]
    assert failed["result"] is None
    kinds = [e["kind"] for e in _record(api, code)["events"]]
    assert kinds.count("screened") == 1  # the failed run recorded nothing


def test_a_corpus_document_named_as_the_source_is_compared_within_the_office_corpus(
    api: Any,
) -> None:
    client = api.client
    corpus = client.post("/v1/corpora", json={"name": "default"}, headers=api.as_("admin"))
    assert corpus.status_code == 201, corpus.text
    added = client.post(
        f"/v1/corpora/{corpus.json()['id']}/documents",
        params={"filename": "李四硕士论文.pdf", "title": "李四 2019 年硕士论文"},
        content=thesis_pdf_bytes("李四 2019 年硕士论文", COPIED),
        headers=api.as_("admin"),
    )
    assert added.status_code == 202, added.text
    api.run_jobs()
    job = client.get(added.headers["location"], headers=api.as_("admin")).json()
    doc_id = job["result"]["document_id"]
    _thesis(api, "T0005")
    code = _allegation(client, None)
    _linked(api, code, "T0005")
    chosen = _step(
        api,
        code,
        action="follow_up",
        follow_up="screening_now",
        screening={"sources": ["李四硕士论文.pdf"]},
    )
    assert chosen.status_code == 200, chosen.text
    api.run_jobs()
    (done,) = _record(api, code)["screenings"]
    assert done["state"] == "complete", done
    (named,) = done["named"]
    assert named["doc_id"] == doc_id and named["file"] == "李四硕士论文.pdf"
    assert named["passages"] >= 1 and done["named_source_found"] is True
