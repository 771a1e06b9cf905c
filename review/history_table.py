"""The multi-year view as files: the HTML page beside a CSV and an XLSX of the same rows.

One row per institution × year (`review.history_view.history_rows`). The CSV keeps the
English column names and full-precision rates (for other programs); the workbook has
bilingual headers and percent-formatted rates (for people). Every file goes through the
one table writer in `exports` (formula guard) and all of them appear together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from exports import Table, staged_directory, write_csv, write_text_atomically, write_xlsx
from exports.tables import Cell
from review.allegations import Allegation
from review.cycle import ReviewCycle
from review.follow_up_store import FollowUpRecords
from review.history_view import HistoryRow, history_rows, render_history_html
from review.institution_history import build_histories, misconduct_by_institution
from review.rectification import RectificationItem
from review.results import Results, compute_results

HISTORY_FORMATS = ("html", "csv", "xlsx")
HISTORY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("institution", "学位授予单位"),
    ("year", "年度"),
    ("sampled", "抽检论文数"),
    ("problems", "存在问题学位论文数"),
    ("estimate", "估计问题率"),
    ("ci_low", "95%区间下限"),
    ("ci_high", "95%区间上限"),
    ("change", "较上年变化"),
    ("misconduct", "认定学术不端"),
    ("allegations", "受理举报"),
    ("rectification", "整改状态"),
)
_RATES = frozenset({"estimate", "ci_low", "ci_high"})


@dataclass(frozen=True)
class SpotCheckYear:
    """One year's review cycle and follow-up records (a year's review workspace)."""

    year: int
    cycle: ReviewCycle
    records: FollowUpRecords


def multi_year_rows(
    years: Sequence[SpotCheckYear], prior: Mapping[tuple[int, str], int] | None = None
) -> list[HistoryRow]:
    """The multi-year view's rows from several years' workspaces and earlier problem counts:
    each year's results and misconduct findings; allegations and rectification of all."""
    results: list[Results] = []
    misconduct: dict[tuple[int, str], int] = {}
    allegations: list[Allegation] = []
    rectification: list[RectificationItem] = []
    for item in years:
        results.append(compute_results(item.cycle, item.year))
        found = misconduct_by_institution(item.cycle, item.records.allegations)
        misconduct.update({(item.year, name): n for name, n in found.items()})
        allegations += item.records.allegations
        rectification += item.records.rectification
    histories = build_histories(results, dict(prior or {}), misconduct)
    return history_rows(histories, allegations, rectification)


def year_span(rows: Sequence[HistoryRow]) -> str:
    """The years the rows cover, as the page's title shows them (2024–2025)."""
    years = sorted({r.year for r in rows})
    return f"{years[0]}–{years[-1]}" if years else ""


def _cells(row: HistoryRow) -> list[Cell]:
    return [
        row.institution,
        row.year,
        row.sampled,
        row.problems,
        row.estimate,
        row.ci_low,
        row.ci_high,
        row.change,
        row.misconduct,
        row.allegations,
        row.rectification,
    ]


def history_table(rows: Sequence[HistoryRow], *, bilingual: bool = False) -> Table:
    """The rows as one table; `bilingual` headers (中文 english) for the workbook."""
    header = [f"{zh} {name}" if bilingual else name for name, zh in HISTORY_COLUMNS]
    percent = {i: "0.0%" for i, (name, _) in enumerate(HISTORY_COLUMNS) if name in _RATES}
    return Table(
        header,
        [_cells(row) for row in rows],
        title="多年度 Multi-year",
        number_formats=percent,
        widths={0: 24, 7: 18, 10: 28},
        auto_filter=True,
    )


def write_history(
    rows: Sequence[HistoryRow],
    html_path: Path | str,
    title_years: str,
    formats: Sequence[str] = HISTORY_FORMATS,
) -> list[Path]:
    """Writes the page to `html_path` and the CSV/XLSX beside it (same name, other suffix);
    nothing is replaced unless every file was written."""
    unknown = sorted(set(formats) - set(HISTORY_FORMATS))
    if unknown or not formats:
        raise ValueError(
            f"unknown format(s) {', '.join(unknown) or '(none)'} "
            f"(known: {', '.join(HISTORY_FORMATS)})"
        )
    html_path = Path(html_path)
    stem = html_path.stem
    with staged_directory(html_path.parent, durable=True) as staging:
        if "html" in formats:
            write_text_atomically(
                staging / html_path.name, render_history_html(list(rows), title_years)
            )
        if "csv" in formats:
            table = history_table(rows)
            write_csv(staging / f"{stem}.csv", table.header, table.rows, bom=True)
        if "xlsx" in formats:
            write_xlsx(staging / f"{stem}.xlsx", [history_table(rows, bilingual=True)])
        names = sorted(p.name for p in staging.iterdir())
    return [html_path.parent / name for name in names]
