"""Flag reports: the self-contained HTML thesis report and the batch summary for the degree office.

ResultFormatError (screening.result, a ValueError): a result lacks a field or holds a wrong
  type; `.field` names it.
  └─ ReportInputError: a value the report cannot show (an offset beyond the thesis text).
"""

from __future__ import annotations

from screening.report.batch import BatchSummaryFiles, write_batch_summary
from screening.report.html import render_thesis_report, write_thesis_report
from screening.report.model import ReportInputError, ThesisReport, build_report

__all__ = [
    "BatchSummaryFiles",
    "ReportInputError",
    "ThesisReport",
    "build_report",
    "render_thesis_report",
    "write_batch_summary",
    "write_thesis_report",
]
