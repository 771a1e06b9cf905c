"""The package's public surface is deliberate: `__all__` is pinned exactly and every name exists."""

from __future__ import annotations

import review

CYCLE = {
    "FORMS", "Assignment", "AssignmentError", "AssignmentRun", "AssignmentStatus", "CaseError",
    "CaseEvent", "CaseEventKind", "CaseOutcome", "Conflict", "ConflictPolicy", "Decision",
    "DimensionAssessment", "EvidencePack", "Expert", "Grade", "LegalDeadlines", "MatchLevel",
    "MisconductCase", "MisconductOpinion", "NeedsWholeCycle", "Outcome", "Problem", "Results",
    "Review", "ReviewCycle", "ReviewForm", "ReviewImport", "SampledThesis", "ScreeningEvidence",
    "Shortfall", "StaffingRequest", "StaffingResult", "TableError", "ThesisState", "ThesisStatus",
    "ValidationError", "WorkflowError", "WorkspaceError", "apply_province_mapping",
    "assign_initial", "assign_re_reviews", "check_can_review", "check_province_rule",
    "compute_results", "conflicts", "deadlines", "decide", "end_assignments", "evidence_pack",
    "form_for", "import_reviews", "institution_table", "open_cases", "parse_review_rows",
    "read_expert_pool", "read_prior_results", "read_sample", "record_event", "record_reviews",
    "render_html", "replace_case", "replace_experts", "replace_pool", "run_assignment", "staff",
    "submit_review", "theses_from_rows", "thesis_statuses", "time_out_overdue", "validate_review",
    "write_results",
}  # fmt: skip
FOLLOW_UP = {
    "AccountabilityDecision", "Adjustment", "Allegation", "AllegationError", "AllegationEvent",
    "AllegationKind", "AllegationReport", "AllegationState", "AnswerDeadlines", "CertaintyUnit",
    "DecisionError", "FollowUp", "FollowUpPolicy", "FollowUpRecords", "HistoryRow",
    "InstitutionAllegation", "InstitutionFeedback", "InstitutionHistory", "ItemKind", "ItemState",
    "Mark", "MarkKind", "Measure", "NextYearPlan", "PolicyError", "PublicStatus",
    "RectificationError", "RectificationItem", "RegisterMatch", "Reporter", "YearRecord",
    "build_histories", "certainty_candidates", "escalate_overdue", "history_rows",
    "import_allegations", "institution_feedback", "institution_view", "load_policy",
    "load_records", "marks", "match_register", "misconduct_by_institution", "open_items",
    "plan_next_year", "public_status", "record_decision", "render_feedback_html",
    "render_history_html", "render_next_year_plan", "save_records", "history_table",
    "write_history", "AllegationScreening", "NamedSourceFinding", "check_screening_now",
    "load_screenings", "record_screening", "save_screening", "summarise_screening",
    "YearOutcome", "year_outcome", "open_rectification", "ReinspectionRow", "reinspection_rows",
    "write_reinspection", "feedback_for_institutions", "SpotCheckYear", "multi_year_rows",
}  # fmt: skip
EXPECTED = CYCLE | FOLLOW_UP


def test_exported_members_are_pinned() -> None:
    assert set(review.__all__) == EXPECTED
    assert len(review.__all__) == len(EXPECTED)
    for name in review.__all__:
        assert getattr(review, name) is not None, name


def test_demo_generators_are_not_part_of_the_domain() -> None:
    assert not hasattr(review, "simulate_review_cycle")
    assert not hasattr(review, "generate_expert_pool")
