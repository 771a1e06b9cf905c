"""The self-contained HTML thesis report (Jinja2, autoescaped; CSS, SVG and script inline)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from exports import write_text_atomically
from screening.report import labels
from screening.report.chart import chapter_chart
from screening.report.diff import diff_passages, translated_passages
from screening.report.fulltext import render_full_text
from screening.report.model import build_report, format_count, format_ratio
from screening.result import ScreeningResult


@lru_cache(maxsize=1)
def report_environment() -> Environment:
    """The Jinja2 environment for all report templates (autoescape on for everything)."""
    env = Environment(
        loader=PackageLoader("screening.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ratio"] = format_ratio
    env.filters["count"] = format_count
    env.globals["labels"] = labels
    return env


def render_thesis_report(
    result: ScreeningResult | Mapping[str, Any],
    *,
    blind: bool = False,
    names: Iterable[str] = (),
    generated_at: datetime | None = None,
    key: bytes | None = None,
    blind_id: str | None = None,
) -> str:
    """The whole thesis report as one self-contained HTML document.

    In blind mode the names in `names` and in the result's metadata are masked everywhere
    and author, supervisor, institution and file names are left out.
    """
    report = build_report(
        result, blind=blind, names=names, generated_at=generated_at, key=key, blind_id=blind_id
    )
    full_text = (
        render_full_text(report.text, report.passages, report.page_starts, report.sections)
        if report.text
        else None
    )
    diffs = {
        p.label: (translated_passages if p.match_class == "translated" else diff_passages)(
            p.thesis_text, p.source_text
        )
        for p in report.passages
        if p.source_text is not None and p.thesis_text
    }
    template = report_environment().get_template("thesis.html.j2")
    return template.render(
        report=report,
        full_text=full_text,
        diffs=diffs,
        chart=chapter_chart(report.chapters),
    )


def write_thesis_report(
    result: ScreeningResult | Mapping[str, Any],
    path: Path,
    *,
    blind: bool = False,
    names: Iterable[str] = (),
    key: bytes | None = None,
) -> Path:
    """Renders the report and writes it to `path` atomically (UTF-8)."""
    html = render_thesis_report(result, blind=blind, names=names, key=key)
    return write_text_atomically(Path(path), html)
