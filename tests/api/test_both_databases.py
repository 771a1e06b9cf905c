"""The main flows on SQLite and PostgreSQL: idempotent submissions, screening, webhooks, audit."""

from __future__ import annotations

from standardwebhooks.webhooks import Webhook as Verifier

from tests.api.conftest import Api
from tests.api.documents import thesis_pdf_bytes
from tests.api.receiver import Receiver


def test_submission_screening_and_signed_webhook(api_any_db: Api) -> None:
    api = api_any_db
    with Receiver() as receiver:
        hook = api.client.post(
            "/v1/webhooks", json={"url": receiver.url}, headers=api.as_("system_a")
        ).json()
        other = api.client.post(
            "/v1/webhooks", json={"url": receiver.url}, headers=api.as_("system_b")
        ).json()
        headers = api.as_("system_a") | {"Idempotency-Key": "abc"}
        body = {"thesis_id": "T1", "title": "论文", "author": "张三"}
        first = api.client.post("/v1/submissions", json=body, headers=headers)
        again = api.client.post("/v1/submissions", json=body, headers=headers)
        assert (first.status_code, again.status_code) == (201, 200)
        sub_id = first.json()["id"]
        assert (
            api.client.put(
                f"/v1/submissions/{sub_id}/file", content=thesis_pdf_bytes("论文"), headers=headers
            ).status_code
            == 200
        )
        accepted = api.client.post(f"/v1/submissions/{sub_id}/screenings", headers=headers)
        assert accepted.status_code == 202
        api.run_jobs()
        api.run_jobs()
        status = api.client.get(accepted.headers["location"], headers=headers).json()
        assert status["state"] == "complete"
    # only institution A's hook hears about institution A's screening
    assert len(receiver.received) == 1
    event = Verifier(hook["secret"]).verify(receiver.received[0].body, receiver.received[0].headers)
    assert event["type"] == "screening.completed"
    assert event["data"]["screening_id"] == status["id"]
    assert other["id"] != hook["id"]
    actions = {
        e["action"]
        for e in api.client.get("/v1/audit-events?limit=100", headers=api.as_("admin")).json()[
            "data"
        ]
    }
    assert {
        "submission.create",
        "submission.upload",
        "screening.create",
        "webhook.create",
    } <= actions
