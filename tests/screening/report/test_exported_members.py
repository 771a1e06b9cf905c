"""The public surface of `screening.report` is pinned exactly."""

from __future__ import annotations

import screening.report


def test_exported_members_are_pinned() -> None:
    assert set(screening.report.__all__) == {
        "BatchSummaryFiles", "ReportInputError", "ThesisReport", "build_report",
        "render_thesis_report", "write_batch_summary", "write_thesis_report",
    }  # fmt: skip
    for name in screening.report.__all__:
        assert getattr(screening.report, name) is not None, name
