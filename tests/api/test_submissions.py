"""Submissions: idempotent creation, streamed uploads, dedup by content, institution isolation."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from tests.api.conftest import Api
from tests.api.documents import thesis_pdf_bytes

META = {"thesis_id": "T00001", "title": "学位论文质量研究", "author": "张三", "supervisor": "李四"}


def _create(api: Api, who: str = "system_a", key: str | None = "k-1", **extra: str):  # noqa: ANN202
    headers = api.as_(who) | ({"Idempotency-Key": key} if key else {})
    return api.client.post("/v1/submissions", json=META | extra, headers=headers)


def test_create_is_idempotent_with_the_same_key_and_body(api: Api) -> None:
    first = _create(api)
    assert first.status_code == 201
    assert first.headers["location"] == f"/v1/submissions/{first.json()['id']}"
    assert first.json()["institution"] == "甲大学"
    again = _create(api)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    changed = _create(api, title="另一个题目")
    assert changed.status_code == 422 and changed.json()["code"] == "idempotency-key-reused"
    other_key = _create(api, key="k-2")
    assert other_key.status_code == 201 and other_key.json()["id"] != first.json()["id"]
    listing = api.client.get("/v1/submissions", headers=api.as_("system_a")).json()
    assert listing["count"] == 2


def test_system_key_cannot_submit_for_or_read_another_institution(api: Api) -> None:
    refused = _create(api, institution="乙大学")
    assert refused.status_code == 403
    mine = _create(api).json()
    assert (
        api.client.get(f"/v1/submissions/{mine['id']}", headers=api.as_("system_b")).status_code
        == 404
    )
    assert api.client.get("/v1/submissions", headers=api.as_("system_b")).json()["count"] == 0
    upload = api.client.put(
        f"/v1/submissions/{mine['id']}/file", content=b"%PDF-1.4", headers=api.as_("system_b")
    )
    assert upload.status_code == 404
    assert api.client.get("/v1/submissions", headers=api.as_("reviewer")).status_code == 403
    admin_view = api.client.get(f"/v1/submissions/{mine['id']}", headers=api.as_("admin"))
    assert admin_view.status_code == 200


def test_admin_must_name_the_institution(api: Api) -> None:
    response = api.client.post("/v1/submissions", json=META, headers=api.as_("admin"))
    assert response.status_code == 422
    ok = api.client.post(
        "/v1/submissions", json=META | {"institution": "乙大学"}, headers=api.as_("admin")
    )
    assert ok.status_code == 201


def test_upload_stores_the_file_once_by_content_hash(api: Api) -> None:
    pdf = thesis_pdf_bytes("学位论文质量研究")
    first = _create(api).json()
    second = _create(api, key="k-2").json()
    headers = api.as_("system_a") | {
        "Content-Type": "application/pdf",
        "Content-Disposition": "attachment; filename*=UTF-8''" + quote("../../etc/张三 论文.pdf"),
    }
    for sub in (first, second):
        response = api.client.put(f"/v1/submissions/{sub['id']}/file", content=pdf, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["state"] == "uploaded" and body["file_type"] == "pdf"
        assert body["file_sha256"] == hashlib.sha256(pdf).hexdigest()
        assert body["file_label"] == "张三 论文.pdf"
    blob_files = [
        p
        for p in api.service.blobs.root.rglob("*")
        if p.is_file() and p.relative_to(api.service.blobs.root).parts[0] != "tmp"
    ]
    assert len(blob_files) == 1 and blob_files[0].read_bytes() == pdf
    same_again = api.client.put(f"/v1/submissions/{first['id']}/file", content=pdf, headers=headers)
    assert same_again.status_code == 200
    different = api.client.put(
        f"/v1/submissions/{first['id']}/file", content=pdf + b"\n%changed", headers=headers
    )
    assert different.status_code == 409
    assert not api.service.blobs.exists(hashlib.sha256(pdf + b"\n%changed").hexdigest())
    assert api.service.blobs.exists(hashlib.sha256(pdf).hexdigest())


def test_too_large_upload_is_refused_while_streaming(api: Api) -> None:
    api.service.settings.max_upload_bytes = 50_000
    sub = _create(api).json()

    def body():  # noqa: ANN202 - a stream without Content-Length
        for _ in range(100):
            yield b"%PDF-1.4 " + b"x" * 9_991

    response = api.client.put(
        f"/v1/submissions/{sub['id']}/file", content=body(), headers=api.as_("system_a")
    )
    assert response.status_code == 413
    assert response.json()["code"] == "TOO_LARGE"
    assert (
        api.client.get(f"/v1/submissions/{sub['id']}", headers=api.as_("system_a")).json()["state"]
        == "awaiting_file"
    )
    assert list(api.service.blobs.tmp.iterdir()) == []


def test_declared_too_large_upload_is_refused_before_its_body(api: Api) -> None:
    api.service.settings.max_upload_bytes = 50_000
    sub = _create(api).json()
    response = api.client.put(
        f"/v1/submissions/{sub['id']}/file",
        content=b"%PDF-1.4 " + b"x" * 60_000,
        headers=api.as_("system_a"),
    )
    assert response.status_code == 413 and response.json()["code"] == "TOO_LARGE"
    assert list(api.service.blobs.tmp.iterdir()) == []


def test_a_refused_upload_never_removes_bytes_stored_for_something_else(api: Api) -> None:
    register = b"PK\x03\x04" + b"not a thesis, a spreadsheet kept as a frame" * 50
    kept = api.service.blobs.put_bytes(register)  # stored earlier, e.g. as a frame
    sub = _create(api).json()
    refused = api.client.put(
        f"/v1/submissions/{sub['id']}/file", content=register, headers=api.as_("system_a")
    )
    assert refused.status_code == 415
    assert api.service.blobs.exists(kept.sha256)


def test_unsupported_and_empty_files_are_refused(api: Api) -> None:
    sub = _create(api).json()
    url = f"/v1/submissions/{sub['id']}/file"
    exe = api.client.put(
        url, content=b"MZ\x90\x00\x03\x00\x00\x00" * 100, headers=api.as_("system_a")
    )
    assert exe.status_code == 415 and exe.json()["code"] == "UNSUPPORTED_TYPE"
    assert not api.service.blobs.exists(
        hashlib.sha256(b"MZ\x90\x00\x03\x00\x00\x00" * 100).hexdigest()
    )
    empty = api.client.put(url, content=b"", headers=api.as_("system_a"))
    assert empty.status_code == 400
    text = api.client.put(
        url, content="论文正文。".encode("gb18030") * 50, headers=api.as_("system_a")
    )
    assert text.status_code == 200 and text.json()["file_type"] == "txt"


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused_as_the_cli_refuses_it(api: Api) -> None:
    html = "<!DOCTYPE html><html><body><p>这是一篇论文的正文。</p></body></html>".encode() * 20
    sub = _create(api).json()
    url = f"/v1/submissions/{sub['id']}/file"
    refused = api.client.put(
        f"{url}?filename=thesis.pdf", content=html, headers=api.as_("system_a")
    )
    assert refused.status_code == 415 and refused.json()["code"] == "UNSUPPORTED_TYPE"
    assert ".pdf" in refused.json()["detail"]
    assert (
        api.client.get(f"/v1/submissions/{sub['id']}", headers=api.as_("system_a")).json()[
            "file_sha256"
        ]
        is None
    )
    named_txt = api.client.put(
        f"{url}?filename=thesis.txt",
        content="论文正文。".encode() * 50,
        headers=api.as_("system_a"),
    )
    assert named_txt.status_code == 200 and named_txt.json()["file_type"] == "txt"
