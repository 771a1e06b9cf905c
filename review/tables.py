"""Reading a tabular input file (CSV in UTF-8/UTF-8-BOM/GB18030, or XLSX) into text rows.

The expert pool, the institution→province mapping, offline review forms and prior
years' results all arrive as spreadsheets exported from Chinese office software, so
every reader accepts the same formats and reports problems by file and row.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from exports import unguard_cell
from sampler.frame import detect_encoding

MAX_TABLE_BYTES = 200 * 1024 * 1024


class TableError(Exception):
    """The file cannot be read as a table at all (missing, undecodable, not a spreadsheet)."""


@dataclass(frozen=True)
class Table:
    """Header cells and data rows as stripped text; `row_numbers[i]` is the 1-based file row."""

    path: Path
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_numbers: tuple[int, ...]


@dataclass(frozen=True)
class Problem:
    """One reason a row cannot be accepted, named by file row, column and value."""

    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "header"
        column = f", column {self.column!r}" if self.column else ""
        value = f", value {self.value!r}" if self.value else ""
        return f"{where}{column}{value}: {self.reason}"


class ValidationError(Exception):
    """All the problems found in one input file; nothing was written."""

    def __init__(self, path: Path | str, problems: Sequence[Problem]) -> None:
        self.path = str(path)
        self.problems = tuple(problems)
        super().__init__(self.summary())

    def summary(self, limit: int = 20) -> str:
        shown = [f"{self.path}: {problem}" for problem in self.problems[:limit]]
        more = len(self.problems) - limit
        if more > 0:
            shown.append(f"… and {more} more problem(s)")
        return f"{len(self.problems)} problem(s) in {self.path}: " + "; ".join(shown)


def clean_cell(value: object) -> str:
    """A cell as stripped NFC text; numbers that are whole become integers ('12.0' → '12')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
    elif isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def header_key(name: str) -> str:
    """A header cell normalised for alias lookup: NFKC, case-folded, no spaces or '*'."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "*")


def read_table(path: Path | str) -> Table:
    """Reads a CSV or XLSX file; raises TableError naming the file when it cannot."""
    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise TableError(f"{path}: file is {size} bytes, more than the {MAX_TABLE_BYTES} allowed")
    data = path.read_bytes()
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"} or data[:4] in (
        b"PK\x03\x04",
        b"\xd0\xcf\x11\xe0",
    ):
        cells = _xlsx_cells(path, data)
    else:
        cells = _csv_cells(path, data)
    numbered = [(number, row) for number, row in cells if any(row)]
    if not numbered:
        raise TableError(f"{path}: the file is empty (no header row)")
    header_number, header = numbered[0]
    width = len(header)
    rows: list[tuple[str, ...]] = []
    numbers: list[int] = []
    for number, row in numbered[1:]:
        padded = tuple(row[:width]) + ("",) * max(0, width - len(row))
        extra = [cell for cell in row[width:] if cell]
        if extra:
            raise TableError(
                f"{path}: row {number} has {len(row)} cells but the header has {width}"
            )
        rows.append(padded)
        numbers.append(number)
    del header_number
    return Table(path=path, header=tuple(header), rows=tuple(rows), row_numbers=tuple(numbers))


def _csv_cells(path: Path, data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode(detect_encoding(data))
    except ValueError as exc:
        raise TableError(f"{path}: {exc}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    cells: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            cells.append((reader.line_num, [unguard_cell(clean_cell(cell)) for cell in row]))
    except csv.Error as exc:
        raise TableError(f"{path}: malformed CSV near line {reader.line_num}: {exc}") from exc
    return cells


def _xlsx_cells(path: Path, data: bytes) -> list[tuple[int, list[str]]]:
    import openpyxl

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError(f"{path}: old Excel .xls files are not read; save as XLSX or CSV")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                return [
                    (number, [clean_cell(cell) for cell in row])
                    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
                ]
            finally:
                workbook.close()
    except Exception as exc:  # openpyxl raises many kinds of errors on damaged workbooks
        reason = f"{type(exc).__name__}: {exc}"
        raise TableError(f"{path}: not a readable XLSX workbook ({reason})") from None


def resolve_columns(
    table: Table, aliases: Mapping[str, Sequence[str]], required: Sequence[str]
) -> tuple[dict[str, int], list[Problem]]:
    """Maps canonical column names to header positions using English names or aliases.

    A bilingual header such as '论文编号 thesis_id' matches when its parts agree.
    """
    lookup: dict[str, str] = {}
    for canonical, names in aliases.items():
        for name in (canonical, *names):
            lookup[header_key(name)] = canonical
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for index, cell in enumerate(table.header):
        found = lookup.get(header_key(cell))
        if found is None:
            parts = {lookup[key] for key in map(header_key, cell.split()) if key in lookup}
            if len(parts) != 1:
                continue
            found = parts.pop()
        canonical = found
        if canonical in positions:
            problems.append(Problem(0, cell, "", f"column {canonical!r} appears twice"))
            continue
        positions[canonical] = index
    for name in required:
        if name not in positions:
            names = " / ".join([name, *aliases.get(name, ())])
            problems.append(Problem(0, name, "", f"required column missing ({names})"))
    return positions, problems
