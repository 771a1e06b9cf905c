"""End-to-end: the report in headless Chromium (the system's, never a downloaded one)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest

from screening.report import build_report, write_batch_summary, write_thesis_report
from screening.report.model import format_ratio
from tests.screening.crosslingual_texts import EN_PASSAGE, ZH_PASSAGE
from tests.screening.report.factory import make_result, with_translated_passage

pytestmark = pytest.mark.browser

VIEWS = ("summary", "sources", "chapters", "fulltext", "side-by-side", "settings")


@pytest.fixture()
def page(chromium):
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.requests = requests
    yield page
    context.close()


def _open(page, tmp_path: Path, result: dict, **kwargs) -> Path:
    path = write_thesis_report(result, tmp_path / "report.html", **kwargs)
    page.goto(path.as_uri())
    return path


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_report_in_the_browser_matches_the_json(page, tmp_path: Path) -> None:
    result = make_result()
    _open(page, tmp_path, result)
    assert all(url.startswith("file://") for url in page.requests), page.requests

    figures = result["figures"]
    for key in ("total_copy_ratio", "copy_ratio_excluding_quotes", "copy_ratio_excluding_own"):
        shown = page.locator(f'.figure[data-key="{key}"] .value').inner_text()
        assert shown == format_ratio(figures[key])
    assert page.locator('.figure[data-key="repeated_characters"] .value').inner_text() == "57"
    assert "需人工复核 Needs review" in page.locator("#flag").inner_text()

    rows = page.locator("tr.src")
    titles = [t.strip() for t in rows.locator("a.src-title").all_inner_texts()]
    by_share = sorted(result["sources"], key=lambda s: -s["share"])
    assert titles[:3] == [s["title"] for s in by_share]
    shares = rows.locator("td.share").all_inner_texts()
    assert [s.strip() for s in shares[:3]] == [format_ratio(s["share"]) for s in by_share]

    identical = page.locator("#text mark.c-identical").first
    assert identical.evaluate("e => getComputedStyle(e).backgroundColor") == _rgb("#ffcdd2")
    quote = page.locator("#text mark.c-quote").first
    assert quote.evaluate("e => getComputedStyle(e).backgroundColor") == _rgb("#fff59d")
    assert page.locator("#text a.lbl").count() == len(result["passages"])
    assert page.locator(".pgb").count() == len(result["thesis"]["page_starts"])

    pairs = page.locator("article.pair")
    assert pairs.count() == len(result["passages"])
    text = result["thesis"]["text"]
    report = build_report(result)
    for passage in report.passages:
        pair = page.locator(f'article[id="sbs-{passage.label}"]')
        thesis_side = pair.locator(".side.thesis .txt").text_content()
        assert thesis_side == text[passage.thesis_start : passage.thesis_end]
        source_side = pair.locator(".side.source .txt").text_content()
        assert source_side == passage.source_text
    assert page.locator('article[id="sbs-3-1"] .side.thesis .d').count() > 0

    # clicking a passage label in the text jumps to its side-by-side pair
    page.locator('a[id="ft-1-2"]').click()
    assert page.evaluate("location.hash") == "#sbs-1-2"

    for view in VIEWS:
        shot = tmp_path / f"view-{view}.png"
        section = page.locator(f"section#{view}")
        section.scroll_into_view_if_needed()
        section.screenshot(path=str(shot))
        assert shot.stat().st_size > 5_000, view


def test_translated_passage_side_by_side_with_matched_words(page, tmp_path: Path) -> None:
    result = with_translated_passage(make_result(), ZH_PASSAGE, EN_PASSAGE)
    _open(page, tmp_path, result)
    [label] = [p.label for p in build_report(result).passages if p.match_class == "translated"]
    pair = page.locator(f'article[id="sbs-{label}"]')
    assert pair.get_attribute("class") == "pair c-translated"
    border = pair.evaluate("e => getComputedStyle(e).borderLeftColor")
    assert border == _rgb("#00695c")
    header = " ".join(pair.locator("header").text_content().split())
    assert "跨语言 Translated" in header and "来源语言 Source language: 英文 English" in header
    # Both sides show their own language, with the words the dictionary matches highlighted.
    assert pair.locator(".side.thesis .txt").text_content() == ZH_PASSAGE
    assert pair.locator(".side.source .txt").text_content() == EN_PASSAGE
    thesis_words = pair.locator(".side.thesis .m").all_text_contents()
    source_words = pair.locator(".side.source .m").all_text_contents()
    assert "土壤" in thesis_words and "Soil" in source_words and "nitrogen" in source_words
    assert pair.locator(".side.source .d").count() == 0
    mark = page.locator("#text mark.c-translated").first
    assert mark.evaluate("e => getComputedStyle(e).backgroundColor") == _rgb("#b2dfdb")
    shown = page.locator('.figure[data-key="translated_copy_ratio"] .value').text_content()
    assert shown == format_ratio(result["figures"]["translated_copy_ratio"])


def test_filtering_by_a_source(page, tmp_path: Path) -> None:
    _open(page, tmp_path, make_result())
    page.locator('button.flt[data-s="1"]').click()
    assert "1. 卷积神经网络综述" in page.locator("#filterbar").inner_text()
    assert page.locator(".sbs-group:visible").count() == 1
    assert page.locator(".sbs-group:visible").get_attribute("data-s") == "1"
    other = page.locator('#text mark[data-s=" 3 "]').first
    assert other.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    kept = page.locator('#text mark[data-s=" 1 "]').first
    assert kept.evaluate("e => getComputedStyle(e).backgroundColor") == _rgb("#ffcdd2")
    page.screenshot(path=str(tmp_path / "view-filtered.png"))
    page.locator("#filter-clear").click()
    assert page.locator(".sbs-group:visible").count() == 4
    assert other.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"


def test_readable_without_javascript(chromium, tmp_path: Path) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    _open(page, tmp_path, make_result())
    assert page.locator("article.pair:visible").count() == 5
    assert page.locator("button.flt:visible").count() == 0
    first_page = page.locator("#text .pgb").first
    assert first_page.is_visible()
    assert "深度学习在图像识别领域" in page.locator("#text").text_content()
    page.locator("#side-by-side").screenshot(path=str(tmp_path / "view-no-script.png"))
    context.close()


def test_prints_to_pdf_with_every_passage(page, tmp_path: Path) -> None:
    from pdfminer.high_level import extract_text_to_fp

    _open(page, tmp_path, make_result())
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.read_bytes().startswith(b"%PDF")
    out = StringIO()
    with pdf.open("rb") as handle:
        extract_text_to_fp(handle, out)
    printed = "".join(out.getvalue().split())
    assert "总文字复制比" in printed and "片段对照" in printed
    assert "作者李明华在特征空间里学习自适应距离度量" in printed  # last side-by-side pair
    assert "感谢导师王建国教授的悉心指导" in printed  # end of the full text


def test_batch_overview_links_open_the_reports(page, tmp_path: Path) -> None:
    result = make_result()
    write_thesis_report(result, tmp_path / "t.html")
    files = write_batch_summary([result], tmp_path, report_links={"T2025-0042": "t.html"})
    page.goto(files.html.as_uri())
    assert page.locator("#theses tbody tr").count() == 1
    page.locator("a.report-link").click()
    page.wait_for_url("**/t.html")
    assert page.locator("#heading").inner_text() == result["thesis"]["metadata"]["title"]
