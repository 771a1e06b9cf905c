"""Passage alignment: offsets, disguises, and no detections between unrelated texts."""

from __future__ import annotations

import opencc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening import align as align_module
from screening.align import (
    AlignedPassage,
    align_pair,
    align_prepared,
    numbers_agree,
    prepare_text,
)
from tests.screening.alignment_texts import EN, ZH

ZH_SOURCE = "\n".join(["".join(ZH[0:6]), "".join(ZH[6:12])])
ZH_OTHER = "\n".join(["".join(ZH[12:16]), "".join(ZH[16:20]), "".join(ZH[20:24])])
EN_SOURCE = "\n\n".join([" ".join(EN[0:5]), " ".join(EN[5:10]), " ".join(EN[10:14])])
EN_OTHER = "\n\n".join([" ".join(EN[14:19]), " ".join(EN[19:24])])


def insert(host: str, passage: str, after_sentence_mark: str) -> tuple[str, int]:
    """Host text with `passage` inserted after the first `after_sentence_mark`."""
    cut = host.index(after_sentence_mark) + len(after_sentence_mark)
    return host[:cut] + passage + host[cut:], cut


def single(passages: list[AlignedPassage]) -> AlignedPassage:
    assert len(passages) == 1, passages
    return passages[0]


def test_verbatim_chinese_passage_is_found_with_exact_offsets() -> None:
    copied = "".join(ZH[6:11])
    susp, at = insert(ZH_OTHER, copied, "。")
    found = single(align_pair(susp, ZH_SOURCE))
    assert (found.susp_start, found.susp_end) == (at, at + len(copied))
    src_at = ZH_SOURCE.index(copied)
    assert (found.src_start, found.src_end) == (src_at, src_at + len(copied))
    assert found.match_class == "identical"
    assert found.similarity == 1.0


def test_traditional_characters_and_full_width_changes_are_found() -> None:
    copied = "".join(ZH[1:6])
    disguised = opencc.OpenCC("s2twp").convert(copied).replace("。", ".")
    assert disguised != copied
    susp, at = insert(ZH_OTHER, disguised, "。")
    found = single(align_pair(susp, ZH_SOURCE))
    assert (found.susp_start, found.susp_end) == (at, at + len(disguised))
    assert found.src_start == ZH_SOURCE.index(copied)
    assert found.match_class == "paraphrase"
    assert found.similarity > 0.9


def test_reordered_sentences_are_one_passage() -> None:
    reordered = ZH[3] + ZH[0] + "此外，" + ZH[4] + ZH[2] + ZH[1]
    susp, at = insert(ZH_OTHER, reordered, "。")
    found = single(align_pair(susp, ZH_SOURCE))
    assert (found.susp_start, found.susp_end) == (at, at + len(reordered))
    assert (found.src_start, found.src_end) == (0, len("".join(ZH[0:5])))
    assert found.match_class == "paraphrase"


def test_english_passage_with_light_edits_is_minor_changes() -> None:
    copied = " ".join(EN[5:10])
    edited = copied.replace("customers", "clients").replace("Platform fees", "Platform  fees")
    susp, at = insert(EN_OTHER, " " + edited, "climates.")
    found = single(align_pair(susp, EN_SOURCE))
    assert (found.susp_start, found.susp_end) == (at + 1, at + 1 + len(edited))
    src_at = EN_SOURCE.index(copied)
    assert (found.src_start, found.src_end) == (src_at, src_at + len(copied))
    assert found.match_class == "minor_changes"


def test_unrelated_texts_give_no_passages() -> None:
    assert align_pair(ZH_OTHER, ZH_SOURCE) == []
    assert align_pair(EN_OTHER, EN_SOURCE) == []
    assert align_pair("", ZH_SOURCE) == []
    assert align_pair("，。", "") == []


def test_a_short_shared_phrase_is_not_a_passage() -> None:
    susp = ZH_OTHER + "结果显示植被恢复显著降低了坡面径流量。"
    assert align_pair(susp, ZH_SOURCE) == []


def test_prepared_texts_give_the_same_result() -> None:
    copied = " ".join(EN[0:4])
    susp, _ = insert(EN_OTHER, " " + copied, "climates.")
    assert align_prepared(prepare_text(susp), prepare_text(EN_SOURCE)) == align_pair(
        susp, EN_SOURCE
    )


@given(
    st.lists(st.integers(0, len(ZH) - 1), min_size=1, max_size=14),
    st.lists(st.integers(0, len(ZH) - 1), min_size=1, max_size=14),
)
def test_passages_are_valid_spans_in_order(a: list[int], b: list[int]) -> None:
    susp = "".join(ZH[k] for k in a)
    src = "".join(ZH[k] for k in b)
    passages = align_pair(susp, src)
    for p in passages:
        assert 0 <= p.susp_start < p.susp_end <= len(susp)
        assert 0 <= p.src_start < p.src_end <= len(src)
        assert 0.0 <= p.similarity <= 1.0
        assert p.match_class in ("identical", "minor_changes", "paraphrase")
        assert not susp[p.susp_start].isspace() and not susp[p.susp_end - 1].isspace()
    spans = [(p.susp_start, p.susp_end) for p in passages]
    assert spans == sorted(spans)
    assert all(x[1] <= y[0] for x, y in zip(spans, spans[1:], strict=False))
    if not set(a) & set(b):
        assert passages == []


def test_copy_stripped_of_punctuation_is_found_with_tight_edges() -> None:
    copied = "".join(ZH[6:12])
    stripped = "".join(ch + ("\u200b" if k % 7 == 3 else "") for k, ch in enumerate(copied))
    stripped = stripped.replace("。", "").replace("，", " ")
    susp, at = insert(ZH_OTHER, stripped, "。")
    found = single(align_pair(susp, ZH_SOURCE))
    assert abs(found.susp_start - at) <= 2
    assert abs(found.susp_end - (at + len(stripped))) <= 3
    src_at = ZH_SOURCE.index(copied)
    assert (found.src_start, found.src_end) == (src_at, src_at + len(copied))


def test_an_edge_sentence_broken_by_a_hyphen_and_line_break_is_included() -> None:
    copied = " ".join(EN[10:14]) + " Is there something we can do about it?"
    source = " ".join(EN[0:3]) + "\n" + copied + " " + " ".join(EN[5:8])
    broken = copied.replace("some" + "thing", "Some-\nthing")
    susp, at = insert(EN_OTHER, " " + broken, "climates.")
    found = single(align_pair(susp, source))
    assert (found.susp_start, found.susp_end) == (at + 1, at + 1 + len(broken))
    src_at = source.index(copied)
    assert (found.src_start, found.src_end) == (src_at, src_at + len(copied))


def test_very_common_features_are_shed_on_huge_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    copied = "".join(ZH[6:11])
    susp, at = insert(ZH_OTHER, copied, "。")
    monkeypatch.setattr(align_module, "MAX_PAIR_WORK", 60)
    found = single(align_pair(susp, ZH_SOURCE))
    assert (found.susp_start, found.susp_end) == (at, at + len(copied))


def test_hard_wrapped_texts_align_as_if_unwrapped() -> None:
    def wrap(text: str) -> str:
        return "\n".join(text[k : k + 28] for k in range(0, len(text), 28))

    copied = "".join(ZH[6:11])
    susp_plain, at = insert(ZH_OTHER.replace("\n", ""), copied, "。")
    susp, source = wrap(susp_plain), wrap(ZH_SOURCE.replace("\n", ""))
    found = single(align_pair(susp, source))
    assert susp[found.susp_start : found.susp_end].replace("\n", "") == copied
    assert source[found.src_start : found.src_end].replace("\n", "") == copied


def test_a_summary_source_span_reaches_past_its_first_and_last_kept_sentence() -> None:
    source = " ".join(EN[0:16])
    kept = [EN[2], EN[5], EN[8], EN[11]]  # every third sentence: a summary
    susp, at = insert(" ".join(EN[16:24]), " " + " ".join(kept), EN[17])
    found = single(align_pair(susp, source))
    assert (found.susp_start, found.susp_end) == (at + 1, at + 1 + len(" ".join(kept)))
    # Two sentences were left out between kept ones: half that gap is added at each end.
    assert found.src_start == source.index(EN[1])
    assert found.src_end == source.index(EN[12]) + len(EN[12])


@pytest.mark.parametrize(
    ("left", "right", "agree"),
    [
        ("共计1,000人。", "a total of 1000 people.", True),
        ("增长了12.50%。", "grew by 12.5%.", True),
        ("共２５万人。", "250,000 people.", True),
        ("比例为20.1%。", "in 2010 it was new.", False),
        ("共120例。", "66 cases.", False),
        ("没有数字。", "66 cases.", True),
    ],
)
def test_numbers_agree_in_one_spelling(left: str, right: str, agree: bool) -> None:
    a, b = prepare_text(left), prepare_text(right)
    last_a, last_b = len(a.sentence_starts) - 1, len(b.sentence_starts) - 1
    assert numbers_agree(a, (0, last_a), b, (0, last_b)) is agree
