"""The institution → province mapping the same-province exclusion needs."""

from __future__ import annotations

from pathlib import Path

from review.tables import Problem, ValidationError, read_table, resolve_columns

PROVINCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "institution": ("学位授予单位", "单位", "单位名称"),
    "province": ("省份", "所在省份", "省"),
}


def read_institution_provinces(path: Path | str) -> dict[str, str]:
    """Reads `institution,province` rows; ValidationError lists empty or contradictory rows."""
    table = read_table(path)
    positions, problems = resolve_columns(table, PROVINCE_COLUMNS, ("institution", "province"))
    if problems:
        raise ValidationError(path, problems)
    mapping: dict[str, str] = {}
    first_row: dict[str, int] = {}
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        institution = row[positions["institution"]]
        province = row[positions["province"]]
        if not institution:
            problems.append(Problem(number, "institution", "", "empty"))
            continue
        if not province:
            problems.append(Problem(number, "province", "", "empty"))
            continue
        if institution in mapping and mapping[institution] != province:
            problems.append(
                Problem(
                    number,
                    "province",
                    province,
                    f"row {first_row[institution]} gives {mapping[institution]!r} "
                    f"for {institution!r}",
                )
            )
            continue
        mapping[institution] = province
        first_row.setdefault(institution, number)
    if problems:
        raise ValidationError(path, problems)
    return mapping
