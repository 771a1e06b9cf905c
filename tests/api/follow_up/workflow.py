"""Building blocks of the follow-up tests: a decided review cycle and solved challenges."""

from __future__ import annotations

from typing import Any

from api import proof_of_work
from tests.api.review.workflow import Cycle, expert_key, review_body, start_cycle


def solved(client: Any) -> dict[str, str]:
    """A fresh challenge from the server with its solution (what the portal script does)."""
    answer = client.get("/v1/allegation-challenges")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return {
        "challenge": body["challenge"],
        "counter": proof_of_work.solve(body["challenge"], body["difficulty_bits"]),
    }


def allegation_fields(**changes: str) -> dict[str, str]:
    fields = {
        "title": "基于深度学习的图像识别研究",
        "author": "张三",
        "institution": "甲大学",
        "year": "2024",
        "kind": "剽窃",
        "suspected_source": "李四 2019 年硕士论文",
        "details": "第三章与来源论文大段相同。",
        "reporter_name": "王举报",
        "reporter_contact": "whistle@example.org",
    }
    fields.update(changes)
    return fields


def decided_cycle(client: Any, admin: dict[str, str]) -> tuple[Cycle, str, str]:
    """A review cycle where one 甲大学 thesis is a problem thesis (three 不合格) and one 乙大学
    thesis passed; returns the cycle and the two thesis ids."""
    cycle = start_cycle(client, admin)
    by_thesis: dict[str, list[dict[str, Any]]] = {}
    for a in cycle.assignments:
        by_thesis.setdefault(a["thesis_id"], []).append(a)
    institution = {r["thesis_id"]: r["institution"] for r in cycle.sample}
    failed = next(t for t in sorted(by_thesis) if institution[t] == "甲大学")
    passed = next(t for t in sorted(by_thesis) if institution[t] == "乙大学")
    for thesis_id, grade in ((failed, "fail"), (passed, "good")):
        for assignment in by_thesis[thesis_id]:
            headers = expert_key(client, cycle, assignment["expert_id"])
            answer = client.put(
                f"/v1/reviewer/assignments/{assignment['id']}/review",
                json=review_body(grade),
                headers=headers,
            )
            assert answer.status_code == 200, answer.text
    return cycle, failed, passed
