"""Results: counts, grade distribution, interval estimates, consecutive years, publication."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from review.cycle import ReviewCycle, assign_initial, record_reviews
from review.forms import Grade
from review.publish import write_results
from review.results import compute_results, consecutive_institutions, read_prior_results
from tests.review.builders import expert, review, thesis

ON = date(2025, 3, 1)


def reviewed_cycle() -> ReviewCycle:
    """甲大学: 4 theses (one problem, one pending); 乙大学: 2 theses, none a problem."""
    theses = [
        thesis(f"A{i}", institution="甲大学", title=f"题目A{i}", author=f"作者A{i}")
        for i in range(4)
    ]
    theses += [thesis(f"B{i}", institution="乙大学", code="0835", weight=5.0) for i in range(2)]
    experts = [expert(f"E{i}", institution="丙大学", codes=["0812", "0835"], name=f"评审人{i}")
               for i in range(8)]  # fmt: skip
    cycle, _ = assign_initial(ReviewCycle(seed=2, theses=tuple(theses), experts=tuple(experts)), ON)
    verdicts = {
        "A0": [Grade.FAIL, Grade.FAIL, Grade.PASS],
        "A1": [Grade.GOOD, Grade.GOOD, Grade.EXCELLENT],
        "A2": [Grade.PASS, Grade.GOOD, Grade.GOOD],
        "B0": [Grade.GOOD, Grade.PASS, Grade.PASS],
        "B1": [Grade.EXCELLENT, Grade.GOOD, Grade.GOOD],
    }
    submitted = []
    for thesis_id, grades in verdicts.items():
        mine = [a.expert_id for a in cycle.assignments if a.thesis_id == thesis_id]
        submitted += [(2, review(thesis_id, e, g)) for e, g in zip(mine, grades, strict=True)]
    cycle, problems = record_reviews(cycle, submitted)
    assert problems == []
    return cycle


def test_counts_grades_and_intervals() -> None:
    results = compute_results(reviewed_cycle(), 2025)
    by_inst = {g.group: g for g in results.by("institution")}
    a, b = by_inst["甲大学"], by_inst["乙大学"]
    assert (a.sampled, a.reviewed, a.problems, a.pending) == (4, 3, 1, 1)
    assert (b.sampled, b.reviewed, b.problems) == (2, 2, 0)
    assert a.grades == {Grade.EXCELLENT: 1, Grade.GOOD: 4, Grade.PASS: 2, Grade.FAIL: 2}
    assert a.rate is not None and 0 < a.rate.estimate < 1
    assert a.rate.ci_low <= a.rate.estimate <= a.rate.ci_high <= 1
    assert b.rate is not None and b.rate.estimate == 0 and b.rate.ci_high > 0
    overall = results.by("overall")[0]
    assert (overall.sampled, overall.problems) == (6, 1)
    assert any("not decided" in note for note in results.notes)
    assert [p.thesis_id for p in results.problem_theses] == ["A0"]
    assert {g.group for g in results.by("discipline_code")} == {"0812", "0835"}
    assert results.by("discipline_code")[0].label.startswith("0812 ")


def test_consecutive_years_run() -> None:
    prior = {(2024, "甲大学"): 2, (2023, "甲大学"): 1, (2021, "甲大学"): 3, (2024, "乙大学"): 0}
    found = consecutive_institutions(2025, {"甲大学": 1, "乙大学": 2, "丙大学": 0}, prior)
    assert [(c.institution, c.years, c.problems_last_year) for c in found] == [
        ("甲大学", (2023, 2024, 2025), 2)
    ]


def test_prior_results_in_plain_and_exported_form(tmp_path: Path) -> None:
    plain = tmp_path / "prior.csv"
    plain.write_text(
        "年度,学位授予单位,问题论文数\n2024,甲大学,2\n2024,甲大学,1\n", encoding="utf-8"
    )
    assert read_prior_results(plain) == {(2024, "甲大学"): 3}
    exported = tmp_path / "results.csv"
    exported.write_text(
        "year,group_by,group,problems\n2024,overall,all,9\n2024,institution,乙大学,4\n",
        encoding="utf-8",
    )
    assert read_prior_results(exported) == {(2024, "乙大学"): 4}
    bad = tmp_path / "bad.csv"
    bad.write_text("year,institution,problems\nlast,甲大学,-1\n", encoding="utf-8")
    with pytest.raises(Exception) as caught:
        read_prior_results(bad)
    assert "row 2" in str(caught.value)


def test_publication_has_no_reviewer_identities(tmp_path: Path) -> None:
    cycle = reviewed_cycle()
    results = compute_results(cycle, 2025, prior={(2024, "甲大学"): 1}, identity="full")
    written = write_results(results, tmp_path / "pub", prior_given=True)
    names = sorted(p.name for p in written)
    assert names == [
        "consecutive.csv", "problem_theses.csv", "results.csv", "results.html", "results.xlsx",
    ]  # fmt: skip
    html = (tmp_path / "pub" / "results.html").read_text(encoding="utf-8")
    book = openpyxl.load_workbook(tmp_path / "pub" / "results.xlsx")
    rows = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    cells = " ".join(str(c) for row in rows for c in row)
    csvs = " ".join(
        (tmp_path / "pub" / n).read_text(encoding="utf-8-sig") for n in names if n.endswith(".csv")
    )
    for text in (html, cells, csvs):
        for e in cycle.experts:
            assert e.expert_id not in text.split() and e.name not in text
    assert "题目A0" in html and "作者A0" in html
    assert "连续" in html and "甲大学" in html and "Problem theses" in html
    with (tmp_path / "pub" / "consecutive.csv").open(encoding="utf-8-sig") as stream:
        assert list(csv.DictReader(stream))[0]["years"] == "2024;2025"


def test_identity_none_hides_theses(tmp_path: Path) -> None:
    cycle = reviewed_cycle()
    secret = tuple(replace(t, title=f"秘密{t.thesis_id}") for t in cycle.theses)
    cycle = replace(cycle, theses=secret)
    results = compute_results(cycle, 2025, identity="none")
    write_results(results, tmp_path / "pub", ["csv", "html", "xlsx"])
    html = (tmp_path / "pub" / "results.html").read_text(encoding="utf-8")
    assert "A0" not in html and "秘密" not in html
    assert not (tmp_path / "pub" / "problem_theses.csv").exists()


def test_unknown_format_writes_nothing(tmp_path: Path) -> None:
    results = compute_results(reviewed_cycle(), 2025)
    with pytest.raises(ValueError):
        write_results(results, tmp_path / "pub", ["pdf"])
    assert not (tmp_path / "pub").exists()
