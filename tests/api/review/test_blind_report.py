"""The blind flag report reviewers open: only for their own assignment, never with names."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.api.conftest import Api
from tests.api.review.workflow import expert_key, screen_sampled_thesis, start_cycle


def test_blind_report_hides_names_and_is_only_for_assigned_reviewers(api: Api) -> None:
    cycle = start_cycle(api.client, api.as_("admin"))
    row = screen_sampled_thesis(api, cycle)
    client = api.client
    assignments = [a for a in cycle.assignments if a["thesis_id"] == row["thesis_id"]]
    target = assignments[0]
    headers = expert_key(client, cycle, target["expert_id"])
    report = client.get(f"/v1/reviewer/assignments/{target['id']}/report", headers=headers)
    assert report.status_code == 200, report.text
    assert report.headers["content-type"].startswith("text/html")
    html = report.text
    assert "<html" in html.lower()
    for name in (row["author"], row["supervisor"], row["institution"], row["thesis_id"]):
        assert name not in html, f"{name!r} leaked into the blind report"
    # one blind-id scheme: the reviewer's assignment and the blind report name the same id
    mine = client.get(f"/v1/reviewer/assignments/{target['id']}", headers=headers).json()
    assert mine["blind_id"].startswith("B-") and mine["blind_id"] in html

    outsider = next(
        a["expert_id"]
        for a in cycle.assignments
        if a["expert_id"] not in {x["expert_id"] for x in assignments}
    )
    other = expert_key(client, cycle, outsider)
    denied = client.get(f"/v1/reviewer/assignments/{target['id']}/report", headers=other)
    assert denied.status_code == 404
    assert denied.headers["content-type"].startswith("application/problem+json")

    unscreened = next(a for a in cycle.assignments if a["thesis_id"] != row["thesis_id"])
    waiting = client.get(
        f"/v1/reviewer/assignments/{unscreened['id']}/report",
        headers=expert_key(client, cycle, unscreened["expert_id"]),
    )
    assert waiting.status_code == 404 and waiting.json()["code"] == "no-report"

    events = client.get("/v1/audit-events?action=review.report.view", headers=cycle.admin).json()[
        "data"
    ]
    assert len(events) == 1 and events[0]["resource_id"] == target["id"]


def test_an_unreadable_screening_result_stops_the_assignment_run_instead_of_counting_as_clear(
    api: Api,
) -> None:
    cycle = start_cycle(api.client, api.as_("admin"))
    screen_sampled_thesis(api, cycle)
    _damage_stored_result(api, lambda result: result["flag"].pop("level"))
    run = api.client.post(f"/v1/review-cycles/{cycle.id}/assignment-runs", headers=cycle.admin)
    assert run.status_code == 409 and run.json()["code"] == "screening-result-unreadable"
    assert "flag.level: missing" in run.json()["detail"]


def test_every_reader_of_a_stored_result_names_the_same_bad_field(api: Api) -> None:
    cycle = start_cycle(api.client, api.as_("admin"))
    row = screen_sampled_thesis(api, cycle)
    screening_id = _damage_stored_result(
        api, lambda result: result["figures"].update(total_copy_ratio="18%")
    )
    target = next(a for a in cycle.assignments if a["thesis_id"] == row["thesis_id"])
    answers = [
        api.client.post(f"/v1/review-cycles/{cycle.id}/assignment-runs", headers=cycle.admin),
        api.client.get(f"/v1/screenings/{screening_id}/report", headers=cycle.admin),
        api.client.get(
            f"/v1/reviewer/assignments/{target['id']}/report",
            headers=expert_key(api.client, cycle, target["expert_id"]),
        ),
    ]
    for answer in answers:
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "screening-result-unreadable"
        assert "figures.total_copy_ratio: expected a number" in answer.json()["detail"]


def _damage_stored_result(api: Api, damage: Callable[[dict[str, Any]], object]) -> str:
    """Rewrites the one stored screening result in place; returns the screening's id."""
    from sqlalchemy import select

    from api.storage.models import Screening

    with api.service.sessions() as session:
        screening_id, blob = session.execute(select(Screening.id, Screening.result_blob)).one()
    path = api.service.blobs.path(blob)
    result = json.loads(path.read_text(encoding="utf-8"))
    damage(result)
    path.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return str(screening_id)
