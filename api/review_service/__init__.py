"""Between the `review` domain and the database, in three parts along their seams:

- `repository`: a review cycle is loaded from its rows into the domain's immutable
  `ReviewCycle`, changed by the domain's workflows (`review.workflows`), and written back as a
  diff under an optimistic lock (the cycle row's `version`), so two concurrent writers never
  lose each other's changes;
- `security`: reviewer identities (bound keys, one-time links, portal sessions);
- `reviewer`: what a reviewer sees and does (blind assignments and report, the review);
- `tables`: uploaded tables and refused workflow steps as problem responses.

The JSON routes (`api.routes.review`) and the portal (`api.routes.portal`) both act through
these; errors are `ApiProblem`s that each caller renders its own way.
"""

from api.review_service import clock
from api.review_service.repository import (
    LoadedCycle,
    assignment_ids,
    change_cycle,
    latest_screening,
    load_cycle,
    sample_theses,
    save_cycle,
    with_screening_evidence,
)
from api.review_service.reviewer import (
    ReviewerAssignment,
    ReviewInput,
    blind_id,
    blind_names,
    blind_report,
    reviewer_assignment,
    reviewer_assignments,
    submit_review,
)
from api.review_service.security import (
    LINK_TTL,
    SESSION_TTL,
    ReviewerIdentity,
    expert_principal,
    find_token,
    identity_for_key,
    issue_token,
    redeem_link,
)
from api.review_service.tables import (
    problems_to_params,
    table_problem,
    uploaded_table,
    workflow_problem,
    workflow_problems,
)

__all__ = [
    "LINK_TTL",
    "SESSION_TTL",
    "LoadedCycle",
    "ReviewInput",
    "ReviewerAssignment",
    "ReviewerIdentity",
    "assignment_ids",
    "blind_id",
    "blind_names",
    "blind_report",
    "change_cycle",
    "clock",
    "expert_principal",
    "find_token",
    "identity_for_key",
    "issue_token",
    "latest_screening",
    "load_cycle",
    "problems_to_params",
    "redeem_link",
    "reviewer_assignment",
    "reviewer_assignments",
    "sample_theses",
    "save_cycle",
    "submit_review",
    "table_problem",
    "uploaded_table",
    "with_screening_evidence",
    "workflow_problem",
    "workflow_problems",
]
