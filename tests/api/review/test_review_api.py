"""Office and reviewer endpoints of expert review, in process, on a real draw."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date, timedelta

import openpyxl
import pytest

from api import review_service
from tests.api.conftest import Api
from tests.api.review.workflow import (
    Cycle,
    expert_key,
    expert_pool_csv,
    review_body,
    start_cycle,
)


@pytest.fixture
def cycle(api: Api) -> Cycle:
    return start_cycle(api.client, api.as_("admin"))


def _active(api: Api, cycle: Cycle) -> list[dict]:
    rows = api.client.get(
        f"/v1/review-cycles/{cycle.id}/assignments?limit=500&status=active", headers=cycle.admin
    ).json()["data"]
    return rows


def _by_thesis(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["thesis_id"]].append(row)
    return grouped


def test_assignment_staffs_three_outside_experts_and_is_reproducible(
    api: Api, cycle: Cycle
) -> None:
    institution = {row["thesis_id"]: row["institution"] for row in cycle.sample}
    experts = api.client.get(
        f"/v1/review-cycles/{cycle.id}/experts?limit=500", headers=cycle.admin
    ).json()
    assert experts["count"] == 16
    expert_institution = {e["expert_id"]: e["institution"] for e in experts["data"]}
    grouped = _by_thesis(_active(api, cycle))
    assert set(grouped) == set(institution)
    for thesis_id, rows in grouped.items():
        assert len({r["expert_id"] for r in rows}) == 3
        assert all(expert_institution[r["expert_id"]] != institution[thesis_id] for r in rows)
    states = api.client.get(f"/v1/review-cycles/{cycle.id}", headers=cycle.admin).json()["states"]
    assert states["assigned"] == len(institution)

    again = start_cycle(api.client, cycle.admin)
    pairs = {(a["thesis_id"], a["expert_id"]) for a in cycle.assignments}
    assert {(a["thesis_id"], a["expert_id"]) for a in again.assignments} == pairs
    other_seed_client = start_cycle(api.client, cycle.admin, seed=8)
    assert {(a["thesis_id"], a["expert_id"]) for a in other_seed_client.assignments} != pairs

    repeat = api.client.post(f"/v1/review-cycles/{cycle.id}/assignment-runs", headers=cycle.admin)
    assert repeat.status_code == 200 and repeat.json()["assigned"] == []


def test_shortfalls_are_listed_with_reasons(api: Api) -> None:
    tiny = expert_pool_csv(per_institution=1, max_load=1)
    cycle = start_cycle(api.client, api.as_("admin"), experts=tiny)
    run = api.client.get(f"/v1/review-cycles/{cycle.id}/theses?limit=500", headers=cycle.admin)
    assert run.status_code == 200
    shortfalls = api.client.post(
        f"/v1/review-cycles/{cycle.id}/assignment-runs", headers=cycle.admin
    ).json()["shortfalls"]
    assert shortfalls, "4 experts with a load of 1 cannot staff 8 theses"
    assert all(s["reason"] and s["assigned"] < s["needed"] for s in shortfalls)


def test_invalid_expert_pool_lists_rows_and_columns_and_stores_nothing(api: Api) -> None:
    cycle = start_cycle(api.client, api.as_("admin"))
    bad = (
        "专家编号,姓名,工作单位,省份,学科代码,最大评审量\n"
        "X1,张三,丙大学,江苏,81,5\nX1,李四,,江苏,0812,zero\n"
    )
    answer = api.client.put(
        f"/v1/review-cycles/{cycle.id}/experts?filename=pool.csv",
        content=bad.encode(),
        headers=cycle.admin,
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    errors = {(e["row"], e["name"]) for e in answer.json()["errors"]}
    assert {(3, "expert_id"), (3, "institution"), (3, "max_load")} <= errors
    assert "pool.csv" in answer.json()["detail"]
    count = api.client.get(f"/v1/review-cycles/{cycle.id}/experts", headers=cycle.admin).json()
    assert count["count"] == 16


def test_roles_reviewers_see_only_their_own_assignments(api: Api, cycle: Cycle) -> None:
    client = api.client
    first, second = sorted({a["expert_id"] for a in cycle.assignments})[:2]
    mine = expert_key(client, cycle, first)
    theirs = expert_key(client, cycle, second)
    listed = client.get("/v1/reviewer/assignments", headers=mine).json()
    expected = {a["id"] for a in cycle.assignments if a["expert_id"] == first}
    assert {a["id"] for a in listed["data"]} == expected and listed["count"] == len(expected)
    text = str(listed)
    for row in cycle.sample:
        assert row["author"] not in text and row["institution"] not in text
        assert row["thesis_id"] not in text
    foreign = next(a["id"] for a in cycle.assignments if a["expert_id"] != first)
    if foreign in expected:  # pragma: no cover - ids are unique per assignment
        pytest.fail("assignment ids must be unique")
    for path in ("", "/report"):
        assert (
            client.get(f"/v1/reviewer/assignments/{foreign}{path}", headers=mine).status_code == 404
        )
    answer = client.put(
        f"/v1/reviewer/assignments/{foreign}/review", json=review_body(), headers=mine
    )
    assert answer.status_code == 404
    assert client.get("/v1/reviewer/assignments", headers=theirs).json()["count"] > 0

    unbound = api.as_("reviewer")
    assert client.get("/v1/reviewer/assignments", headers=unbound).status_code == 403
    for role in ("system_a", "admin"):
        answer = client.get("/v1/reviewer/assignments", headers=api.as_(role))
        assert answer.status_code == 403, role
    office = [
        ("get", f"/v1/review-cycles/{cycle.id}"),
        ("get", "/v1/review-cycles"),
        ("get", f"/v1/review-cycles/{cycle.id}/assignments"),
        ("post", f"/v1/review-cycles/{cycle.id}/assignment-runs"),
        ("get", f"/v1/review-cycles/{cycle.id}/results"),
        ("get", f"/v1/review-cycles/{cycle.id}/cases"),
        ("post", f"/v1/review-cycles/{cycle.id}/experts/{first}/keys"),
        ("post", f"/v1/review-cycles/{cycle.id}/experts/{first}/login-links"),
    ]
    for method, path in office:
        for headers in (api.as_("system_a"), mine, api.as_("reviewer")):
            answer = getattr(client, method)(path, headers=headers)
            assert answer.status_code == 403, (method, path)
        assert getattr(client, method)(path).status_code == 401


def _submit_all(api: Api, cycle: Cycle, thesis_id: str, grades: list[str], round_: int = 1) -> None:
    rows = [a for a in _active(api, cycle) if a["thesis_id"] == thesis_id and a["round"] == round_]
    assert len(rows) == len(grades)
    for row, grade in zip(sorted(rows, key=lambda r: r["expert_id"]), grades, strict=True):
        headers = expert_key(api.client, cycle, row["expert_id"])
        answer = api.client.put(
            f"/v1/reviewer/assignments/{row['id']}/review",
            json=review_body(grade),
            headers=headers,
        )
        assert answer.status_code == 200, answer.text


def _thesis(api: Api, cycle: Cycle, thesis_id: str) -> dict:
    return api.client.get(
        f"/v1/review-cycles/{cycle.id}/theses/{thesis_id}", headers=cycle.admin
    ).json()


def test_submit_revise_deadline_and_audit(
    api: Api, cycle: Cycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = api.client
    target = cycle.assignments[0]
    headers = expert_key(client, cycle, target["expert_id"])
    url = f"/v1/reviewer/assignments/{target['id']}/review"
    incomplete = review_body("fail")
    incomplete["comment"] = ""
    answer = client.put(url, json=incomplete, headers=headers)
    assert answer.status_code == 422 and answer.json()["errors"][0]["name"] == "comment"
    first = client.put(url, json=review_body("good"), headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["review"]["revision"] == 1
    assert first.json()["thesis_state"] == "in_review"
    revised = client.put(url, json=review_body("excellent"), headers=headers)
    assert revised.json()["review"]["revision"] == 2
    assert revised.json()["review"]["overall_label"] == "优秀"
    detail = _thesis(api, cycle, target["thesis_id"])
    assert detail["state"] == "in_review"
    assert [r["revision"] for r in detail["reviews"]] == [1, 2]

    due = revised.json()["due_on"]

    monkeypatch.setattr(
        review_service.clock, "today", lambda: date.fromisoformat(due) + timedelta(days=1)
    )
    late = client.put(url, json=review_body("pass"), headers=headers)
    assert late.status_code == 409 and late.json()["code"] == "deadline-passed"
    assert due in late.json()["detail"]
    assert (
        client.get(url.removesuffix("/review"), headers=headers).json()["open_for_review"] is False
    )

    events = client.get("/v1/audit-events?limit=200", headers=cycle.admin).json()["data"]
    actions = Counter(e["action"] for e in events)
    assert actions["review.submit"] == 1 and actions["review.revise"] == 1
    assert actions["review.assign"] == 1 and actions["review.experts.import"] == 1


def test_decision_rule_drives_states_re_review_and_results(api: Api, cycle: Cycle) -> None:
    client = api.client
    theses = sorted({a["thesis_id"] for a in cycle.assignments})
    clear, one_fail, two_fails = theses[:3]
    _submit_all(api, cycle, clear, ["good", "pass", "excellent"])
    _submit_all(api, cycle, two_fails, ["fail", "fail", "pass"])
    _submit_all(api, cycle, one_fail, ["fail", "good", "pass"])
    assert _thesis(api, cycle, clear)["outcome"] == "not_problem"
    assert _thesis(api, cycle, two_fails)["outcome"] == "problem"
    detail = _thesis(api, cycle, one_fail)
    assert detail["state"] == "re_review"
    second = [a for a in detail["assignments"] if a["round"] == 2]
    assert len(second) == 2, "two 复评 experts are assigned as soon as round 1 ends"
    first_experts = {a["expert_id"] for a in detail["assignments"] if a["round"] == 1}
    assert not first_experts & {a["expert_id"] for a in second}
    _submit_all(api, cycle, one_fail, ["pass", "fail"], round_=2)
    assert _thesis(api, cycle, one_fail)["outcome"] == "problem"
    assert _thesis(api, cycle, one_fail)["state"] == "decided"

    states = client.get(f"/v1/review-cycles/{cycle.id}", headers=cycle.admin).json()["states"]
    assert states["decided"] == 3
    decided = client.get(
        f"/v1/review-cycles/{cycle.id}/theses?state=decided", headers=cycle.admin
    ).json()
    assert decided["count"] == 3

    prior = "year,institution,problems\n2024,甲大学,1\n2024,乙大学,1\n"
    upload = client.put(
        f"/v1/review-cycles/{cycle.id}/prior-results?filename=prior.csv",
        content=prior.encode(),
        headers=cycle.admin,
    )
    assert upload.status_code == 200, upload.text
    results = client.get(f"/v1/review-cycles/{cycle.id}/results", headers=cycle.admin).json()
    overall = next(g for g in results["groups"] if g["group_by"] == "overall")
    assert overall["problems"] == 2 and overall["reviewed"] == 3
    assert overall["sampled"] == len(theses)
    assert sum(overall["grades"].values()) == 11
    assert {p["thesis_id"] for p in results["problem_theses"]} == {one_fail, two_fails}
    problem_institutions = {p["institution"] for p in results["problem_theses"]}
    assert {c["institution"] for c in results["consecutive"]} == problem_institutions
    hidden = client.get(
        f"/v1/review-cycles/{cycle.id}/results?identity=none", headers=cycle.admin
    ).json()
    assert all(p["thesis_id"] == "" for p in hidden["problem_theses"])

    exported = client.get(f"/v1/review-cycles/{cycle.id}/results.csv", headers=cycle.admin)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) > 3
    xlsx = client.get(f"/v1/review-cycles/{cycle.id}/results.xlsx", headers=cycle.admin)
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
    html = client.get(f"/v1/review-cycles/{cycle.id}/results.html", headers=cycle.admin).text
    assert "甲大学" in html or "乙大学" in html
    for expert in {a["expert_id"] for a in cycle.assignments}:
        assert expert not in html and expert not in exported.text


def test_decline_replaces_the_expert_and_keeps_history(api: Api, cycle: Cycle) -> None:
    target = cycle.assignments[0]
    answer = api.client.post(
        f"/v1/review-cycles/{cycle.id}/assignment-ends",
        json={
            "thesis_id": target["thesis_id"],
            "expert_id": target["expert_id"],
            "status": "declined",
        },
        headers=cycle.admin,
    )
    assert answer.status_code == 200, answer.text
    replacement = answer.json()["assigned"]
    assert len(replacement) == 1 and replacement[0]["replaces"] == target["expert_id"]
    detail = _thesis(api, cycle, target["thesis_id"])
    statuses = Counter(a["status"] for a in detail["assignments"])
    assert statuses == {"active": 3, "declined": 1}
    declined = expert_key(api.client, cycle, target["expert_id"])
    mine = api.client.get("/v1/reviewer/assignments", headers=declined).json()["data"]
    assert target["id"] not in {a["id"] for a in mine}
    again = api.client.post(
        f"/v1/review-cycles/{cycle.id}/assignment-ends",
        json={
            "thesis_id": target["thesis_id"],
            "expert_id": target["expert_id"],
            "status": "declined",
        },
        headers=cycle.admin,
    )
    assert again.status_code == 409

    overdue = api.client.post(
        f"/v1/review-cycles/{cycle.id}/timeout-runs",
        json={"today": "2200-01-01"},
        headers=cycle.admin,
    )
    assert overdue.status_code == 200
    assert overdue.json()["assigned"] or overdue.json()["shortfalls"]


def test_offline_review_import_all_or_nothing(api: Api, cycle: Cycle) -> None:
    target = cycle.assignments[0]
    header = (
        "论文编号,专家编号,总体评价,选题与综述,创新性及论文价值,"
        "科研能力与基础知识,论文规范性,评议意见\n"
    )
    good = f"{target['thesis_id']},{target['expert_id']},良好,良好,合格,良好,优秀,意见\n"
    bad = f"{target['thesis_id']},NOBODY,及格,良好,合格,良好,优秀,意见\n"
    answer = api.client.post(
        f"/v1/review-cycles/{cycle.id}/review-imports?filename=forms.csv",
        content=(header + good + bad).encode(),
        headers=cycle.admin,
    )
    assert answer.status_code == 422
    assert any(e["row"] == 3 and e["name"] == "overall_grade" for e in answer.json()["errors"])
    assert _thesis(api, cycle, target["thesis_id"])["reviews"] == []
    answer = api.client.post(
        f"/v1/review-cycles/{cycle.id}/review-imports?filename=forms.csv",
        content=(header + good).encode(),
        headers=cycle.admin,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["imported"] == 1
    assert _thesis(api, cycle, target["thesis_id"])["state"] == "in_review"


def test_misconduct_case_with_deadlines(api: Api, cycle: Cycle) -> None:
    target = cycle.assignments[0]
    headers = expert_key(api.client, cycle, target["expert_id"])
    body = review_body("fail") | {"misconduct_opinion": "suspected", "misconduct_comment": "疑似"}
    answer = api.client.put(
        f"/v1/reviewer/assignments/{target['id']}/review", json=body, headers=headers
    )
    assert answer.status_code == 200, answer.text
    cases = api.client.get(f"/v1/review-cycles/{cycle.id}/cases", headers=cycle.admin).json()
    assert cases["count"] == 1
    case = cases["data"][0]
    assert case["thesis_id"] == target["thesis_id"]
    assert case["opinions"][0]["reviewer"].startswith("专家1")
    assert target["expert_id"] not in str(case)
    events = f"/v1/review-cycles/{cycle.id}/cases/{target['thesis_id']}/events"
    opened = date.fromisoformat(case["opened_on"])

    def day(n: int) -> str:
        return (opened + timedelta(days=n)).isoformat()

    early = api.client.post(
        events,
        json={"kind": "decision", "on": day(10), "outcome": "revoke_degree"},
        headers=cycle.admin,
    )
    assert early.status_code == 409 and "art. 39" in early.json()["detail"]
    for kind, on in (("notified", day(5)), ("hearing", day(8))):
        step = api.client.post(events, json={"kind": kind, "on": on}, headers=cycle.admin)
        assert step.status_code == 201, step.text
    decided = api.client.post(
        events,
        json={"kind": "decision", "on": day(10), "outcome": "revoke_degree"},
        headers=cycle.admin,
    )
    assert decided.status_code == 201
    windows = {d["name"]: d for d in decided.json()["deadlines"]}
    window = next(d for name, d in windows.items() if "academic re-review" in name)
    assert window["due"] == day(40)


def test_review_cycle_round_trip_on_each_database(api_any_db: Api) -> None:
    api = api_any_db
    cycle = start_cycle(api.client, api.as_("admin"))
    target = cycle.assignments[0]
    headers = expert_key(api.client, cycle, target["expert_id"])
    url = f"/v1/reviewer/assignments/{target['id']}/review"
    for grade in ("good", "fail"):
        answer = api.client.put(url, json=review_body(grade), headers=headers)
        assert answer.status_code == 200, answer.text
    declined = next(
        a for a in cycle.assignments if a["thesis_id"] == target["thesis_id"] and a != target
    )
    ended = api.client.post(
        f"/v1/review-cycles/{cycle.id}/assignment-ends",
        json={
            "thesis_id": declined["thesis_id"],
            "expert_id": declined["expert_id"],
            "status": "timed_out",
        },
        headers=cycle.admin,
    )
    assert ended.status_code == 200, ended.text
    detail = _thesis(api, cycle, target["thesis_id"])
    assert Counter(a["status"] for a in detail["assignments"]) == {
        "active": 2,
        "completed": 1,
        "timed_out": 1,
    }
    assert [(r["revision"], r["overall"]) for r in detail["reviews"]] == [(1, "good"), (2, "fail")]


MAPPING = "学位授予单位,省份\n甲大学,江苏\n乙大学,浙江\n"


def test_same_province_with_unknown_provinces_is_refused_as_on_the_cli(api: Api) -> None:
    admin = api.as_("admin")
    cycle = start_cycle(api.client, admin, exclusions=["same-province"], run=False)
    run = api.client.post(f"/v1/review-cycles/{cycle.id}/assignment-runs", headers=admin)
    assert run.status_code == 409 and run.json()["code"] == "provinces-unknown", run.text
    assert "甲大学" in run.json()["detail"] and "乙大学" in run.json()["detail"]
    assert (
        api.client.get(f"/v1/review-cycles/{cycle.id}/assignments", headers=admin).json()["count"]
        == 0
    )


def test_the_province_mapping_wins_whatever_the_upload_order(api: Api) -> None:
    admin = api.as_("admin")
    cycle = start_cycle(
        api.client, admin, exclusions=["same-province"], provinces=MAPPING, run=False
    )
    # the pool, uploaded after the mapping, places 甲大学 elsewhere: the mapping still wins
    pool = expert_pool_csv() + "E900,甲校专家,甲大学,北京,0812,x,5\n".encode()
    assert (
        api.client.put(
            f"/v1/review-cycles/{cycle.id}/experts?filename=experts.csv",
            content=pool,
            headers=admin,
        ).status_code
        == 200
    )
    run = api.client.post(f"/v1/review-cycles/{cycle.id}/assignment-runs", headers=admin)
    assert run.status_code == 200, run.text
    experts = api.client.get(
        f"/v1/review-cycles/{cycle.id}/experts?limit=500", headers=admin
    ).json()["data"]
    province = {e["expert_id"]: e["province"] for e in experts}
    institution = {r["thesis_id"]: r["institution"] for r in cycle.sample}
    thesis_province = {"甲大学": "江苏", "乙大学": "浙江"}
    assigned = run.json()["assigned"]
    assert assigned
    for a in assigned:
        assert province[a["expert_id"]] != thesis_province[institution[a["thesis_id"]]]


def test_province_mapping_enables_the_same_province_exclusion(api: Api) -> None:
    admin = api.as_("admin")
    cycle = start_cycle(api.client, admin, exclusions=["same-province"], provinces=MAPPING)
    bad = api.client.put(
        f"/v1/review-cycles/{cycle.id}/provinces?filename=p.csv",
        content="institution\n甲大学\n".encode(),
        headers=admin,
    )
    assert bad.status_code == 422 and any(e["name"] == "province" for e in bad.json()["errors"])
    experts = api.client.get(
        f"/v1/review-cycles/{cycle.id}/experts?limit=500", headers=admin
    ).json()["data"]
    province = {e["expert_id"]: e["province"] for e in experts}
    thesis_province = {"甲大学": "江苏", "乙大学": "浙江"}
    replaced = 0
    for row in cycle.sample:
        ended = [a for a in cycle.assignments if a["thesis_id"] == row["thesis_id"]]
        for assignment in ended:
            answer = api.client.post(
                f"/v1/review-cycles/{cycle.id}/assignment-ends",
                json={
                    "thesis_id": row["thesis_id"],
                    "expert_id": assignment["expert_id"],
                    "status": "declined",
                },
                headers=admin,
            )
            assert answer.status_code == 200, answer.text
            for new in answer.json()["assigned"]:
                replaced += 1
                assert province[new["expert_id"]] != thesis_province[row["institution"]]
    assert replaced >= len(cycle.sample)
