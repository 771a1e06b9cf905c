"""The `sample`, `verify-draw`, `estimate` and `demo` commands, end to end."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from api.cli.main import main
from tests.sampler.registers import UNEVEN_STRATA, csv_bytes, register_rows

ROWS = register_rows(UNEVEN_STRATA)


@pytest.fixture
def frame_path(tmp_path: Path) -> Path:
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes(ROWS))
    return path


def test_sample_then_verify(
    frame_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "draw"
    assert main(["sample", str(frame_path), "--out", str(out), "--seed", "7"]) == 0
    printed = capsys.readouterr().out
    assert "抽检抽样结果" in printed and "wrote" in printed
    assert sorted(p.name for p in out.iterdir()) == [
        "allocation.csv", "manifest.json", "sample.csv", "summary.md"
    ]  # fmt: skip
    again = tmp_path / "again"
    assert main(["sample", str(frame_path), "--out", str(again), "--seed", "7", "--quiet"]) == 0
    for name in ("sample.csv", "allocation.csv", "manifest.json"):
        assert (out / name).read_bytes() == (again / name).read_bytes()
    assert main(["verify-draw", str(frame_path), str(out)]) == 0
    assert "OK" in capsys.readouterr().out
    (out / "allocation.csv").write_bytes((out / "allocation.csv").read_bytes() + b"x\n")
    assert main(["verify-draw", str(frame_path), str(out)]) == 1


def test_sample_without_seed_warns(
    frame_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sample", str(frame_path), "--out", str(tmp_path / "d"), "--quiet"]) == 0
    assert "no seed given" in capsys.readouterr().err


def rows_with(index: int, column: int, value: str) -> bytes:
    rows = [list(r) for r in ROWS]
    rows[index][column] = value
    return csv_bytes(rows)


def truncated_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["thesis_id"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()[:300]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("missing.csv", csv_bytes([r[:8] for r in ROWS], header=("thesis_id", "institution",
         "degree_level", "degree_type", "discipline_code", "award_date", "title", "author")),
         "column supervisor"),
        ("dup.csv", rows_with(4, 0, ROWS[0][0]), "row 6, column thesis_id"),
        ("level.csv", rows_with(2, 2, "学士"), "row 4, column degree_level"),
        ("date.csv", rows_with(3, 5, "2024-06-31"), "row 5, column award_date"),
        ("utf16.csv", csv_bytes(ROWS, encoding="utf-16"), "UTF-16"),
        ("empty.csv", b"", "empty"),
        ("cut.xlsx", truncated_xlsx(), "not a readable XLSX"),
    ],
)  # fmt: skip
def test_bad_frames_exit_2_with_file_row_and_column_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out"
    assert main(["sample", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("spotcheck sample: error:") and name in last and expected in last
    assert "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_many_problems_are_listed_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [list(r) for r in ROWS]
    rows[1][2], rows[2][5] = "bachelor", "yesterday"
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes(rows))
    assert main(["sample", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "2 problems" in err and "row 3, column degree_level" in err and "row 4" in err


def test_bad_plan_and_missing_file(
    frame_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text("[rates]\nmaster = 2\n")
    assert main(["sample", str(frame_path), "--out", str(tmp_path / "o"), "--plan", str(plan)]) == 2
    assert "rates.master" in capsys.readouterr().err
    assert main(["sample", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "cannot read" in capsys.readouterr().err
    plan.write_text('strata = ["campus"]\n')
    assert main(["sample", str(frame_path), "--out", str(tmp_path / "o"), "--plan", str(plan)]) == 2
    assert "no column 'campus'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_supplementary_draw_from_the_command_line(frame_path: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(["sample", str(frame_path), "--out", str(first), "--seed", "3", "--quiet"]) == 0
    topup = tmp_path / "topup.toml"
    topup.write_text("[rates]\ndoctoral = 0.05\nmaster = 0.05\n")
    args = ["sample", str(frame_path), "--out", str(second), "--supplement", str(first)]
    assert main([*args, "--plan", str(topup), "--quiet"]) == 0
    assert main(["verify-draw", str(frame_path), str(second)]) == 0
    assert main([*args, "--plan", str(topup), "--seed", "4"]) == 2


def test_estimate_from_a_reviewed_sample(
    frame_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draw = tmp_path / "draw"
    assert main(["sample", str(frame_path), "--out", str(draw), "--seed", "1", "--quiet"]) == 0
    rows = list(csv.DictReader(io.StringIO((draw / "sample.csv").read_text(encoding="utf-8"))))
    reviewed = tmp_path / "reviewed.csv"
    with reviewed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [*rows[0], "problem"])
        writer.writeheader()
        for i, row in enumerate(rows):
            writer.writerow({**row, "problem": "1" if i == 0 else "0"})
    out = tmp_path / "est"
    assert main(["estimate", str(reviewed), "--out", str(out)]) == 0
    estimates = list(csv.DictReader(io.StringIO((out / "estimates.csv").read_text("utf-8"))))
    assert estimates[0]["group_by"] == "overall" and estimates[0]["group"] == "all"
    assert {e["group_by"] for e in estimates} >= {
        "overall",
        "degree_level",
        "degree_type",
        "institution",
    }
    for e in estimates:
        assert 0 <= float(e["ci_low"]) <= float(e["estimate"]) <= float(e["ci_high"]) <= 1
        assert e["method"] == "korn-graubard"
    assert sum(int(e["problems"]) for e in estimates if e["group_by"] == "institution") == 1
    capsys.readouterr()
    text = reviewed.read_text(encoding="utf-8").splitlines()
    text[2] = text[2][:-1] + "2"
    reviewed.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert main(["estimate", str(reviewed), "--out", str(tmp_path / "est2")]) == 2
    assert "row 3, column problem" in capsys.readouterr().err
    assert not (tmp_path / "est2").exists()


@pytest.mark.slow
def test_the_installed_command_runs_in_a_fresh_process(frame_path: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "api", "sample", str(frame_path), "--out", str(tmp_path / "d"),
         "--seed", "9", "--quiet"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "d" / "manifest.json").exists()


def test_verify_draw_on_a_folder_without_manifest_is_a_usage_error(
    frame_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["verify-draw", str(frame_path), str(tmp_path / "empty")]) == 2
    assert "no manifest.json" in capsys.readouterr().err
