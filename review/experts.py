"""The expert pool: who may review, in which disciplines, and how many theses at most."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from review.tables import Problem, Table, ValidationError, read_table, resolve_columns

EXPERT_COLUMNS: dict[str, tuple[str, ...]] = {
    "expert_id": ("专家编号", "专家id", "id"),
    "name": ("姓名", "专家姓名"),
    "institution": ("工作单位", "所在单位", "单位"),
    "province": ("省份", "所在省份", "省"),
    "disciplines": ("学科代码", "评审学科", "学科"),
    "contact": ("联系方式", "邮箱", "email"),
    "max_load": ("最大评审量", "最大评阅量", "评审上限", "maximum_load"),
}
REQUIRED_EXPERT_COLUMNS = ("expert_id", "name", "institution", "province", "disciplines")
DEFAULT_MAX_LOAD = 5
MAX_LOAD_CEILING = 1000

_CODE = re.compile(r"^\d{4}$")
_SPLIT = re.compile(r"[;,，；、/|\s]+")


@dataclass(frozen=True)
class Expert:
    """One reviewer: disciplines are 4-digit first-level discipline or professional codes."""

    expert_id: str
    name: str
    institution: str
    province: str
    disciplines: tuple[str, ...]
    contact: str = ""
    max_load: int = DEFAULT_MAX_LOAD

    @property
    def categories(self) -> tuple[str, ...]:
        """The 2-digit 门类 prefixes of the expert's disciplines."""
        return tuple(sorted({code[:2] for code in self.disciplines}))


def split_codes(text: str) -> list[str]:
    """Discipline codes from a cell like '0812;0835' or '0812、0854'.

    A 3-digit number is a code whose leading zero a spreadsheet dropped (812 → 0812).
    """
    return [
        part.zfill(4) if part.isdigit() and len(part) == 3 else part
        for part in _SPLIT.split(text)
        if part
    ]


def parse_expert_rows(table: Table) -> tuple[list[Expert], list[Problem]]:
    """Validates every row, collecting all problems instead of stopping at the first."""
    positions, problems = resolve_columns(table, EXPERT_COLUMNS, REQUIRED_EXPERT_COLUMNS)
    if problems:
        return [], problems
    experts: list[Expert] = []
    seen: dict[str, int] = {}

    def cell(row: tuple[str, ...], column: str) -> str:
        index = positions.get(column)
        return row[index] if index is not None else ""

    for number, row in zip(table.row_numbers, table.rows, strict=True):
        row_problems: list[Problem] = []
        values = {column: cell(row, column) for column in EXPERT_COLUMNS}
        for column in REQUIRED_EXPERT_COLUMNS:
            if not values[column]:
                row_problems.append(Problem(number, column, "", "empty"))
        expert_id = values["expert_id"]
        if expert_id:
            if expert_id in seen:
                row_problems.append(
                    Problem(number, "expert_id", expert_id, f"duplicate of row {seen[expert_id]}")
                )
            else:
                seen[expert_id] = number
        codes = split_codes(values["disciplines"])
        for code in codes:
            if not _CODE.match(code):
                row_problems.append(
                    Problem(number, "disciplines", code, "not a 4-digit discipline code like 0812")
                )
        max_load = DEFAULT_MAX_LOAD
        raw_load = values["max_load"]
        if raw_load:
            try:
                max_load = int(raw_load)
            except ValueError:
                max_load = -1
            if not 1 <= max_load <= MAX_LOAD_CEILING:
                row_problems.append(
                    Problem(
                        number,
                        "max_load",
                        raw_load,
                        f"must be a whole number from 1 to {MAX_LOAD_CEILING}",
                    )
                )
        if row_problems:
            problems.extend(row_problems)
            continue
        experts.append(
            Expert(
                expert_id=expert_id,
                name=values["name"],
                institution=values["institution"],
                province=values["province"],
                disciplines=tuple(sorted(set(codes))),
                contact=values["contact"],
                max_load=max_load,
            )
        )
    if not table.rows:
        problems.append(Problem(0, "", "", "the pool has no experts (header only)"))
    return experts, problems


def read_expert_pool(path: Path | str) -> list[Expert]:
    """Reads and validates a pool file; raises ValidationError with every problem found."""
    table = read_table(path)
    experts, problems = parse_expert_rows(table)
    if problems:
        raise ValidationError(path, problems)
    return sorted(experts, key=lambda expert: expert.expert_id)


def institution_provinces(experts: Iterable[Expert]) -> dict[str, str]:
    """Institution → province pairs the pool itself states (used to fill mapping gaps)."""
    return {expert.institution: expert.province for expert in experts}
