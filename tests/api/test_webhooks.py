"""Webhooks: signed per Standard Webhooks, retried with backoff, logged, resent."""

from __future__ import annotations

import json
import time

from standardwebhooks.webhooks import Webhook as Verifier

from api.webhooks import backoff_seconds
from tests.api.conftest import Api
from tests.api.receiver import Receiver


def _register(api: Api, url: str, who: str = "admin") -> dict:
    response = api.client.post("/v1/webhooks", json={"url": url}, headers=api.as_(who))
    assert response.status_code == 201, response.text
    return response.json()


def _drain(api: Api, rounds: int = 20) -> None:
    for _ in range(rounds):
        if api.run_jobs() == 0:
            time.sleep(0.03)


def test_ping_is_signed_and_verifiable(api: Api) -> None:
    with Receiver() as receiver:
        hook = _register(api, receiver.url)
        assert hook["secret"].startswith("whsec_")
        ping = api.client.post(f"/v1/webhooks/{hook['id']}/ping", headers=api.as_("admin"))
        assert ping.status_code == 202
        api.run_jobs()
    assert len(receiver.received) == 1
    got = receiver.received[0]
    payload = Verifier(hook["secret"]).verify(got.body, got.headers)
    assert payload["type"] == "ping" and payload["data"]["webhook_id"] == hook["id"]
    assert got.headers["webhook-id"] == ping.json()["id"]
    log = api.client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=api.as_("admin")).json()
    assert log["count"] == 1 and log["data"][0]["state"] == "delivered"
    assert log["data"][0]["log"][0]["status_code"] == 204


def test_failures_are_retried_with_backoff_and_logged(api: Api) -> None:
    with Receiver(fail_first=2) as receiver:
        hook = _register(api, receiver.url)
        api.client.post(f"/v1/webhooks/{hook['id']}/ping", headers=api.as_("admin"))
        _drain(api)
    assert len(receiver.received) == 3
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert len(ids) == 1  # the same message id on every retry
    delivery = api.client.get(
        f"/v1/webhooks/{hook['id']}/deliveries", headers=api.as_("admin")
    ).json()["data"][0]
    assert delivery["state"] == "delivered" and delivery["attempts"] == 3
    assert [a["status_code"] for a in delivery["log"]] == [500, 500, 204]
    assert backoff_seconds(1, 5) == 5 and backoff_seconds(4, 5) == 40
    assert backoff_seconds(40, 5) == 3600


def test_exhausted_delivery_fails_and_can_be_resent(api: Api) -> None:
    api.service.settings.webhook_max_attempts = 2
    with Receiver(fail_first=2) as receiver:
        hook = _register(api, receiver.url)
        api.client.post(f"/v1/webhooks/{hook['id']}/ping", headers=api.as_("admin"))
        _drain(api)
        url = f"/v1/webhooks/{hook['id']}/deliveries"
        delivery = api.client.get(url, headers=api.as_("admin")).json()["data"][0]
        assert delivery["state"] == "failed" and delivery["attempts"] == 2
        resent = api.client.post(f"{url}/{delivery['id']}/resend", headers=api.as_("admin"))
        assert resent.status_code == 202
        _drain(api)
    delivery = api.client.get(url, headers=api.as_("admin")).json()["data"][0]
    assert delivery["state"] == "delivered" and delivery["attempts"] == 3
    assert len(receiver.received) == 3
    assert json.loads(receiver.received[-1].body)["type"] == "ping"


def test_unreachable_endpoint_is_logged_not_crashing(api: Api) -> None:
    api.service.settings.webhook_max_attempts = 1
    hook = _register(api, "http://127.0.0.1:9/nothing-listens-here")
    api.client.post(f"/v1/webhooks/{hook['id']}/ping", headers=api.as_("admin"))
    _drain(api, 3)
    delivery = api.client.get(
        f"/v1/webhooks/{hook['id']}/deliveries", headers=api.as_("admin")
    ).json()["data"][0]
    assert delivery["state"] == "failed" and "ConnectError" in delivery["log"][0]["error"]


def test_webhooks_belong_to_their_owner(api: Api) -> None:
    hook = _register(api, "https://a.example/hook", who="system_a")
    assert hook["institution"] == "甲大学"
    assert (
        api.client.get(f"/v1/webhooks/{hook['id']}", headers=api.as_("system_b")).status_code == 404
    )
    assert api.client.get("/v1/webhooks", headers=api.as_("system_b")).json()["count"] == 0
    assert api.client.get(f"/v1/webhooks/{hook['id']}", headers=api.as_("admin")).status_code == 200
    assert api.client.get("/v1/webhooks", headers=api.as_("reviewer")).status_code == 403
    bad = api.client.post(
        "/v1/webhooks", json={"url": "file:///etc/passwd"}, headers=api.as_("admin")
    )
    assert bad.status_code == 422
    deleted = api.client.delete(f"/v1/webhooks/{hook['id']}", headers=api.as_("system_a"))
    assert deleted.status_code == 204
    assert api.client.get("/v1/webhooks", headers=api.as_("system_a")).json()["count"] == 0


def test_hooks_to_private_addresses_are_refused_unless_allowed(api: Api) -> None:
    api.service.settings.webhook_allow_private = False
    refused = api.client.post(
        "/v1/webhooks", json={"url": "http://169.254.169.254/latest"}, headers=api.as_("admin")
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["name"] == "url"
    assert "public addresses only" in refused.json()["errors"][0]["reason"]
    public = api.client.post(
        "/v1/webhooks", json={"url": "https://202.112.0.36/hook"}, headers=api.as_("admin")
    )
    assert public.status_code == 201


def test_a_delivery_to_a_target_no_longer_allowed_is_not_sent(api: Api) -> None:
    with Receiver() as receiver:
        hook = _register(api, receiver.url)  # allowed when it was registered
        api.service.settings.webhook_allow_private = False
        api.client.post(f"/v1/webhooks/{hook['id']}/ping", headers=api.as_("admin"))
        _drain(api)
    assert receiver.received == []
    delivery = api.client.get(
        f"/v1/webhooks/{hook['id']}/deliveries", headers=api.as_("admin")
    ).json()["data"][0]
    assert delivery["state"] == "failed" and delivery["attempts"] == 1
    assert "not sent" in delivery["log"][0]["error"] and "loopback" in delivery["log"][0]["error"]
