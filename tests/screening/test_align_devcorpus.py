"""Regression guard on a slice of the PAN-format dev corpora (skipped when ../shared is absent).

The full measurement is `benchmarks/pan_eval.py`; this only checks that a few pairs of every
obfuscation type still score well, so a change that breaks detection fails the suite.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.align import align_pair
from screening.pan import PanFeature, evaluate, read_pan_xml

PAIRS_PER_FOLDER = 6


def _read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def _score(corpus: Path, folder: str) -> tuple[float, int]:
    cases: list[PanFeature] = []
    detections: list[PanFeature] = []
    lines = _read(corpus / folder / "pairs").split()
    for susp_name, src_name in list(zip(lines[::2], lines[1::2], strict=True))[:PAIRS_PER_FOLDER]:
        truth = corpus / folder / f"{Path(susp_name).stem}-{Path(src_name).stem}.xml"
        cases.extend(read_pan_xml(truth, feature_name="plagiarism"))
        for p in align_pair(_read(corpus / "susp" / susp_name), _read(corpus / "src" / src_name)):
            detections.append(
                PanFeature(
                    susp_name,
                    src_name,
                    p.susp_start,
                    p.susp_end - p.susp_start,
                    p.src_start,
                    p.src_end - p.src_start,
                )
            )
    return evaluate(cases, detections).plagdet, len(detections)


@pytest.mark.parametrize(
    ("corpus", "folder", "floor"),
    [
        ("zh-pan-dev", "02-no-obfuscation", 0.95),
        ("zh-pan-dev", "03-light", 0.93),
        ("zh-pan-dev", "04-traditional", 0.93),
        ("zh-pan-dev", "05-reorder", 0.88),
        ("zh-pan-dev", "06-heavy", 0.75),
        ("en-pan-dev", "02-no-obfuscation", 0.95),
        ("en-pan-dev", "03-random", 0.85),
        ("en-pan-dev", "05-reorder", 0.85),
        ("en-pan-dev", "06-summary", 0.80),
        ("zh-para-dev", "04-mixed", 0.85),
        ("zh-para-dev", "06-lcqmc", 0.90),
        ("xl-pan-dev", "02-human-en-zh", 0.80),
        ("xl-pan-dev", "03-machine-en-zh", 0.80),
        ("xl-pan-dev", "04-human-zh-en", 0.80),
    ],
)
def test_dev_corpus_slice_scores_well(
    shared_dir: Path, corpus: str, folder: str, floor: float
) -> None:
    plagdet, _ = _score(shared_dir / "data" / corpus, folder)
    assert plagdet >= floor


@pytest.mark.parametrize("corpus", ["zh-pan-dev", "en-pan-dev", "zh-para-dev"])
def test_dev_corpus_unrelated_pairs_give_almost_nothing(shared_dir: Path, corpus: str) -> None:
    _, detections = _score(shared_dir / "data" / corpus, "01-no-plagiarism")
    assert detections <= 1


def test_unrelated_chinese_english_pairs_give_nothing(shared_dir: Path) -> None:
    _, detections = _score(shared_dir / "data" / "xl-pan-dev", "01-no-plagiarism")
    assert detections == 0
