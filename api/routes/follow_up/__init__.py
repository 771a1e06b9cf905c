"""The follow-up chain over HTTP: allegations (举报), feedback (反馈), rectification (整改),
marks (约谈/通报/激励) and accountability (问责).

Public (no key): a proof-of-work challenge, submitting an allegation and its status by
tracking code. Office (admin keys): triage, import, register matching, follow-up (a
misconduct case opens in the review cycle's case procedure), rectification items and
their due dates, escalation, 问责 decisions. Institutions (system keys): their own
feedback, rectification items (uploading plan and report), marks and decisions.
"""

from importlib import import_module

from api.routes.follow_up.common import public_router, router

ROUTE_MODULES = tuple(
    import_module(f"api.routes.follow_up.{name}")
    for name in ("allegations", "rectification", "feedback")
)

__all__ = ["ROUTE_MODULES", "public_router", "router"]
