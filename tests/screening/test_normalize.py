"""Normalisation for matching: what changes, and that offsets map back to the original."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from screening.normalize import normalize


def test_full_width_case_and_punctuation_are_unified() -> None:
    assert normalize("ＡＢＣ１２３，Ｈｅｌｌｏ").text == normalize("abc123, hello").text


def test_traditional_characters_become_simplified() -> None:
    traditional = normalize("為了頭髮的發展，裡面著重研究")
    simplified = normalize("为了头发的发展，里面着重研究")
    assert traditional.text == simplified.text == "为了头发的发展里面着重研究"


def test_taiwan_and_opencc_variant_forms_agree() -> None:
    assert normalize("爲").text == normalize("為").text == "为"
    assert normalize("裏").text == normalize("裡").text == "里"


def test_han_loses_spaces_and_punctuation_but_latin_words_stay_apart() -> None:
    result = normalize("  研究 方法：e-mail,the  END。")
    assert result.text == "研究方法e mail the end"


def test_offsets_point_at_the_source_characters() -> None:
    original = "（中國）ABC ﬁ"
    result = normalize(original)
    assert result.text == "中国abc fi"
    assert [original[i] for i in result.offsets[:-1]] == list("中國ABC ﬁﬁ")
    assert result.offsets[-1] == len(original)
    assert result.to_original(0, 2) == (1, 3)
    assert result.to_original(2, 5) == (4, 7)
    assert result.to_original(3, 3) == (5, 5)


def test_characters_beyond_the_basic_plane_are_kept() -> None:
    result = normalize("a𠀋b")
    assert result.text == "a𠀋b"
    assert list(result.offsets) == [0, 1, 2, 3]


def test_empty_and_all_punctuation_texts() -> None:
    assert normalize("").text == ""
    result = normalize("，。！？  ")
    assert result.text == ""
    assert list(result.offsets) == [6]


@given(st.text(alphabet=st.sampled_from(list("ab 中國，,.-Ａ１𠀋\n\u3000ﬁß")), max_size=60))
def test_offsets_are_monotone_and_inside_the_original(text: str) -> None:
    result = normalize(text)
    assert len(result.offsets) == len(result.text) + 1
    assert result.offsets[-1] == len(text)
    assert all(0 <= o < len(text) for o in result.offsets[:-1])
    assert all(a <= b for a, b in zip(result.offsets[:-1], result.offsets[1:], strict=False))
    assert "  " not in result.text
    assert not result.text.startswith(" ") and not result.text.endswith(" ")


@given(st.text(max_size=80))
def test_any_text_normalises_idempotently(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once


def test_a_long_text_normalises_quickly() -> None:
    text = ("在本研究中，我们提出了一种新的方法（Method A），其准确率达到95.3％。" * 3000)[:100_000]
    normalize("warm-up")
    began = time.perf_counter()
    result = normalize(text)
    elapsed = time.perf_counter() - began
    assert len(result.text) > 50_000
    assert elapsed < 0.5


def test_variation_selectors_after_han_characters_are_dropped() -> None:
    plain = normalize("葛城市规划研究")
    varied = normalize("葛\U000e0100城市规划\ufe00研究")
    assert varied.text == plain.text
    start, end = varied.to_original(0, len(varied.text))
    assert varied.original[start:end] == "葛\U000e0100城市规划\ufe00研究"
