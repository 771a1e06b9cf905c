"""Re-inspection (复查): did the problem rate of each re-inspected institution move?

The institutions re-inspected in a year are those whose sampling rate next year's plan
raised after the year before (`NextYearPlan.adjustments` that raise). For each, the report
gives both years' sampled and problem theses and design-weighted problem rates with 95%
intervals, and whether the rate moved — up or down only when the two intervals do not
overlap (`review.history_view.rate_change`, the same rule as the multi-year view). Written
as CSV, XLSX and a self-contained HTML page beside the year's published results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from exports import Table, staged_directory, write_csv, write_text_atomically, write_xlsx
from exports.tables import Cell
from review.history_view import rate_change
from review.institution_history import YearRecord
from review.next_year import NextYearPlan
from review.results import GroupResult, Results
from sampler.estimate import RateEstimate

NOT_SAMPLED = "未抽到 not sampled"
REINSPECTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("institution", "学位授予单位"),
    ("reason", "复查原因"),
    ("multiplier", "倍数"),
    ("previous_year", "上年"),
    ("previous_sampled", "上年抽检数"),
    ("previous_problems", "上年问题论文数"),
    ("previous_estimate", "上年问题率"),
    ("previous_ci_low", "上年区间下限"),
    ("previous_ci_high", "上年区间上限"),
    ("current_year", "本年"),
    ("current_sampled", "本年抽检数"),
    ("current_problems", "本年问题论文数"),
    ("current_estimate", "本年问题率"),
    ("current_ci_low", "本年区间下限"),
    ("current_ci_high", "本年区间上限"),
    ("change", "变化"),
)


@dataclass(frozen=True)
class YearFigures:
    """One institution's counts and rate in one year (`rate` None when not estimable)."""

    year: int
    sampled: int
    problems: int
    rate: RateEstimate | None


@dataclass(frozen=True)
class ReinspectionRow:
    institution: str
    reason: str
    multiplier: float
    previous: YearFigures | None
    current: YearFigures | None
    change: str


def _figures(year: int, group: GroupResult | None) -> YearFigures | None:
    if group is None:
        return None
    return YearFigures(year, group.sampled, group.problems, group.rate)


def _record(figures: YearFigures) -> YearRecord:
    return YearRecord(figures.year, figures.problems, figures.sampled, None, figures.rate)


def reinspection_rows(
    plan: NextYearPlan, previous: Results, current: Results
) -> list[ReinspectionRow]:
    """One row per institution the plan raised, in the plan's order (by institution)."""
    before = {g.group: g for g in previous.by("institution")}
    after = {g.group: g for g in current.by("institution")}
    rows = []
    for adjustment in plan.adjustments:
        if not adjustment.raises:
            continue
        name = adjustment.institution
        old = _figures(previous.year, before.get(name))
        new = _figures(current.year, after.get(name))
        if new is None:
            change = NOT_SAMPLED
        elif old is None:
            change = ""
        else:
            change = rate_change(_record(old), _record(new))
        rows.append(
            ReinspectionRow(name, adjustment.reason, float(adjustment.multiplier), old, new, change)
        )
    return rows


def _cells(figures: YearFigures | None) -> list[Cell]:
    if figures is None:
        return [None] * 6
    rate = figures.rate
    return [
        figures.year,
        figures.sampled,
        figures.problems,
        rate.estimate if rate else None,
        rate.ci_low if rate else None,
        rate.ci_high if rate else None,
    ]


def reinspection_table(rows: Sequence[ReinspectionRow], *, bilingual: bool = False) -> Table:
    """The rows as one table; `bilingual` headers (中文 english) for the workbook."""
    header = [f"{zh} {name}" if bilingual else name for name, zh in REINSPECTION_COLUMNS]
    rates = {i for i, (name, _) in enumerate(REINSPECTION_COLUMNS) if "estimate" in name}
    rates |= {i for i, (name, _) in enumerate(REINSPECTION_COLUMNS) if "_ci_" in name}
    return Table(
        header,
        [
            [
                r.institution,
                r.reason,
                r.multiplier,
                *_cells(r.previous),
                *_cells(r.current),
                r.change,
            ]
            for r in rows
        ],  # fmt: skip
        title="复查 Re-inspection",
        number_formats={i: "0.0%" for i in rates},
        widths={0: 22, 1: 40, 15: 20},
        auto_filter=True,
    )


def _rate_text(figures: YearFigures | None) -> str:
    if figures is None or figures.rate is None:
        return "—"
    rate = figures.rate
    return f"{rate.estimate:.1%} ({rate.ci_low:.1%}–{rate.ci_high:.1%})"


def _counts_text(figures: YearFigures | None) -> str:
    return "—" if figures is None else f"{figures.sampled} / {figures.problems}"


def _css(change: str) -> str:
    return "up" if change.startswith("上升") else "down" if change.startswith("下降") else ""


def change_counts(rows: Sequence[ReinspectionRow]) -> dict[str, int]:
    """How many re-inspected institutions went up, down, stayed, or were not sampled."""
    return {
        "up": sum(1 for r in rows if r.change.startswith("上升")),
        "down": sum(1 for r in rows if r.change.startswith("下降")),
        "same": sum(1 for r in rows if r.change.startswith("无明显变化")),
        "absent": sum(1 for r in rows if r.change == NOT_SAMPLED),
    }


def render_reinspection_html(
    rows: Sequence[ReinspectionRow], previous_year: int, current_year: int
) -> str:
    """The self-contained page (no scripts, no network requests)."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("review", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("reinspection.html.j2").render(
        previous_year=previous_year,
        current_year=current_year,
        counts=change_counts(rows),
        rows=[
            {
                "institution": r.institution,
                "reason": r.reason,
                "multiplier": f"{r.multiplier:g}",
                "previous_counts": _counts_text(r.previous),
                "previous_rate": _rate_text(r.previous),
                "current_counts": _counts_text(r.current),
                "current_rate": _rate_text(r.current),
                "change": r.change or "—",
                "css": _css(r.change),
            }
            for r in rows
        ],
    )


def reinspection_text(rows: Sequence[ReinspectionRow]) -> str:
    """A plain-text table for terminals (the CLI and the demo print it)."""
    lines = []
    for r in rows:
        lines.append(
            f"  {r.institution} ×{r.multiplier:g}: {_rate_text(r.previous)} → "
            f"{_rate_text(r.current)}  {r.change or '—'}"
        )
    counts = change_counts(rows)
    lines.append(
        f"  上升 up {counts['up']} · 下降 down {counts['down']} · 无明显变化 no clear change "
        f"{counts['same']} · 未抽到 not sampled {counts['absent']}"
    )
    return "\n".join(lines)


def write_reinspection(
    rows: Sequence[ReinspectionRow], out_dir: Path | str, previous_year: int, current_year: int
) -> list[Path]:
    """Writes reinspection.csv, .xlsx and .html into `out_dir`, together or not at all."""
    out_dir = Path(out_dir)
    with staged_directory(out_dir, durable=True) as staging:
        table = reinspection_table(rows)
        write_csv(staging / "reinspection.csv", table.header, table.rows, bom=True)
        write_xlsx(staging / "reinspection.xlsx", [reinspection_table(rows, bilingual=True)])
        page = render_reinspection_html(rows, previous_year, current_year)
        write_text_atomically(staging / "reinspection.html", page)
        names = sorted(p.name for p in staging.iterdir())
    return [out_dir / name for name in names]
