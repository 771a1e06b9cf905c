"""Building blocks of the review tests: a draw with a review cycle, experts and their keys."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import httpx

from tests.api.documents import frame_csv_bytes

EXPERT_HEADER = ["专家编号", "姓名", "工作单位", "省份", "学科代码", "联系方式", "最大评审量"]
OUTSIDE = [("丙大学", "江苏"), ("丁大学", "浙江"), ("戊大学", "山东"), ("己大学", "湖北")]


def expert_pool_csv(per_institution: int = 4, max_load: int = 30) -> bytes:
    """Experts outside the frame's two institutions, covering 0812 and 0854 (Chinese headers)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPERT_HEADER)
    number = 0
    for institution, province in OUTSIDE:
        for _ in range(per_institution):
            number += 1
            writer.writerow(
                [
                    f"E{number:03d}",
                    f"专家{number}",
                    institution,
                    province,
                    "0812；0854",
                    f"e{number}@example.org",
                    str(max_load),
                ]
            )
    return out.getvalue().encode("utf-8-sig")


@dataclass
class Cycle:
    """A review cycle over a real draw, with the admin's headers and the sample rows."""

    id: str
    draw_id: str
    admin: dict[str, str]
    sample: list[dict[str, str]]
    assignments: list[dict] = field(default_factory=list)


def start_cycle(
    client: httpx.Client | object,
    admin: dict[str, str],
    seed: int = 7,
    rows_per_institution: int = 12,
    experts: bytes | None = None,
    provinces: str | None = None,
    run: bool = True,
    **options: object,
) -> Cycle:
    """Frame → draw → review cycle → expert pool (→ province mapping) → assignment, all over
    the API; `run=False` stops before the assignment run."""
    frame = client.post(  # type: ignore[attr-defined]
        "/v1/frames?filename=register.csv",
        content=frame_csv_bytes(rows_per_institution),
        headers=admin,
    )
    assert frame.status_code == 201, frame.text
    draw = client.post(  # type: ignore[attr-defined]
        "/v1/draws",
        json={
            "frame_id": frame.json()["id"],
            "seed": 2025,
            "plan": {"rates": {"doctoral": 0.5, "master": 0.25}},
        },
        headers=admin,
    )
    assert draw.status_code == 201, draw.text
    draw_id = draw.json()["id"]
    sample = client.get(f"/v1/draws/{draw_id}/sample?limit=500", headers=admin).json()["data"]  # type: ignore[attr-defined]
    created = client.post(  # type: ignore[attr-defined]
        "/v1/review-cycles",
        json={"draw_id": draw_id, "year": 2025, "seed": seed, **options},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    cycle = Cycle(created.json()["id"], draw_id, admin, sample)
    pool = client.put(  # type: ignore[attr-defined]
        f"/v1/review-cycles/{cycle.id}/experts?filename=experts.csv",
        content=experts or expert_pool_csv(),
        headers=admin | {"Content-Type": "text/csv"},
    )
    assert pool.status_code == 200, pool.text
    if provinces is not None:
        mapped = client.put(  # type: ignore[attr-defined]
            f"/v1/review-cycles/{cycle.id}/provinces?filename=provinces.csv",
            content=provinces.encode(),
            headers=admin,
        )
        assert mapped.status_code == 200, mapped.text
    if run:
        answer = client.post(f"/v1/review-cycles/{cycle.id}/assignment-runs", headers=admin)  # type: ignore[attr-defined]
        assert answer.status_code == 200, answer.text
        cycle.assignments = answer.json()["assigned"]
    return cycle


def expert_key(client: object, cycle: Cycle, expert_id: str) -> dict[str, str]:
    created = client.post(  # type: ignore[attr-defined]
        f"/v1/review-cycles/{cycle.id}/experts/{expert_id}/keys", headers=cycle.admin
    )
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['token']}"}


def review_body(overall: str = "good", flagged: bool = False) -> dict:
    body: dict = {
        "overall": overall,
        "dimensions": {
            key: {"grade": overall, "comment": f"{key} 评语"}
            for key in ("topic_review", "originality_value", "research_ability", "academic_norms")
        },
        "comment": "论文总体评价 overall comment",
    }
    if flagged:
        body["misconduct_opinion"] = "not_found"
    return body


def screen_sampled_thesis(api: object, cycle: Cycle, institution: str = "甲大学") -> dict:
    """Submits and screens one sampled thesis whose PDF names its author, supervisor and school.

    Returns the sample row. The thesis text carries the names, so a blind report that
    leaked them would show them.
    """
    from tests.api.documents import PARAGRAPHS, thesis_pdf_bytes

    row = next(r for r in cycle.sample if r["institution"] == institution)
    who = "system_a" if institution == "甲大学" else "system_b"
    headers = api.as_(who)  # type: ignore[attr-defined]
    client = api.client  # type: ignore[attr-defined]
    created = client.post(
        "/v1/submissions",
        json={
            "thesis_id": row["thesis_id"],
            "title": row["title"],
            "author": row["author"],
            "supervisor": row["supervisor"],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    named = [
        f"作者{row['author']}，导师{row['supervisor']}，{institution}研究生院。",
        *PARAGRAPHS,
    ]
    uploaded = client.put(
        f"/v1/submissions/{created.json()['id']}/file",
        content=thesis_pdf_bytes(row["title"], named),
        headers=headers,
    )
    assert uploaded.status_code == 200, uploaded.text
    screening = client.post(f"/v1/submissions/{created.json()['id']}/screenings", headers=headers)
    assert screening.status_code == 202, screening.text
    api.run_jobs()  # type: ignore[attr-defined]
    state = client.get(f"/v1/screenings/{screening.json()['id']}", headers=headers).json()
    assert state["state"] == "complete", state
    return row
