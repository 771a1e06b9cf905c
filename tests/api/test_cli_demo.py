"""`spotcheck demo`: the whole annual cycle on generated data, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.cli.main import main

CONTRACT_FIGURES = {
    "total_copy_ratio",
    "copy_ratio_excluding_quotes",
    "copy_ratio_excluding_references",
    "copy_ratio_excluding_own",
    "max_single_source_ratio",
    "repeated_characters",
}


@pytest.mark.slow
def test_demo_runs_draw_screening_review_and_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--seed", "5", "--screen", "5"]) == 0
    printed = capsys.readouterr().out

    sample = (out / "draw" / "sample.csv").read_text(encoding="utf-8").splitlines()
    assert len(sample) > 1000
    assert main(["verify-draw", str(out / "register.csv"), str(out / "draw")]) == 0

    results = sorted((out / "results").glob("*.json"))
    assert len(results) == 5
    for path in results:
        result = json.loads(path.read_text(encoding="utf-8"))
        assert set(result["figures"]) >= CONTRACT_FIGURES
        assert result["flag"]["level"] in {"clear", "needs_review", "suspected_misconduct"}
        assert path.with_suffix(".html").is_file()
    overview = out / "results" / "index.html"
    assert overview.is_file()
    assert str(overview.resolve()) in printed.splitlines()[-1]

    planted = json.loads((out / "materials" / "ground_truth.json").read_text(encoding="utf-8"))
    assert planted, "the demo plants copied passages"
    assert "planted passages found 植入段落检出" in printed
    assert (out / "published" / "results.csv").is_file()
    assert "全部 all" in printed


def test_demo_refuses_a_folder_with_other_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keep.txt").write_text("someone's file", encoding="utf-8")
    assert main(["demo", "--out", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "someone's file"
