"""The multi-year view as CSV/XLSX: the same rows as the page, guarded, written together."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exports import unguard_cell
from review.history_table import HISTORY_COLUMNS, history_table, write_history
from review.history_view import HistoryRow


def _row(institution: str, year: int, estimate: float | None = 0.05) -> HistoryRow:
    return HistoryRow(
        institution=institution,
        year=year,
        sampled=None if estimate is None else 40,
        problems=2,
        estimate=estimate,
        ci_low=None if estimate is None else 0.01,
        ci_high=None if estimate is None else 0.17,
        misconduct=0,
        allegations=1,
        rectification="整改方案 已提交 plan submitted",
        change="无明显变化 no clear change",
    )


def test_csv_xlsx_and_page_are_written_together(tmp_path: Path) -> None:
    rows = [_row("甲大学", 2024, None), _row("甲大学", 2025), _row("=HYPERLINK(1)", 2025)]
    page = tmp_path / "view" / "history.html"
    written = write_history(rows, page, "2024–2025")
    assert sorted(p.name for p in written) == ["history.csv", "history.html", "history.xlsx"]
    table = list(csv.reader(io.StringIO(page.with_suffix(".csv").read_text("utf-8-sig"))))
    assert table[0] == [name for name, _ in HISTORY_COLUMNS]
    assert table[1][:5] == ["甲大学", "2024", "", "2", ""]
    assert float(table[2][4]) == 0.05
    assert table[3][0] == "'=HYPERLINK(1)" and unguard_cell(table[3][0]) == "=HYPERLINK(1)"
    sheet = openpyxl.load_workbook(page.with_suffix(".xlsx")).worksheets[0]
    assert sheet.cell(4, 1).value == "=HYPERLINK(1)" and sheet.cell(4, 1).data_type == "s"
    assert sheet.cell(3, 5).value == 0.05 and sheet.cell(3, 5).number_format == "0.0%"
    assert "甲大学" in page.read_text(encoding="utf-8")


def test_unknown_format_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pdf"):
        write_history([_row("甲大学", 2025)], tmp_path / "h.html", "2025", ["csv", "pdf"])
    assert list(tmp_path.iterdir()) == []


@given(st.lists(st.tuples(st.text(min_size=1, max_size=8), st.integers(2000, 2040)), max_size=8))
def test_one_table_row_per_history_row(keys: list[tuple[str, int]]) -> None:
    rows = [_row(name, year) for name, year in keys]
    table = history_table(rows)
    cells = list(table.rows)
    assert len(cells) == len(rows)
    assert all(len(c) == len(HISTORY_COLUMNS) for c in cells)
    assert [(c[0], c[1]) for c in cells] == keys
