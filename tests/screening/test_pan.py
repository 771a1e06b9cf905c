"""PAN measures on hand-computed cases, and the PAN XML format."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from screening.pan import PanFeature, evaluate, read_pan_xml, render_pan_xml, write_pan_xml


def feature(s0: int, s1: int, r0: int, r1: int, pair: str = "a") -> PanFeature:
    return PanFeature(f"susp-{pair}.txt", f"src-{pair}.txt", s0, s1 - s0, r0, r1 - r0)


def test_half_overlap_gives_half_precision_and_recall() -> None:
    scores = evaluate([feature(0, 100, 0, 100)], [feature(50, 150, 50, 150)])
    assert scores.recall == pytest.approx(0.5)
    assert scores.precision == pytest.approx(0.5)
    assert scores.granularity == 1.0
    assert scores.plagdet == pytest.approx(0.5)


def test_a_case_found_in_two_pieces_is_penalised_by_granularity() -> None:
    scores = evaluate([feature(0, 100, 0, 100)], [feature(0, 50, 0, 50), feature(50, 100, 50, 100)])
    assert scores.recall == pytest.approx(1.0)
    assert scores.precision == pytest.approx(1.0)
    assert scores.granularity == pytest.approx(2.0)
    assert scores.plagdet == pytest.approx(1 / math.log2(3))


def test_recall_and_precision_are_macro_averaged() -> None:
    cases = [feature(0, 100, 0, 100), feature(200, 300, 500, 600)]
    detections = [feature(0, 100, 0, 100), feature(400, 420, 700, 720)]
    scores = evaluate(cases, detections)
    assert scores.recall == pytest.approx(0.5)
    assert scores.precision == pytest.approx(0.5)
    assert scores.plagdet == pytest.approx(0.5)


def test_a_detection_must_overlap_both_documents_of_the_same_pair() -> None:
    case = feature(0, 100, 0, 100)
    only_suspicious_side = feature(0, 100, 300, 400)
    other_pair = feature(0, 100, 0, 100, pair="b")
    scores = evaluate([case], [only_suspicious_side, other_pair])
    assert scores.recall == 0.0 and scores.precision == 0.0 and scores.plagdet == 0.0


def test_overlapping_detections_count_each_character_once() -> None:
    case = feature(0, 100, 0, 100)
    scores = evaluate([case], [feature(0, 80, 0, 80), feature(20, 100, 20, 100)])
    assert scores.recall == pytest.approx(1.0)
    assert scores.granularity == pytest.approx(2.0)


def test_unequal_sides_weigh_by_characters() -> None:
    scores = evaluate([feature(0, 100, 0, 300)], [feature(0, 100, 0, 100)])
    assert scores.recall == pytest.approx(200 / 400)
    assert scores.precision == pytest.approx(1.0)


def test_empty_inputs() -> None:
    assert evaluate([], []).plagdet == 1.0
    assert evaluate([feature(0, 10, 0, 10)], []).plagdet == 0.0
    assert evaluate([], [feature(0, 10, 0, 10)]).precision == 0.0


def test_xml_round_trip_and_empty_document(tmp_path: Path) -> None:
    dets = [
        PanFeature("suspicious-document00001.txt", "source-document00002.txt", 5, 1000, 100, 998)
    ]
    path = tmp_path / "suspicious-document00001-source-document00002.xml"
    write_pan_xml(path, "suspicious-document00001.txt", "source-document00002.txt", dets)
    assert read_pan_xml(path) == dets
    assert 'name="detected-plagiarism"' in path.read_text(encoding="utf-8")
    empty = render_pan_xml("suspicious-document00001.txt", "source-document00002.txt", [])
    assert empty == '<document reference="suspicious-document00001.txt">\n</document>\n'
    assert list(tmp_path.iterdir()) == [path]


def test_broken_xml_is_reported_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text("<document reference='x'><feature", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.xml"):
        read_pan_xml(path)
