from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import screening.report as report_package
from screening.report import ReportInputError, render_thesis_report, write_thesis_report
from screening.result import ResultFormatError
from tests.screening.report.factory import make_result


def test_public_surface_is_pinned() -> None:
    assert set(report_package.__all__) == {
        "BatchSummaryFiles",
        "ReportInputError",
        "ThesisReport",
        "build_report",
        "render_thesis_report",
        "write_batch_summary",
        "write_thesis_report",
    }


def test_the_report_carries_figures_flag_sources_and_settings() -> None:
    html = render_thesis_report(make_result())
    for text in (
        "总文字复制比 Total copy ratio",
        "18.2%",
        "去除引用文献复制比",
        "15.1%",
        "去除本人文献复制比",
        "16.0%",
        "单篇最大文字复制比",
        "9.2%",
        "重复字数 Repeated characters",
        "需人工复核 Needs review",
        "Total copy ratio 18.2% is above 15%",
        "卷积神经网络综述",
        "比对库快照 Corpus snapshot",
        "2026-11-01T00:00:00Z#1200",
        "spotcheck 0.1.0",
        "排除引用 Exclude quotations",
        "需复核：扣除排除项后复制比 ≥ Needs review: copy ratio ≥",
        "章节规则最少字数 Chapter rule: minimum characters",
        "1,000",
        "扣除全部排除项后复制比 Copy ratio after all exclusions",
        "学位授予单位 Institution",
        "0812",
        "硕士 Master",
        "学术学位 Academic",
    ):
        assert text in html, text
    assert html.count('<article class="pair') == len(make_result()["passages"])
    assert html.count('<tr class="src"') == 4


def test_user_text_is_escaped_everywhere() -> None:
    result = make_result()
    result["sources"][0]["title"] = '<img src=x onerror="alert(1)">'
    result["flag"]["reasons"].append("<script>steal()</script>")
    html = render_thesis_report(result)
    assert "<script>alert(1)</script>" not in html
    assert "<script>steal()" not in html and "&lt;script&gt;steal()" in html
    assert "<img src=x" not in html
    assert html.count("<script>") == 1  # only the report's own inline script


def test_no_external_resources_are_referenced() -> None:
    html = render_thesis_report(make_result())
    assert "default-src 'none'" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html)
    links = re.findall(r'href="([^"]*)"', html)
    assert links and all(link.startswith("#") for link in links)


def test_a_thesis_that_could_not_be_screened_gets_a_report_saying_so() -> None:
    result = make_result(figures=None, sources=[], passages=[])
    result["thesis"].update(status="encrypted", reason="PDF 已加密 the PDF is encrypted", text="")
    result["flag"] = {"level": "needs_review", "reasons": ["论文无法检测 could not be screened"]}
    html = render_thesis_report(result)
    assert "论文无法检测 The thesis could not be screened: encrypted" in html
    assert "the PDF is encrypted" in html
    assert 'class="figure' not in html


def test_missing_figures_of_a_readable_thesis_are_an_error() -> None:
    with pytest.raises(ReportInputError, match="^figures: missing"):
        render_thesis_report(make_result(figures=None))


def test_generated_at_is_recorded() -> None:
    when = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    assert "2026-11-27T09:30:00+00:00" in render_thesis_report(make_result(), generated_at=when)


def test_no_sources_no_passages_and_no_text_still_render() -> None:
    result = make_result(sources=[], passages=[])
    del result["thesis"]["text"]
    html = render_thesis_report(result)
    assert "No matching sources were found" in html
    assert "The result does not include the thesis text" in html


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.html"
    assert write_thesis_report(make_result(), target) == target
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    before = target.read_bytes()
    broken = make_result()
    del broken["figures"]["total_copy_ratio"]
    with pytest.raises(ResultFormatError, match="figures.total_copy_ratio: missing"):
        write_thesis_report(broken, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]
