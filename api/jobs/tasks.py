"""Job handlers by kind: what the worker runs for screenings, batches, corpora and webhooks."""

from __future__ import annotations

from api.follow_up_service.screening_now import KIND as SCREEN_NOW_KIND
from api.follow_up_service.screening_now import SCREEN_NOW
from api.jobs.corpora import ADD_DOCUMENT, REINDEX
from api.jobs.screening import SCREEN
from api.jobs.worker import JobHandler
from api.webhooks import DELIVER

HANDLERS: dict[str, JobHandler] = {
    "screening.run": SCREEN,
    "corpus.add": ADD_DOCUMENT,
    "corpus.reindex": REINDEX,
    "webhook.deliver": DELIVER,
    SCREEN_NOW_KIND: SCREEN_NOW,
}
