"""Sampled theses as the review workflow sees them: the draw's rows plus screening flags."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from review.tables import Problem, ValidationError, header_key
from sampler.frame import load_frame
from screening.result import ResultFormatError, ScreeningResult, is_result_json

EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {
    "co_authors": ("合作者", "合作作者"),
    "pre_defence_reviewers": ("预答辩专家", "预答辩评阅人", "评阅人"),
    "stratum": ("层",),
    "inclusion_probability": ("入样概率",),
    "design_weight": ("设计权数", "设计权重"),
    "screening_flag": ("检测结论",),
}
FLAG_LEVELS = ("clear", "needs_review", "suspected_misconduct")
_NAME_SPLIT = re.compile(r"[;,，；、/|]+")


@dataclass(frozen=True)
class ScreeningEvidence:
    """What the screening said about a thesis, and where its full result lives."""

    level: str
    reasons: tuple[str, ...] = ()
    report: str = ""
    report_sha256: str = ""
    total_copy_ratio: float | None = None
    max_single_source_ratio: float | None = None

    @property
    def flagged(self) -> bool:
        return self.level != "clear"


@dataclass(frozen=True)
class SampledThesis:
    """One sampled thesis; `province` is its institution's province when known."""

    thesis_id: str
    institution: str
    degree_level: str
    degree_type: str
    discipline_code: str
    title: str = ""
    author: str = ""
    supervisor: str = ""
    co_authors: tuple[str, ...] = ()
    pre_defence_reviewers: tuple[str, ...] = ()
    province: str = ""
    stratum: str = ""
    inclusion_probability: float | None = None
    design_weight: float | None = None
    screening: ScreeningEvidence | None = None
    columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def category(self) -> str:
        """The 2-digit 门类 of the thesis's discipline code."""
        return self.discipline_code[:2]

    @property
    def flagged(self) -> bool:
        """True when screening flagged the thesis (a misconduct opinion is then required)."""
        return self.screening is not None and self.screening.flagged


def split_names(text: str) -> tuple[str, ...]:
    """Names from a cell listing several ('张三；李四、王五')."""
    return tuple(part.strip() for part in _NAME_SPLIT.split(text) if part.strip())


def _probability(raw: str, number: int, column: str, problems: list[Problem]) -> float | None:
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        problems.append(Problem(number, column, raw, "not a number"))
        return None
    if not value > 0 or value != value:
        problems.append(Problem(number, column, raw, "must be a positive number"))
        return None
    return value


def read_sample(path: Path | str) -> list[SampledThesis]:
    """Reads a draw's `sample.csv` (any frame-shaped CSV/XLSX) with the sampler's frame loader.

    Frame columns are validated by `sampler.frame.load_frame` (FrameError); the review
    columns it passes through (co-authors, pre-defence reviewers, probabilities, weights,
    screening flag) are validated here (ValidationError with every problem).
    """
    frame = load_frame(path)
    lookup: dict[str, str] = {}
    for canonical, names in EXTRA_COLUMNS.items():
        for name in (canonical, *names):
            lookup[header_key(name)] = canonical
    extra = {lookup[header_key(c)]: c for c in frame.extra_columns if header_key(c) in lookup}

    def column(name: str) -> list[str]:
        source = extra.get(name)
        return frame.data[source] if source else [""] * len(frame)

    problems: list[Problem] = []
    theses: list[SampledThesis] = []
    flags = column("screening_flag")
    probabilities = column("inclusion_probability")
    weights = column("design_weight")
    co_authors = column("co_authors")
    reviewers = column("pre_defence_reviewers")
    strata = column("stratum")
    names = frame.columns
    for i, number in enumerate(frame.row_numbers):
        row_problems: list[Problem] = []
        flag = flags[i].strip()
        if flag and flag not in FLAG_LEVELS:
            row_problems.append(
                Problem(number, "screening_flag", flag, f"not one of {', '.join(FLAG_LEVELS)}")
            )
        probability = _probability(
            probabilities[i].strip(), number, "inclusion_probability", row_problems
        )
        weight = _probability(weights[i].strip(), number, "design_weight", row_problems)
        if row_problems:
            problems.extend(row_problems)
            continue
        theses.append(
            SampledThesis(
                thesis_id=frame.data["thesis_id"][i],
                institution=frame.data["institution"][i],
                degree_level=frame.data["degree_level"][i],
                degree_type=frame.data["degree_type"][i],
                discipline_code=frame.data["discipline_code"][i],
                title=frame.data["title"][i],
                author=frame.data["author"][i],
                supervisor=frame.data["supervisor"][i],
                co_authors=split_names(co_authors[i]),
                pre_defence_reviewers=split_names(reviewers[i]),
                stratum=strata[i].strip(),
                inclusion_probability=probability,
                design_weight=weight,
                screening=ScreeningEvidence(level=flag) if flag else None,
                columns={name: frame.data[name][i] for name in names},
            )
        )
    if problems:
        raise ValidationError(path, problems)
    return sorted(theses, key=lambda thesis: thesis.thesis_id)


def read_screening_results(directory: Path | str) -> dict[str, ScreeningEvidence]:
    """Screening result JSONs by thesis id (`thesis.metadata.thesis_id`, else the file stem).

    Files that are not screening results are skipped; a result that cannot be parsed
    raises ValidationError naming the file.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ValidationError(directory, [Problem(0, "", "", "not a directory")])
    found: dict[str, ScreeningEvidence] = {}
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.json")):
        data = path.read_bytes()
        try:
            result = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(Problem(0, path.name, "", f"not valid JSON ({exc})"))
            continue
        if not is_result_json(result):
            continue
        try:
            typed = ScreeningResult.from_json(result)
        except ResultFormatError as exc:
            problems.append(Problem(0, path.name, exc.field, str(exc)))
            continue
        evidence = evidence_from_result(
            typed, str(path.resolve()), hashlib.sha256(data).hexdigest()
        )
        found[typed.thesis_id or path.stem] = evidence
    if problems:
        raise ValidationError(directory, problems)
    return found


def evidence_from_result(
    result: ScreeningResult, report: str = "", report_sha256: str = ""
) -> ScreeningEvidence:
    """The review's view of a screening result (flag, reasons, two figures): the one reader
    the CLI, the service and the demo share."""
    figures = result.figures  # None when the thesis could not be screened
    return ScreeningEvidence(
        level=result.flag.level,
        reasons=result.flag.reasons,
        report=report,
        report_sha256=report_sha256,
        total_copy_ratio=figures.total_copy_ratio if figures else None,
        max_single_source_ratio=figures.max_single_source_ratio if figures else None,
    )


def attach_screening(
    theses: list[SampledThesis], evidence: Mapping[str, ScreeningEvidence]
) -> list[SampledThesis]:
    """The theses with screening evidence attached where a result exists for them."""
    return [
        replace(thesis, screening=evidence[thesis.thesis_id])
        if thesis.thesis_id in evidence
        else thesis
        for thesis in theses
    ]


def attach_provinces(
    theses: list[SampledThesis], provinces: Mapping[str, str]
) -> list[SampledThesis]:
    """The theses with their institution's province filled in from the mapping."""
    return [
        replace(thesis, province=provinces.get(thesis.institution, thesis.province))
        for thesis in theses
    ]


def theses_from_rows(rows: Iterable[Mapping[str, object]]) -> list[SampledThesis]:
    """Sampled theses from in-memory rows with the sample's canonical English columns.

    For callers that already hold the draw in memory (the demo, the HTTP service);
    values must already be canonical (as in `sample.csv`).
    """
    theses = []
    for row in rows:
        text = {key: "" if value is None else str(value).strip() for key, value in row.items()}
        flag = text.get("screening_flag", "")
        probability = text.get("inclusion_probability", "")
        weight = text.get("design_weight", "")
        theses.append(
            SampledThesis(
                thesis_id=text["thesis_id"],
                institution=text["institution"],
                degree_level=text["degree_level"],
                degree_type=text["degree_type"],
                discipline_code=text["discipline_code"],
                title=text.get("title", ""),
                author=text.get("author", ""),
                supervisor=text.get("supervisor", ""),
                co_authors=split_names(text.get("co_authors", "")),
                pre_defence_reviewers=split_names(text.get("pre_defence_reviewers", "")),
                stratum=text.get("stratum", ""),
                inclusion_probability=float(probability) if probability else None,
                design_weight=float(weight) if weight else None,
                screening=ScreeningEvidence(level=flag) if flag else None,
                columns=text,
            )
        )
    return sorted(theses, key=lambda thesis: thesis.thesis_id)
