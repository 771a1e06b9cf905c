"""Screening results built by hand, following docs/result-schema.md, for the report tests."""

from __future__ import annotations

import copy
from typing import Any

AUTHOR = "李明华"
SUPERVISOR = "王建国"
INSTITUTION = "江南理工大学"
SUPERVISOR_EN = "Wang Jianguo"
CO_AUTHOR = "赵小雨"

PAGES = [
    f"学位论文\n作者姓名：李 明 华\n指导教师：{SUPERVISOR} 教授\n培养单位：{INSTITUTION}\n",
    "第1章 引言\n深度学习在图像识别领域取得了显著进展，卷积神经网络已经成为主流方法。"
    "本文研究小样本条件下的图像分类问题，提出一种新的度量学习框架。",
    "第2章 相关工作\n元学习方法通过在多个任务上训练模型，使其能够快速适应新任务。"
    f"正如{SUPERVISOR_EN}所说：“原型网络以类别均值作为原型。”此前{CO_AUTHOR}与作者合作提出了改进方法。",
    "第3章 方法\n我们的方法在特征空间中学习一个自适应的距离度量。"
    "实验表明该方法在多个数据集上优于基线。"
    "<script>alert(1)</script> & 符号测试。\n致谢\n"
    "感谢导师王建国教授的悉心指导，感谢江南理工大学的支持。",
]


def _text() -> tuple[str, list[int]]:
    starts, pos = [], 0
    for page in PAGES:
        starts.append(pos)
        pos += len(page)
    return "".join(PAGES), starts


def span_of(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def make_result(**overrides: Any) -> dict[str, Any]:
    """A small but complete result: four pages, three sources, passages of every class."""
    text, page_starts = _text()
    p1 = span_of(text, "深度学习在图像识别领域取得了显著进展，卷积神经网络已经成为主流方法。")
    p2 = span_of(text, "元学习方法通过在多个任务上训练模型，使其能够快速适应新任务。")
    p3 = span_of(text, "原型网络以类别均值作为原型。")
    p4 = span_of(text, "我们的方法在特征空间中学习一个自适应的距离度量。")
    p5 = span_of(text, "本文研究小样本条件下的图像分类问题")
    ch1 = span_of(text, PAGES[1])
    ch2 = span_of(text, PAGES[2])
    ch3 = span_of(text, PAGES[3])
    thanks = text.index("致谢\n")
    total = len(text)
    result: dict[str, Any] = {
        "schema_version": "1",
        "created_at": "2026-11-27T08:00:00+00:00",
        "software": {"name": "spotcheck", "version": "0.1.0"},
        "thesis": {
            "file": f"{AUTHOR}-thesis.pdf",
            "characters": total,
            "sha256": "ab" * 32,
            "status": "ok",
            "pages": len(PAGES),
            "metadata": {
                "title": "小样本图像分类的度量学习方法研究",
                "author": AUTHOR,
                "supervisor": SUPERVISOR,
                "institution": INSTITUTION,
                "thesis_id": "T2025-0042",
                "discipline_code": "0812",
                "degree_level": "master",
                "degree_type": "academic",
            },
            "text": text,
            "page_starts": page_starts,
            "sections": [
                {"kind": "cover", "title": "封面", "start": 0, "end": ch1[0]},
                {"kind": "chapter", "title": "第1章 引言", "start": ch1[0], "end": ch1[1]},
                {"kind": "chapter", "title": "第2章 相关工作", "start": ch2[0], "end": ch2[1]},
                {"kind": "chapter", "title": "第3章 方法", "start": ch3[0], "end": thanks},
                {"kind": "acknowledgements", "title": "致谢", "start": thanks, "end": ch3[1]},
            ],
            "quotes": [{"start": p3[0], "end": p3[1]}],
        },
        "corpus": {
            "path": f"/data/{INSTITUTION}/corpus",
            "snapshot": "2026-11-01T00:00:00Z#1200",
            "documents": 1200,
            "characters": 45_000_000,
        },
        "settings": {
            "exclude_quotes": True,
            "exclude_references": True,
            "min_match_characters": 13,
            "excluded_sources": ["src-excluded"],
            "templates": True,
            "batch_comparison": True,
            "policy": {"needs_review_ratio": 0.15, "chapter_min_characters": 1000},
        },
        "figures": {
            "total_copy_ratio": 0.182,
            "copy_ratio_excluding_quotes": 0.151,
            "copy_ratio_excluding_references": 0.170,
            "copy_ratio_excluding_own": 0.160,
            "max_single_source_ratio": 0.092,
            "repeated_characters": 57,
            "total_characters": total,
            "assessed_copy_ratio": 0.151,
        },
        "flag": {
            "level": "needs_review",
            "reasons": [
                "总文字复制比 18.2% 超过 15% Total copy ratio 18.2% is above 15%",
                f"与{SUPERVISOR}的论文高度相似 Highly similar to a paper by the supervisor",
            ],
        },
        "sources": [
            {
                "id": "src-cnn",
                "title": "卷积神经网络综述",
                "file": "cnn-survey.pdf",
                "characters": 40,
                "share": 0.092,
                "authors": ["陈志强"],
                "year": 2019,
                "type": "article",
                "own_work": False,
                "origin": "corpus",
                "classes": {"identical": 1, "minor_changes": 0, "paraphrase": 1},
            },
            {
                "id": "src-own",
                "title": f"{AUTHOR}, {CO_AUTHOR}: 基于原型的小样本学习",
                "file": f"{AUTHOR}_2023.pdf",
                "characters": 30,
                "share": 0.05,
                "authors": [AUTHOR, CO_AUTHOR, SUPERVISOR],
                "year": 2023,
                "type": "article",
                "own_work": True,
                "origin": "corpus",
                "classes": {"identical": 0, "minor_changes": 1, "paraphrase": 0},
            },
            {
                "id": "src-batch",
                "title": "T2025-0077",
                "file": "T2025-0077.pdf",
                "characters": 14,
                "share": 0.06,
                "own_work": False,
                "origin": "batch",
                "classes": {"identical": 0, "minor_changes": 0, "paraphrase": 0},
            },
        ],
        "passages": [
            _passage(p1, 2, "src-cnn", "identical", 1.0, text[p1[0] : p1[1]]),
            _passage(
                p2,
                3,
                "src-own",
                "minor_changes",
                0.93,
                "元学习方法通过在很多任务上训练模型，使它能快速适应新任务。",
            ),
            _passage(
                p3,
                3,
                "src-batch",
                "identical",
                1.0,
                "原型网络以类别均值作为原型。",
                excluded="quote",
            ),
            _passage(
                p4,
                4,
                "src-cnn",
                "paraphrase",
                0.71,
                f"作者{AUTHOR}在特征空间里学习自适应距离度量。",
            ),
            _passage(
                p5,
                2,
                "src-excluded",
                "identical",
                1.0,
                "本文研究小样本条件下的图像分类问题",
                excluded="excluded_source",
            ),
        ],
    }
    for key, value in overrides.items():
        result[key] = value
    return copy.deepcopy(result)


def _passage(
    span: tuple[int, int],
    page: int,
    source_id: str,
    match_class: str,
    similarity: float,
    source_text: str,
    *,
    excluded: str | None = None,
) -> dict[str, Any]:
    return {
        "thesis_start": span[0],
        "thesis_end": span[1],
        "page": page,
        "source_id": source_id,
        "source_start": 100,
        "source_end": 100 + len(source_text),
        "class": match_class,
        "similarity": similarity,
        "source_text": source_text,
        "in_quote": excluded == "quote",
        "in_references": False,
        "excluded": excluded,
    }


def with_translated_passage(result: dict[str, Any], thesis_passage: str, source: str) -> dict:
    """`result` with `thesis_passage` appended to the last page as a translation of `source`."""
    out = copy.deepcopy(result)
    thesis = out["thesis"]
    start = len(thesis["text"])
    thesis["text"] += thesis_passage
    end = len(thesis["text"])
    thesis["characters"] = end
    thesis["sections"][-1]["end"] = end
    out["figures"]["total_characters"] = end
    out["figures"]["translated_copy_ratio"] = round((end - start) / end, 6)
    out["figures"]["translated_characters"] = end - start
    out["sources"].append(
        {
            "id": "src-en",
            "title": "Soil erosion on the Loess Plateau",
            "file": "erosion-paper.pdf",
            "characters": end - start,
            "share": round((end - start) / end, 6),
            "own_work": False,
            "origin": "corpus",
            "classes": {"identical": 0, "minor_changes": 0, "paraphrase": 0, "translated": 1},
        }
    )
    passage = _passage((start, end), len(PAGES), "src-en", "translated", 0.48, source)
    passage["source_language"] = "en"
    out["passages"].append(passage)
    return out
