"""The batch summary for the degree office: one row per screened thesis, as CSV, XLSX and HTML.

All three files are written to temporary names first and renamed only once every one of
them has been written, so a failure never leaves a half-written summary behind.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from openpyxl.styles import PatternFill

from corpora.blind import blinding_key, institution_number
from exports import Table, staged_directory, write_csv, write_text_atomically, write_xlsx
from screening.report import labels
from screening.report.model import ReportInputError, build_report
from screening.result import ResultFormatError, ScreeningResult

COLUMNS: tuple[tuple[str, str], ...] = (
    ("thesis_id", "论文编号 Thesis ID"),
    ("blind_id", "盲审编号 Blind ID"),
    ("file", "文件 File"),
    ("title", "论文题目 Title"),
    ("institution", "学位授予单位 Institution"),
    ("institution_number", "单位编号 Institution No."),
    ("discipline_code", "学科代码 Discipline"),
    ("degree_level", "学位级别 Degree level"),
    ("degree_type", "学位类型 Degree type"),
    ("status", "检测状态 Status"),
    ("total_characters", "总字数 Total characters"),
    ("repeated_characters", "重复字数 Repeated characters"),
    ("total_copy_ratio", "总文字复制比 Total copy ratio"),
    ("assessed_copy_ratio", "扣除排除项后复制比 After exclusions"),
    ("copy_ratio_excluding_quotes", "去除引用文献复制比 Excl. quotations"),
    ("copy_ratio_excluding_references", "去除参考文献复制比 Excl. bibliography"),
    ("copy_ratio_excluding_own", "去除本人文献复制比 Excl. own work"),
    ("max_single_source_ratio", "单篇最大文字复制比 Largest single source"),
    ("flag_level", "标记 Flag level"),
    ("flag_reasons", "标记原因 Flag reasons"),
    ("top_source", "最大来源 Top source"),
    ("top_source_share", "最大来源占比 Top source share"),
    ("report", "报告 Report"),
)
RATIO_COLUMNS = frozenset(
    {
        "total_copy_ratio",
        "assessed_copy_ratio",
        "copy_ratio_excluding_quotes",
        "copy_ratio_excluding_references",
        "copy_ratio_excluding_own",
        "max_single_source_ratio",
        "top_source_share",
    }
)
COUNT_COLUMNS = frozenset({"total_characters", "repeated_characters"})
FLAG_FILLS = {
    "suspected_misconduct": "FFCDD2",
    "needs_review": "FFF3C4",
    "clear": "DCEFDC",
}


@dataclass(frozen=True)
class BatchSummaryFiles:
    csv: Path
    xlsx: Path
    html: Path


@dataclass(frozen=True)
class InstitutionCount:
    institution: str
    number: str
    screened: int
    levels: Mapping[str, int]
    highest_ratio: float


def _link_for(row: Mapping[str, Any], links: Mapping[str, str]) -> str:
    file = str(row["file"] or "")
    for key in (row["thesis_id"], file, PurePosixPath(file).stem, row["blind_id"]):
        if key and key in links:
            return links[key]
    return ""


def read_result(result: ScreeningResult | Mapping[str, Any]) -> ScreeningResult:
    """A result as given, or read from its JSON dict."""
    return result if isinstance(result, ScreeningResult) else ScreeningResult.from_json(result)


def _file_name(result: ScreeningResult | Mapping[str, Any]) -> str:
    """The thesis file a result names (empty when it names none)."""
    if isinstance(result, ScreeningResult):
        return result.thesis.file
    thesis = result.get("thesis") if isinstance(result, Mapping) else None
    return str(thesis.get("file") or "") if isinstance(thesis, Mapping) else ""


def _file_of(result: ScreeningResult | Mapping[str, Any]) -> str:
    """` (file name)` of a result, for messages."""
    name = _file_name(result)
    return f" ({name})" if name else ""


def summary_rows(
    results: Sequence[ScreeningResult | Mapping[str, Any]],
    report_links: Mapping[str, str] | None = None,
    blinding: bytes | None = None,
) -> list[dict[str, Any]]:
    """One row per result, sorted by flag severity, then total copy ratio (highest first).

    `blinding` keys blind ids and institution numbers (`corpora.blind.blinding_key`)."""
    blinding = blinding if blinding is not None else blinding_key(None)
    rows: list[dict[str, Any]] = []
    for i, result in enumerate(results):
        try:
            result = read_result(result)
            report = build_report(result, key=blinding)
        except ResultFormatError as exc:
            raise ReportInputError(
                f"results[{i}]{_file_of(result)}: {exc.field}", exc.reason
            ) from exc
        thesis = result.thesis
        metadata = thesis.metadata
        figures: dict[str, Any] = {f.key: f.value for f in report.figures}
        top = report.sources[0] if report.sources else None
        row: dict[str, Any] = {
            "thesis_id": str(metadata.get("thesis_id") or ""),
            "blind_id": report.blind_id,
            "file": thesis.file,
            "title": str(metadata.get("title") or ""),
            "institution": str(metadata.get("institution") or ""),
            "institution_number": institution_number(metadata, blinding),
            "discipline_code": str(metadata.get("discipline_code") or ""),
            "degree_level": str(metadata.get("degree_level") or ""),
            "degree_type": str(metadata.get("degree_type") or ""),
            "total_characters": report.total_characters,
            "repeated_characters": figures.get("repeated_characters"),
            "status": thesis.status,
            "flag_level": report.flag_level,
            "flag_reasons": "；".join(report.flag_reasons),
            "top_source": top.title if top else "",
            "top_source_share": top.share if top else None,
        }
        for key in RATIO_COLUMNS - {"top_source_share"}:
            row[key] = figures.get(key)
        row["report"] = _link_for(row, report_links or {})
        rows.append(row)
    rows.sort(
        key=lambda r: (
            -labels.FLAG_SEVERITY.get(r["flag_level"], -1),
            -(r["total_copy_ratio"] or 0.0),
            r["thesis_id"],
            r["file"],
        )
    )
    return rows


def institution_counts(rows: Sequence[Mapping[str, Any]]) -> list[InstitutionCount]:
    """Theses screened per institution and how many got each flag level."""
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["institution"] or labels.NOT_AVAILABLE].append(row)
    out = []
    for name, mine in grouped.items():
        levels = Counter(r["flag_level"] for r in mine)
        out.append(
            InstitutionCount(
                institution=name,
                number=str(mine[0]["institution_number"]),
                screened=len(mine),
                levels={level: levels[level] for level in labels.FLAG_LEVELS},
                highest_ratio=max(float(r["total_copy_ratio"] or 0.0) for r in mine),
            )
        )
    out.sort(
        key=lambda c: (
            -c.levels["suspected_misconduct"],
            -c.levels["needs_review"],
            -c.screened,
            c.institution,
        )
    )
    return out


def _cell(value: Any) -> Any:
    return "" if value is None else value


def _summary_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    def style(cell: Any, column: int, value: Any) -> None:
        key = COLUMNS[column][0]
        if key == "flag_level" and isinstance(value, str):
            cell.value = labels.label(labels.FLAG_LEVELS, value)
            fill = FLAG_FILLS.get(value)
            if fill:
                cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
        elif key == "report" and value:
            cell.hyperlink = value

    widths = {"title": 36, "flag_reasons": 48, "top_source": 36, "file": 22, "report": 22}
    return Table(
        header=[name for _, name in COLUMNS],
        rows=[[_cell(row[key]) for key, _ in COLUMNS] for row in rows],
        title="汇总 Summary",
        number_formats={
            c: "0.0%" if key in RATIO_COLUMNS else "#,##0"
            for c, (key, _) in enumerate(COLUMNS)
            if key in RATIO_COLUMNS or key in COUNT_COLUMNS
        },
        widths={
            c: widths.get(key, max(12, len(name) // 2)) for c, (key, name) in enumerate(COLUMNS)
        },
        freeze="C2",
        auto_filter=True,
        style=style,
    )


def _institution_table(counts: Sequence[InstitutionCount]) -> Table:
    return Table(
        header=[
            "学位授予单位 Institution",
            "单位编号 Institution No.",
            "检测篇数 Screened",
            *labels.FLAG_LEVELS.values(),
            "最高总文字复制比 Highest total copy ratio",
        ],
        rows=[
            [
                count.institution,
                count.number,
                count.screened,
                *(count.levels[level] for level in labels.FLAG_LEVELS),
                count.highest_ratio,
            ]
            for count in counts
        ],
        title="按单位 By institution",
        number_formats={6: "0.0%"},
        widths={c: 30 if c == 0 else 16 for c in range(7)},
        freeze=None,
    )


def render_batch_overview(
    rows: Sequence[Mapping[str, Any]],
    counts: Sequence[InstitutionCount],
    *,
    generated_at: datetime | None = None,
) -> str:
    """The HTML overview: totals per flag level, counts by institution, the sorted table."""
    from screening.report.html import report_environment

    levels = Counter(r["flag_level"] for r in rows)
    template = report_environment().get_template("batch.html.j2")
    return template.render(
        rows=rows,
        counts=counts,
        levels=levels,
        generated_at=(generated_at or datetime.now(UTC)).isoformat(timespec="seconds"),
    )


def _existing_reports(
    results: Sequence[ScreeningResult | Mapping[str, Any]], out_dir: Path
) -> dict[str, str]:
    """Links to `<file stem>.html` reports already written in `out_dir` (where `spotcheck
    screen` puts them)."""
    links: dict[str, str] = {}
    for result in results:
        file = _file_name(result)
        stem = PurePosixPath(file).stem
        if stem and (out_dir / f"{stem}.html").is_file():
            links[file] = f"{stem}.html"
    return links


def write_batch_summary(
    results: Sequence[ScreeningResult | Mapping[str, Any]],
    out_dir: Path,
    *,
    report_links: Mapping[str, str] | None = None,
    key: bytes | None = None,
) -> BatchSummaryFiles:
    """Writes `summary.csv`, `summary.xlsx` and `index.html` to `out_dir`.

    `report_links` maps a thesis id, file name, file stem or blind id to the (relative) URL
    of that thesis's HTML report; the overview and the spreadsheet link to it. Without it,
    reports named `<file stem>.html` that already sit in `out_dir` are linked.
    """
    out_dir = Path(out_dir)
    if report_links is None:
        report_links = _existing_reports(results, out_dir)
    rows = summary_rows(results, report_links, key)
    counts = institution_counts(rows)
    html = render_batch_overview(rows, counts)
    files = BatchSummaryFiles(
        csv=out_dir / "summary.csv", xlsx=out_dir / "summary.xlsx", html=out_dir / "index.html"
    )
    with staged_directory(out_dir) as staging:
        summary = _summary_table(rows)
        # UTF-8 with BOM: Excel on Chinese Windows opens it without mojibake.
        write_csv(staging / files.csv.name, [k for k, _ in COLUMNS], summary.rows, bom=True)
        write_xlsx(staging / files.xlsx.name, [summary, _institution_table(counts)])
        write_text_atomically(staging / files.html.name, html)
    return files
