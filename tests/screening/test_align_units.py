"""Sentence cutting of the aligner against a plain regular-expression reference."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from screening.align import prepare_text
from screening.align_units import MAX_UNIT_TOKENS, sentence_spans, soft_line_breaks

_HAN = "\u3400-\u9fff"
_MARK = rf"(?:[。！？!?；;…\n]|\.(?=\s|$|[{_HAN}“”\"「」（(])|(?<=[{_HAN}])\.)"
_REFERENCE = re.compile(rf"{_MARK}(?:{_MARK}|[”’」』）)\]\"'])*")


def reference_sentences(text: str) -> list[str]:
    cuts = [0] + [m.end() for m in _REFERENCE.finditer(text)] + [len(text)]
    pieces = (text[a:b].strip() for a, b in zip(cuts[:-1], cuts[1:], strict=True))
    return [p for p in pieces if p]


def fast_sentences(text: str) -> list[str]:
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    starts, ends = sentence_spans(codes)
    return [text[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def test_chinese_and_english_sentence_ends() -> None:
    text = ' 第一句。” Second one. \n\n  第三句.真的（吗）?" 3.5 percent. e.g.x end'
    assert fast_sentences(text) == [
        "第一句。”",
        "Second one.",
        "第三句.",
        '真的（吗）?"',
        "3.5 percent.",
        "e.g.x end",
    ]


@given(st.text(alphabet=st.sampled_from(list("ab 中文。.!?；\n”」)(“ \u3000")), max_size=60))
def test_cuts_agree_with_the_reference(text: str) -> None:
    assert fast_sentences(text) == reference_sentences(text)


def test_text_without_punctuation_is_cut_into_bounded_units() -> None:
    text = "前言。" + "这是一段没有任何标点的很长的文字" * 12 + "。结尾。"
    prepared = prepare_text(text)
    pieces = [
        text[a:b] for a, b in zip(prepared.sentence_starts, prepared.sentence_ends, strict=True)
    ]
    assert pieces[0] == "前言。" and pieces[-1] == "结尾。"
    assert "".join(pieces) == text
    assert all(len(p) <= MAX_UNIT_TOKENS + 1 for p in pieces)
    assert len(pieces) == 2 + -(-16 * 12 // MAX_UNIT_TOKENS)


def _hard_wrap(text: str, width: int) -> str:
    return "\n".join(text[k : k + width] for k in range(0, len(text), width))


def test_hard_wrapped_lines_do_not_end_sentences() -> None:
    paragraph = "".join(["本文研究了黄土高原地区土壤侵蚀与植被覆盖之间的定量关系。"] * 12)
    wrapped = _hard_wrap(paragraph, 30)
    codes = np.frombuffer(wrapped.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    assert len(soft_line_breaks(codes)) == wrapped.count("\n")
    pieces = fast_sentences(wrapped)
    assert len(pieces) == 12
    assert all(p.replace("\n", "").endswith("。") for p in pieces)


def test_ragged_lines_keep_their_breaks() -> None:
    text = "标题一\n第一段的内容比较长，一直写到这里。\n短行\n" * 5
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    assert len(soft_line_breaks(codes)) == 0
    assert fast_sentences(text)[:3] == ["标题一", "第一段的内容比较长，一直写到这里。", "短行"]
