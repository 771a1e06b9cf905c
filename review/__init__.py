"""Expert review: expert pools, assignment, review forms, the problem-thesis decision, results.

Plain typed domain code (no web or database imports). The CLI (`api/cli/review.py`)
stores a `ReviewCycle` in a JSON workspace; the HTTP service can store the same
frozen dataclasses in its database and call the same functions.

The workflows (assignment run, review import, review submission, pool replacement, the
province rule) live in `review.workflows`; the CLI, the HTTP service and the demo call them.

Errors (each carries a message naming the file, row, column or thesis):
  ValidationError   an input file has problems (all of them in `.problems`)
  TableError        an input file cannot be read as a table at all
  AssignmentError   an assignment request that cannot be acted on
  CaseError         a misconduct-case step the procedure does not allow
  WorkspaceError    a review workspace is missing or damaged
  WorkflowError     a workflow step the rules do not allow (`.code` is stable)
"""

from review.assign import (
    Assignment,
    AssignmentError,
    AssignmentStatus,
    MatchLevel,
    Shortfall,
    StaffingRequest,
    StaffingResult,
    staff,
)
from review.conflicts import Conflict, ConflictPolicy, conflicts
from review.cycle import (
    ReviewCycle,
    ThesisState,
    ThesisStatus,
    assign_initial,
    assign_re_reviews,
    open_cases,
    record_reviews,
    replace_case,
    replace_experts,
    thesis_statuses,
    time_out_overdue,
)
from review.decision import Decision, Outcome, decide
from review.experts import Expert, read_expert_pool
from review.forms import FORMS, Grade, MisconductOpinion, ReviewForm, form_for
from review.misconduct import (
    CaseError,
    CaseEvent,
    CaseEventKind,
    CaseOutcome,
    EvidencePack,
    LegalDeadlines,
    MisconductCase,
    deadlines,
    evidence_pack,
    record_event,
)
from review.publish import institution_table, render_html, write_results
from review.results import Results, compute_results, read_prior_results
from review.reviews import DimensionAssessment, Review, parse_review_rows, validate_review
from review.tables import Problem, TableError, ValidationError
from review.theses import SampledThesis, ScreeningEvidence, read_sample, theses_from_rows
from review.workflows import (
    AssignmentRun,
    NeedsWholeCycle,
    ReviewImport,
    WorkflowError,
    apply_province_mapping,
    check_can_review,
    check_province_rule,
    end_assignments,
    import_reviews,
    replace_pool,
    run_assignment,
    submit_review,
)
from review.workspace import WorkspaceError

__all__ = [
    "FORMS",
    "Assignment",
    "AssignmentError",
    "AssignmentRun",
    "AssignmentStatus",
    "CaseError",
    "CaseEvent",
    "CaseEventKind",
    "CaseOutcome",
    "Conflict",
    "ConflictPolicy",
    "Decision",
    "DimensionAssessment",
    "EvidencePack",
    "Expert",
    "Grade",
    "LegalDeadlines",
    "MatchLevel",
    "MisconductCase",
    "MisconductOpinion",
    "NeedsWholeCycle",
    "Outcome",
    "Problem",
    "Results",
    "Review",
    "ReviewCycle",
    "ReviewForm",
    "ReviewImport",
    "SampledThesis",
    "ScreeningEvidence",
    "Shortfall",
    "StaffingRequest",
    "StaffingResult",
    "TableError",
    "ThesisState",
    "ThesisStatus",
    "ValidationError",
    "WorkflowError",
    "WorkspaceError",
    "apply_province_mapping",
    "assign_initial",
    "assign_re_reviews",
    "check_can_review",
    "check_province_rule",
    "compute_results",
    "conflicts",
    "deadlines",
    "decide",
    "end_assignments",
    "evidence_pack",
    "form_for",
    "import_reviews",
    "institution_table",
    "open_cases",
    "parse_review_rows",
    "read_expert_pool",
    "read_prior_results",
    "read_sample",
    "record_event",
    "record_reviews",
    "render_html",
    "replace_case",
    "replace_experts",
    "replace_pool",
    "run_assignment",
    "staff",
    "submit_review",
    "theses_from_rows",
    "thesis_statuses",
    "time_out_overdue",
    "validate_review",
    "write_results",
]
