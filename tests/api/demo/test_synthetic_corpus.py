"""The synthetic corpus generator: fast, deterministic, disguises that change the text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from api.demo.synthetic_corpus import (
    DISGUISES,
    TextGenerator,
    common_han_characters,
    disguise,
    snap_to_sentence,
    write_demo_materials,
)


def test_common_characters_are_the_gb2312_level_one_set() -> None:
    chars = common_han_characters()
    assert chars.size == 3755
    assert chr(int(chars[0])) == "啊"


def test_generation_is_deterministic_and_chinese() -> None:
    a = TextGenerator(9).documents(3, 2000)
    b = TextGenerator(9).documents(3, 2000)
    assert a == b
    assert TextGenerator(10).documents(3, 2000) != a
    text = "".join(a)
    han = sum(0x4E00 <= ord(c) <= 0x9FFF for c in text)
    assert han / len(text) > 0.8
    assert "，" in text and text.endswith("。")
    assert all(1000 <= len(d) <= 3000 for d in a)


def test_unrelated_documents_share_little() -> None:
    a, b = TextGenerator(1).documents(2, 20_000)
    grams_a = {a[i : i + 8] for i in range(len(a) - 8)}
    shared = sum(b[i : i + 8] in grams_a for i in range(len(b) - 8))
    assert shared / len(b) < 0.02


@pytest.mark.parametrize("kind", DISGUISES)
def test_disguises(kind: str) -> None:
    text = TextGenerator(2).text(800)
    out = disguise(text, kind, np.random.default_rng(0))
    if kind == "identical":
        assert out == text
    else:
        assert out != text
    if kind == "summary":
        assert len(out) < 0.8 * len(text)
    if kind == "reorder":
        han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
        assert sorted(c for c in out if "\u4e00" <= c <= "\u9fff") == sorted(han)


def test_unknown_disguise() -> None:
    with pytest.raises(ValueError, match="unknown disguise"):
        disguise("文本", "rot13", np.random.default_rng(0))


def test_snap_to_sentence() -> None:
    text = "第一句。第二句很长一些。第三句。"
    a, b = snap_to_sentence(text, 6, 8)
    assert text[a:b] == "第二句很长一些。"


@pytest.mark.slow
def test_demo_materials(tmp_path: Path) -> None:
    metas = [
        {
            "thesis_id": f"T{i}",
            "title": f"关于第{i}种方法的研究",
            "author": f"张{i}",
            "supervisor": "李老师",
            "institution": "示例大学",
            "discipline_code": "0812",
        }
        for i in range(8)
    ]
    m = write_demo_materials(3, metas, tmp_path, corpus_documents=12, chapter_chars=800)
    assert [p.name for p in m.thesis_files] == [f"T{i}.pdf" for i in range(8)]
    assert all(p.read_bytes().startswith(b"%PDF") for p in m.thesis_files)
    assert len(list(m.corpus_dir.glob("*.txt"))) == 13  # 12 + the own-work paper
    header = m.corpus_metadata.read_text(encoding="utf-8").splitlines()[0]
    assert header == "file,title,authors,year,type,institution"
    truth = json.loads(m.ground_truth.read_text(encoding="utf-8"))
    assert set(truth["profiles"].values()) >= {"clean", "moderate", "heavy", "own_work"}
    origins = {p["origin"] for p in truth["planted"]}
    assert origins == {"corpus", "batch"}
    assert len(m.templates) == 1
    assert "原创性声明" in m.templates[0].read_text(encoding="utf-8")
