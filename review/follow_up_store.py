"""The follow-up records in a review workspace: allegations, rectification, decisions.

Files beside the review cycle's: `allegations.json`, `rectification.json` and
`accountability.json`, one record per line, written with the workspace's atomic save
(temporary names, then renames). A workspace without them simply has none yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from review import workspace
from review.allegations import (
    Allegation,
    AllegationEvent,
    AllegationKind,
    AllegationReport,
    AllegationState,
    EventKind,
    FollowUp,
    Reporter,
)
from review.consequences import AccountabilityDecision, Measure
from review.cycle import ReviewCycle
from review.rectification import (
    ItemEvent,
    ItemEventKind,
    ItemKind,
    ItemState,
    RectificationItem,
)
from review.workspace import WorkspaceError, WorkspaceInfo

FILES = ("allegations", "rectification", "accountability")


@dataclass(frozen=True)
class FollowUpRecords:
    allegations: tuple[Allegation, ...] = ()
    rectification: tuple[RectificationItem, ...] = ()
    accountability: tuple[AccountabilityDecision, ...] = ()


def allegation_to_json(allegation: Allegation) -> dict[str, Any]:
    report = allegation.report
    return {
        "code": allegation.code,
        "received_on": allegation.received_on.isoformat(),
        "report": {
            "title": report.title,
            "author": report.author,
            "institution": report.institution,
            "year": report.year,
            "kind": report.kind.value,
            "suspected_source": report.suspected_source,
            "details": report.details,
            "attachments": list(report.attachments),
            "reporter": None
            if report.reporter is None
            else {"name": report.reporter.name, "contact": report.reporter.contact},
        },
        "state": allegation.state.value,
        "thesis_id": allegation.thesis_id,
        "merged_into": allegation.merged_into,
        "rejection_reason": allegation.rejection_reason,
        "follow_up": allegation.follow_up.value if allegation.follow_up else None,
        "events": [
            {"kind": e.kind.value, "on": e.on.isoformat(), "actor": e.actor, "note": e.note}
            for e in allegation.events
        ],
    }


def allegation_from_json(data: Mapping[str, Any]) -> Allegation:
    report = data["report"]
    reporter = report.get("reporter")
    return Allegation(
        code=data["code"],
        received_on=date.fromisoformat(data["received_on"]),
        report=AllegationReport(
            title=report["title"],
            author=report.get("author", ""),
            institution=report["institution"],
            year=int(report["year"]),
            kind=AllegationKind(report["kind"]),
            suspected_source=report.get("suspected_source", ""),
            details=report.get("details", ""),
            attachments=tuple(report.get("attachments", ())),
            reporter=None
            if reporter is None
            else Reporter(reporter.get("name", ""), reporter.get("contact", "")),
        ),
        state=AllegationState(data["state"]),
        thesis_id=data.get("thesis_id", ""),
        merged_into=data.get("merged_into", ""),
        rejection_reason=data.get("rejection_reason", ""),
        follow_up=FollowUp(data["follow_up"]) if data.get("follow_up") else None,
        events=tuple(
            AllegationEvent(
                EventKind(e["kind"]), date.fromisoformat(e["on"]), e["actor"], e.get("note", "")
            )
            for e in data.get("events", ())
        ),
    )


def item_to_json(item: RectificationItem) -> dict[str, Any]:
    return {
        "institution": item.institution,
        "year": item.year,
        "kind": item.kind.value,
        "due_on": item.due_on.isoformat(),
        "state": item.state.value,
        "document": item.document,
        "escalations": item.escalations,
        "escalated_due": item.escalated_due.isoformat() if item.escalated_due else None,
        "events": [
            {"kind": e.kind.value, "on": e.on.isoformat(), "actor": e.actor, "note": e.note}
            for e in item.events
        ],
    }


def item_from_json(data: Mapping[str, Any]) -> RectificationItem:
    return RectificationItem(
        institution=data["institution"],
        year=int(data["year"]),
        kind=ItemKind(data["kind"]),
        due_on=date.fromisoformat(data["due_on"]),
        state=ItemState(data["state"]),
        document=data.get("document", ""),
        escalations=int(data.get("escalations", 0)),
        escalated_due=date.fromisoformat(data["escalated_due"])
        if data.get("escalated_due")
        else None,
        events=tuple(
            ItemEvent(
                ItemEventKind(e["kind"]),
                date.fromisoformat(e["on"]),
                e["actor"],
                e.get("note", ""),
            )
            for e in data.get("events", ())
        ),
    )


def decision_to_json(decision: AccountabilityDecision) -> dict[str, Any]:
    return {
        "institution": decision.institution,
        "year": decision.year,
        "measure": decision.measure.value,
        "basis": decision.basis,
        "decided_on": decision.decided_on.isoformat(),
        "decided_by": decision.decided_by,
        "programme": decision.programme,
        "note": decision.note,
    }


def decision_from_json(data: Mapping[str, Any]) -> AccountabilityDecision:
    return AccountabilityDecision(
        institution=data["institution"],
        year=int(data["year"]),
        measure=Measure(data["measure"]),
        basis=data["basis"],
        decided_on=date.fromisoformat(data["decided_on"]),
        decided_by=data["decided_by"],
        programme=data.get("programme", ""),
        note=data.get("note", ""),
    )


_CODECS: dict[str, tuple[Any, Any]] = {
    "allegations": (allegation_to_json, allegation_from_json),
    "rectification": (item_to_json, item_from_json),
    "accountability": (decision_to_json, decision_from_json),
}


def load_records(directory: Path | str) -> FollowUpRecords:
    """The follow-up records of a workspace; WorkspaceError names a damaged file."""
    directory = Path(directory)
    if not workspace.exists(directory):
        raise WorkspaceError(f"{directory}: not a review workspace (no workspace.json)")
    loaded: dict[str, tuple[Any, ...]] = {}
    for name in FILES:
        path = directory / f"{name}.json"
        if not path.exists():
            loaded[name] = ()
            continue
        items = workspace.read_json_file(path)
        if not isinstance(items, list):
            raise WorkspaceError(f"{path}: damaged (expected a list of records)")
        decode = _CODECS[name][1]
        try:
            loaded[name] = tuple(decode(item) for item in items)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise WorkspaceError(f"{path}: damaged record ({type(exc).__name__}: {exc})") from None
    return FollowUpRecords(**loaded)


def save_records(
    directory: Path | str, records: FollowUpRecords, only: Sequence[str] = FILES
) -> None:
    """Writes the named files (all by default) atomically into an existing workspace."""
    directory = Path(directory)
    if not workspace.exists(directory):
        raise WorkspaceError(f"{directory}: not a review workspace (no workspace.json)")
    payloads = {name: [_CODECS[name][0](item) for item in getattr(records, name)] for name in only}
    workspace.write_json_files(directory, payloads)


def save_records_with_cycle(
    directory: Path | str,
    cycle: ReviewCycle,
    info: WorkspaceInfo,
    records: FollowUpRecords,
    only: Sequence[str] = FILES,
) -> None:
    """Saves the cycle and the named follow-up files in one atomic step (e.g. an allegation
    whose follow-up opens a misconduct case)."""
    payloads = {name: [_CODECS[name][0](item) for item in getattr(records, name)] for name in only}
    workspace.save(directory, cycle, info, payloads)
