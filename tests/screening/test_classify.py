"""Classes of aligned passages."""

from __future__ import annotations

import opencc

from screening.classify import classify_passage
from tests.screening.alignment_texts import EN, ZH


def test_same_text_up_to_width_and_spacing_is_identical() -> None:
    text = "".join(ZH[:4])
    variant = text.replace("。", ". ").replace("二十", "二十")
    result = classify_passage(variant, text)
    assert result.match_class == "identical" and result.similarity == 1.0


def test_a_few_typos_are_minor_changes() -> None:
    text = " ".join(EN[:5])
    edited = text.replace("carbon", "carbn").replace("forty", "fourty").replace("six", "seven")
    result = classify_passage(edited, text)
    assert result.match_class == "minor_changes"
    assert 0.9 < result.similarity < 1.0


def test_traditional_characters_count_as_a_disguise_but_stay_similar() -> None:
    text = "".join(ZH[:5])
    result = classify_passage(opencc.OpenCC("s2t").convert(text), text)
    assert result.match_class == "paraphrase"
    assert result.similarity > 0.95


def test_reordered_sentences_are_paraphrase_with_high_similarity() -> None:
    result = classify_passage("".join(reversed(ZH[:5])), "".join(ZH[:5]))
    assert result.match_class == "paraphrase"
    assert result.similarity > 0.9


def test_unrelated_text_has_low_similarity() -> None:
    result = classify_passage("".join(ZH[:5]), "".join(ZH[12:17]))
    assert result.match_class == "paraphrase"
    assert result.similarity < 0.3
