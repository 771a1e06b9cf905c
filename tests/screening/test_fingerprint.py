"""Tokens, k-gram hashes and winnowing."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from screening.fingerprint import fingerprint, kgram_hashes, tokenize, winnow
from screening.normalize import normalize


def test_han_characters_latin_words_and_digit_runs_are_tokens() -> None:
    text = "Deep Learning 在2023年, ＢＥＲＴ!"
    tokens = tokenize(normalize(text))
    spans = [text[a:b] for a, b in zip(tokens.starts, tokens.ends, strict=True)]
    assert spans == ["Deep", "Learning", "在", "2023", "年", "ＢＥＲＴ"]


def test_equal_tokens_get_equal_ids_across_documents() -> None:
    a = tokenize(normalize("The model 模型"))
    b = tokenize(normalize("模型 THE MODEL"))
    assert a.ids[0] == b.ids[2] and a.ids[1] == b.ids[3]
    assert a.ids[2] == b.ids[0]
    assert len(set(a.ids.tolist())) == 4


def _reference_winnow(hashes: list[int], window: int) -> list[int]:
    """Plain reference: rightmost minimum of each window, each position once."""
    if not hashes:
        return []
    w = min(window, len(hashes))
    picked: list[int] = []
    for i in range(len(hashes) - w + 1):
        chunk = hashes[i : i + w]
        low = min(chunk)
        pos = i + max(j for j, v in enumerate(chunk) if v == low)
        if not picked or picked[-1] != pos:
            picked.append(pos)
    return sorted(set(picked))


@given(st.lists(st.integers(0, 20), max_size=60), st.integers(1, 8))
def test_winnow_matches_the_reference(values: list[int], window: int) -> None:
    positions, hashes = winnow(np.asarray(values, dtype=np.uint64), window)
    assert positions.tolist() == _reference_winnow(values, window)
    assert hashes.tolist() == [values[p] for p in positions.tolist()]


@given(st.lists(st.integers(0, 2**63), min_size=1, max_size=200), st.integers(2, 10))
def test_winnowing_keeps_one_hash_in_every_window(values: list[int], window: int) -> None:
    positions, _ = winnow(np.asarray(values, dtype=np.uint64), window)
    if len(values) >= window:
        gaps = np.diff(np.concatenate(([-1], positions, [len(values)])))
        assert gaps.max() <= window


def test_kgram_hashes_depend_on_content_and_order() -> None:
    ids = np.asarray([1, 2, 3, 1, 2, 3, 3, 2, 1], dtype=np.uint64)
    hashes = kgram_hashes(ids, 3)
    assert len(hashes) == 7
    assert hashes[0] == hashes[3]
    assert hashes[0] != hashes[6]
    assert len(kgram_hashes(ids[:2], 3)) == 0


def test_shared_passages_share_fingerprints() -> None:
    passage = "基于深度学习的图像识别方法在医学影像诊断中取得了显著的效果"
    a = fingerprint(tokenize(normalize("引言部分。" + passage + "结论。")))
    b = fingerprint(tokenize(normalize("完全不同的开头，" + passage.replace("，", ","))))
    shared = set(a.hashes.tolist()) & set(b.hashes.tolist())
    assert len(shared) >= 3
    assert (np.diff(a.positions) > 0).all()
