"""Expert pool import: CSV/XLSX, Chinese headers, every problem reported, nothing half-read."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from review.experts import read_expert_pool
from review.provinces import read_institution_provinces
from review.tables import TableError, ValidationError

CHINESE_HEADER = "专家编号,姓名,工作单位,省份,学科代码,联系方式,最大评审量\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_chinese_headers_gb18030_and_code_lists(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pool.csv",
        CHINESE_HEADER
        + "E2,李娜,乙大学,浙江,0812、0835,li@x.cn,\n"
        + "E1,王伟,甲大学,江苏,812;0854,wang@x.cn,8\n",
        "gb18030",
    )
    pool = read_expert_pool(path)
    assert [e.expert_id for e in pool] == ["E1", "E2"]
    assert pool[0].disciplines == ("0812", "0854")
    assert pool[0].max_load == 8 and pool[1].max_load == 5
    assert pool[1].name == "李娜" and pool[1].categories == ("08",)


def test_every_problem_is_reported_with_row_column_value(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pool.csv",
        "expert_id,name,institution,province,disciplines,max_load\n"
        "E1,王伟,甲大学,江苏,08x2,5\n"
        "E1,李娜,乙大学,浙江,0812,0\n"
        ",张敏,,北京,0812,3\n",
    )
    with pytest.raises(ValidationError) as caught:
        read_expert_pool(path)
    found = {(p.row, p.column, p.value) for p in caught.value.problems}
    assert (2, "disciplines", "08x2") in found
    assert (3, "expert_id", "E1") in found
    assert (3, "max_load", "0") in found
    assert (4, "expert_id", "") in found and (4, "institution", "") in found
    assert "row 3" in str(caught.value)


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "pool.csv", "expert_id,name,institution\nE1,王伟,甲大学\n")
    with pytest.raises(ValidationError) as caught:
        read_expert_pool(path)
    columns = {p.column for p in caught.value.problems}
    assert {"province", "disciplines"} <= columns


def test_xlsx_pool_with_numeric_codes(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["专家编号 expert_id", "姓名", "工作单位", "省份", "学科代码", "最大评审量"])
    sheet.append(["E9", "陈静", "丙大学", "北京", 812, 3])
    book.save(tmp_path / "pool.xlsx")
    pool = read_expert_pool(tmp_path / "pool.xlsx")
    assert pool[0].disciplines == ("0812",) and pool[0].max_load == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00\x00binary", "UTF-16"),
        (b"PK\x03\x04broken", "XLSX"),
    ],
)
def test_unreadable_files_raise_a_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "pool.csv"
    path.write_bytes(content)
    with pytest.raises(TableError, match=message):
        read_expert_pool(path)


def test_province_mapping_rejects_contradictions(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", "学位授予单位,省份\n甲大学,江苏\n甲大学,浙江\n乙大学,\n")
    with pytest.raises(ValidationError) as caught:
        read_institution_provinces(path)
    assert {(p.row, p.column) for p in caught.value.problems} == {(3, "province"), (4, "province")}
