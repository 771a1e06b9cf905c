"""Reading a stored screening result: one parse, one problem when it cannot be read.

The HTTP routes, the review service and the reviewer portal read stored result blobs
through `parse_stored_result`, so a damaged or foreign result gives every caller the same
409 problem naming the bad field, never a silent default.
"""

from __future__ import annotations

import json

from api.problems import ApiProblem
from screening.result import ResultFormatError, ScreeningResult

RESULT_UNREADABLE = "screening-result-unreadable"


def parse_stored_result(data: bytes, screening_id: str) -> ScreeningResult:
    """The typed result of a stored blob; 409 `screening-result-unreadable` naming the field."""
    try:
        return ScreeningResult.from_json(json.loads(data))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _unreadable(screening_id, f"not valid JSON ({exc})") from exc
    except ResultFormatError as exc:
        raise _unreadable(screening_id, str(exc)) from exc


def _unreadable(screening_id: str, why: str) -> ApiProblem:
    return ApiProblem(
        409,
        RESULT_UNREADABLE,
        "Screening result unreadable",
        f"the result of screening {screening_id} cannot be read: {why}",
    )
