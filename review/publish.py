"""Writing results for publication: CSV, XLSX and a self-contained HTML summary.

Nothing written here names a reviewer; which thesis identities appear is the
results' `identity` setting (none, id, or id + title + author). Files are written
into a temporary directory and moved into place only when all of them succeeded.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import jinja2

from exports import Table, staged_directory, write_csv, write_text_atomically, write_xlsx
from exports.tables import Cell
from review.forms import GRADE_ORDER
from review.results import (
    GROUPING_LABELS,
    GROUPINGS,
    Results,
    group_label,
    iter_rows,
)

FORMATS = ("csv", "xlsx", "html")
SUMMARY_COLUMNS = (
    ("year", "年度"),
    ("group_by", "分组"),
    ("group", "组"),
    ("label", "名称"),
    ("sampled", "抽检数"),
    ("reviewed", "已结论"),
    ("pending", "未结论"),
    ("problems", "问题论文数"),
    ("grade_excellent", "优秀"),
    ("grade_good", "良好"),
    ("grade_pass", "合格"),
    ("grade_fail", "不合格"),
    ("estimate", "估计问题率"),
    ("ci_low", "95%区间下限"),
    ("ci_high", "95%区间上限"),
    ("method", "方法"),
)
SECTION_TITLES = {
    "overall": "总体 Overall",
    "institution": "按学位授予单位 By institution",
    "discipline_code": "按学科 By discipline",
    "degree_level": "按学位级别 By degree level",
    "degree_type": "按学位类型 By degree type",
}
CONSECUTIVE_COLUMNS = (
    ("institution", "学位授予单位"),
    ("years", "连续年度"),
    ("problems_this_year", "本年度问题论文数"),
    ("problems_last_year", "上年度问题论文数"),
)


def _software_version() -> str:
    try:
        return version("spotcheck")
    except PackageNotFoundError:
        return "0+unknown"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _problem_columns(identity: str) -> list[tuple[str, str]]:
    columns = [("institution", "学位授予单位")]
    if identity in ("id", "full"):
        columns.append(("thesis_id", "论文编号"))
    if identity == "full":
        columns += [("title", "论文题目"), ("author", "作者")]
    columns += [
        ("discipline_code", "学科代码"),
        ("degree_level", "学位级别"),
        ("degree_type", "学位类型"),
    ]
    return columns


def _consecutive_rows(results: Results) -> list[dict[str, object]]:
    return [
        {
            "institution": item.institution,
            "years": ";".join(str(year) for year in item.years),
            "problems_this_year": item.problems_this_year,
            "problems_last_year": item.problems_last_year,
        }
        for item in results.consecutive
    ]


def _problem_rows(results: Results) -> list[dict[str, object]]:
    return [
        {
            "institution": item.institution,
            "thesis_id": item.thesis_id,
            "title": item.title,
            "author": item.author,
            "discipline_code": item.discipline_code,
            "degree_level": item.degree_level,
            "degree_type": item.degree_type,
        }
        for item in results.problem_theses
    ]


def _table(
    title: str, columns: Sequence[tuple[str, str]], rows: list[dict[str, object]], *, xlsx: bool
) -> Table:
    """One table; the workbook's headers are bilingual, its rates numbers."""
    header = [f"{zh} {name}" if xlsx else name for name, zh in columns]
    cells: list[list[Cell]] = []
    for row in rows:
        values: list[Cell] = []
        for name, _ in columns:
            value = row.get(name, "")
            if xlsx and name in ("estimate", "ci_low", "ci_high") and value != "":
                value = float(str(value))
            values.append(value)  # type: ignore[arg-type]
        cells.append(values)
    return Table(header, cells, title)


def _tables(results: Results, *, xlsx: bool) -> dict[str, Table]:
    """The published tables by CSV file name (problem theses only when identities are shown)."""
    tables = {
        "results.csv": _table("汇总 Summary", SUMMARY_COLUMNS, list(iter_rows(results)), xlsx=xlsx),
        "consecutive.csv": _table(
            "连续年度 Consecutive", CONSECUTIVE_COLUMNS, _consecutive_rows(results), xlsx=xlsx
        ),
    }
    if results.identity != "none":
        tables["problem_theses.csv"] = _table(
            "问题论文 Problem theses",
            _problem_columns(results.identity),
            _problem_rows(results),
            xlsx=xlsx,
        )
    return tables


def render_html(results: Results, prior_given: bool) -> str:
    """The publication page (Chinese labels with English beside them, no reviewer names)."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("review", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    sections = []
    for grouping in GROUPINGS:
        rows = []
        for group in results.by(grouping):
            rate = group.rate
            rows.append(
                {
                    "label": group.label,
                    "sampled": group.sampled,
                    "reviewed": group.reviewed,
                    "problems": group.problems,
                    "estimate": _percent(rate.estimate if rate else None),
                    "interval": "—"
                    if rate is None
                    else f"{_percent(rate.ci_low)} – {_percent(rate.ci_high)}",
                    "grades": [group.grades.get(grade, 0) for grade in GRADE_ORDER],
                }
            )
        sections.append(
            {
                "title": SECTION_TITLES[grouping],
                "column": GROUPING_LABELS[grouping],
                "rows": rows,
            }
        )
    problem_theses = [
        {
            "institution": item.institution,
            "thesis_id": item.thesis_id,
            "title": item.title,
            "author": item.author,
            "discipline": group_label("discipline_code", item.discipline_code),
            "level": group_label("degree_level", item.degree_level),
            "type": group_label("degree_type", item.degree_type),
        }
        for item in results.problem_theses
    ]
    template = environment.get_template("results.html.j2")
    return template.render(
        year=results.year,
        notes=results.notes,
        sections=sections,
        grades=GRADE_ORDER,
        consecutive=results.consecutive,
        prior_given=prior_given,
        identity=results.identity,
        problem_theses=problem_theses,
        version=_software_version(),
    )


def _pad(text: str, width: int) -> str:
    """Left-aligns text in a terminal column, counting CJK characters as two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - shown)


def institution_table(results: Results) -> str:
    """A plain-text per-institution table for terminals (the CLI and the demo print it)."""
    lines = [
        f"{_pad('学位授予单位 institution', 28)} 抽检 sampled  结论 decided  问题 problems"
        "  估计问题率 estimate (95% CI)"
    ]
    for group in [*results.by("institution"), *results.by("overall")]:
        rate = group.rate
        shown = (
            "—" if rate is None else f"{rate.estimate:6.1%} ({rate.ci_low:.1%}–{rate.ci_high:.1%})"
        )
        lines.append(
            f"{_pad(group.label if group.group_by == 'overall' else group.group, 28)} "
            f"{group.sampled:>12} {group.reviewed:>12} {group.problems:>14}  {shown}"
        )
    return "\n".join(lines)


def write_results(
    results: Results,
    out_dir: Path | str,
    formats: Sequence[str] = FORMATS,
    prior_given: bool = False,
) -> list[Path]:
    """Writes the chosen formats into `out_dir`; nothing is replaced unless all succeed."""
    out_dir = Path(out_dir)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(unknown)} (known: {', '.join(FORMATS)})")
    with staged_directory(out_dir) as staging:
        if "csv" in formats:
            for name, table in _tables(results, xlsx=False).items():
                write_csv(staging / name, table.header, table.rows, bom=True)
        if "xlsx" in formats:
            write_xlsx(staging / "results.xlsx", list(_tables(results, xlsx=True).values()))
        if "html" in formats:
            write_text_atomically(staging / "results.html", render_html(results, prior_given))
        names = sorted(p.name for p in staging.iterdir())
    return [out_dir / name for name in names]
