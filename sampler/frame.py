"""Loading and validating the sampling frame (the register of awarded degrees).

The frame is a CSV (UTF-8, UTF-8 with BOM or GB18030, detected from the bytes) or an
XLSX workbook with a header row. Headers and values may be English or Chinese
(simplified or traditional); the loaded frame always carries canonical English
headers and values, so nothing downstream depends on the file's language or encoding.

Validation collects every problem (row, column, value, reason) instead of stopping at
the first one, and raises one `FrameError` carrying them all.
"""

from __future__ import annotations

import codecs
import csv
import gc
import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

import numpy as np

from sampler.disciplines import catalogue_2022, degree_type_of, is_well_formed

CANONICAL_COLUMNS: tuple[str, ...] = (
    "thesis_id",
    "institution",
    "degree_level",
    "degree_type",
    "discipline_code",
    "award_date",
    "title",
    "author",
    "supervisor",
)

CHINESE_LABELS: dict[str, str] = {
    "thesis_id": "论文编号",
    "institution": "学位授予单位",
    "degree_level": "学位级别",
    "degree_type": "学位类型",
    "discipline_code": "学科代码",
    "award_date": "授予日期",
    "title": "论文题目",
    "author": "作者",
    "supervisor": "导师",
}

REQUIRED_VALUES: tuple[str, ...] = (
    "thesis_id",
    "institution",
    "degree_level",
    "degree_type",
    "discipline_code",
    "award_date",
)

HEADER_ALIASES: dict[str, str] = {
    **{name: name for name in CANONICAL_COLUMNS},
    **{label: name for name, label in CHINESE_LABELS.items()},
    "thesisid": "thesis_id",
    "论文编码": "thesis_id",
    "学位授予单位名称": "institution",
    "授予单位": "institution",
    "学位层次": "degree_level",
    "学科专业代码": "discipline_code",
    "一级学科代码": "discipline_code",
    "学位授予日期": "award_date",
    "题目": "title",
    "论文作者": "author",
    "指导教师": "supervisor",
}

LEVEL_ALIASES: dict[str, str] = {
    "doctoral": "doctoral",
    "doctor": "doctoral",
    "doctorate": "doctoral",
    "phd": "doctoral",
    "博士": "doctoral",
    "博士学位": "doctoral",
    "博士研究生": "doctoral",
    "master": "master",
    "masters": "master",
    "master's": "master",
    "硕士": "master",
    "硕士学位": "master",
    "硕士研究生": "master",
}

TYPE_ALIASES: dict[str, str] = {
    "academic": "academic",
    "学术学位": "academic",
    "学术型": "academic",
    "学术": "academic",
    "学硕": "academic",
    "学博": "academic",
    "professional": "professional",
    "专业学位": "professional",
    "专业型": "professional",
    "专业": "professional",
    "专硕": "professional",
    "专博": "professional",
}

DEFAULT_MAX_BYTES = 1 << 30
PROBLEM_CAP = 1000
STRIPPED_COLUMNS = frozenset(REQUIRED_VALUES)  # free text (title, author…) is kept as given

_DATE_PATTERN = re.compile(
    r"(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*(?:-|/|\.|月)\s*(\d{1,2})\s*日?"
    r"(?:[ T]00:00(?::00(?:\.0+)?)?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_CJK = re.compile("[\u4e00-\u9fff]")


@dataclass(frozen=True)
class FrameProblem:
    """One reason the frame cannot be used; `row` counts spreadsheet rows (header = 1)."""

    row: int | None
    column: str | None
    value: str
    reason: str

    def describe(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            label = CHINESE_LABELS.get(self.column)
            parts.append(f"column {self.column} ({label})" if label else f"column {self.column}")
        if self.value:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            parts.append(f"value {shown!r}")
        parts.append(self.reason)
        return ", ".join(parts)


class FrameError(ValueError):
    """The frame is unusable; `problems` holds up to `PROBLEM_CAP` of them, `total` counts all."""

    def __init__(self, source: str, problems: list[FrameProblem], total: int | None = None):
        self.source = source
        self.problems = problems
        self.total = len(problems) if total is None else total
        first = problems[0].describe() if problems else "unknown problem"
        more = f" (and {self.total - 1} more)" if self.total > 1 else ""
        super().__init__(f"{source}: {first}{more}")


@dataclass(frozen=True)
class FrameWarning:
    """Something accepted but worth a look: `count` rows, the first few as examples."""

    kind: str
    message: str
    count: int
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Frame:
    """A validated frame: column name -> values (canonical English names and values)."""

    source: str
    sha256: str
    encoding: str
    columns: tuple[str, ...]
    data: dict[str, list[str]]
    row_numbers: list[int]
    warnings: tuple[FrameWarning, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.data["thesis_id"])

    @property
    def extra_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in CANONICAL_COLUMNS)


class _Problems:
    """Collects problems up to a cap while counting them all."""

    def __init__(self) -> None:
        self.items: list[FrameProblem] = []
        self.total = 0

    def add(self, row: int | None, column: str | None, value: str, reason: str) -> None:
        self.total += 1
        if len(self.items) < PROBLEM_CAP:
            self.items.append(FrameProblem(row, column, value, reason))

    def raise_if_any(self, source: str) -> None:
        if self.total:
            self.items.sort(key=lambda p: (p.row or 0, p.column or ""))
            raise FrameError(source, self.items, self.total)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pauses the cyclic garbage collector while millions of small lists are built.

    The frame's objects hold no reference cycles; without the pause the collector
    re-scans them repeatedly and loading takes about twice as long.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cache
def _t2s() -> object:
    from opencc import OpenCC

    return OpenCC("t2s")


def _fold(text: str) -> str:
    """Header/value matching key: NFKC, lower case, no spaces, traditional -> simplified."""
    folded = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    if not folded.isascii():
        folded = _t2s().convert(folded)  # type: ignore[attr-defined]
    return folded


_NOT_MATCHED = re.compile(r"[\W_]+")


def match_keys(texts: Sequence[str]) -> list[str]:
    """Texts folded for matching names and titles: NFKC, lower case, traditional →
    simplified, without whitespace or punctuation (full-width or not). Distinct texts are
    converted together in one OpenCC call, so a million register titles take seconds."""
    distinct = list(dict.fromkeys(texts))
    folded = ["".join(unicodedata.normalize("NFKC", t).lower().split()) for t in distinct]
    if not all(t.isascii() for t in folded):
        # the folded texts hold no whitespace, so "\n" separates them safely
        folded = _t2s().convert("\n".join(folded)).split("\n")  # type: ignore[attr-defined]
    keys = {text: _NOT_MATCHED.sub("", key) for text, key in zip(distinct, folded, strict=True)}
    return [keys[t] for t in texts]


def match_key(text: str) -> str:
    """One text folded as `match_keys` folds it."""
    return match_keys([text])[0]


def canonical_header(name: str) -> str | None:
    """The canonical column a header names, or None for an extra column."""
    folded = _fold(name.lstrip("\ufeff"))
    return HEADER_ALIASES.get(folded) or HEADER_ALIASES.get(folded.replace("-", "_"))


def canonical_level(value: str) -> str | None:
    return LEVEL_ALIASES.get(_fold(value))


def canonical_type(value: str) -> str | None:
    return TYPE_ALIASES.get(_fold(value))


def canonical_date(value: str) -> str | None:
    """ISO `YYYY-MM-DD` for a valid calendar date (also `2024/6/30`, `2024年6月30日`)."""
    text = value.strip()
    match = _DATE_PATTERN.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None


def detect_encoding(data: bytes) -> str:
    """`utf-8-sig`, `utf-8` or `gb18030`; raises ValueError for anything else."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(f"invalid UTF-8 at byte {exc.start}") from None
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        raise ValueError("the file looks like UTF-16; save it as UTF-8 or GB18030 CSV")
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start]
        if len(_CJK.findall(prefix.decode("utf-8"))) >= 10:
            line = prefix.count(b"\n") + 1
            raise ValueError(
                f"invalid UTF-8 at byte {exc.start} (line {line}) in an otherwise UTF-8 file"
            ) from None
    try:
        data.decode("gb18030")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"cannot decode as UTF-8 or GB18030 (byte {exc.start}, line {line})"
        ) from None
    return "gb18030"


def load_frame(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Frame:
    """Reads and validates a frame file (CSV or XLSX); raises FrameError naming every problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FrameError(
                path.name,
                [FrameProblem(None, None, "", f"file too large ({size} bytes > {max_bytes})")],
            )
        data = path.read_bytes()
    except OSError as exc:
        raise FrameError(
            str(path), [FrameProblem(None, None, "", f"cannot read: {exc.strerror}")]
        ) from None
    return load_frame_bytes(data, path.name, max_bytes=max_bytes)


def load_frame_bytes(data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Frame:
    """Validates a frame given as bytes; `filename` names it in messages and picks CSV/XLSX."""
    if len(data) > max_bytes:
        raise FrameError(
            filename, [FrameProblem(None, None, "", f"file too large ({len(data)} > {max_bytes})")]
        )
    if not data or data.isspace():
        raise FrameError(filename, [FrameProblem(None, None, "", "the file is empty")])
    sha256 = hashlib.sha256(data).hexdigest()
    with gc_paused():
        return _build_frame(filename, sha256, *read_table(data, filename))


def read_table(data: bytes, filename: str) -> tuple[str, list[str], list[list[str]]]:
    """Reads a CSV (encoding detected) or XLSX table: (encoding or "xlsx", header, rows)."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        reason = "old Excel .xls files are not read; save as XLSX or CSV"
        raise FrameError(filename, [FrameProblem(None, None, "", reason)])
    if data.startswith(b"PK\x03\x04") or Path(filename).suffix.lower() in (".xlsx", ".xlsm"):
        header, rows = _read_xlsx(data, filename)
        return "xlsx", header, rows
    plain = not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if plain and b"\x00" not in data[:4096]:
        try:  # most registers are UTF-8: parse directly, detect only when that fails
            header, rows = _read_csv(data, "utf-8", filename)
            return "utf-8", header, rows
        except UnicodeDecodeError:
            pass
    try:
        encoding = detect_encoding(data)
    except ValueError as exc:
        raise FrameError(filename, [FrameProblem(None, None, "", str(exc))]) from None
    header, rows = _read_csv(data, encoding, filename)
    return encoding, header, rows


def _read_csv(data: bytes, encoding: str, filename: str) -> tuple[list[str], list[list[str]]]:
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    first_line = text.readline()
    text.seek(0)
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader, [])
        rows = list(reader)
    except csv.Error as exc:
        raise FrameError(
            filename, [FrameProblem(reader.line_num, None, "", f"malformed CSV: {exc}")]
        ) from None
    return header, rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.active or book.worksheets[0]
                rows_iter: Iterator[tuple[object, ...]] = sheet.iter_rows(values_only=True)
                header = [_cell_text(v) for v in next(rows_iter, ())]
                code_index = _column_index(header, "discipline_code")
                rows = []
                for values in rows_iter:
                    row = [_cell_text(v) for v in values]
                    if code_index is not None and code_index < len(values):
                        raw = values[code_index]
                        if isinstance(raw, int | float) and not isinstance(raw, bool):
                            row[code_index] = row[code_index].zfill(4)
                    rows.append(row)
            finally:
                book.close()
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, TypeError) as exc:
        reason = f"not a readable XLSX workbook ({type(exc).__name__}: {exc})"
        raise FrameError(filename, [FrameProblem(None, None, "", reason)]) from None
    except Exception as exc:  # openpyxl raises many kinds of errors on damaged workbooks
        reason = f"not a readable XLSX workbook ({type(exc).__name__}: {exc})"
        raise FrameError(filename, [FrameProblem(None, None, "", reason)]) from None
    while rows and not any(rows[-1]):
        rows.pop()
    return header, rows


def _column_index(header: list[str], canonical: str) -> int | None:
    for index, name in enumerate(header):
        if canonical_header(name) == canonical:
            return index
    return None


def _rows_where(values: list[str], bad: set[str] | frozenset[str]) -> Iterable[int]:
    """Indices of the values in `bad` (nothing to scan when `bad` is empty)."""
    if not bad:
        return ()
    return (i for i, v in enumerate(values) if v in bad)


def distinct_pairs(first: list[str], second: list[str]) -> set[tuple[str, str]]:
    """The distinct (first[i], second[i]) pairs, computed with integer codes and NumPy."""
    firsts, seconds = sorted(set(first)), sorted(set(second))
    code_a = {v: i for i, v in enumerate(firsts)}
    code_b = {v: i for i, v in enumerate(seconds)}
    n = len(first)
    a = np.fromiter(map(code_a.__getitem__, first), dtype=np.int64, count=n)
    b = np.fromiter(map(code_b.__getitem__, second), dtype=np.int64, count=n)
    combined = np.unique(a * len(seconds) + b)
    return {(firsts[c // len(seconds)], seconds[c % len(seconds)]) for c in combined.tolist()}


def _build_frame(
    source: str, sha256: str, encoding: str, header: list[str], rows: list[list[str]]
) -> Frame:
    problems = _Problems()
    header, rows, header_row = _locate_header(header, rows)
    names = _map_header(header, problems, header_row)
    problems.raise_if_any(source)
    width = len(header)
    first = header_row + 1
    if set(map(len, rows)) <= {width}:
        clean_rows, row_numbers = rows, list(range(first, len(rows) + first))
    else:
        clean_rows, row_numbers = _even_rows(rows, width, problems, first)
    if not clean_rows and not problems.total:
        problems.add(None, None, "", "no data rows below the header")
    problems.raise_if_any(source)
    columns_data = list(zip(*clean_rows, strict=True))
    del clean_rows, rows
    data: dict[str, list[str]] = {}
    for index, name in enumerate(names):
        if name is None:
            filled = next((i for i, v in enumerate(columns_data[index]) if v.strip()), None)
            if filled is not None:
                problems.add(
                    row_numbers[filled],
                    f"#{index + 1}",
                    columns_data[index][filled],
                    "value in a column without a header",
                )
            continue
        values = columns_data[index]
        data[name] = [v.strip() for v in values] if name in STRIPPED_COLUMNS else list(values)
    del columns_data
    warnings_found = _validate(data, row_numbers, problems)
    problems.raise_if_any(source)
    ordered = CANONICAL_COLUMNS + tuple(n for n in names if n and n not in CANONICAL_COLUMNS)
    return Frame(source, sha256, encoding, ordered, data, row_numbers, tuple(warnings_found))


def _locate_header(
    header: list[str], rows: list[list[str]]
) -> tuple[list[str], list[list[str]], int]:
    """Skips title lines above the header (common in exported registers).

    Returns the header, the data rows and the header's row number. The first of the
    first ten lines naming at least five of the frame's columns is the header.
    """

    def known(cells: list[str]) -> int:
        return len({canonical_header(c) for c in cells if c.strip()} - {None})

    if known(header) >= 5:
        return header, rows, 1
    for index, row in enumerate(rows[:10]):
        if known(row) >= 5:
            return row, rows[index + 1 :], index + 2
    return header, rows, 1


def _even_rows(
    rows: list[list[str]], width: int, problems: _Problems, first: int
) -> tuple[list[list[str]], list[int]]:
    """Rows padded to the header's width; blank lines dropped; over-long rows reported."""
    clean_rows, row_numbers = [], []
    for index, row in enumerate(rows, start=first):
        if len(row) != width:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                problems.add(index, None, "", f"{len(row)} fields but the header has {width}")
                continue
            row = (row + [""] * width)[:width]
        row_numbers.append(index)
        clean_rows.append(row)
    return clean_rows, row_numbers


def _map_header(header: list[str], problems: _Problems, header_row: int) -> list[str | None]:
    if not any(h.strip() for h in header):
        problems.add(header_row, None, "", "no header row")
        return []
    names: list[str | None] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(header):
        text = raw.lstrip("\ufeff").strip()
        if not text:
            names.append(None)
            continue
        name = canonical_header(text) or text
        if name in seen:
            problems.add(
                header_row,
                name,
                raw,
                f"column given twice (header cells {seen[name]} and {index + 1})",
            )
        seen[name] = index + 1
        names.append(name)
    for name in CANONICAL_COLUMNS:
        if name not in seen:
            problems.add(header_row, name, "", f"missing column {name} ({CHINESE_LABELS[name]})")
    return names


def _validate(
    data: dict[str, list[str]], row_numbers: list[int], problems: _Problems
) -> list[FrameWarning]:
    for name in REQUIRED_VALUES:
        values = data[name]
        if "" in values:
            for i in _rows_where(values, {""}):
                problems.add(row_numbers[i], name, "", "empty value")
    _map_values(
        data,
        "degree_level",
        canonical_level,
        row_numbers,
        problems,
        "unknown degree level (expected doctoral/博士 or master/硕士)",
    )
    _map_values(
        data,
        "degree_type",
        canonical_type,
        row_numbers,
        problems,
        "unknown degree type (expected academic/学术学位 or professional/专业学位)",
    )
    _map_values(
        data,
        "award_date",
        canonical_date,
        row_numbers,
        problems,
        "not a valid date (expected YYYY-MM-DD)",
    )
    ids = data["thesis_id"]
    if len(set(ids)) != len(ids):
        first_row: dict[str, int] = {}
        for i, value in enumerate(ids):
            if value in first_row and value:
                problems.add(
                    row_numbers[i],
                    "thesis_id",
                    value,
                    f"duplicate thesis_id (first at row {first_row[value]})",
                )
            else:
                first_row.setdefault(value, row_numbers[i])
    codes = data["discipline_code"]
    malformed = {c for c in set(codes) if c and not is_well_formed(c)}
    for i in _rows_where(codes, malformed):
        reason = "discipline code must be 4 digits, e.g. 0812"
        if codes[i].isdigit() and len(codes[i]) == 3:
            reason += " (leading zero lost?)"
        problems.add(row_numbers[i], "discipline_code", codes[i], reason)
    if problems.total:
        return []
    return _discipline_warnings(data, row_numbers)


def _map_values(
    data: dict[str, list[str]],
    column: str,
    mapper: Callable[[str], str | None],
    row_numbers: list[int],
    problems: _Problems,
    reason: str,
) -> None:
    values = data[column]
    mapping = {v: mapper(v) for v in set(values) if v}
    bad = {v for v, m in mapping.items() if m is None}
    for i in _rows_where(values, bad):
        problems.add(row_numbers[i], column, values[i], reason)
    if not bad and any(k != v for k, v in mapping.items()):
        canonical = {k: v or "" for k, v in mapping.items()}
        canonical[""] = ""
        data[column] = [canonical[v] for v in values]


def _discipline_warnings(data: dict[str, list[str]], row_numbers: list[int]) -> list[FrameWarning]:
    catalogue = catalogue_2022()
    codes = data["discipline_code"]
    found: list[FrameWarning] = []
    unknown = {c for c in set(codes) if c not in catalogue}
    if unknown:
        rows = list(_rows_where(codes, unknown))
        found.append(
            FrameWarning(
                "unknown_discipline_code",
                "discipline codes not in the 2022 catalogue (older catalogue?) — accepted",
                len(rows),
                tuple(f"row {row_numbers[i]}: {codes[i]}" for i in rows[:5]),
            )
        )
    types = data["degree_type"]
    bad_pairs = {p for p in distinct_pairs(codes, types) if degree_type_of(p[0]) != p[1]}
    mismatched = (
        [i for i, p in enumerate(zip(codes, types, strict=True)) if p in bad_pairs]
        if bad_pairs
        else []
    )
    if mismatched:
        found.append(
            FrameWarning(
                "degree_type_mismatch",
                "degree type disagrees with the code (third digit ≥ 5 means professional)",
                len(mismatched),
                tuple(f"row {row_numbers[i]}: {codes[i]} {types[i]}" for i in mismatched[:5]),
            )
        )
    master_only = {c for c, d in catalogue.items() if d.master_only}
    levels = data["degree_level"]
    doctoral_codes = {c for c, lv in distinct_pairs(codes, levels) if lv == "doctoral"}
    flagged = doctoral_codes & master_only
    doctoral_in_master_only = (
        [i for i in _rows_where(codes, flagged) if levels[i] == "doctoral"] if flagged else []
    )
    if doctoral_in_master_only:
        found.append(
            FrameWarning(
                "doctoral_in_master_only_category",
                "doctoral degree in a category the 2022 catalogue awards at master level only",
                len(doctoral_in_master_only),
                tuple(f"row {row_numbers[i]}: {codes[i]}" for i in doctoral_in_master_only[:5]),
            )
        )
    return found
