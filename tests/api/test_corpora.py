"""Corpora over HTTP: documents added in the background, templates, reindex, used in screening."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.documents import PARAGRAPHS, thesis_pdf_bytes
from tests.api.test_screenings import request_screening, submit

SOURCE_TEXT = (
    "引言部分介绍了背景。"
    + "".join(PARAGRAPHS[1:4])
    + "以上内容摘自一篇期刊论文，用于检验复制检测。" * 2
)


def _create(api: Api, name: str = "default") -> dict:
    response = api.client.post("/v1/corpora", json={"name": name}, headers=api.as_("admin"))
    assert response.status_code == 201, response.text
    return response.json()


def _add(api: Api, corpus_id: str, data: bytes, **params: str) -> dict:
    response = api.client.post(
        f"/v1/corpora/{corpus_id}/documents",
        params=params,
        content=data,
        headers=api.as_("admin"),
    )
    assert response.status_code == 202, response.text
    api.run_jobs()
    job = api.client.get(response.headers["location"], headers=api.as_("admin")).json()
    assert job["state"] == "complete", job
    return job["result"]


def test_documents_are_added_listed_deduplicated_and_removed(api: Api) -> None:
    corpus = _create(api)
    assert _create_conflict(api) == 409
    added = _add(
        api,
        corpus["id"],
        SOURCE_TEXT.encode("utf-8"),
        title="学位论文质量保障研究",
        authors="陈一；刘二",
        year="2020",
        type="article",
        filename="../来源 文献.txt",
    )
    assert added["outcome"] == "added"
    duplicate = _add(api, corpus["id"], SOURCE_TEXT.encode("utf-8"))
    assert duplicate["outcome"] == "duplicate"
    listing = api.client.get(
        f"/v1/corpora/{corpus['id']}/documents", headers=api.as_("admin")
    ).json()
    assert listing["count"] == 1
    document = listing["data"][0]
    assert document["title"] == "学位论文质量保障研究"
    assert document["authors"] == ["陈一", "刘二"] and document["year"] == 2020
    assert document["file"] == "来源 文献.txt"
    info = api.client.get(f"/v1/corpora/{corpus['id']}", headers=api.as_("admin")).json()
    assert info["documents"] == 1 and info["characters"] == document["characters"]
    reindex = api.client.post(f"/v1/corpora/{corpus['id']}/reindex", headers=api.as_("admin"))
    assert reindex.status_code == 202
    api.run_jobs()
    job = api.client.get(reindex.headers["location"], headers=api.as_("admin")).json()
    assert job["state"] == "complete" and job["result"]["documents"] == 1
    url = f"/v1/corpora/{corpus['id']}/documents/{document['id']}"
    assert api.client.delete(url, headers=api.as_("admin")).status_code == 204
    assert api.client.delete(url, headers=api.as_("admin")).status_code == 404


def _create_conflict(api: Api) -> int:
    return api.client.post(
        "/v1/corpora", json={"name": "default"}, headers=api.as_("admin")
    ).status_code


def test_too_large_source_documents_are_refused_as_too_large(api: Api) -> None:
    api.service.settings.max_upload_bytes = 1000
    corpus = _create(api)
    response = api.client.post(
        f"/v1/corpora/{corpus['id']}/documents",
        content="来源文献。".encode() * 200,
        headers=api.as_("admin"),
    )
    assert response.status_code == 413 and response.json()["code"] == "TOO_LARGE"


def test_unreadable_document_fails_with_a_reason(api: Api) -> None:
    corpus = _create(api, "期刊")
    result = _add(api, corpus["id"], b"%PDF-1.4\n% truncated and broken\n")
    assert result["outcome"] == "failed" and result["reason"]


def test_templates_are_registered_listed_and_removed(api: Api) -> None:
    corpus = _create(api)
    url = f"/v1/corpora/{corpus['id']}/templates"
    body = {
        "text": "本人郑重声明：所呈交的学位论文是本人在导师指导下独立完成的研究成果。",
        "kind": "declaration",
        "institution": "甲大学",
    }
    created = api.client.post(url, json=body, headers=api.as_("admin"))
    assert created.status_code == 201
    assert (
        api.client.post(url, json=body | {"kind": "nonsense"}, headers=api.as_("admin")).status_code
        == 422
    )
    listing = api.client.get(url, headers=api.as_("admin")).json()
    assert listing["count"] == 1 and listing["data"][0]["kind"] == "declaration"
    removed = api.client.delete(f"{url}/{created.json()['id']}", headers=api.as_("admin"))
    assert removed.status_code == 204
    assert api.client.get(url, headers=api.as_("admin")).json()["count"] == 0


def test_corpora_are_admin_only(api: Api) -> None:
    corpus = _create(api)
    for who in ("system_a", "reviewer"):
        assert api.client.get("/v1/corpora", headers=api.as_(who)).status_code == 403
        assert (
            api.client.post(
                f"/v1/corpora/{corpus['id']}/documents", content=b"text", headers=api.as_(who)
            ).status_code
            == 403
        )


def test_screening_finds_the_copied_corpus_source(api: Api) -> None:
    corpus = _create(api)
    _add(api, corpus["id"], SOURCE_TEXT.encode("utf-8"), title="被抄袭的来源", type="article")
    sub_id = submit(api, "T00010", thesis_pdf_bytes("抽检研究"))
    screening_id = request_screening(api, sub_id, corpus_id=corpus["id"], min_match_characters=13)
    api.run_jobs()
    result = api.client.get(
        f"/v1/screenings/{screening_id}/result", headers=api.as_("system_a")
    ).json()
    titles = [s["title"] for s in result["sources"] if s["origin"] == "corpus"]
    assert "被抄袭的来源" in titles
    assert result["figures"]["total_copy_ratio"] > 0.1
    missing = api.client.post(
        f"/v1/submissions/{sub_id}/screenings",
        json={"corpus_id": "nope"},
        headers=api.as_("system_a"),
    )
    assert missing.status_code == 404
