"""Measures on character masks: each character counts once; exclusions as documented."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from screening.measure import (
    Match,
    Regions,
    classify_exclusion,
    compute_figures,
    countable_mask,
    sentence_spans_with,
    span_mask,
)


def regions(n: int, *, quotes=(), refs=(), template=(), spaces=()) -> Regions:
    countable = ~span_mask(n, spaces)
    return Regions(countable, span_mask(n, quotes), span_mask(n, refs), span_mask(n, template))


@given(st.integers(0, 300), st.lists(st.tuples(st.integers(-5, 320), st.integers(-5, 320))))
def test_span_mask_matches_a_plain_loop(n: int, spans: list[tuple[int, int]]) -> None:
    expected = np.zeros(n, dtype=bool)
    for a, b in spans:
        for i in range(max(a, 0), min(b, n)):
            expected[i] = True
    assert span_mask(n, spans).tolist() == expected.tolist()


def test_countable_characters_exclude_whitespace() -> None:
    assert countable_mask("研 究\n\u3000a").tolist() == [True, False, True, False, False, True]


def test_overlapping_sources_count_each_character_once() -> None:
    r = regions(1000)
    matches = [Match(0, 100, "a"), Match(50, 150, "b"), Match(500, 600, "a")]
    f = compute_figures(r, matches)
    assert f.repeated_characters == 250
    assert f.total_copy_ratio == 0.25
    assert f.source_characters == {"a": 200, "b": 100}
    assert f.max_single_source_ratio == 0.2


def test_exclusion_figures() -> None:
    r = regions(1000, quotes=[(0, 100)], refs=[(900, 1000)], template=[(300, 400)])
    matches = [
        Match(0, 100, "q"),
        Match(200, 250, "own"),
        Match(300, 400, "t", excluded="template"),
        Match(450, 500, "x", excluded="excluded_source"),
        Match(900, 1000, "r"),
    ]
    f = compute_figures(r, matches, own_sources=frozenset({"own"}))
    assert f.total_characters == 1000
    assert f.repeated_characters == 250
    assert f.copy_ratio_excluding_quotes == 0.15
    assert f.copy_ratio_excluding_references == 0.15
    assert f.copy_ratio_excluding_own == 0.2
    assert f.assessed_copy_ratio == 0.0
    lenient = compute_figures(
        r, matches, own_sources=frozenset({"own"}), exclude_quotes=False, exclude_own=False
    )
    assert lenient.assessed_copy_ratio == 0.15


def test_template_characters_never_count_even_from_other_sources() -> None:
    r = regions(100, template=[(0, 50)])
    f = compute_figures(r, [Match(0, 100, "a")])
    assert f.repeated_characters == 50


def test_whitespace_is_not_counted() -> None:
    r = regions(100, spaces=[(0, 20)])
    f = compute_figures(r, [Match(0, 40, "a")])
    assert (f.total_characters, f.repeated_characters) == (80, 20)
    assert f.total_copy_ratio == 0.25


def test_per_section_ratios() -> None:
    r = regions(200)
    f = compute_figures(
        r,
        [Match(0, 50, "a")],
        sections=[("chapter", "第1章", 0, 100), ("chapter", "第2章", 100, 200)],
    )
    assert [(s.title, s.repeated_characters, s.ratio) for s in f.per_section] == [
        ("第1章", 50, 0.5),
        ("第2章", 0, 0.0),
    ]


def test_passage_exclusion_reasons() -> None:
    r = regions(1000, quotes=[(0, 100)], refs=[(900, 1000)], template=[(300, 400)])
    kw = dict(
        excluded_sources=frozenset({"x"}),
        min_chars=30,
        exclude_quotes=True,
        exclude_references=True,
    )
    assert classify_exclusion(Match(300, 400, "a"), r, **kw) == "template"
    assert classify_exclusion(Match(500, 600, "x"), r, **kw) == "excluded_source"
    assert classify_exclusion(Match(500, 520, "a"), r, **kw) == "small_match"
    assert classify_exclusion(Match(0, 100, "a"), r, **kw) == "quote"
    assert classify_exclusion(Match(900, 1000, "a"), r, **kw) == "references"
    assert classify_exclusion(Match(500, 600, "a"), r, **kw) is None
    kw["exclude_quotes"] = False
    assert classify_exclusion(Match(0, 100, "a"), r, **kw) is None


def test_cited_sentences() -> None:
    text = "第一句话。第二句话引用了文献[1]。第三句。第四句。[2]"
    marks = [text.index("[1]"), text.index("[2]")]
    spans = sentence_spans_with(text, marks)
    assert [text[a:b] for a, b in spans] == ["第二句话引用了文献[1]。", "第四句。[2]"]


spans = st.lists(st.tuples(st.integers(0, 400), st.integers(1, 200)), max_size=12)


@given(spans, spans, spans, st.lists(st.sampled_from("abc"), min_size=12, max_size=12))
def test_figures_are_consistent(matches, quotes, refs, names) -> None:
    n = 500
    r = regions(n, quotes=[(a, a + w) for a, w in quotes], refs=[(a, a + w) for a, w in refs])
    ms = [Match(a, a + w, names[i]) for i, (a, w) in enumerate(matches)]
    f = compute_figures(r, ms, own_sources=frozenset({"c"}))
    union = span_mask(n, [(m.start, m.end) for m in ms])
    assert f.repeated_characters == int(union.sum())
    assert 0.0 <= f.assessed_copy_ratio <= f.copy_ratio_excluding_quotes <= f.total_copy_ratio <= 1
    assert f.copy_ratio_excluding_references <= f.total_copy_ratio
    assert f.copy_ratio_excluding_own <= f.total_copy_ratio
    assert f.max_single_source_ratio <= f.total_copy_ratio
    assert sum(f.source_characters.values()) >= f.repeated_characters


def test_small_sources_by_share() -> None:
    from screening.measure import small_sources

    r = regions(1000, template=[(0, 100)])
    matches = [
        Match(0, 100, "boiler"),  # only template characters: covers nothing that counts
        Match(200, 205, "tiny"),
        Match(300, 400, "big"),
        Match(500, 600, "gone", excluded="excluded_source"),
    ]
    assert small_sources(r, matches, 0.05) == frozenset({"boiler", "tiny"})
    assert small_sources(r, matches, 0.0) == frozenset()
