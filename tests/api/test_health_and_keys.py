"""Health, OpenAPI, authentication, roles, key management and the audit log over HTTP."""

from __future__ import annotations

from tests.api.conftest import Api


def test_health_answers_200_without_a_key(api: Api) -> None:
    response = api.client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_openapi_has_stable_unique_operation_ids(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    ids = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert "create_api_key" in ids and "upload_frame" in ids and "health" in ids
    assert api.client.get("/docs").status_code == 200


def test_missing_and_bad_keys_get_problem_json_401(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer sck_wrong"}, {"Authorization": "Basic eDp5"}):
        response = api.client.get("/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == 401 and body["title"] and body["type"].startswith("https://")


def test_unknown_route_and_wrong_method_are_problems(api: Api) -> None:
    missing = api.client.get("/v1/no-such-thing", headers=api.as_("admin"))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    wrong = api.client.put("/health")
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "method-not-allowed"


def test_validation_errors_are_problems_naming_the_field(api: Api) -> None:
    response = api.client.post("/v1/keys", json={"role": "emperor"}, headers=api.as_("admin"))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation-error"
    assert any(e["name"] == "role" for e in body["errors"])


def test_admin_creates_key_shown_once_and_stored_hashed(api: Api) -> None:
    response = api.client.post(
        "/v1/keys",
        json={"role": "system", "institution": "丙大学", "name": "丙 integration"},
        headers=api.as_("admin"),
    )
    assert response.status_code == 201
    created = response.json()
    token = created["token"]
    assert token.startswith("sck_") and len(token) > 40
    me = api.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {
        "key_id": created["id"],
        "name": "丙 integration",
        "role": "system",
        "institution": "丙大学",
    }
    listing = api.client.get("/v1/keys", headers=api.as_("admin")).json()
    assert listing["count"] == 6
    assert all("token" not in k for k in listing["data"])
    db_file = api.service.settings.data_dir / "spotcheck.db"
    assert token.encode() not in db_file.read_bytes()


def test_system_key_needs_institution(api: Api) -> None:
    response = api.client.post("/v1/keys", json={"role": "system"}, headers=api.as_("admin"))
    assert response.status_code == 422
    assert "institution" in response.json()["detail"]


def test_only_admin_manages_keys(api: Api) -> None:
    for who in ("system_a", "reviewer"):
        assert api.client.get("/v1/keys", headers=api.as_(who)).status_code == 403
        response = api.client.post("/v1/keys", json={"role": "admin"}, headers=api.as_(who))
        assert response.status_code == 403
        assert api.client.get("/v1/audit-events", headers=api.as_(who)).status_code == 403


def test_revoked_key_stops_working_and_is_audited(api: Api) -> None:
    created = api.client.post(
        "/v1/keys", json={"role": "reviewer", "name": "temp"}, headers=api.as_("admin")
    ).json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert api.client.get("/v1/me", headers=headers).status_code == 200
    revoked = api.client.delete(f"/v1/keys/{created['id']}", headers=api.as_("admin"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert api.client.get("/v1/me", headers=headers).status_code == 401
    events = api.client.get("/v1/audit-events", headers=api.as_("admin")).json()
    actions = [e["action"] for e in events["data"]]
    assert actions[:2] == ["key.revoke", "key.create"]
    assert api.client.delete("/v1/keys/nope", headers=api.as_("admin")).status_code == 404


def test_rate_limit_answers_429_with_retry_after(api: Api) -> None:
    api.service.limiter.rate = 1.0
    api.service.limiter.burst = 3
    codes = [api.client.get("/v1/me", headers=api.as_("reviewer")).status_code for _ in range(6)]
    assert codes[:3] == [200, 200, 200]
    assert 429 in codes[3:]
    limited = api.client.get("/v1/me", headers=api.as_("reviewer"))
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert api.client.get("/v1/me", headers=api.as_("admin")).status_code == 200
