"""What the follow-up commands (plan next, allegations, rectification, feedback, marks,
accountability, history) share: loading a workspace with its follow-up records, the
year, dates, and turning domain errors into one-line CLI errors."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from api.cli.errors import CliError
from review import workspace
from review.allegations import AllegationError
from review.consequences import DecisionError
from review.cycle import ReviewCycle
from review.follow_up_policy import PolicyError
from review.follow_up_store import FollowUpRecords, load_records
from review.rectification import RectificationError
from review.tables import TableError, ValidationError
from sampler.frame import FrameError
from sampler.plan import PlanError

MAX_PRINTED_PROBLEMS = 50


@contextmanager
def input_errors() -> Iterator[None]:
    """Domain errors become one CLI error (exit 2); row/column problems are listed first."""
    try:
        yield
    except ValidationError as exc:
        for problem in exc.problems[:MAX_PRINTED_PROBLEMS]:
            print(f"  {exc.path}: {problem}", file=sys.stderr)
        if len(exc.problems) > MAX_PRINTED_PROBLEMS:
            print(f"  … {len(exc.problems) - MAX_PRINTED_PROBLEMS} more", file=sys.stderr)
        first = exc.problems[0] if exc.problems else "unknown problem"
        raise CliError(
            f"{exc.path}: {len(exc.problems)} problem(s), first: {first}; nothing was written"
        ) from None
    except FrameError as exc:
        for frame_problem in exc.problems[:MAX_PRINTED_PROBLEMS]:
            print(f"  {exc.source}: {frame_problem.describe()}", file=sys.stderr)
        raise CliError(f"{exc}; nothing was written") from None
    except (
        TableError,
        workspace.WorkspaceError,
        AllegationError,
        RectificationError,
        DecisionError,
        PolicyError,
        PlanError,
    ) as exc:
        raise CliError(f"{exc}; nothing was written") from None


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


def write_text_atomically(path: Path, text: str) -> None:
    """Writes to a temporary file beside `path`, then renames it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
