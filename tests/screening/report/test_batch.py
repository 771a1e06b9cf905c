from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from screening.report import ReportInputError, write_batch_summary
from tests.screening.report.factory import make_result


def _result(thesis_id: str, institution: str, level: str, ratio: float, title: str = "题目"):
    result = make_result()
    meta = result["thesis"]["metadata"]
    meta.update(thesis_id=thesis_id, institution=institution, title=title)
    result["thesis"]["file"] = f"{thesis_id}.pdf"
    result["flag"] = {"level": level, "reasons": [f"原因 reason {thesis_id}"]}
    result["figures"]["total_copy_ratio"] = ratio
    return result


@pytest.fixture()
def results():
    return [
        _result("T1", "甲大学", "clear", 0.02),
        _result("T2", "乙大学", "suspected_misconduct", 0.55),
        _result("T3", "甲大学", "needs_review", 0.18, title='=HYPERLINK("http://x")'),
        _result("T4", "甲大学", "needs_review", 0.30),
    ]


def test_csv_has_one_row_per_thesis_sorted_by_flag_level(tmp_path: Path, results) -> None:
    files = write_batch_summary(results, tmp_path, report_links={"T2": "T2.html"})
    with files.csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["thesis_id"] for r in rows] == ["T2", "T4", "T3", "T1"]
    assert rows[0]["flag_level"] == "suspected_misconduct"
    assert float(rows[0]["total_copy_ratio"]) == 0.55
    assert rows[0]["top_source"] == "卷积神经网络综述"
    assert float(rows[0]["top_source_share"]) == 0.092
    assert rows[0]["report"] == "T2.html" and rows[1]["report"] == ""
    assert rows[0]["institution"] == "乙大学" and rows[0]["discipline_code"] == "0812"
    assert rows[2]["title"].startswith("'=")  # formula injection defused


def test_xlsx_matches_the_csv_and_counts_institutions(tmp_path: Path, results) -> None:
    files = write_batch_summary(results, tmp_path)
    book = load_workbook(files.xlsx)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[0] == "论文编号 Thesis ID"
    ids = [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)]
    assert ids == ["T2", "T4", "T3", "T1"]
    title_col = header.index("论文题目 Title") + 1
    title_cell = sheet.cell(row=4, column=title_col)
    assert title_cell.data_type == "s" and title_cell.value.startswith("=HYPERLINK")
    ratio_cell = sheet.cell(row=2, column=header.index("总文字复制比 Total copy ratio") + 1)
    assert ratio_cell.value == 0.55 and ratio_cell.number_format == "0.0%"
    by_inst = {row[0]: row for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert by_inst["甲大学"][2:6] == (3, 0, 2, 1)
    assert by_inst["乙大学"][2:6] == (1, 1, 0, 0)


def test_html_overview_links_reports_and_counts(tmp_path: Path, results) -> None:
    files = write_batch_summary(results, tmp_path, report_links={"T2.pdf": "reports/T2.html"})
    html = files.html.read_text(encoding="utf-8")
    assert 'href="reports/T2.html"' in html
    order = [html.index(f"<strong>{t}</strong>") for t in ("T2", "T4", "T3", "T1")]
    assert order == sorted(order)
    assert "甲大学" in html and "乙大学" in html
    assert "疑似学术不端 Suspected misconduct" in html
    assert "=HYPERLINK(&#34;http://x&#34;)" in html or "=HYPERLINK(&quot;" in html


def test_bad_result_writes_nothing_and_names_the_result(tmp_path: Path, results) -> None:
    del results[2]["figures"]["copy_ratio_excluding_own"]
    with pytest.raises(
        ReportInputError, match=r"results\[2\] \(T3.pdf\).*copy_ratio_excluding_own"
    ):
        write_batch_summary(results, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_unscreened_theses_are_listed_without_figures(tmp_path: Path, results) -> None:
    failed = make_result(figures=None, sources=[], passages=[])
    failed["thesis"].update(status="no_text_layer", reason="scanned", text="", file="S.pdf")
    failed["thesis"]["metadata"]["thesis_id"] = "S1"
    files = write_batch_summary([*results, failed], tmp_path)
    with files.csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = {r["thesis_id"]: r for r in csv.DictReader(handle)}
    assert rows["S1"]["status"] == "no_text_layer" and rows["S1"]["total_copy_ratio"] == ""
    assert rows["T1"]["assessed_copy_ratio"] == "0.151"
    assert "未能检测 Not screened: no_text_layer" in files.html.read_text(encoding="utf-8")


def test_reports_already_in_the_folder_are_linked_by_default(tmp_path: Path, results) -> None:
    (tmp_path / "T1.html").write_text("<html></html>", encoding="utf-8")
    files = write_batch_summary(results, tmp_path)
    assert 'href="T1.html"' in files.html.read_text(encoding="utf-8")
    assert files.html.read_text(encoding="utf-8").count("report-link") == 1


def test_empty_batch_gives_empty_files(tmp_path: Path) -> None:
    files = write_batch_summary([], tmp_path)
    assert files.csv.read_text(encoding="utf-8-sig").count("\n") == 1
    assert "No screening results" in files.html.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "index.html",
        "summary.csv",
        "summary.xlsx",
    ]
