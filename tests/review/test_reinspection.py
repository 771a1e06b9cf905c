"""Re-inspection (复查): per raised institution, whether its problem rate moved."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from api.cli.main import main
from review import workspace
from review.cycle import ReviewCycle
from review.follow_up_policy import load_policy
from review.follow_up_store import FollowUpRecords
from review.forms import Grade
from review.next_year import plan_next_year
from review.rectification import RectificationError
from review.reinspection import NOT_SAMPLED, reinspection_rows, write_reinspection
from review.results import compute_results
from review.workspace import WorkspaceInfo
from review.year_outcome import open_rectification, year_outcome
from tests.review.builders import expert, review, thesis

FAIL, GOOD = Grade.FAIL, Grade.GOOD


def _cycle(prefix: str, sampled: dict[str, tuple[int, int]]) -> ReviewCycle:
    """Per institution (theses, problem theses)."""
    theses, reviews = [], []
    for institution, (count, problems) in sampled.items():
        for k in range(count):
            tid = f"{prefix}{institution[0]}{k:02d}"
            theses.append(thesis(tid, institution, weight=5.0))
            grades = [FAIL, FAIL, GOOD] if k < problems else [GOOD] * 3
            reviews += [review(tid, f"E{j}", g) for j, g in enumerate(grades)]
    experts = [expert(f"E{j}") for j in range(3)]
    return ReviewCycle(seed=1, theses=tuple(theses), experts=tuple(experts), reviews=tuple(reviews))


YEAR1 = {"甲大学": (20, 12), "乙大学": (20, 2), "丙大学": (20, 0), "丁大学": (10, 3)}
YEAR2 = {"甲大学": (20, 0), "乙大学": (20, 2), "丙大学": (20, 0)}


def test_rows_say_whether_each_raised_institution_moved() -> None:
    policy = load_policy()
    before = year_outcome(_cycle("A", YEAR1), FollowUpRecords(), 2024, policy)
    plan = plan_next_year(2024, before.histories, (), policy)
    rows = reinspection_rows(plan, before.results, compute_results(_cycle("B", YEAR2), 2025))
    by_name = {r.institution: r for r in rows}
    assert sorted(by_name) == ["丁大学", "乙大学", "甲大学"]  # 丙大学 was not raised
    assert by_name["甲大学"].change == "下降 down"
    assert by_name["乙大学"].change == "无明显变化 no clear change"
    assert by_name["丁大学"].change == NOT_SAMPLED and by_name["丁大学"].current is None
    jia = by_name["甲大学"]
    assert jia.multiplier == 1.5 and "problem theses in 2024" in jia.reason
    assert jia.previous is not None and jia.current is not None
    assert (jia.previous.sampled, jia.previous.problems) == (20, 12)
    assert jia.current.rate is not None and jia.previous.rate is not None
    assert jia.current.rate.ci_high < jia.previous.rate.ci_low


def test_files_and_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws1, ws2 = tmp_path / "y1", tmp_path / "y2"
    workspace.save(ws1, _cycle("A", YEAR1), replace(WorkspaceInfo(seed=1), extra={"year": 2024}))
    workspace.save(ws2, _cycle("B", YEAR2), replace(WorkspaceInfo(seed=1), extra={"year": 2025}))
    out = tmp_path / "published"
    assert main(["reinspection", "--previous", str(ws1), "--workspace", str(ws2),
                 "--out", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "2025 年复查 re-inspection of 3 institution(s) raised after 2024" in printed
    assert "下降 down 1" in printed
    table = list(csv.DictReader(io.StringIO((out / "reinspection.csv").read_text("utf-8-sig"))))
    assert [r["institution"] for r in table] == ["丁大学", "乙大学", "甲大学"]
    jia = table[2]
    assert (jia["previous_year"], jia["current_year"], jia["change"]) == (
        "2024",
        "2025",
        "下降 down",
    )
    assert float(jia["previous_ci_low"]) > float(jia["current_ci_high"])
    assert table[0]["current_sampled"] == "" and table[0]["change"] == NOT_SAMPLED
    sheet = openpyxl.load_workbook(out / "reinspection.xlsx").worksheets[0]
    assert sheet.cell(1, 1).value == "学位授予单位 institution" and sheet.max_row == 4
    page = (out / "reinspection.html").read_text(encoding="utf-8")
    assert "甲大学" in page and "<script" not in page and "http" not in page

    assert main(["reinspection", "--previous", str(ws2), "--workspace", str(ws1),
                 "--out", str(tmp_path / "x")]) == 2  # fmt: skip
    assert "not a year before" in capsys.readouterr().err


def test_nothing_raised_gives_an_empty_report(tmp_path: Path) -> None:
    policy = load_policy()
    before = year_outcome(_cycle("A", {"丙大学": (5, 0)}), FollowUpRecords(), 2024, policy)
    plan = plan_next_year(2024, before.histories, (), policy)
    rows = reinspection_rows(plan, before.results, compute_results(_cycle("B", YEAR2), 2025))
    assert rows == []
    written = write_reinspection(rows, tmp_path, 2024, 2025)
    assert [p.name for p in written] == [
        "reinspection.csv",
        "reinspection.html",
        "reinspection.xlsx",
    ]


def test_rectification_opens_with_the_policy_days_for_institutions_with_problems() -> None:
    policy = load_policy()
    outcome = year_outcome(_cycle("A", YEAR1), FollowUpRecords(), 2024, policy)
    assert outcome.institutions_with_problems() == ["丁大学", "乙大学", "甲大学"]
    day = date(2024, 12, 1)
    items, plan_due, report_due = open_rectification(
        (), outcome.institutions_with_problems(), 2024, policy, day, "office"
    )
    assert len(items) == 6 and {i.institution for i in items} == {"丁大学", "乙大学", "甲大学"}
    assert (plan_due - day).days == policy.rectification_plan_days
    assert (report_due - day).days == policy.rectification_report_days
    with pytest.raises(RectificationError, match="no institution"):
        open_rectification((), [], 2024, policy, day, "office")
    with pytest.raises(RectificationError, match="already open"):
        open_rectification(items, ["甲大学"], 2024, policy, day, "office")
