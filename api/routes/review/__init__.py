"""Expert review over HTTP: the office runs review cycles; reviewers see and answer their own.

Office (admin keys): a review cycle per draw, the expert pool, seeded assignment,
declines and timeouts, offline review forms, thesis states and decisions, misconduct
cases with their deadlines, results (JSON, CSV, XLSX, HTML), reviewer keys and one-time
portal links. Reviewers (reviewer keys bound to an expert): their assignments, the blind
report and their review, before the deadline.
"""

from importlib import import_module

from api.routes.review.common import discipline_label, reviewer_router, router

# Each module registers its routes on the two routers when imported, in this order (the order
# of the OpenAPI document).
ROUTE_MODULES = tuple(
    import_module(f"api.routes.review.{name}")
    for name in ("cycles", "experts", "assignments", "reviews", "cases", "results", "reviewer")
)

__all__ = ["ROUTE_MODULES", "discipline_label", "reviewer_router", "router"]
