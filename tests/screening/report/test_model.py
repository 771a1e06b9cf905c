from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening.report import build_report
from screening.report.model import covered_counts
from screening.result import ResultFormatError
from tests.screening.report.factory import make_result, span_of


def test_figures_are_those_of_the_result_with_bilingual_labels() -> None:
    result = make_result()
    report = build_report(result)
    shown = {f.key: f for f in report.figures}
    assert shown["total_copy_ratio"].text == "18.2%"
    assert shown["total_copy_ratio"].label == "总文字复制比 Total copy ratio"
    assert shown["copy_ratio_excluding_quotes"].text == "15.1%"
    assert shown["copy_ratio_excluding_own"].label.startswith("去除本人文献复制比")
    assert shown["max_single_source_ratio"].value == pytest.approx(0.092)
    assert shown["repeated_characters"].value == 57
    assert shown["total_characters"].value == result["thesis"]["characters"]
    assert shown["max_single_source_characters"].value == 40


def test_sources_are_numbered_by_share_and_unknown_sources_are_appended() -> None:
    result = make_result()
    result["sources"].reverse()
    report = build_report(result)
    assert [s.id for s in report.sources] == ["src-cnn", "src-batch", "src-own", "src-excluded"]
    assert [s.number for s in report.sources] == [1, 2, 3, 4]
    assert report.sources[0].classes == {
        "identical": 1,
        "minor_changes": 0,
        "paraphrase": 1,
        "translated": 0,
    }
    assert report.sources[1].origin.startswith("同批论文")
    unknown = report.sources[3]
    assert unknown.passages == 1
    # its only passage is excluded, so it contributes no counted characters
    assert unknown.characters == 0 and unknown.share == 0.0


def test_passages_are_numbered_per_source_in_reading_order_and_classified() -> None:
    report = build_report(make_result())
    by_label = {p.label: p for p in report.passages}
    assert set(by_label) == {"1-1", "1-2", "2-1", "3-1", "4-1"}
    assert by_label["1-1"].thesis_start < by_label["1-2"].thesis_start
    assert by_label["1-1"].display_class == "identical"
    assert by_label["1-2"].display_class == "paraphrase"
    assert by_label["3-1"].display_class == "minor_changes"
    assert by_label["2-1"].display_class == "quote" and not by_label["2-1"].counted
    assert by_label["4-1"].display_class == "excluded"
    text = make_result()["thesis"]["text"]
    for p in report.passages:
        assert p.thesis_text == text[p.thesis_start : p.thesis_end]


def test_exclusions_count_passages_and_characters_per_reason() -> None:
    report = build_report(make_result())
    rows = {name: (n, chars) for name, n, chars in report.exclusions}
    assert rows["引用 Quotation"] == (1, len("原型网络以类别均值作为原型。"))
    assert rows["已排除来源 Excluded source"] == (1, len("本文研究小样本条件下的图像分类问题"))


def test_page_is_derived_from_page_starts_when_missing() -> None:
    result = make_result()
    for p in result["passages"]:
        del p["page"]
    report = build_report(result)
    assert {p.label: p.page for p in report.passages} == {
        "1-1": 2,
        "1-2": 4,
        "2-1": 3,
        "3-1": 3,
        "4-1": 2,
    }


def test_chapter_ratios_are_computed_from_counted_passages_when_not_given() -> None:
    result = make_result()
    report = build_report(result)
    text = result["thesis"]["text"]
    chapters = {c.title: c for c in report.chapters}
    assert set(chapters) == {"第1章 引言", "第2章 相关工作", "第3章 方法"}
    first = chapters["第1章 引言"]
    start, end = span_of(
        text, "深度学习在图像识别领域取得了显著进展，卷积神经网络已经成为主流方法。"
    )
    assert first.repeated_characters == end - start  # the excluded-source passage is not counted
    assert first.ratio == pytest.approx((end - start) / first.characters)
    second = chapters["第2章 相关工作"]
    start, end = span_of(text, "元学习方法通过在多个任务上训练模型，使其能够快速适应新任务。")
    assert second.repeated_characters == end - start  # the quotation is not counted


def test_chapter_figures_from_the_result_win() -> None:
    result = make_result()
    result["figures"]["per_chapter"] = [
        {
            "title": "第1章 引言",
            "kind": "chapter",
            "start": 0,
            "end": 10,
            "characters": 10,
            "repeated_characters": 3,
            "ratio": 0.3,
        },
    ]
    (chapter,) = build_report(result).chapters
    assert (chapter.characters, chapter.repeated_characters, chapter.ratio) == (10, 3, 0.3)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["figures"].pop("total_copy_ratio"), "figures.total_copy_ratio: missing"),
        (lambda r: r["figures"].update(total_copy_ratio=1.5), "figures.total_copy_ratio"),
        (lambda r: r.pop("flag"), "flag: missing"),
        (lambda r: r["passages"][1].update(thesis_end=10**6), "passages[1].thesis_end"),
        (lambda r: r["passages"][0].update(thesis_end=0), "passages[0].thesis_end"),
        (lambda r: r["passages"][2].update({"class": "copied"}), "passages[2].class"),
        (lambda r: r["passages"][0].pop("source_id"), "passages[0].source_id: missing"),
        (lambda r: r["sources"][1].update(share="big"), "sources[1].share"),
        (lambda r: r["sources"][1].update(id="src-cnn"), "sources[1].id: duplicate"),
        (lambda r: r["thesis"].update(page_starts=[0, 50, 10]), "thesis.page_starts"),
        (lambda r: r["thesis"]["sections"][1].update(end=10**6), "thesis.sections[1]"),
    ],
)
def test_bad_results_are_refused_naming_the_field(mutate, message: str) -> None:
    result = make_result()
    mutate(result)
    with pytest.raises(ResultFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        build_report(result)


def test_a_result_without_text_still_gives_a_report() -> None:
    result = make_result()
    del result["thesis"]["text"]
    report = build_report(result)
    assert report.text is None
    assert all(p.thesis_text == "" for p in report.passages)


spans = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=12)


@given(spans)
def test_covered_counts_agrees_with_a_character_by_character_count(pairs) -> None:
    length = 60
    covered = np.zeros(length, dtype=bool)
    for start, end in pairs:
        covered[start:end] = True
    prefix = covered_counts(length, pairs)
    assert prefix[-1] == covered.sum()
    assert list(prefix[1:]) == list(np.cumsum(covered))
