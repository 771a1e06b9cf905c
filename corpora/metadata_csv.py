"""The optional metadata CSV of `corpus add`: one row per file, English or Chinese headers.

| column | Chinese alias | meaning |
|---|---|---|
| file | 文件 / 文件名 | the file's name (or its path relative to the added folder); required |
| title | 题名 / 标题 | document title |
| authors | 作者 | authors, separated by `;`, `；` or `、` |
| year | 年份 / 年 | publication year |
| type | 类型 | thesis / article / web / other (学位论文 / 期刊论文 / 网页 / 其他) |
| institution | 单位 / 机构 | institution |

Encodings: UTF-8 (with or without BOM) or GB18030. A bad row stops the batch before anything is
added, with the row number and column in the message.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

COLUMNS = {
    "file": ("file", "filename", "path", "文件", "文件名"),
    "title": ("title", "题名", "标题", "题目"),
    "authors": ("authors", "author", "作者"),
    "year": ("year", "年份", "年", "出版年"),
    "type": ("type", "类型", "文献类型"),
    "institution": ("institution", "单位", "机构", "学校"),
}
TYPES = {
    "thesis": "thesis",
    "学位论文": "thesis",
    "论文": "thesis",
    "dissertation": "thesis",
    "article": "article",
    "期刊论文": "article",
    "文章": "article",
    "paper": "article",
    "会议论文": "article",
    "web": "web",
    "网页": "web",
    "网络": "web",
    "other": "other",
    "其他": "other",
    "其它": "other",
}
DOCUMENT_TYPES = ("thesis", "article", "web", "other")


class MetadataCsvError(ValueError):
    """A metadata CSV that cannot be used; the message names file, row and column."""


@dataclass(frozen=True)
class FileMetadata:
    title: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    type: str | None = None
    institution: str | None = None


def split_authors(value: str) -> tuple[str, ...]:
    separator = r"[;；、]" if re.search(r"[;；、]", value) else r"[,，]"
    return tuple(part.strip() for part in re.split(separator, value) if part.strip())


def parse_type(value: str) -> str | None:
    return TYPES.get(value.strip().lower())


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise MetadataCsvError(f"{path}: not UTF-8 or GB18030 text")


def read_metadata_csv(path: Path) -> dict[str, FileMetadata]:
    """Rows keyed by the `file` column as written (names or relative paths)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise MetadataCsvError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    reader = csv.reader(io.StringIO(_decode(data, path)))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise MetadataCsvError(f"{path}: the file is empty (a header row is needed)") from exc
    except csv.Error as exc:
        raise MetadataCsvError(f"{path}: row 1: {exc}") from exc
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        key = name.strip().lower()
        for column, aliases in COLUMNS.items():
            if key in aliases and column not in index:
                index[column] = position
    if "file" not in index:
        raise MetadataCsvError(f"{path}: row 1: no `file` (文件名) column in the header")
    rows: dict[str, FileMetadata] = {}
    try:
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue

            def cell(column: str, row: list[str] = row) -> str:
                position = index.get(column)
                return row[position].strip() if position is not None and position < len(row) else ""

            name = cell("file")
            if not name:
                raise MetadataCsvError(f"{path}: row {number}, column file: empty file name")
            if name in rows:
                raise MetadataCsvError(f"{path}: row {number}, column file: {name!r} listed twice")
            year_text = cell("year")
            year: int | None = None
            if year_text:
                if not re.fullmatch(r"\d{4}", year_text) or not 1800 <= int(year_text) <= 2100:
                    raise MetadataCsvError(
                        f"{path}: row {number}, column year: {year_text!r} is not a year"
                    )
                year = int(year_text)
            type_text = cell("type")
            doc_type = parse_type(type_text) if type_text else None
            if type_text and doc_type is None:
                raise MetadataCsvError(
                    f"{path}: row {number}, column type: {type_text!r} is not one of "
                    f"{', '.join(DOCUMENT_TYPES)}"
                )
            rows[name] = FileMetadata(
                title=cell("title") or None,
                authors=split_authors(cell("authors")),
                year=year,
                type=doc_type,
                institution=cell("institution") or None,
            )
    except csv.Error as exc:
        raise MetadataCsvError(f"{path}: row {reader.line_num}: {exc}") from exc
    return rows
