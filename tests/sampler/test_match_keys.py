"""Matching keys for names and titles: folded the same alone or in a batch."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sampler.frame import match_key, match_keys

texts = st.lists(
    st.text(
        alphabet=st.sampled_from(list("學院大学論文研究发發AbＡｂ 　，,“”.\t\n—-_")), max_size=12
    ),
    max_size=8,
)


def test_folds_width_case_script_space_and_punctuation() -> None:
    assert match_key("“基於深度學習的 圖像識別”研究。") == "基于深度学习的图像识别研究"
    assert match_key("Ａ Study, of\tThings—2") == "astudyofthings2"
    assert match_key("乙大學") == match_key("乙大学")


@given(texts)
@settings(max_examples=80, deadline=None)
def test_a_batch_folds_each_text_as_it_would_alone(values: list[str]) -> None:
    assert match_keys(values) == [match_keys([v])[0] for v in values]
