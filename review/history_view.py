"""The multi-year view per institution: years sampled, problem theses, rates with
intervals, allegations and rectification status, as rows and as an HTML page whose
charts are inline SVG (no scripts, no network requests)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape

import jinja2
from markupsafe import Markup

from review.allegations import Allegation, AllegationState
from review.institution_history import InstitutionHistory, YearRecord
from review.rectification import RectificationItem, institution_status

_COUNTED = (AllegationState.ACCEPTED, AllegationState.FOLLOW_UP, AllegationState.CLOSED)


@dataclass(frozen=True)
class HistoryRow:
    """One institution in one year (None where only a problem count is known)."""

    institution: str
    year: int
    sampled: int | None
    problems: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    misconduct: int
    allegations: int
    rectification: str
    change: str = ""


def history_rows(
    histories: Mapping[str, InstitutionHistory],
    allegations: Iterable[Allegation] = (),
    rectification: Iterable[RectificationItem] = (),
) -> list[HistoryRow]:
    """Rows by institution then year; allegations count accepted ones by year received."""
    counted: Counter[tuple[str, int]] = Counter(
        (a.report.institution, a.received_on.year) for a in allegations if a.state in _COUNTED
    )
    items = tuple(rectification)
    rows = []
    for institution, history in sorted(histories.items()):
        previous: YearRecord | None = None
        for record in history.records:
            rate = record.rate
            change = rate_change(previous, record)
            previous = record
            rows.append(
                HistoryRow(
                    institution=institution,
                    year=record.year,
                    sampled=record.sampled,
                    problems=record.problems,
                    estimate=rate.estimate if rate else None,
                    ci_low=rate.ci_low if rate else None,
                    ci_high=rate.ci_high if rate else None,
                    misconduct=record.misconduct,
                    allegations=counted[(institution, record.year)],
                    rectification=institution_status(items, institution, record.year),
                    change=change,
                )
            )
    return rows


def rate_change(previous: YearRecord | None, current: YearRecord) -> str:
    """Whether the problem rate moved since the previous sampled year (复查): only when the
    two 95% intervals do not overlap is it called up or down."""
    if previous is None or previous.rate is None or current.rate is None:
        return ""
    if previous.year != current.year - 1:
        return ""
    if current.rate.ci_low > previous.rate.ci_high:
        return "上升 up"
    if current.rate.ci_high < previous.rate.ci_low:
        return "下降 down"
    return "无明显变化 no clear change"


def rate_chart_svg(rows: list[HistoryRow], width: int = 520, height: int = 200) -> str:
    """Estimated problem rate per year with its 95% interval; years without an estimate
    show their problem count only."""
    years = [row.year for row in rows]
    if not years:
        return ""
    left, right, top, bottom = 56, 16, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max([r.ci_high for r in rows if r.ci_high is not None] + [0.05])
    ceiling = min(1.0, (int(highest * 20) + 1) / 20)
    step = plot_w / max(len(years), 1)

    def x(index: int) -> float:
        return left + step * (index + 0.5)

    def y(value: float) -> float:
        return top + plot_h * (1 - value / ceiling)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        'aria-label="问题率及95%区间 problem rate with 95% interval">',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#888"/>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#888"/>',
    ]
    for tick in range(5):
        value = ceiling * tick / 4
        parts.append(
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" font-size="11" text-anchor="end">'
            f"{value * 100:.0f}%</text>"
        )
        parts.append(
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{left + plot_w}" y2="{y(value):.1f}" '
            'stroke="#eee"/>'
        )
    for index, row in enumerate(rows):
        cx = x(index)
        parts.append(
            f'<text x="{cx:.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle">'
            f"{row.year}</text>"
        )
        if row.estimate is None or row.ci_low is None or row.ci_high is None:
            parts.append(
                f'<text x="{cx:.1f}" y="{top + plot_h - 6}" font-size="10" text-anchor="middle" '
                f'fill="#666">{row.problems} 篇</text>'
            )
            continue
        parts.append(
            f'<line x1="{cx:.1f}" y1="{y(row.ci_low):.1f}" x2="{cx:.1f}" '
            f'y2="{y(row.ci_high):.1f}" stroke="#8b0000" stroke-width="2"/>'
        )
        for end in (row.ci_low, row.ci_high):
            parts.append(
                f'<line x1="{cx - 6:.1f}" y1="{y(end):.1f}" x2="{cx + 6:.1f}" y2="{y(end):.1f}" '
                'stroke="#8b0000"/>'
            )
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{y(row.estimate):.1f}" r="4" fill="#8b0000">'
            f"<title>{row.year}: {escape(f'{row.estimate * 100:.1f}%')} "
            f"({row.problems}/{row.sampled})</title></circle>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" font-size="11" '
        'text-anchor="middle" fill="#444">年度 year</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def render_history_html(rows: list[HistoryRow], title_years: str) -> str:
    """The multi-year page: one section per institution with its chart and table."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("review", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    sections: dict[str, list[HistoryRow]] = {}
    for row in rows:
        sections.setdefault(row.institution, []).append(row)
    return environment.get_template("history.html.j2").render(
        years=title_years,
        sections=[
            {
                "institution": institution,
                "chart": Markup(rate_chart_svg(own)),
                "rows": [
                    {
                        "year": r.year,
                        "sampled": "—" if r.sampled is None else r.sampled,
                        "problems": r.problems,
                        "estimate": _percent(r.estimate),
                        "interval": "—"
                        if r.ci_low is None
                        else f"{_percent(r.ci_low)} – {_percent(r.ci_high)}",
                        "misconduct": r.misconduct,
                        "allegations": r.allegations,
                        "rectification": r.rectification or "—",
                        "change": r.change or "—",
                    }
                    for r in own
                ],
            }
            for institution, own in sections.items()
        ],
    )
