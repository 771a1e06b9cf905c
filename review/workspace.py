"""A review workspace: the review cycle stored as JSON files in one directory.

Files: `workspace.json` (format, seed, rules, sample reference), `experts.json`,
`theses.json`, `assignments.json` (every assignment ever made, with its status),
`reviews.json` (every revision), `cases.json`. Each save writes all files to
temporary names first and then renames them into place, so a failed command never
leaves a half-written file. The domain objects know nothing about this format.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from review.assign import Assignment, AssignmentStatus, MatchLevel
from review.conflicts import ConflictPolicy
from review.cycle import ReviewCycle
from review.experts import Expert
from review.forms import Grade, MisconductOpinion
from review.misconduct import CaseEvent, CaseEventKind, CaseOutcome, MisconductCase
from review.reviews import DimensionAssessment, Review
from review.theses import SampledThesis, ScreeningEvidence

FORMAT = "spotcheck-review-workspace"
FORMAT_VERSION = 1
FILES = ("experts", "theses", "assignments", "reviews", "cases")


class WorkspaceError(Exception):
    """The workspace is missing, from another program, or a file in it is damaged."""


@dataclass(frozen=True)
class WorkspaceInfo:
    """What `workspace.json` records besides the collections."""

    seed: int | None = None
    sample_file: str = ""
    sample_sha256: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def expert_to_json(expert: Expert) -> dict[str, Any]:
    return {
        "expert_id": expert.expert_id,
        "name": expert.name,
        "institution": expert.institution,
        "province": expert.province,
        "disciplines": list(expert.disciplines),
        "contact": expert.contact,
        "max_load": expert.max_load,
    }


def expert_from_json(data: Mapping[str, Any]) -> Expert:
    return Expert(
        expert_id=data["expert_id"],
        name=data["name"],
        institution=data["institution"],
        province=data["province"],
        disciplines=tuple(data["disciplines"]),
        contact=data.get("contact", ""),
        max_load=int(data["max_load"]),
    )


def thesis_to_json(thesis: SampledThesis) -> dict[str, Any]:
    screening = thesis.screening
    return {
        "thesis_id": thesis.thesis_id,
        "institution": thesis.institution,
        "degree_level": thesis.degree_level,
        "degree_type": thesis.degree_type,
        "discipline_code": thesis.discipline_code,
        "title": thesis.title,
        "author": thesis.author,
        "supervisor": thesis.supervisor,
        "co_authors": list(thesis.co_authors),
        "pre_defence_reviewers": list(thesis.pre_defence_reviewers),
        "province": thesis.province,
        "stratum": thesis.stratum,
        "inclusion_probability": thesis.inclusion_probability,
        "design_weight": thesis.design_weight,
        "screening": None
        if screening is None
        else {
            "level": screening.level,
            "reasons": list(screening.reasons),
            "report": screening.report,
            "report_sha256": screening.report_sha256,
            "total_copy_ratio": screening.total_copy_ratio,
            "max_single_source_ratio": screening.max_single_source_ratio,
        },
        "columns": dict(thesis.columns),
    }


def thesis_from_json(data: Mapping[str, Any]) -> SampledThesis:
    screening = data.get("screening")
    return SampledThesis(
        thesis_id=data["thesis_id"],
        institution=data["institution"],
        degree_level=data["degree_level"],
        degree_type=data["degree_type"],
        discipline_code=data["discipline_code"],
        title=data.get("title", ""),
        author=data.get("author", ""),
        supervisor=data.get("supervisor", ""),
        co_authors=tuple(data.get("co_authors", ())),
        pre_defence_reviewers=tuple(data.get("pre_defence_reviewers", ())),
        province=data.get("province", ""),
        stratum=data.get("stratum", ""),
        inclusion_probability=data.get("inclusion_probability"),
        design_weight=data.get("design_weight"),
        screening=None
        if screening is None
        else ScreeningEvidence(
            level=screening["level"],
            reasons=tuple(screening.get("reasons", ())),
            report=screening.get("report", ""),
            report_sha256=screening.get("report_sha256", ""),
            total_copy_ratio=screening.get("total_copy_ratio"),
            max_single_source_ratio=screening.get("max_single_source_ratio"),
        ),
        columns=dict(data.get("columns", {})),
    )


def assignment_to_json(assignment: Assignment) -> dict[str, Any]:
    return {
        "thesis_id": assignment.thesis_id,
        "expert_id": assignment.expert_id,
        "round": assignment.round,
        "match": assignment.match.value,
        "assigned_on": assignment.assigned_on.isoformat(),
        "due_on": assignment.due_on.isoformat(),
        "status": assignment.status.value,
        "replaces": assignment.replaces,
        "ended_on": assignment.ended_on.isoformat() if assignment.ended_on else None,
    }


def assignment_from_json(data: Mapping[str, Any]) -> Assignment:
    return Assignment(
        thesis_id=data["thesis_id"],
        expert_id=data["expert_id"],
        round=int(data["round"]),
        match=MatchLevel(data["match"]),
        assigned_on=date.fromisoformat(data["assigned_on"]),
        due_on=date.fromisoformat(data["due_on"]),
        status=AssignmentStatus(data["status"]),
        replaces=data.get("replaces", ""),
        ended_on=_date(data.get("ended_on")),
    )


def review_to_json(review: Review) -> dict[str, Any]:
    return {
        "thesis_id": review.thesis_id,
        "expert_id": review.expert_id,
        "round": review.round,
        "form_id": review.form_id,
        "overall": review.overall.value,
        "dimensions": [
            {"key": d.key, "grade": d.grade.value, "comment": d.comment} for d in review.dimensions
        ],
        "comment": review.comment,
        "submitted_on": review.submitted_on.isoformat(),
        "misconduct": review.misconduct.value if review.misconduct else None,
        "misconduct_comment": review.misconduct_comment,
        "revision": review.revision,
    }


def review_from_json(data: Mapping[str, Any]) -> Review:
    return Review(
        thesis_id=data["thesis_id"],
        expert_id=data["expert_id"],
        round=int(data["round"]),
        form_id=data["form_id"],
        overall=Grade(data["overall"]),
        dimensions=tuple(
            DimensionAssessment(d["key"], Grade(d["grade"]), d.get("comment", ""))
            for d in data["dimensions"]
        ),
        comment=data.get("comment", ""),
        submitted_on=date.fromisoformat(data["submitted_on"]),
        misconduct=MisconductOpinion(data["misconduct"]) if data.get("misconduct") else None,
        misconduct_comment=data.get("misconduct_comment", ""),
        revision=int(data.get("revision", 1)),
    )


def case_to_json(case: MisconductCase) -> dict[str, Any]:
    return {
        "thesis_id": case.thesis_id,
        "opened_on": case.opened_on.isoformat(),
        "triggers": list(case.triggers),
        "events": [
            {
                "kind": e.kind.value,
                "on": e.on.isoformat(),
                "outcome": e.outcome.value if e.outcome else None,
                "note": e.note,
            }
            for e in case.events
        ],
    }


def case_from_json(data: Mapping[str, Any]) -> MisconductCase:
    return MisconductCase(
        thesis_id=data["thesis_id"],
        opened_on=date.fromisoformat(data["opened_on"]),
        triggers=tuple(data.get("triggers", ())),
        events=tuple(
            CaseEvent(
                CaseEventKind(e["kind"]),
                date.fromisoformat(e["on"]),
                CaseOutcome(e["outcome"]) if e.get("outcome") else None,
                e.get("note", ""),
            )
            for e in data.get("events", ())
        ),
    )


_CODECS: dict[str, tuple[Callable[[Any], dict[str, Any]], Callable[[Any], Any]]] = {
    "experts": (expert_to_json, expert_from_json),
    "theses": (thesis_to_json, thesis_from_json),
    "assignments": (assignment_to_json, assignment_from_json),
    "reviews": (review_to_json, review_from_json),
    "cases": (case_to_json, case_from_json),
}


def exists(directory: Path | str) -> bool:
    return (Path(directory) / "workspace.json").is_file()


def load(directory: Path | str) -> tuple[ReviewCycle, WorkspaceInfo]:
    """Reads a workspace; WorkspaceError names the file that is missing or damaged."""
    directory = Path(directory)
    header = _read_json(directory / "workspace.json")
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise WorkspaceError(f"{directory / 'workspace.json'}: not a spotcheck review workspace")
    if header.get("format_version") != FORMAT_VERSION:
        raise WorkspaceError(
            f"{directory / 'workspace.json'}: format version {header.get('format_version')} "
            f"is not supported (this program reads version {FORMAT_VERSION})"
        )
    collections: dict[str, tuple[Any, ...]] = {}
    for name in FILES:
        path = directory / f"{name}.json"
        if not path.exists():
            collections[name] = ()
            continue
        items = _read_json(path)
        decode = _CODECS[name][1]
        try:
            collections[name] = tuple(decode(item) for item in items)
        except (KeyError, TypeError, ValueError) as exc:
            raise WorkspaceError(f"{path}: damaged record ({type(exc).__name__}: {exc})") from None
    info = WorkspaceInfo(
        seed=header.get("seed"),
        sample_file=header.get("sample_file", ""),
        sample_sha256=header.get("sample_sha256", ""),
        extra=header.get("extra", {}),
    )
    try:
        policy = ConflictPolicy.from_names(list(header.get("exclusions", [])))
    except ValueError as exc:
        raise WorkspaceError(f"{directory / 'workspace.json'}: {exc}") from None
    cycle = ReviewCycle(
        seed=info.seed or 0,
        policy=policy,
        due_days=int(header.get("due_days", 30)),
        **collections,
    )
    return cycle, info


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorkspaceError(f"{path}: no such file (is this a review workspace?)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkspaceError(f"{path}: cannot read ({exc})") from None


def _dumps(payload: Any) -> str:
    """JSON with one record per line: fast (C encoder) and readable in a diff."""
    if isinstance(payload, list):
        lines = [json.dumps(item, ensure_ascii=False, sort_keys=True) for item in payload]
        return "[\n" + ",\n".join(lines) + ("\n]\n" if lines else "]\n")
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def save(
    directory: Path | str,
    cycle: ReviewCycle,
    info: WorkspaceInfo,
    extra_payloads: Mapping[str, Any] | None = None,
) -> None:
    """Writes every file to a temporary name, then renames them all into place.

    `extra_payloads` (file stem → JSON data) are written in the same step, so records kept
    beside the cycle (the follow-up files) change together with it or not at all.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "seed": info.seed,
        "exclusions": cycle.policy.names() or ["none"],
        "due_days": cycle.due_days,
        "sample_file": info.sample_file,
        "sample_sha256": info.sample_sha256,
        "extra": dict(info.extra),
        "counts": {name: len(getattr(cycle, name)) for name in FILES},
    }
    payloads: dict[str, Any] = {"workspace": header}
    for name in FILES:
        encode = _CODECS[name][0]
        payloads[name] = [encode(item) for item in getattr(cycle, name)]
    for name, payload in (extra_payloads or {}).items():
        if name in payloads:
            raise ValueError(f"{name}.json belongs to the review cycle")
        payloads[name] = payload
    write_json_files(directory, payloads)


def write_json_files(directory: Path, payloads: Mapping[str, Any]) -> None:
    """Writes `<name>.json` for each payload to a temporary name first, then renames them
    all into place (`workspace.json` last), so a failure never leaves a half-written file."""
    staged: list[tuple[str, Path]] = []
    try:
        for name, payload in payloads.items():
            handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
            staged.append((temp, directory / f"{name}.json"))
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(_dumps(payload))
                stream.flush()
                os.fsync(stream.fileno())
        ordered = [item for item in staged if item[1].name != "workspace.json"]
        ordered += [item for item in staged if item[1].name == "workspace.json"]
        for temp, final in ordered:
            os.replace(temp, final)
    finally:
        for temp, _ in staged:
            if os.path.exists(temp):
                os.unlink(temp)


def read_json_file(path: Path) -> Any:
    """A workspace JSON file; WorkspaceError names it when it is missing or damaged."""
    return _read_json(path)
