"""What the follow-up commands (plan next, allegations, rectification, feedback, marks,
accountability, history) share: loading a workspace with its follow-up records, the
year and the common options. Their errors and dates go through `api.cli.input_errors`,
like every other workspace command's."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from api.cli.errors import CliError
from api.cli.input_errors import parse_date
from review import workspace
from review.cycle import ReviewCycle
from review.follow_up_store import FollowUpRecords, load_records


@dataclass(frozen=True)
class LoadedWorkspace:
    directory: Path
    cycle: ReviewCycle
    info: workspace.WorkspaceInfo
    records: FollowUpRecords


def load_workspace(directory: Path) -> LoadedWorkspace:
    if not workspace.exists(directory):
        raise CliError(f"{directory}: not a review workspace (no workspace.json)")
    cycle, info = workspace.load(directory)
    return LoadedWorkspace(directory, cycle, info, load_records(directory))


def workspace_year(loaded: LoadedWorkspace, given: int | None) -> int:
    """The spot-check year: `--year`, else the workspace's recorded year, else this year."""
    if given is not None:
        return given
    recorded = loaded.info.extra.get("year")
    return int(recorded) if isinstance(recorded, int) else date.today().year


def add_common(parser: argparse.ArgumentParser, *, actor: bool = True) -> None:
    parser.add_argument("--workspace", type=Path, required=True, help="review workspace directory")
    parser.add_argument("--on", type=parse_date, help="date of the step (default: today)")
    if actor:
        parser.add_argument(
            "--actor", default="office", help="who acts, for the audit log (default: office)"
        )
