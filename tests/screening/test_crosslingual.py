"""Cross-language (Chinese ⇄ English) matching: dictionary, unit similarity, alignment."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.align import AlignConfig, align_texts, prepare_text
from screening.crosslingual.align import align_cross_language
from screening.crosslingual.dictionary import load_dictionary, ngram_keys, stem_id
from screening.crosslingual.features import (
    LANGUAGE_EN,
    LANGUAGE_ZH,
    cross_features,
    text_language,
    unit_languages,
)
from screening.crosslingual.similarity import chinese_meaning_similarity, unit_similarity
from screening.fingerprint import tokenize
from screening.normalize import normalize
from tests.screening.crosslingual_texts import (
    EN_FILLER,
    EN_PASSAGE,
    EN_SAME_FIELD,
    ZH_FILLER,
    ZH_PASSAGE,
    ZH_SAME_FIELD,
)


def _glosses(word: str) -> set[int]:
    dictionary = load_dictionary()
    ids = tokenize(normalize(word)).ids
    index = int(dictionary.lookup(ngram_keys(ids, len(ids)))[0])
    assert index >= 0, word
    return set(
        dictionary.gloss_ids[dictionary.gloss_start[index] : dictionary.gloss_start[index + 1]]
    )


def test_dictionary_glosses_share_stems_with_english_words() -> None:
    assert stem_id("investigating") == stem_id("investigation")
    assert stem_id("investigate") in _glosses("调查")
    assert stem_id("research") in _glosses("研究")
    assert stem_id("situation") in _glosses("局势")
    # Traditional characters are normalised before the look-up.
    assert _glosses("調查") == _glosses("调查")
    assert stem_id("the") == -1 and stem_id("sth") == -1


def test_unit_languages_of_a_mixed_text() -> None:
    doc = prepare_text("本文研究土壤侵蚀问题。This sentence is in English, about soil. 结果表明。")
    assert list(unit_languages(doc)[0]) == [LANGUAGE_ZH, LANGUAGE_EN, LANGUAGE_ZH]
    assert text_language(prepare_text(ZH_PASSAGE)) == "zh"
    assert text_language(prepare_text(EN_PASSAGE)) == "en"
    assert text_language(prepare_text("2024 — 12")) == ""


def test_translated_sentence_scores_above_unrelated_ones() -> None:
    zh = prepare_text(ZH_PASSAGE)
    en = prepare_text(EN_PASSAGE + " " + EN_SAME_FIELD)
    table = unit_similarity(
        cross_features(zh),
        np.arange(len(zh.sentence_starts)),
        cross_features(en),
        np.arange(len(en.sentence_starts)),
    )
    n = len(zh.sentence_starts)
    assert n == 6
    translation = np.diag(table.similarity[:, :n])
    assert translation.min() > 0.25
    # Every sentence prefers its own translation to any other English sentence.
    assert (table.similarity.argmax(axis=1) == np.arange(n)).all()
    assert table.similarity[:, n:].max() < translation.min()


def test_translated_passage_is_found_with_exact_offsets_both_ways() -> None:
    susp = "\n".join([ZH_FILLER[0], ZH_PASSAGE, ZH_FILLER[1], ZH_SAME_FIELD])
    src = "\n\n".join([EN_FILLER[0], EN_PASSAGE, EN_FILLER[1], EN_SAME_FIELD])
    [found] = align_texts(prepare_text(susp), prepare_text(src))
    assert susp[found.susp_start : found.susp_end] == ZH_PASSAGE
    assert src[found.src_start : found.src_end] == EN_PASSAGE
    assert (found.match_class, found.source_language) == ("translated", "en")
    [back] = align_texts(prepare_text(src), prepare_text(susp))
    assert src[back.susp_start : back.susp_end] == EN_PASSAGE
    assert susp[back.src_start : back.src_end] == ZH_PASSAGE
    assert back.source_language == "zh"


def test_same_field_and_monolingual_texts_give_no_translated_passage() -> None:
    zh = prepare_text("\n".join([ZH_SAME_FIELD, *ZH_FILLER]))
    en = prepare_text("\n\n".join([EN_SAME_FIELD, *EN_FILLER]))
    assert align_cross_language(zh, en) == []
    assert align_cross_language(en, zh) == []
    # Two English texts: the cross-language step has nothing to compare.
    assert align_cross_language(prepare_text(EN_PASSAGE), prepare_text(EN_SAME_FIELD)) == []


@settings(max_examples=25, deadline=None)
@given(
    before=st.sampled_from(["", "前言。", ZH_FILLER[0] + "\n"]),
    after=st.sampled_from(["", "\n" + ZH_FILLER[1], "（完）"]),
    padding=st.text(alphabet=" \u3000\n", max_size=3),
    traditional=st.booleans(),
)
def test_offsets_map_back_to_the_raw_text(
    before: str, after: str, padding: str, traditional: bool
) -> None:
    passage = ZH_PASSAGE.replace("土壤侵蚀", "土壤侵蝕") if traditional else ZH_PASSAGE
    susp = before + padding + passage + padding + after
    src = EN_FILLER[0] + "\n\n" + EN_PASSAGE
    found = align_cross_language(prepare_text(susp), prepare_text(src))
    assert len(found) == 1
    start = len(before) + len(padding)
    assert (found[0].susp_start, found[0].susp_end) == (start, start + len(passage))
    assert src[found[0].src_start : found[0].src_end] == EN_PASSAGE


def test_reworded_chinese_explains_itself_better_than_a_shared_template() -> None:
    reworded = (
        prepare_text("一只狗在草地上慢跑。一辆双层红色公共汽车在路上行驶。三只狗在雪中玩耍。"),
        prepare_text("一只狗在草地上小跑。一辆红色双层公共汽车沿着街道行驶。三只狗在雪中奔跑。"),
    )
    template = (
        prepare_text("目的 观察疏血通注射液治疗急性脑梗死的疗效。方法 将87例患者随机分为两组。"),
        prepare_text(
            "目的 观察中西医结合治疗宫外孕的临床疗效。方法 将宫外孕患者66例随机分为两组。"
        ),
    )
    same = chinese_meaning_similarity(reworded[0], (0, 2), reworded[1], (0, 2))
    other = chinese_meaning_similarity(template[0], (0, 3), template[1], (0, 3))
    assert same >= AlignConfig().meaning_similarity > other
    assert chinese_meaning_similarity(reworded[0], (0, 2), reworded[0], (0, 2)) == 1.0


def test_freely_reworded_chinese_sentences_are_found_as_paraphrase() -> None:
    original = (
        "一只狗在草地上慢跑。一辆双层红色公共汽车在路上行驶。三只狗在雪中玩耍。"
        "一个男人正在厨房里切洋葱。"
    )
    reworded = (
        "一只狗在草地上小跑。一辆红色双层公共汽车沿着街道行驶。三只狗在雪中奔跑。"
        "一名男子在厨房里切洋葱。"
    )
    suspicious = "\n".join([ZH_FILLER[0], reworded, ZH_FILLER[1]])
    source = "\n".join([ZH_SAME_FIELD, original, "实验数据表明该方法具有较好的稳定性。"])
    [found] = align_texts(prepare_text(suspicious), prepare_text(source))
    assert suspicious[found.susp_start : found.susp_end] == reworded
    assert source[found.src_start : found.src_end] == original
    assert found.match_class == "paraphrase"
    # The same short passage between two unrelated abstracts of one field: nothing.
    assert align_texts(prepare_text(ZH_SAME_FIELD), prepare_text(ZH_FILLER[0])) == []


ZH_PLOTS = "试验共设置了1,200个径流小区，观测期为2015年至2019年。"


def _translation_found(zh_facts: str, en_facts: str) -> bool:
    zh = ZH_FILLER[0] + ZH_PASSAGE + zh_facts + ZH_FILLER[1]
    en = EN_FILLER[0] + " " + EN_PASSAGE + " " + en_facts + " " + EN_FILLER[1]
    return bool(align_cross_language(prepare_text(zh), prepare_text(en)))


def test_a_translation_keeps_its_numbers_whatever_their_grouping() -> None:
    assert _translation_found(ZH_PLOTS, "The experiment used 1200 runoff plots from 2015 to 2019.")


def test_the_same_wording_with_other_numbers_is_other_work() -> None:
    assert not _translation_found(
        ZH_PLOTS, "The experiment used 48 runoff plots observed from 2008 to 2012."
    )
