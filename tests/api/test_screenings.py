"""Screenings over HTTP: 202 + polling, results, error codes, reports, roles, batches."""

from __future__ import annotations

import hashlib

import pytest

from tests.api.conftest import Api
from tests.api.documents import (
    PARAGRAPHS,
    encrypted_pdf_bytes,
    frame_csv_bytes,
    scanned_pdf_bytes,
    thesis_pdf_bytes,
)

AUTHOR = "王小明"
SUPERVISOR = "赵教授"


def submit(api: Api, thesis_id: str, data: bytes, who: str = "system_a", **meta: str) -> str:
    body = {
        "thesis_id": thesis_id,
        "title": "学位论文抽检制度研究",
        "author": AUTHOR,
        "supervisor": SUPERVISOR,
    } | meta
    created = api.client.post("/v1/submissions", json=body, headers=api.as_(who))
    assert created.status_code == 201, created.text
    sub_id = created.json()["id"]
    uploaded = api.client.put(f"/v1/submissions/{sub_id}/file", content=data, headers=api.as_(who))
    assert uploaded.status_code == 200, uploaded.text
    return sub_id


def request_screening(api: Api, sub_id: str, who: str = "system_a", **settings: object) -> str:
    response = api.client.post(
        f"/v1/submissions/{sub_id}/screenings", json=settings or None, headers=api.as_(who)
    )
    assert response.status_code == 202, response.text
    assert int(response.headers["retry-after"]) >= 1
    location = response.headers["location"]
    assert location == f"/v1/screenings/{response.json()['id']}"
    return response.json()["id"]


def test_screening_runs_to_complete_with_result_and_report(api: Api) -> None:
    sub_id = submit(api, "T00001", thesis_pdf_bytes("学位论文抽检制度研究"))
    screening_id = request_screening(api, sub_id)
    queued = api.client.get(f"/v1/screenings/{screening_id}", headers=api.as_("system_a"))
    assert queued.json()["state"] == "queued" and "retry-after" in queued.headers
    not_ready = api.client.get(f"/v1/screenings/{screening_id}/result", headers=api.as_("admin"))
    assert not_ready.status_code == 409 and not_ready.json()["code"] == "not-ready"
    assert api.run_jobs() >= 1
    status = api.client.get(f"/v1/screenings/{screening_id}", headers=api.as_("system_a")).json()
    assert status["state"] == "complete", status
    assert status["progress"] == 1.0 and status["flag_level"] in (
        "clear",
        "needs_review",
        "suspected_misconduct",
    )
    result = api.client.get(
        f"/v1/screenings/{screening_id}/result", headers=api.as_("system_a")
    ).json()
    assert result["schema_version"] == "1"
    assert result["thesis"]["status"] == "ok"
    assert PARAGRAPHS[1] in result["thesis"]["text"]
    assert result["thesis"]["metadata"]["thesis_id"] == "T00001"
    report = api.client.get(f"/v1/screenings/{screening_id}/report", headers=api.as_("admin"))
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert AUTHOR in report.text
    blind = api.client.get(
        f"/v1/screenings/{screening_id}/report?blind=true", headers=api.as_("admin")
    )
    assert AUTHOR not in blind.text and SUPERVISOR not in blind.text and "甲大学" not in blind.text


@pytest.mark.slow
def test_unreadable_theses_end_in_error_with_fixed_codes(api: Api) -> None:
    encrypted = request_screening(api, submit(api, "T00002", encrypted_pdf_bytes()))
    scanned = request_screening(api, submit(api, "T00003", scanned_pdf_bytes()))
    corrupt = request_screening(api, submit(api, "T00004", thesis_pdf_bytes("截断的论文")[:1500]))
    api.run_jobs()
    codes = {}
    for screening_id in (encrypted, scanned, corrupt):
        body = api.client.get(f"/v1/screenings/{screening_id}", headers=api.as_("admin")).json()
        assert body["state"] == "error", body
        assert body["error"]["detail"]
        codes[screening_id] = body["error"]["code"]
    assert codes[encrypted] == "ENCRYPTED_PDF"
    assert codes[scanned] == "NO_TEXT_LAYER"
    assert codes[corrupt] == "CORRUPT_FILE"


def test_screening_needs_an_uploaded_file(api: Api) -> None:
    created = api.client.post(
        "/v1/submissions", json={"thesis_id": "T9"}, headers=api.as_("system_a")
    ).json()
    response = api.client.post(
        f"/v1/submissions/{created['id']}/screenings", headers=api.as_("system_a")
    )
    assert response.status_code == 409 and response.json()["code"] == "file-missing"


def test_access_control_for_every_role(api: Api) -> None:
    sub_id = submit(api, "T00001", thesis_pdf_bytes("学位论文抽检制度研究"))
    screening_id = request_screening(api, sub_id)
    api.run_jobs()
    base = f"/v1/screenings/{screening_id}"
    for path in (base, f"{base}/result", f"{base}/report"):
        assert api.client.get(path, headers=api.as_("system_b")).status_code == 404
        assert api.client.get(path, headers=api.as_("system_a")).status_code == 200
        assert api.client.get(path, headers=api.as_("admin")).status_code == 200
        # Read again once the finished row is kept in memory: still hidden from others.
        assert api.client.get(path, headers=api.as_("system_b")).status_code == 404
    assert (
        api.client.post(
            f"/v1/submissions/{sub_id}/screenings", headers=api.as_("system_b")
        ).status_code
        == 404
    )
    assert api.client.get("/v1/screenings", headers=api.as_("system_b")).json()["count"] == 0
    # reviewers: nothing until assigned, then the blind report only
    assert api.client.get(f"{base}/report", headers=api.as_("reviewer")).status_code == 404
    assign = api.client.post(
        f"{base}/assignments",
        json={"reviewer_key_id": api.keys.reviewer_id},
        headers=api.as_("admin"),
    )
    assert assign.status_code == 201
    forbidden = api.client.post(
        f"{base}/assignments",
        json={"reviewer_key_id": api.keys.reviewer_id},
        headers=api.as_("system_a"),
    )
    assert forbidden.status_code == 403
    report = api.client.get(f"{base}/report?blind=false", headers=api.as_("reviewer"))
    assert report.status_code == 200
    for name in (AUTHOR, SUPERVISOR, "甲大学"):
        assert name not in report.text
    assert api.client.get(f"{base}/result", headers=api.as_("reviewer")).status_code == 403
    assert api.client.get(base, headers=api.as_("reviewer")).status_code == 403
    assert api.client.get(f"{base}/report", headers=api.as_("other_reviewer")).status_code == 404
    mine = api.client.get("/v1/assignments", headers=api.as_("reviewer")).json()
    assert mine["count"] == 1 and mine["data"][0]["screening_id"] == screening_id
    assert api.client.get("/v1/assignments", headers=api.as_("other_reviewer")).json()["count"] == 0
    views = api.client.get("/v1/audit-events?action=report.view", headers=api.as_("admin")).json()
    assert views["count"] == 3  # system A, admin, reviewer
    assert any(e["detail"]["blind"] and e["role"] == "reviewer" for e in views["data"])


@pytest.mark.slow
def test_batch_screening_of_a_draws_sample(api: Api) -> None:
    frame = api.client.post(
        "/v1/frames", content=frame_csv_bytes(10), headers=api.as_("admin")
    ).json()
    draw = api.client.post(
        "/v1/draws",
        json={
            "frame_id": frame["id"],
            "seed": 3,
            "plan": {"rates": {"master": 0.3, "doctoral": 0.5}},
        },
        headers=api.as_("admin"),
    ).json()
    sample = api.client.get(f"/v1/draws/{draw['id']}/sample", headers=api.as_("admin")).json()
    rows = sample["data"]
    assert len(rows) >= 3
    uploaded = []
    for row in rows[:3]:
        who = "system_a" if row["institution"] == "甲大学" else "system_b"
        submit(api, row["thesis_id"], thesis_pdf_bytes(row["title"]), who=who)
        uploaded.append(row["thesis_id"])
    accepted = api.client.post(
        f"/v1/draws/{draw['id']}/screenings", json={}, headers=api.as_("admin")
    )
    assert accepted.status_code == 202, accepted.text
    location = accepted.headers["location"]
    api.run_jobs()
    batch = api.client.get(location, headers=api.as_("admin")).json()
    assert batch["state"] == "complete" and batch["screenings"] == 3
    assert batch["by_state"] == {"complete": 3}
    assert sorted(batch["missing"]) == sorted(r["thesis_id"] for r in rows[3:])
    summary = api.client.get(batch["links"]["summary"], headers=api.as_("admin"))
    assert summary.status_code == 200 and "<html" in summary.text.lower()
    summary_csv = api.client.get(batch["links"]["summary_csv"], headers=api.as_("admin"))
    assert all(t in summary_csv.text for t in uploaded)
    listing = api.client.get(
        f"/v1/screenings?batch_id={batch['id']}", headers=api.as_("admin")
    ).json()
    assert listing["count"] == 3
    results = [
        api.client.get(s["links"]["result"], headers=api.as_("admin")).json()
        for s in listing["data"]
    ]
    # the theses share their body text: batch comparison finds each other
    origins = {src["origin"] for r in results for src in r["sources"]}
    assert "batch" in origins
    assert api.client.get(location, headers=api.as_("system_a")).status_code == 403


def test_result_is_served_with_its_hash_as_etag_and_revalidates_with_304(api: Api) -> None:
    screening_id = request_screening(api, submit(api, "T00005", thesis_pdf_bytes("缓存验证论文")))
    api.run_jobs()
    url = f"/v1/screenings/{screening_id}/result"
    first = api.client.get(url, headers=api.as_("system_a"))
    assert first.status_code == 200
    etag = first.headers["etag"]
    body_hash = hashlib.sha256(first.content).hexdigest()
    assert etag == f'"{body_hash}"'
    assert first.headers["cache-control"] == "private, no-cache"
    again = api.client.get(url, headers=api.as_("system_a") | {"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    weak_list = f'"0000", W/{etag}'
    assert (
        api.client.get(url, headers=api.as_("admin") | {"If-None-Match": weak_list}).status_code
        == 304
    )
    stale = api.client.get(url, headers=api.as_("system_a") | {"If-None-Match": '"0000"'})
    assert stale.status_code == 200 and stale.content == first.content
    # a matching ETag never bypasses access control
    hidden = api.client.get(url, headers=api.as_("system_b") | {"If-None-Match": etag})
    assert hidden.status_code == 404
    assert (
        api.client.get(url, headers=api.as_("reviewer") | {"If-None-Match": etag}).status_code
        == 403
    )
