"""Every exported table (CSV and XLSX), with the spreadsheet formula guard applied once.

Registers and screening metadata are written by universities, so any text cell may start
with `=`, `+`, `-` or `@`: a spreadsheet would run it as a formula (OWASP "CSV injection").
Text cells that start like a formula get a leading `'` (which spreadsheets hide and readers of
our own files strip again with `unguard_cell`); numbers stay numbers. In XLSX every text cell
is stored as a string, never as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exports.atomic import write_atomically, write_bytes_atomically

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_GUARD = "'"
# First characters for which a text cell needs a closer look (the empty string included).
_SAFE_SKIP = frozenset({*FORMULA_STARTS, _GUARD, ""})
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|nan)", re.I)

Cell = str | int | float | None


def guard_cell(value: str) -> str:
    """`value` as a spreadsheet shows it as text: formula-like starts get a leading `'`.

    A value that already starts with `'` before a formula character (or another `'`) gets one
    more, so `unguard_cell(guard_cell(v)) == v` for every string. Plain numbers are left alone.
    """
    if not value:
        return value
    if value.startswith(FORMULA_STARTS):
        return value if _PLAIN_NUMBER.fullmatch(value) else _GUARD + value
    if value[0] == _GUARD and len(value) > 1 and value[1] in (*FORMULA_STARTS, _GUARD):
        return _GUARD + value
    return value


def unguard_cell(value: str) -> str:
    """The text `guard_cell` was given (for reading back a table this product wrote)."""
    if len(value) > 1 and value[0] == _GUARD and value[1] in (*FORMULA_STARTS, _GUARD):
        return value[1:]
    return value


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return guard_cell(str(value))


@dataclass(frozen=True)
class Table:
    """A header row and data rows; `title` names the sheet in a workbook."""

    header: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    title: str = "Sheet"
    number_formats: Mapping[int, str] = field(default_factory=dict)  # column index → format
    widths: Mapping[int, float] = field(default_factory=dict)  # column index → width
    freeze: str | None = "A2"
    auto_filter: bool = False
    # Called for each written data cell (openpyxl cell, column index, value): fills, links.
    style: Callable[[Any, int, Cell], None] | None = None


def render_csv(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, bom: bool = False
) -> bytes:
    """The table as CSV bytes (UTF-8, `\\n` line ends; `bom` for Excel on Chinese Windows)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([guard_cell(str(h)) for h in header])
    # Most cells are text that cannot be a formula: those skip the call (a hot path for the
    # sample of a national register).
    writer.writerows(
        [c if c.__class__ is str and c[:1] not in _SAFE_SKIP else _text(c) for c in row]
        for row in rows
    )
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def write_csv(
    path: Path | str,
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    bom: bool = False,
    durable: bool = False,
) -> Path:
    """Writes the table to `path` atomically (see `render_csv`)."""
    return write_bytes_atomically(path, render_csv(header, rows, bom=bom), durable=durable)


def write_xlsx(path: Path | str, tables: Sequence[Table]) -> Path:
    """Writes one sheet per table to `path` atomically; bold header; text never a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for table in tables:
        sheet = book.create_sheet(title=table.title[:31])
        sheet.append([str(h) for h in table.header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.data_type = "s"
        last = 1
        for r, row in enumerate(table.rows, start=2):
            last = r
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c)
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    cell.value = value
                    cell.data_type = "s"  # stored as text, never a formula
                else:
                    cell.value = value
                    fmt = table.number_formats.get(c - 1)
                    if fmt:
                        cell.number_format = fmt
                if table.style is not None:
                    table.style(cell, c - 1, value)
        for c, width in table.widths.items():
            sheet.column_dimensions[get_column_letter(c + 1)].width = width
        if table.freeze:
            sheet.freeze_panes = table.freeze
        if table.auto_filter:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.header))}{last}"
    return write_atomically(path, lambda tmp: book.save(tmp))
