"""Frame loading: encodings, languages, XLSX, and every kind of bad input."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from sampler.frame import FrameError, canonical_date, load_frame, load_frame_bytes
from tests.sampler.registers import UNEVEN_STRATA, csv_bytes, register_rows

ROWS = register_rows(UNEVEN_STRATA)


def problems_of(data: bytes, name: str = "frame.csv") -> list[str]:
    with pytest.raises(FrameError) as exc:
        load_frame_bytes(data, name)
    return [p.describe() for p in exc.value.problems]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
@pytest.mark.parametrize("chinese", [False, True])
def test_encodings_and_header_languages_load_to_the_same_frame(
    encoding: str, chinese: bool
) -> None:
    reference = load_frame_bytes(csv_bytes(ROWS), "a.csv")
    frame = load_frame_bytes(csv_bytes(ROWS, encoding=encoding, chinese=chinese), "b.csv")
    assert frame.data == reference.data
    assert frame.encoding == encoding
    assert frame.data["degree_level"][0] == "doctoral"


def test_traditional_chinese_headers_and_values_are_understood() -> None:
    text = (
        "論文編號,學位授予單位,學位級別,學位類型,學科代碼,授予日期,論文題目,作者,導師\n"
        "X1,臺灣大學,碩士,專業學位,0854,2024年6月30日,題目,作者,導師\n"
    )
    frame = load_frame_bytes(text.encode("utf-8"), "tw.csv")
    assert frame.data["degree_level"] == ["master"]
    assert frame.data["degree_type"] == ["professional"]
    assert frame.data["award_date"] == ["2024-06-30"]
    assert frame.data["institution"] == ["臺灣大學"]


def test_extra_columns_pass_through_in_order() -> None:
    header = ["备注", *csv_bytes([]).decode().strip().split(","), "campus"]
    rows = [["note", *r, "north"] for r in ROWS[:3]]
    frame = load_frame_bytes(csv_bytes(rows, header=header), "x.csv")
    assert frame.extra_columns == ("备注", "campus")
    assert frame.data["campus"] == ["north"] * 3


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_numeric_codes_and_real_dates() -> None:
    header = ["论文编号", "学位授予单位", "学位级别", "学位类型", "学科代码", "授予日期",
              "论文题目", "作者", "导师"]  # fmt: skip
    data = xlsx_bytes(
        [header, ["A1", "北京大学", "博士", "学术学位", 812, datetime(2024, 6, 30), "t", "a", "s"]]
    )
    frame = load_frame_bytes(data, "register.xlsx")
    assert frame.encoding == "xlsx"
    assert frame.data["discipline_code"] == ["0812"]
    assert frame.data["award_date"] == ["2024-06-30"]


def test_load_frame_reads_a_path_and_hashes_the_bytes(tmp_path: Path) -> None:
    import hashlib

    data = csv_bytes(ROWS)
    (tmp_path / "f.csv").write_bytes(data)
    frame = load_frame(tmp_path / "f.csv")
    assert frame.sha256 == hashlib.sha256(data).hexdigest()
    assert len(frame) == len(ROWS)
    assert frame.row_numbers[:2] == [2, 3]


def test_missing_column_is_named() -> None:
    header = [h for h in csv_bytes([]).decode().strip().split(",") if h != "degree_level"]
    rows = [[c for i, c in enumerate(r) if i != 2] for r in ROWS]
    (problem,) = problems_of(csv_bytes(rows, header=header))
    assert "column degree_level" in problem and "missing" in problem


def test_duplicate_id_names_both_rows() -> None:
    rows = [list(r) for r in ROWS]
    rows[5][0] = rows[1][0]
    (problem,) = problems_of(csv_bytes(rows))
    assert "row 7" in problem and "thesis_id" in problem and "first at row 3" in problem


def test_all_problems_are_reported_together_with_row_column_value() -> None:
    rows = [list(r) for r in ROWS]
    rows[0][2] = "学士"
    rows[3][5] = "2024-02-30"
    rows[4][4] = "812"
    rows[6][1] = ""
    found = problems_of(csv_bytes(rows))
    assert len(found) == 4
    assert any("row 2" in p and "degree_level" in p and "'学士'" in p for p in found)
    assert any("row 5" in p and "award_date" in p and "'2024-02-30'" in p for p in found)
    assert any("row 6" in p and "discipline_code" in p and "leading zero" in p for p in found)
    assert any("row 8" in p and "institution" in p and "empty" in p for p in found)


def test_problems_are_capped_but_counted() -> None:
    rows = [list(r) for r in register_rows([("master", "甲大学", "academic", "0812", 1500)])]
    for row in rows:
        row[2] = "bachelor"
    with pytest.raises(FrameError) as exc:
        load_frame_bytes(csv_bytes(rows), "big.csv")
    assert exc.value.total == 1500
    assert len(exc.value.problems) == 1000
    assert "and 1499 more" in str(exc.value)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        ("论文编号,学位授予单位\n".encode("utf-16"), "UTF-16"),
        (b"\xd0\xcf\x11\xe0rest", ".xls"),
        (b"thesis_id,institution\xff\xfe\n", "cannot decode"),
    ],
)
def test_unreadable_files_get_a_clear_reason(data: bytes, expected: str) -> None:
    (problem,) = problems_of(data)
    assert expected in problem


def test_corrupt_byte_in_a_utf8_file_is_not_misread_as_gb18030() -> None:
    data = csv_bytes(ROWS) + "Z9,北京大学,博士,学术学位,0812,2024-06-30,论文,作者,导师\n".encode()
    broken = data[:-12] + b"\xff" + data[-11:]
    (problem,) = problems_of(broken)
    assert "invalid UTF-8" in problem and "line" in problem


def test_header_only_file_has_no_data_rows() -> None:
    (problem,) = problems_of(csv_bytes([]))
    assert "no data rows" in problem


def test_truncated_xlsx_is_rejected_cleanly() -> None:
    data = xlsx_bytes([["thesis_id"], ["x"]])
    (problem,) = problems_of(data[: len(data) // 2], "register.xlsx")
    assert "not a readable XLSX" in problem


def test_row_with_too_many_fields() -> None:
    rows = [list(r) for r in ROWS]
    rows[2] = rows[2] + ["surplus"]
    (problem,) = problems_of(csv_bytes(rows))
    assert "row 4" in problem and "10 fields" in problem


def test_unknown_catalogue_codes_are_accepted_with_a_warning() -> None:
    rows = [list(r) for r in ROWS]
    rows[0][4] = "0840"
    rows[1][4] = "0854"  # professional code on an academic row
    frame = load_frame_bytes(csv_bytes(rows), "f.csv")
    kinds = {w.kind: w.count for w in frame.warnings}
    assert kinds["unknown_discipline_code"] == 1
    assert kinds["degree_type_mismatch"] == 1


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-06-30", "2024-06-30"),
        ("2024/6/3", "2024-06-03"),
        ("2024年6月30日", "2024-06-30"),
        ("20240630", "2024-06-30"),
        ("2024-06-30 00:00:00", "2024-06-30"),
        ("2024-13-01", None),
        ("30/06/2024", None),
        ("soon", None),
    ],
)
def test_dates(text: str, iso: str | None) -> None:
    assert canonical_date(text) == iso


def test_title_lines_above_the_header_are_skipped_and_rows_numbered_as_in_the_sheet() -> None:
    body = csv_bytes(ROWS).decode()
    text = "2024年学位授予名单,,,,,,,,\n导出时间 2024-09-01,,,,,,,,\n" + body
    frame = load_frame_bytes(text.encode(), "export.csv")
    assert len(frame) == len(ROWS)
    assert frame.row_numbers[0] == 4
    broken = text.replace("2024-06-30", "2024-06-31", 1)
    (problem,) = problems_of(broken.encode())
    assert problem.startswith("row 4, column award_date")
