"""Expert review: expert pools, assignment, review forms, the problem-thesis decision, results,
and what follows the results: allegations (举报), feedback, rectification (整改), marks and
accountability, next year's risk-based plan (复查) and the multi-year view.

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
  AllegationError   an allegation step the procedure does not allow
  RectificationError a rectification step the procedure does not allow
  DecisionError     an accountability decision without its basis or decider
  PolicyError       a follow-up policy file with a bad key or value
"""

from review.allegation_import import RegisterMatch, import_allegations, match_register
from review.allegation_screening import (
    AllegationScreening,
    NamedSourceFinding,
    check_screening_now,
    load_screenings,
    record_screening,
    save_screening,
    summarise_screening,
)
from review.allegations import (
    Allegation,
    AllegationError,
    AllegationEvent,
    AllegationKind,
    AllegationReport,
    AllegationState,
    AnswerDeadlines,
    FollowUp,
    InstitutionAllegation,
    PublicStatus,
    Reporter,
    certainty_candidates,
    institution_view,
    public_status,
)
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
from review.consequences import (
    AccountabilityDecision,
    DecisionError,
    Mark,
    MarkKind,
    Measure,
    marks,
    record_decision,
)
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
from review.feedback import (
    InstitutionFeedback,
    feedback_for_institutions,
    institution_feedback,
    render_feedback_html,
)
from review.follow_up_policy import FollowUpPolicy, PolicyError, load_policy
from review.follow_up_store import FollowUpRecords, load_records, save_records
from review.forms import FORMS, Grade, MisconductOpinion, ReviewForm, form_for
from review.history_table import SpotCheckYear, history_table, multi_year_rows, write_history
from review.history_view import HistoryRow, history_rows, render_history_html
from review.institution_history import (
    InstitutionHistory,
    YearRecord,
    build_histories,
    misconduct_by_institution,
)
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
from review.next_year import (
    Adjustment,
    CertaintyUnit,
    NextYearPlan,
    plan_next_year,
    render_next_year_plan,
)
from review.publish import institution_table, render_html, write_results
from review.rectification import (
    ItemKind,
    ItemState,
    RectificationError,
    RectificationItem,
    escalate_overdue,
    open_items,
)
from review.reinspection import ReinspectionRow, reinspection_rows, write_reinspection
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
from review.year_outcome import YearOutcome, open_rectification, year_outcome

__all__ = [
    "AccountabilityDecision",
    "Adjustment",
    "Allegation",
    "AllegationError",
    "AllegationEvent",
    "AllegationKind",
    "AllegationReport",
    "AllegationScreening",
    "AllegationState",
    "AnswerDeadlines",
    "Assignment",
    "AssignmentError",
    "AssignmentRun",
    "AssignmentStatus",
    "CaseError",
    "CaseEvent",
    "CaseEventKind",
    "CaseOutcome",
    "CertaintyUnit",
    "Conflict",
    "ConflictPolicy",
    "Decision",
    "DecisionError",
    "DimensionAssessment",
    "EvidencePack",
    "Expert",
    "FORMS",
    "FollowUp",
    "FollowUpPolicy",
    "FollowUpRecords",
    "Grade",
    "HistoryRow",
    "InstitutionAllegation",
    "InstitutionFeedback",
    "InstitutionHistory",
    "ItemKind",
    "ItemState",
    "LegalDeadlines",
    "Mark",
    "MarkKind",
    "MatchLevel",
    "Measure",
    "MisconductCase",
    "MisconductOpinion",
    "NamedSourceFinding",
    "NeedsWholeCycle",
    "NextYearPlan",
    "Outcome",
    "PolicyError",
    "Problem",
    "PublicStatus",
    "RectificationError",
    "RectificationItem",
    "RegisterMatch",
    "ReinspectionRow",
    "Reporter",
    "Results",
    "Review",
    "ReviewCycle",
    "ReviewForm",
    "ReviewImport",
    "SampledThesis",
    "ScreeningEvidence",
    "Shortfall",
    "SpotCheckYear",
    "StaffingRequest",
    "StaffingResult",
    "TableError",
    "ThesisState",
    "ThesisStatus",
    "ValidationError",
    "WorkflowError",
    "WorkspaceError",
    "YearOutcome",
    "YearRecord",
    "apply_province_mapping",
    "assign_initial",
    "assign_re_reviews",
    "build_histories",
    "certainty_candidates",
    "check_can_review",
    "check_province_rule",
    "check_screening_now",
    "compute_results",
    "conflicts",
    "deadlines",
    "decide",
    "end_assignments",
    "escalate_overdue",
    "evidence_pack",
    "feedback_for_institutions",
    "form_for",
    "history_rows",
    "history_table",
    "import_allegations",
    "import_reviews",
    "institution_feedback",
    "institution_table",
    "institution_view",
    "load_policy",
    "load_records",
    "load_screenings",
    "marks",
    "match_register",
    "misconduct_by_institution",
    "multi_year_rows",
    "open_cases",
    "open_items",
    "open_rectification",
    "parse_review_rows",
    "plan_next_year",
    "public_status",
    "read_expert_pool",
    "read_prior_results",
    "read_sample",
    "record_decision",
    "record_event",
    "record_reviews",
    "record_screening",
    "reinspection_rows",
    "render_feedback_html",
    "render_history_html",
    "render_html",
    "render_next_year_plan",
    "replace_case",
    "replace_experts",
    "replace_pool",
    "run_assignment",
    "save_records",
    "save_screening",
    "staff",
    "submit_review",
    "summarise_screening",
    "theses_from_rows",
    "thesis_statuses",
    "time_out_overdue",
    "validate_review",
    "write_history",
    "write_reinspection",
    "write_results",
    "year_outcome",
]
