"""Small registers for the sampler tests, built as CSV/XLSX bytes."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from sampler.frame import CANONICAL_COLUMNS, CHINESE_LABELS

LEVEL_ZH = {"doctoral": "博士", "master": "硕士"}
TYPE_ZH = {"academic": "学术学位", "professional": "专业学位"}


def register_rows(
    strata_sizes: Sequence[tuple[str, str, str, str, int]], prefix: str = "T"
) -> list[list[str]]:
    """Rows for strata given as (level, institution, type, code, size)."""
    rows = []
    for level, institution, dtype, code, size in strata_sizes:
        for k in range(size):
            thesis_id = f"{prefix}{len(rows):05d}"
            rows.append(
                [thesis_id, institution, level, dtype, code, "2024-06-30",
                 f"论文题目{k}", f"作者{k}", f"导师{k % 3}"]
            )  # fmt: skip
    return rows


def csv_bytes(
    rows: Sequence[Sequence[str]],
    *,
    header: Sequence[str] = CANONICAL_COLUMNS,
    encoding: str = "utf-8",
    chinese: bool = False,
) -> bytes:
    """The rows as a CSV file; `chinese` writes Chinese headers and level/type values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if chinese:
        writer.writerow([CHINESE_LABELS.get(h, h) for h in header])
        level_at, type_at = header.index("degree_level"), header.index("degree_type")
        for row in rows:
            row = list(row)
            row[level_at] = LEVEL_ZH.get(row[level_at], row[level_at])
            row[type_at] = TYPE_ZH.get(row[type_at], row[type_at])
            writer.writerow(row)
    else:
        writer.writerow(header)
        writer.writerows(rows)
    return out.getvalue().encode(encoding)


UNEVEN_STRATA: tuple[tuple[str, str, str, str, int], ...] = (
    ("doctoral", "北京大学", "academic", "0812", 7),
    ("doctoral", "北京大学", "academic", "0701", 13),
    ("doctoral", "清华大学", "academic", "0812", 3),
    ("doctoral", "清华大学", "professional", "0854", 22),
    ("doctoral", "复旦大学", "academic", "1001", 5),
    ("doctoral", "复旦大学", "academic", "0202", 1),
    ("master", "北京大学", "academic", "0812", 9),
    ("master", "北京大学", "professional", "0854", 31),
    ("master", "清华大学", "professional", "1251", 4),
    ("master", "复旦大学", "academic", "0301", 17),
    ("master", "复旦大学", "professional", "0351", 2),
)
