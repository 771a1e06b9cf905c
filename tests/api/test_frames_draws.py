"""Frames and draws over HTTP: validation with row/column errors, reproducible draws, verify."""

from __future__ import annotations

import csv
import io

from tests.api.conftest import Api
from tests.api.documents import frame_csv_bytes


def _upload_frame(api: Api, data: bytes, name: str = "register.csv"):  # noqa: ANN202
    return api.client.post(
        f"/v1/frames?filename={name}",
        content=data,
        headers=api.as_("admin") | {"Content-Type": "text/csv"},
    )


def test_valid_frame_is_stored_with_a_summary(api: Api) -> None:
    response = _upload_frame(api, frame_csv_bytes())
    assert response.status_code == 201, response.text
    frame = response.json()
    assert frame["rows"] == 80 and frame["name"] == "register.csv"
    assert frame["summary"]["institutions"] == 2
    assert api.client.get(f"/v1/frames/{frame['id']}", headers=api.as_("admin")).json() == frame
    assert api.client.get("/v1/frames", headers=api.as_("admin")).json()["count"] == 1


def test_invalid_frame_lists_row_and_column_and_stores_nothing(api: Api) -> None:
    text = frame_csv_bytes().decode()
    lines = text.splitlines()
    lines[3] = lines[3].replace("master", "bachelor").replace("doctoral", "bachelor")
    lines[5] = lines[5].replace("2025-06-30", "2025-13-45")
    response = _upload_frame(api, ("\n".join(lines) + "\n").encode())
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid-frame"
    found = {(e["row"], e["name"]) for e in body["errors"]}
    assert (4, "degree_level") in found and (6, "award_date") in found
    assert api.client.get("/v1/frames", headers=api.as_("admin")).json()["count"] == 0


def test_frames_and_draws_are_admin_only(api: Api) -> None:
    for who in ("system_a", "reviewer"):
        response = api.client.post("/v1/frames", content=frame_csv_bytes(), headers=api.as_(who))
        assert response.status_code == 403
        assert api.client.get("/v1/draws", headers=api.as_(who)).status_code == 403


def test_draw_is_reproducible_and_verifiable(api: Api) -> None:
    frame = _upload_frame(api, frame_csv_bytes()).json()
    body = {"frame_id": frame["id"], "seed": 20250901, "plan": {"rates": {"master": 0.25}}}
    first = api.client.post("/v1/draws", json=body, headers=api.as_("admin"))
    assert first.status_code == 201, first.text
    draw = first.json()
    assert first.headers["location"] == f"/v1/draws/{draw['id']}"
    assert draw["population"] == 80 and draw["seed"] == 20250901
    second = api.client.post("/v1/draws", json=body, headers=api.as_("admin")).json()
    csv_a = api.client.get(f"/v1/draws/{draw['id']}/sample.csv", headers=api.as_("admin"))
    csv_b = api.client.get(f"/v1/draws/{second['id']}/sample.csv", headers=api.as_("admin"))
    assert csv_a.headers["content-type"].startswith("text/csv")
    assert csv_a.content == csv_b.content
    rows = list(csv.DictReader(io.StringIO(csv_a.text)))
    assert len(rows) == draw["sample_size"]
    paged = api.client.get(
        f"/v1/draws/{draw['id']}/sample?limit=3&offset=1", headers=api.as_("admin")
    ).json()
    assert paged["count"] == len(rows) and paged["data"] == rows[1:4]
    allocation = api.client.get(f"/v1/draws/{draw['id']}/allocation", headers=api.as_("admin"))
    assert sum(int(r["sample_size"]) for r in allocation.json()["data"]) == len(rows)
    manifest = api.client.get(f"/v1/draws/{draw['id']}/manifest", headers=api.as_("admin")).json()
    assert manifest["frame_sha256"] == frame["sha256"] and manifest["seed"] == 20250901
    verified = api.client.post(f"/v1/draws/{draw['id']}/verify", headers=api.as_("admin")).json()
    assert verified["ok"] is True
    actions = [
        e["action"]
        for e in api.client.get("/v1/audit-events", headers=api.as_("admin")).json()["data"]
    ]
    assert "draw.create" in actions and "draw.verify" in actions and "frame.upload" in actions


def test_tampered_draw_fails_verification(api: Api) -> None:
    frame = _upload_frame(api, frame_csv_bytes()).json()
    draw = api.client.post(
        "/v1/draws", json={"frame_id": frame["id"], "seed": 7}, headers=api.as_("admin")
    ).json()
    from api.storage.models import Draw

    with api.service.sessions() as session:
        record = session.get(Draw, draw["id"])
        forged = api.service.blobs.put_bytes(b"thesis_id\nT99999\n").sha256
        record.files = record.files | {"sample.csv": forged}
        session.commit()
    verified = api.client.post(f"/v1/draws/{draw['id']}/verify", headers=api.as_("admin")).json()
    assert verified["ok"] is False and "sample.csv" in verified["detail"]


def test_bad_plans_are_422_and_file_references_refused(api: Api) -> None:
    frame = _upload_frame(api, frame_csv_bytes()).json()
    for plan in (
        {"rates": {"master": 7}},
        {"no_such_key": 1},
        {"certainty_file": "/etc/passwd"},
    ):
        response = api.client.post(
            "/v1/draws", json={"frame_id": frame["id"], "plan": plan}, headers=api.as_("admin")
        )
        assert response.status_code == 422, (plan, response.text)
        assert response.json()["code"] == "invalid-plan"
    toml = api.client.post(
        "/v1/draws",
        json={"frame_id": frame["id"], "plan_toml": "seed = 5\n[rates]\nmaster = 0.5\n"},
        headers=api.as_("admin"),
    )
    assert toml.status_code == 201 and toml.json()["seed"] == 5
    missing = api.client.post("/v1/draws", json={"frame_id": "nope"}, headers=api.as_("admin"))
    assert missing.status_code == 404


def test_estimates_from_review_outcomes(api: Api) -> None:
    frame = _upload_frame(api, frame_csv_bytes()).json()
    draw = api.client.post(
        "/v1/draws",
        json={"frame_id": frame["id"], "seed": 11, "plan": {"rates": {"master": 0.3}}},
        headers=api.as_("admin"),
    ).json()
    rows = api.client.get(
        f"/v1/draws/{draw['id']}/sample?limit=500", headers=api.as_("admin")
    ).json()["data"]
    problems = {row["thesis_id"]: int(index == 0) for index, row in enumerate(rows)}
    response = api.client.post(
        f"/v1/draws/{draw['id']}/estimates",
        json={"problems": problems},
        headers=api.as_("admin"),
    )
    assert response.status_code == 200, response.text
    estimates = response.json()["rows"]
    overall = next(e for e in estimates if e["group_by"] == "overall")
    assert overall["sampled"] == len(rows) and overall["problems"] == 1
    assert 0 <= overall["ci_low"] <= overall["estimate"] <= overall["ci_high"] <= 1
    assert {e["group_by"] for e in estimates} >= {"degree_level", "institution"}
    bad = api.client.post(
        f"/v1/draws/{draw['id']}/estimates",
        json={"problems": {"NOT-SAMPLED": 1, rows[0]["thesis_id"]: 2}},
        headers=api.as_("admin"),
    )
    assert bad.status_code == 422
    assert {e["name"] for e in bad.json()["errors"]} == {
        "problems.NOT-SAMPLED",
        f"problems.{rows[0]['thesis_id']}",
    }
