"""What the follow-up commands (plan next, allegations, rectification, feedback, marks,
accountability, history) share: loading a workspace with its follow-up records, the
year, dates, and turning domain errors into one-line CLI errors."""

from __future__ import annotations

import argparse
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from api.cli.errors import CliError
from api.cli.input_errors import input_errors as domain_input_errors
from review import workspace
from review.allegations import AllegationError
from review.consequences import DecisionError
from review.cycle import ReviewCycle
from review.follow_up_policy import PolicyError
from review.follow_up_store import FollowUpRecords, load_records
from review.rectification import RectificationError
from review.tables import TableError
from sampler.plan import PlanError


def input_errors() -> AbstractContextManager[None]:
    """Domain errors become one CLI error (exit 2); row/column problems are listed first."""
    return domain_input_errors(
        TableError,
        workspace.WorkspaceError,
        AllegationError,
        RectificationError,
        DecisionError,
        PolicyError,
        PlanError,
    )


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date YYYY-MM-DD: {text!r}") from None


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
