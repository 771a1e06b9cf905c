"""'Screening now' (立即检测) for an allegation: its screening result, linked to the allegation.

When the office chooses the `screening_now` follow-up, the thesis is screened with the
source the allegation names added to the comparison (`screening.named_sources`). What this
module keeps is the link: an `AllegationScreening` record (the result file, the flag, the
copy ratio, and for each named source the share of the thesis it covers) and a `screened`
step in the allegation's audit log. Records live in `allegation-screenings.json` in the
review workspace, saved in one step with `allegations.json`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from review import workspace
from review.allegations import (
    Allegation,
    AllegationError,
    AllegationEvent,
    AllegationState,
    EventKind,
    FollowUp,
)
from review.follow_up_store import allegation_to_json
from screening.result import ScreeningResult

FILE_STEM = "allegation-screenings"


@dataclass(frozen=True)
class NamedSourceFinding:
    """One named source and what the thesis shares with it (0 and 0 when nothing)."""

    given: str
    doc_id: str
    file: str
    share: float
    passages: int


@dataclass(frozen=True)
class AllegationScreening:
    """One screening done for an allegation; `result_file` is relative to the workspace."""

    code: str
    thesis_id: str
    screened_on: date
    actor: str
    result_file: str
    flag: str
    total_copy_ratio: float | None
    named: tuple[NamedSourceFinding, ...]

    @property
    def named_source_found(self) -> bool:
        """Whether any named source shares a counted passage with the thesis."""
        return any(finding.passages > 0 for finding in self.named)


def check_screening_now(allegation: Allegation) -> None:
    """Refuses a screening unless the allegation's chosen follow-up is screening now."""
    if allegation.state is not AllegationState.FOLLOW_UP or (
        allegation.follow_up is not FollowUp.SCREENING_NOW
    ):
        raise AllegationError(
            f"allegation {allegation.code}: screen only after choosing the follow-up "
            f"{FollowUp.SCREENING_NOW.value} (it is {allegation.state.value}"
            + (f", {allegation.follow_up.value})" if allegation.follow_up else ")")
        )
    if not allegation.thesis_id:
        raise AllegationError(f"allegation {allegation.code}: is not linked to a thesis")


def summarise_screening(
    allegation: Allegation,
    result: ScreeningResult,
    named: Sequence[tuple[str, str, str]],
    result_file: str,
    on: date,
    actor: str,
) -> AllegationScreening:
    """The record of a screening result (CONTRACTS §6 shape) for the allegation; `named`
    holds (what was given, corpus document id, file name) per named source."""
    check_screening_now(allegation)
    shares = {source.id: source.share for source in result.sources}
    passages = Counter(passage.source_id for passage in result.passages)
    total = None if result.figures is None else result.figures.total_copy_ratio
    return AllegationScreening(
        code=allegation.code,
        thesis_id=allegation.thesis_id,
        screened_on=on,
        actor=actor,
        result_file=result_file,
        flag=result.flag.level,
        total_copy_ratio=None if total is None else float(total),
        named=tuple(
            NamedSourceFinding(given, doc_id, file, shares.get(doc_id, 0.0), passages[doc_id])
            for given, doc_id, file in named
        ),
    )


def screening_note(screening: AllegationScreening) -> str:
    """The audit-log line: the result, the flag, and what each named source shares."""
    total = (
        "—" if screening.total_copy_ratio is None else f"{screening.total_copy_ratio * 100:.1f}%"
    )
    found = "; ".join(
        f"{f.file or f.doc_id}: {f.share * 100:.1f}% in {f.passages} passage(s)"
        if f.passages
        else f"{f.file or f.doc_id}: no shared passage 未发现相同段落"
        for f in screening.named
    )
    return (
        f"{screening.result_file}; flag {screening.flag}; 总文字复制比 total {total}; "
        f"named source(s) 举报所指来源: {found}"
    )


def record_screening(allegation: Allegation, screening: AllegationScreening) -> Allegation:
    """The allegation with a `screened` step (never earlier than its last step)."""
    check_screening_now(allegation)
    if screening.code != allegation.code:
        raise AllegationError(
            f"allegation {allegation.code}: the screening belongs to {screening.code}"
        )
    last = allegation.events[-1].on if allegation.events else allegation.received_on
    if screening.screened_on < last:
        raise AllegationError(
            f"allegation {allegation.code}: {screening.screened_on.isoformat()} is before its "
            f"last step ({last.isoformat()})"
        )
    event = AllegationEvent(
        EventKind.SCREENED, screening.screened_on, screening.actor, screening_note(screening)
    )
    return replace(allegation, events=(*allegation.events, event))


def screening_to_json(screening: AllegationScreening) -> dict[str, Any]:
    return {
        "code": screening.code,
        "thesis_id": screening.thesis_id,
        "screened_on": screening.screened_on.isoformat(),
        "actor": screening.actor,
        "result_file": screening.result_file,
        "flag": screening.flag,
        "total_copy_ratio": screening.total_copy_ratio,
        "named": [
            {
                "given": f.given,
                "doc_id": f.doc_id,
                "file": f.file,
                "share": f.share,
                "passages": f.passages,
            }
            for f in screening.named
        ],
    }


def screening_from_json(data: Mapping[str, Any]) -> AllegationScreening:
    total = data.get("total_copy_ratio")
    return AllegationScreening(
        code=data["code"],
        thesis_id=data["thesis_id"],
        screened_on=date.fromisoformat(data["screened_on"]),
        actor=data.get("actor", ""),
        result_file=data["result_file"],
        flag=data.get("flag", ""),
        total_copy_ratio=None if total is None else float(total),
        named=tuple(
            NamedSourceFinding(
                f.get("given", ""),
                f["doc_id"],
                f.get("file", ""),
                float(f.get("share", 0.0)),
                int(f.get("passages", 0)),
            )
            for f in data.get("named", ())
        ),
    )


def load_screenings(directory: Path | str) -> tuple[AllegationScreening, ...]:
    """The screenings recorded in a workspace (none when the file is not there yet)."""
    path = Path(directory) / f"{FILE_STEM}.json"
    if not path.exists():
        return ()
    items = workspace.read_json_file(path)
    if not isinstance(items, list):
        raise workspace.WorkspaceError(f"{path}: damaged (expected a list of records)")
    try:
        return tuple(screening_from_json(item) for item in items)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise workspace.WorkspaceError(
            f"{path}: damaged record ({type(exc).__name__}: {exc})"
        ) from None


def save_screening(
    directory: Path | str,
    allegations: Sequence[Allegation],
    screenings: Sequence[AllegationScreening],
) -> None:
    """Writes `allegations.json` and `allegation-screenings.json` together, atomically."""
    directory = Path(directory)
    if not workspace.exists(directory):
        raise workspace.WorkspaceError(f"{directory}: not a review workspace (no workspace.json)")
    workspace.write_json_files(
        directory,
        {
            "allegations": [allegation_to_json(a) for a in allegations],
            FILE_STEM: [screening_to_json(s) for s in screenings],
        },
    )


def screenings_of(
    screenings: Sequence[AllegationScreening], code: str
) -> list[AllegationScreening]:
    return [s for s in screenings if s.code == code]
