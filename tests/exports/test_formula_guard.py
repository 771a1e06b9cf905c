"""No export lets a spreadsheet run a cell as a formula, and our own readers get the text back."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from api.cli.main import main
from exports import FORMULA_STARTS, guard_cell, unguard_cell, write_csv, write_xlsx
from exports.tables import Table
from review.cycle import ReviewCycle, assign_initial, record_reviews
from review.forms import Grade
from review.publish import write_results
from review.results import compute_results
from sampler import draw_sample, load_frame_bytes, resolve_plan, write_outputs
from sampler.estimate import estimate_rates, read_reviewed_sample, write_estimates
from tests.review.builders import expert, review, thesis, write_sample
from tests.sampler.registers import csv_bytes

EVIL = '=HYPERLINK("http://evil.example","点我")'
EVIL_VALUES = (EVIL, "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)")


def formula_cells(data: bytes, encoding: str = "utf-8") -> list[str]:
    """Cells of a CSV that a spreadsheet would evaluate (formula start, not a plain number)."""
    rows = csv.reader(io.StringIO(data.decode(encoding)))
    return [c for row in rows for c in row if c.startswith(FORMULA_STARTS) and guard_cell(c) != c]


def xlsx_formulas(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


@given(st.text(max_size=12))
def test_guard_round_trips_and_never_leaves_a_formula(value: str) -> None:
    guarded = guard_cell(value)
    assert unguard_cell(guarded) == value
    assert not guarded.startswith(FORMULA_STARTS) or guard_cell(guarded) == guarded


def test_numbers_stay_numbers() -> None:
    assert guard_cell("-0.25") == "-0.25" and guard_cell("+1e-3") == "+1e-3"
    assert guard_cell("-1+2") == "'-1+2"


def test_table_writers_guard_text(tmp_path: Path) -> None:
    write_csv(tmp_path / "t.csv", ["a", "b"], [[EVIL, -1.5], ["@x", 3]])
    assert formula_cells((tmp_path / "t.csv").read_bytes()) == []
    write_xlsx(tmp_path / "t.xlsx", [Table(["a", "b"], [[EVIL, -1.5], ["=1+1", 2]], "表")])
    assert xlsx_formulas(tmp_path / "t.xlsx") == []
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").worksheets[0]
    assert sheet["A2"].value == EVIL and sheet["B2"].value == -1.5


def evil_register() -> bytes:
    rows = []
    for i in range(40):
        value = EVIL_VALUES[(i // 2) % len(EVIL_VALUES)]
        rows.append([f"T{i:03d}", value if i % 2 else "甲大学", "doctoral", "academic", "0812",
                     "2024-06-30", value, value, value])  # fmt: skip
    return csv_bytes(rows)


def test_sample_allocation_and_estimates_are_guarded(tmp_path: Path) -> None:
    frame = load_frame_bytes(evil_register(), "register.csv")
    result = draw_sample(frame, resolve_plan({"rates": {"doctoral": 0.5}}))
    write_outputs(result, tmp_path / "draw", "test")
    sample = (tmp_path / "draw" / "sample.csv").read_bytes()
    assert formula_cells(sample) == []
    assert formula_cells((tmp_path / "draw" / "allocation.csv").read_bytes()) == []
    lines = sample.decode("utf-8").splitlines()
    reviewed = tmp_path / "reviewed.csv"
    reviewed.write_text(
        "\n".join([lines[0] + ",problem"] + [line + ",1" for line in lines[1:]]) + "\n",
        encoding="utf-8",
    )
    units = read_reviewed_sample(reviewed.read_bytes(), "reviewed.csv", group_by=("institution",))
    assert {u.groups["institution"] for u in units} == {"甲大学", *EVIL_VALUES}
    write_estimates(estimate_rates(units, group_by=("institution",)), tmp_path / "est")
    estimates = (tmp_path / "est" / "estimates.csv").read_bytes()
    assert "'=HYPERLINK" in estimates.decode("utf-8")
    assert formula_cells(estimates) == []


def test_results_exports_are_guarded(tmp_path: Path) -> None:
    on = date(2025, 3, 1)
    theses = [
        thesis(f"A{i}", institution=EVIL_VALUES[i % 4], title=EVIL_VALUES[i % 4], author="@作者")
        for i in range(4)
    ]
    experts = [expert(f"E{i}", institution="丙大学", name=f"评审人{i}") for i in range(6)]
    cycle, _ = assign_initial(ReviewCycle(seed=2, theses=tuple(theses), experts=tuple(experts)), on)
    mine = [a.expert_id for a in cycle.assignments if a.thesis_id == "A0"]
    cycle, problems = record_reviews(cycle, [(2, review("A0", e, Grade.FAIL)) for e in mine])
    assert problems == []
    results = compute_results(cycle, 2025, identity="full")
    write_results(results, tmp_path / "pub", ["csv", "xlsx"])
    for name in ("results.csv", "consecutive.csv", "problem_theses.csv"):
        data = (tmp_path / "pub" / name).read_bytes()
        assert formula_cells(data, "utf-8-sig") == [], name
    assert "'=HYPERLINK" in (tmp_path / "pub" / "problem_theses.csv").read_text("utf-8-sig")
    assert xlsx_formulas(tmp_path / "pub" / "results.xlsx") == []


def test_review_workspace_tables_are_guarded_and_read_back(tmp_path: Path) -> None:
    theses = [
        thesis(f"T{i:02d}", institution=EVIL_VALUES[i % 4], supervisor="王导师") for i in range(4)
    ]
    write_sample(tmp_path / "sample.csv", theses)
    (tmp_path / "manifest.json").write_text(json.dumps({"seed": 7}), encoding="utf-8")
    pool = "专家编号,姓名,工作单位,省份,学科代码,联系方式,最大评审量\n" + "".join(
        f"E{i:02d},专家{i},丙大学,江苏,0812,e{i}@x.cn,4\n" for i in range(8)
    )
    (tmp_path / "pool.csv").write_text(pool, encoding="utf-8")
    ws = tmp_path / "ws"
    assert main(["experts", "import", str(tmp_path / "pool.csv"), "--workspace", str(ws)]) == 0
    assert main(["assign", str(tmp_path / "sample.csv"), "--workspace", str(ws)]) == 0
    for name in ("status.csv", "assignments.csv", "review-forms.csv"):
        assert formula_cells((ws / name).read_bytes(), "utf-8-sig") == [], name
    with (ws / "status.csv").open(encoding="utf-8-sig") as stream:
        institutions = {unguard_cell(r["institution"]) for r in csv.DictReader(stream)}
    assert institutions == set(EVIL_VALUES)
