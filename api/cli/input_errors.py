"""The domain's input errors as one-line CLI errors (exit 2), with row/column problems listed
on stderr first; every workspace command (review, follow-up, plan) reports them this way,
through `workspace_errors`, and reads its dates with `parse_date`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date

from api.cli.errors import CliError
from review.allegations import AllegationError
from review.assign import AssignmentError
from review.consequences import DecisionError
from review.follow_up_policy import PolicyError
from review.misconduct import CaseError
from review.rectification import RectificationError
from review.tables import TableError, ValidationError
from review.workflows import WorkflowError
from review.workspace import WorkspaceError
from sampler.estimate import EstimateInputError
from sampler.frame import FrameError
from sampler.plan import PlanError

MAX_PRINTED_PROBLEMS = 50

WORKSPACE_ERRORS: tuple[type[Exception], ...] = (
    TableError,
    WorkspaceError,
    AssignmentError,
    CaseError,
    EstimateInputError,
    AllegationError,
    RectificationError,
    DecisionError,
    PolicyError,
    PlanError,
)
"""Errors whose message already names the file, row, thesis or step at fault."""


@contextmanager
def input_errors(*plain: type[Exception]) -> Iterator[None]:
    """File problems are listed, then summed up; errors of the `plain` types (and refused
    workflow steps) become their message. Every message says that nothing was written."""
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
    except WorkflowError as exc:
        raise CliError(f"{exc.detail}; nothing was written") from None
    except plain as exc:
        raise CliError(f"{exc}; nothing was written") from None


def workspace_errors() -> AbstractContextManager[None]:
    """The error mapping of every command that reads or changes a review workspace."""
    return input_errors(*WORKSPACE_ERRORS)


def parse_date(text: str) -> date:
    """An ISO date option (`--on`, due dates); argparse reports anything else as a usage error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date YYYY-MM-DD: {text!r}") from None
