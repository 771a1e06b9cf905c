"""PAN text-alignment format and measures.

Reads and writes the PAN 2013 XML (one `<document>` per suspicious/source pair, one `<feature>` per
case or detection) and computes the character-level measures of Potthast et al. (2010), "An
Evaluation Framework for Plagiarism Detection": macro precision, macro recall, granularity and
plagdet = F1 / log2(1 + granularity).

A case or detection is a pair of character ranges, one in the suspicious and one in the source
document. A detection r *detects* a case s when both belong to the same document pair and r
overlaps s in the suspicious and in the source document.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from exports import write_text_atomically

__all__ = [
    "PanFeature",
    "PanScores",
    "evaluate",
    "read_pan_xml",
    "write_pan_xml",
]


@dataclass(frozen=True)
class PanFeature:
    """One case (ground truth) or detection: character ranges in both documents."""

    suspicious: str
    source: str
    this_offset: int
    this_length: int
    source_offset: int
    source_length: int
    obfuscation: str = ""

    @property
    def this_range(self) -> range:
        return range(self.this_offset, self.this_offset + self.this_length)

    @property
    def source_range(self) -> range:
        return range(self.source_offset, self.source_offset + self.source_length)


@dataclass(frozen=True)
class PanScores:
    """The PAN measures over a set of cases and detections."""

    precision: float
    recall: float
    granularity: float
    plagdet: float
    cases: int
    detections: int


def read_pan_xml(path: Path, *, feature_name: str | None = None) -> list[PanFeature]:
    """The features of one PAN XML file (ground truth `plagiarism` or `detected-plagiarism`)."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise ValueError(f"{path}: not a readable PAN XML file: {exc}") from exc
    if root.tag != "document" or "reference" not in root.attrib:
        raise ValueError(f"{path}: root element must be <document reference=...>")
    suspicious = root.attrib["reference"]
    features = []
    for element in root.iter("feature"):
        if feature_name is not None and element.attrib.get("name") != feature_name:
            continue
        attrs = element.attrib
        if "source_reference" not in attrs:
            continue
        try:
            features.append(
                PanFeature(
                    suspicious=suspicious,
                    source=attrs["source_reference"],
                    this_offset=int(attrs["this_offset"]),
                    this_length=int(attrs["this_length"]),
                    source_offset=int(attrs["source_offset"]),
                    source_length=int(attrs["source_length"]),
                    obfuscation=attrs.get("obfuscation", ""),
                )
            )
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path}: feature with a missing or bad offset: {exc}") from exc
    return features


def render_pan_xml(suspicious: str, source: str, detections: Sequence[PanFeature]) -> str:
    """The PAN XML text for one pair's detections (an empty `<document>` when there are none)."""
    root = ET.Element("document", {"reference": suspicious})
    for det in detections:
        ET.SubElement(
            root,
            "feature",
            {
                "name": "detected-plagiarism",
                "this_offset": str(det.this_offset),
                "this_length": str(det.this_length),
                "source_reference": source,
                "source_offset": str(det.source_offset),
                "source_length": str(det.source_length),
            },
        )
    root.text = "\n"
    for child in root:
        child.tail = "\n"
    return ET.tostring(root, encoding="unicode") + "\n"


def write_pan_xml(
    path: Path, suspicious: str, source: str, detections: Sequence[PanFeature]
) -> None:
    """Write one pair's detections atomically (temporary file in the same folder, then rename)."""
    text = render_pan_xml(suspicious, source, detections)
    write_text_atomically(path, text)


def _overlap(a: range, b: range) -> int:
    return max(0, min(a.stop, b.stop) - max(a.start, b.start))


def _union_overlap(target: range, others: Iterable[range]) -> int:
    """Characters of `target` covered by the union of `others`."""
    spans = sorted(
        (max(o.start, target.start), min(o.stop, target.stop))
        for o in others
        if _overlap(o, target)
    )
    covered = 0
    cursor = target.start
    for start, stop in spans:
        start = max(start, cursor)
        if stop > start:
            covered += stop - start
            cursor = stop
    return covered


def _detects(det: PanFeature, case: PanFeature) -> bool:
    return (
        _overlap(det.this_range, case.this_range) > 0
        and _overlap(det.source_range, case.source_range) > 0
    )


def evaluate(cases: Sequence[PanFeature], detections: Sequence[PanFeature]) -> PanScores:
    """Macro precision and recall, granularity and plagdet over all pairs of the input."""
    by_pair_cases: dict[tuple[str, str], list[PanFeature]] = defaultdict(list)
    by_pair_dets: dict[tuple[str, str], list[PanFeature]] = defaultdict(list)
    for case in cases:
        by_pair_cases[(case.suspicious, case.source)].append(case)
    for det in detections:
        by_pair_dets[(det.suspicious, det.source)].append(det)

    recall_sum = 0.0
    detected_cases = 0
    detections_per_detected_case = 0
    for pair, pair_cases in by_pair_cases.items():
        pair_dets = by_pair_dets.get(pair, [])
        for case in pair_cases:
            hits = [d for d in pair_dets if _detects(d, case)]
            if not hits:
                continue
            detected_cases += 1
            detections_per_detected_case += len(hits)
            covered = _union_overlap(case.this_range, (d.this_range for d in hits))
            covered += _union_overlap(case.source_range, (d.source_range for d in hits))
            recall_sum += covered / (case.this_length + case.source_length)

    precision_sum = 0.0
    for pair, pair_dets in by_pair_dets.items():
        pair_cases = by_pair_cases.get(pair, [])
        for det in pair_dets:
            hits = [c for c in pair_cases if _detects(det, c)]
            size = det.this_length + det.source_length
            if not hits or size == 0:
                continue
            covered = _union_overlap(det.this_range, (c.this_range for c in hits))
            covered += _union_overlap(det.source_range, (c.source_range for c in hits))
            precision_sum += covered / size

    n_cases, n_dets = len(cases), len(detections)
    if n_cases == 0 and n_dets == 0:
        precision = recall = 1.0
    elif n_cases == 0 or n_dets == 0:
        precision = recall = 0.0  # as in the PAN evaluation script
    else:
        precision = precision_sum / n_dets
        recall = recall_sum / n_cases
    granularity = detections_per_detected_case / detected_cases if detected_cases else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    plagdet = f1 / math.log2(1 + granularity)
    return PanScores(
        precision=precision,
        recall=recall,
        granularity=granularity,
        plagdet=plagdet,
        cases=n_cases,
        detections=n_dets,
    )
