"""The domain's input errors as one-line CLI errors (exit 2), with row/column problems listed
on stderr first; every workspace command (review, follow-up, plan) reports them this way."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from api.cli.errors import CliError
from review.tables import ValidationError
from review.workflows import WorkflowError
from sampler.frame import FrameError

MAX_PRINTED_PROBLEMS = 50


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
