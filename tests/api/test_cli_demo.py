"""`spotcheck demo`: the whole annual cycle on generated data, end to end."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from api.cli.main import main
from review.allegation_screening import load_screenings
from review.allegations import certainty_candidates
from review.follow_up_store import load_records

CONTRACT_FIGURES = {
    "total_copy_ratio",
    "copy_ratio_excluding_quotes",
    "copy_ratio_excluding_references",
    "copy_ratio_excluding_own",
    "max_single_source_ratio",
    "repeated_characters",
}


@pytest.mark.slow
def test_demo_runs_two_years_and_leaves_workspaces_the_cli_continues_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--seed", "5", "--screen", "5"]) == 0
    printed = capsys.readouterr().out
    year1, year2 = out / "year1", out / "year2"

    # Year 1: the annual cycle, as before.
    sample = (year1 / "draw" / "sample.csv").read_text(encoding="utf-8").splitlines()
    assert len(sample) > 1000
    assert main(["verify-draw", str(year1 / "register.csv"), str(year1 / "draw")]) == 0
    results = sorted((year1 / "results").glob("*.json"))
    assert len(results) == 5
    for path in results:
        result = json.loads(path.read_text(encoding="utf-8"))
        assert set(result["figures"]) >= CONTRACT_FIGURES
        assert result["flag"]["level"] in {"clear", "needs_review", "suspected_misconduct"}
        assert path.with_suffix(".html").is_file()
    planted = json.loads((year1 / "materials" / "ground_truth.json").read_text(encoding="utf-8"))
    assert planted, "the demo plants copied passages"
    assert "planted passages found 植入段落检出" in printed
    assert (year1 / "published" / "results.csv").is_file()
    assert "全部 all" in printed

    # Year 1's follow-up, kept in its review workspace.
    ws1, ws2 = out / "year1-review", out / "year2-review"
    records = load_records(ws1)
    states = Counter(a.state.value for a in records.allegations)
    assert states == {"follow_up": 3, "accepted": 1, "merged": 1, "rejected": 1}
    assert sum(1 for a in records.allegations if not a.thesis_id) == 1
    (screening,) = load_screenings(ws1)
    assert (ws1 / screening.result_file).is_file() and screening.named
    assert any(i.escalations for i in records.rectification)
    assert len(records.accountability) <= 1
    assert len(list((year1 / "feedback").glob("*.html"))) > 10
    plans = list(out.glob("plan-*.toml"))
    assert len(plans) == 1
    plan = tomllib.loads(plans[0].read_text(encoding="utf-8"))
    certainty = {unit["thesis_id"] for unit in plan["certainty"]}
    assert certainty == {a.thesis_id for a in certainty_candidates(records.allegations)}

    # Year 2: drawn with the generated plan; every certainty unit is drawn.
    drawn = {row["thesis_id"] for row in csv.DictReader(io.StringIO("\n".join(
        (year2 / "draw" / "sample.csv").read_text(encoding="utf-8").splitlines())))}  # fmt: skip
    assert certainty <= drawn
    manifest = json.loads((year2 / "draw" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["plan"]["emphasis"], "the year-2 draw used the plan's raised rates"
    assert main(["verify-draw", str(year2 / "register.csv"), str(year2 / "draw")]) == 0
    reinspected = list(csv.DictReader(io.StringIO(
        (year2 / "published" / "reinspection.csv").read_text(encoding="utf-8-sig"))))  # fmt: skip
    assert reinspected and all(r["change"] for r in reinspected)
    assert "复查 re-inspection" in printed
    for name in ("history.html", "history.csv", "history.xlsx"):
        assert (out / name).is_file()
    overview = year2 / "results" / "index.html"
    assert overview.is_file()
    assert str(overview.resolve()) in printed.splitlines()[-1]

    # A user continues from the demo's workspaces with the CLI.
    capsys.readouterr()
    year = int(plans[0].stem.split("-")[1])
    prior = str(out / "prior-years.csv")
    assert main(["results", "--workspace", str(ws2), "--out", str(tmp_path / "again"),
                 "--year", str(year)]) == 0  # fmt: skip
    assert "全部 all" in capsys.readouterr().out
    again = tmp_path / "again-plan.toml"
    assert main(["plan", "next", "--workspace", str(ws1), "--out", str(again),
                 "--prior", prior]) == 0  # fmt: skip
    assert tomllib.loads(again.read_text(encoding="utf-8")) == plan
    view = tmp_path / "view" / "history.html"
    assert main(["history", "--workspace", f"{year - 1}={ws1}", "--workspace", f"{year}={ws2}",
                 "--prior", prior, "--out", str(view)]) == 0  # fmt: skip
    assert view.with_suffix(".csv").read_bytes() == (out / "history.csv").read_bytes()
    assert main(["reinspection", "--previous", str(ws1), "--workspace", str(ws2),
                 "--prior", prior, "--out", str(tmp_path / "r")]) == 0  # fmt: skip
    assert (tmp_path / "r" / "reinspection.csv").read_bytes() == (
        year2 / "published" / "reinspection.csv"
    ).read_bytes()
    assert main(["allegations", "list", "--workspace", str(ws1)]) == 0
    assert "6 allegation(s)" in capsys.readouterr().out


def test_demo_refuses_a_folder_with_other_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keep.txt").write_text("someone's file", encoding="utf-8")
    assert main(["demo", "--out", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "someone's file"


def test_demo_refuses_to_screen_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path / "d"), "--screen", "0"]) == 2
    assert "--screen" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()
