"""Uploaded tables (expert pools, province mappings, review forms) and refused workflow steps
as problem responses.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from api.problems import ApiProblem, InvalidParam
from review.tables import Problem, TableError, ValidationError
from review.workflows import WorkflowError

# --- uploaded tables -------------------------------------------------------------------------


@contextlib.contextmanager
def uploaded_table(data: bytes, label: str) -> Iterator[Path]:
    """The upload as a temporary file the domain readers accept (never the client's name)."""
    suffix = ".xlsx" if label.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    with tempfile.TemporaryDirectory(prefix="spotcheck-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        yield path


def table_problem(exc: ValidationError | TableError, label: str, title: str) -> ApiProblem:
    """422 listing every row/column problem of an uploaded table, named by the upload label."""
    if isinstance(exc, TableError):
        message = re.sub(r"\S*upload\.(csv|xlsx)", label, str(exc))
        return ApiProblem(
            422,
            "invalid-table",
            title,
            f"{label}: {message}",
            errors=[InvalidParam(name="file", reason=message)],
        )
    errors = [
        InvalidParam(name=p.column or "file", reason=p.reason, row=p.row or None, value=p.value)
        for p in exc.problems
    ]
    shown = "; ".join(str(p) for p in exc.problems[:5])
    return ApiProblem(
        422,
        "invalid-table",
        title,
        f"{len(exc.problems)} problem(s) in {label}; nothing was stored: {shown}",
        errors=errors,
    )


def problems_to_params(problems: Sequence[Problem]) -> list[InvalidParam]:
    return [
        InvalidParam(name=p.column or "row", reason=p.reason, row=p.row or None, value=p.value)
        for p in problems
    ]


# HTTP status of a refused workflow step by its code (everything else is a 409 conflict).
WORKFLOW_STATUS = {"invalid-review": 422, "invalid-table": 422, "not-assigned": 404}


def workflow_problem(exc: WorkflowError) -> ApiProblem:
    """The problem response for a workflow step the rules refused."""
    errors: list[InvalidParam] | None = None
    if exc.code == "invalid-review":
        errors = [InvalidParam(name=p.column, reason=p.reason) for p in exc.problems]
    elif exc.problems:
        errors = problems_to_params(exc.problems)
    status = WORKFLOW_STATUS.get(exc.code, 409)
    return ApiProblem(status, exc.code, exc.title, exc.detail, errors=errors)


@contextlib.contextmanager
def workflow_problems() -> Iterator[None]:
    """Turns a refused workflow step into its problem response."""
    try:
        yield
    except WorkflowError as exc:
        raise workflow_problem(exc) from exc
