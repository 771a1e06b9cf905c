"""Importing allegations from a spreadsheet, and matching them to a register's theses.

The office receives allegations by letter, e-mail and from other platforms and keeps
them in a spreadsheet. The import reads it with the review package's table reader
(CSV in UTF-8/GB18030 or XLSX), checks every row, and imports nothing from a file that
has any problem: each problem is named by row and column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from review.allegations import (
    Allegation,
    AllegationReport,
    AllegationState,
    Reporter,
    link,
    parse_kind,
    receive,
)
from review.tables import Problem, ValidationError, read_table, resolve_columns
from sampler.frame import Frame, canonical_date, match_key, match_keys

ALLEGATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("论文题目", "题目", "論文題目"),
    "author": ("作者", "论文作者"),
    "institution": ("学位授予单位", "单位", "學位授予單位"),
    "year": ("年度", "学位年度", "授予年度", "年份"),
    "kind": ("举报类型", "类型", "疑似问题", "舉報類型"),
    "suspected_source": ("疑似来源", "来源", "被抄袭来源"),
    "details": ("举报内容", "内容", "说明"),
    "attachments": ("附件",),
    "reporter_name": ("举报人", "举报人姓名"),
    "reporter_contact": ("联系方式", "举报人联系方式"),
    "received_on": ("收到日期", "举报日期", "日期"),
    "thesis_id": ("论文编号",),
}
_LINKABLE = (AllegationState.RECEIVED, AllegationState.ACCEPTED)
REQUIRED_COLUMNS = ("title", "author", "institution", "year", "kind")
_KINDS_HINT = "plagiarism/剽窃, fabrication/伪造, ghost_writing/代写"


@dataclass(frozen=True)
class ImportedRow:
    """One valid row: the report, its date and an optional thesis link."""

    row: int
    report: AllegationReport
    received_on: date
    thesis_id: str


def parse_allegation_rows(path: Path | str, default_date: date) -> list[ImportedRow]:
    """Every row of the file, validated; ValidationError lists all problems, nothing kept."""
    table = read_table(path)
    positions, problems = resolve_columns(table, ALLEGATION_COLUMNS, REQUIRED_COLUMNS)
    if problems:
        raise ValidationError(path, problems)
    rows: list[ImportedRow] = []
    for number, cells in zip(table.row_numbers, table.rows, strict=True):
        values = {name: cells[index] for name, index in positions.items()}
        row_problems: list[Problem] = []
        for name in ("title", "institution"):
            if not values[name]:
                row_problems.append(Problem(number, name, "", "empty"))
        year_text = values["year"]
        year = 0
        if year_text.isdigit() and 1980 <= int(year_text) <= 2200:
            year = int(year_text)
        else:
            row_problems.append(Problem(number, "year", year_text, "not a year like 2025"))
        kind = parse_kind(values["kind"])
        if kind is None:
            row_problems.append(
                Problem(number, "kind", values["kind"], f"unknown kind ({_KINDS_HINT})")
            )
        received_on = default_date
        if values.get("received_on"):
            iso = canonical_date(values["received_on"])
            if iso is None:
                row_problems.append(
                    Problem(number, "received_on", values["received_on"], "not a date")
                )
            else:
                received_on = date.fromisoformat(iso)
        if row_problems or kind is None:
            problems.extend(row_problems)
            continue
        name, contact = values.get("reporter_name", ""), values.get("reporter_contact", "")
        report = AllegationReport(
            title=values["title"],
            author=values["author"],
            institution=values["institution"],
            year=year,
            kind=kind,
            suspected_source=values.get("suspected_source", ""),
            details=values.get("details", ""),
            attachments=tuple(
                part.strip()
                for part in values.get("attachments", "").replace("；", ";").split(";")
                if part.strip()
            ),
            reporter=Reporter(name, contact) if name or contact else None,
        )
        rows.append(ImportedRow(number, report, received_on, values.get("thesis_id", "")))
    if problems:
        raise ValidationError(path, problems)
    return rows


def import_allegations(
    path: Path | str, existing: Sequence[Allegation], today: date, actor: str
) -> list[Allegation]:
    """New allegations for every row of the file (all or none), each with its own code."""
    created: list[Allegation] = []
    taken = {a.code for a in existing}
    for row in parse_allegation_rows(path, today):
        allegation = receive(
            row.report, row.received_on, taken=taken, actor=actor, thesis_id=row.thesis_id
        )
        taken.add(allegation.code)
        created.append(allegation)
    return created


@dataclass(frozen=True)
class RegisterMatch:
    """The register theses an allegation's title, author and institution point to."""

    code: str
    candidates: tuple[str, ...]

    @property
    def unique(self) -> str:
        return self.candidates[0] if len(self.candidates) == 1 else ""


def match_register(allegations: Sequence[Allegation], register: Frame) -> list[RegisterMatch]:
    """Candidate thesis_ids for each unlinked allegation (title, institution and, if given,
    author compared after folding case, width, script and punctuation)."""
    data = register.data
    index: dict[tuple[str, str], list[int]] = {}
    keys = zip(match_keys(data["title"]), match_keys(data["institution"]), strict=True)
    for row, key in enumerate(keys):
        index.setdefault(key, []).append(row)
    matches = []
    for allegation in allegations:
        if allegation.thesis_id or allegation.state not in _LINKABLE:
            continue
        report = allegation.report
        rows = index.get((match_key(report.title), match_key(report.institution)), [])
        author = match_key(report.author)
        if author:
            rows = [r for r in rows if match_key(data["author"][r]) == author]
        matches.append(
            RegisterMatch(allegation.code, tuple(sorted(data["thesis_id"][r] for r in rows)))
        )
    return matches


def link_unique_matches(
    allegations: Sequence[Allegation], register: Frame, on: date, actor: str
) -> tuple[tuple[Allegation, ...], list[RegisterMatch]]:
    """Links every allegation with exactly one candidate; the others stay unmatched."""
    found = {m.code: m for m in match_register(allegations, register)}
    updated = []
    for allegation in allegations:
        match = found.get(allegation.code)
        if match is not None and match.unique:
            allegation = link(allegation, match.unique, on, actor)
        updated.append(allegation)
    return tuple(updated), list(found.values())
