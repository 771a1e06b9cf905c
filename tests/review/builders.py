"""Small builders for review tests: theses, experts, reviews and sample files."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from review.experts import Expert
from review.forms import DIMENSION_KEYS, Grade, MisconductOpinion, form_for
from review.reviews import DimensionAssessment, Review
from review.theses import SampledThesis, ScreeningEvidence

SAMPLE_HEADER = (
    "thesis_id",
    "institution",
    "degree_level",
    "degree_type",
    "discipline_code",
    "award_date",
    "title",
    "author",
    "supervisor",
    "stratum",
    "inclusion_probability",
    "design_weight",
)


def thesis(
    thesis_id: str = "T1",
    institution: str = "甲大学",
    code: str = "0812",
    degree_type: str = "academic",
    level: str = "master",
    supervisor: str = "",
    flag: str = "",
    weight: float = 10.0,
    **extra: object,
) -> SampledThesis:
    if flag:
        extra.setdefault("screening", ScreeningEvidence(flag))
    return SampledThesis(
        thesis_id=thesis_id,
        institution=institution,
        degree_level=level,
        degree_type=degree_type,
        discipline_code=code,
        supervisor=supervisor,
        stratum=f"{level}|{institution}|{degree_type}|{code}",
        design_weight=weight,
        inclusion_probability=1 / weight,
        **extra,  # type: ignore[arg-type]
    )


def expert(
    expert_id: str,
    institution: str = "乙大学",
    codes: Sequence[str] = ("0812",),
    province: str = "江苏",
    name: str = "",
    max_load: int = 5,
) -> Expert:
    return Expert(
        expert_id=expert_id,
        name=name or f"专家{expert_id}",
        institution=institution,
        province=province,
        disciplines=tuple(codes),
        max_load=max_load,
    )


def review(
    thesis_id: str,
    expert_id: str,
    overall: Grade,
    round_number: int = 1,
    degree_type: str = "academic",
    on: date = date(2025, 3, 10),
    misconduct: MisconductOpinion | None = None,
) -> Review:
    return Review(
        thesis_id=thesis_id,
        expert_id=expert_id,
        round=round_number,
        form_id=form_for(degree_type).form_id,
        overall=overall,
        dimensions=tuple(DimensionAssessment(key, overall, "") for key in DIMENSION_KEYS),
        comment="理由 reasons",
        submitted_on=on,
        misconduct=misconduct,
    )


def write_sample(
    path: Path, theses: Sequence[SampledThesis], extra: dict[str, list[str]] | None = None
) -> Path:
    """A sample.csv like the draw writes (all frame columns plus stratum and weights)."""
    extra = extra or {}
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([*SAMPLE_HEADER, *extra])
        for i, t in enumerate(theses):
            writer.writerow(
                [
                    t.thesis_id,
                    t.institution,
                    t.degree_level,
                    t.degree_type,
                    t.discipline_code,
                    "2025-06-30",
                    f"论文{t.thesis_id}",
                    f"作者{t.thesis_id}",
                    t.supervisor or "导师甲",
                    t.stratum,
                    repr(t.inclusion_probability),
                    repr(t.design_weight),
                    *[values[i] for values in extra.values()],
                ]
            )
    return path
