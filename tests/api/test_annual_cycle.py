"""The whole annual cycle over HTTP only: draw, screen, assign, review, decide, publish.

The office, three universities' systems and the experts act through the API exactly as
they would in production (keys, uploads, 202 polling, blind reviewer endpoints); nothing
reaches into the database or the domain objects. Runs on SQLite and, when
`SPOTCHECK_TEST_PG_URL` is set, on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

import httpx
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from tests.api.conftest import Api
from tests.api.documents import FRAME_HEADER
from tests.api.review.workflow import EXPERT_HEADER

FONT = "STSong-Light"
INSTITUTIONS = ("甲大学", "乙大学", "丙大学")
COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能"
    "下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量"
    "都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各"
    "重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代"
    "想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接"
    "知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北"
    "造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打"
    "白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今"
)
FIRST_ROUND_FAIL_COMMENT = "研究方法存在严重缺陷，结论缺乏支撑，不合格 fails the standard"


def chinese_prose(rng: random.Random, characters: int) -> str:
    """Distinct, seeded Chinese prose: clauses of common characters with full-width stops."""
    out: list[str] = []
    total = 0
    while total < characters:
        clause = "".join(rng.choice(COMMON) for _ in range(rng.randint(9, 18)))
        out.append(clause + rng.choice("，，，。；"))
        total += len(out[-1])
    return "".join(out)[:characters].rstrip("，；") + "。"


def pdf_bytes(cover: list[str], paragraphs: list[str]) -> bytes:
    """A real PDF (reportlab, STSong-Light): a cover page, then the body flowing over pages."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    _, height = A4
    y = height - 120
    for index, line in enumerate(cover):
        pdf.setFont(FONT, 20 if index == 0 else 12)
        pdf.drawString(72, y, line)
        y -= 36
    pdf.showPage()
    pdf.setFont(FONT, 14)
    pdf.drawString(72, height - 72, "第1章 绪论")
    pdf.setFont(FONT, 11)
    y = height - 110
    for paragraph in paragraphs:
        for start in range(0, len(paragraph), 38):
            if y < 72:
                pdf.showPage()
                pdf.setFont(FONT, 11)
                y = height - 72
            pdf.drawString(72, y, paragraph[start : start + 38])
            y -= 18
        y -= 8
    pdf.showPage()
    pdf.save()
    return out.getvalue()


SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"
GIVEN = ("志远", "明轩", "雨桐", "思源", "嘉怡", "浩然", "子涵", "俊杰", "欣怡", "宇航")


def frame_csv() -> bytes:
    """Three institutions, each with master's and doctoral theses in 0812 and 0854."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FRAME_HEADER)
    number = 0
    for school, institution in enumerate(INSTITUTIONS):
        for index in range(8):
            number += 1
            level = "doctoral" if index < 2 else "master"
            kind, code = ("professional", "0854") if index % 4 == 3 else ("academic", "0812")
            writer.writerow(
                [
                    f"CY{number:04d}",
                    institution,
                    level,
                    kind,
                    code,
                    "2025-06-30",
                    f"面向学位论文质量监测的方法研究（{number}）",
                    f"{SURNAMES[number % len(SURNAMES)]}{GIVEN[number % len(GIVEN)]}",
                    f"{SURNAMES[(number + 7) % len(SURNAMES)]}教授{school}{index}",
                ]
            )
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class Expert:
    expert_id: str
    name: str
    institution: str
    contact: str


def expert_pool() -> list[Expert]:
    """Experts outside the frame, plus some from the sampled institutions (never eligible)."""
    homes = [("丁大学", "江苏"), ("戊大学", "浙江"), ("己大学", "山东"), ("庚大学", "湖北")]
    homes += [(institution, "北京") for institution in INSTITUTIONS]
    experts = []
    for number in range(1, 22):
        institution, _ = homes[(number - 1) % len(homes)]
        experts.append(
            Expert(
                f"PX{number:03d}",
                f"评审{'甲乙丙丁戊己庚辛壬癸'[number % 10]}{'春夏秋冬'[number % 4]}{number}号",
                institution,
                f"reviewer{number}@expert.example.org",
            )
        )
    return experts


def expert_pool_csv(experts: list[Expert]) -> bytes:
    provinces = {"丁大学": "江苏", "戊大学": "浙江", "己大学": "山东", "庚大学": "湖北"}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPERT_HEADER)
    for expert in experts:
        writer.writerow(
            [
                expert.expert_id,
                expert.name,
                expert.institution,
                provinces.get(expert.institution, "北京"),
                "0812；0854",
                expert.contact,
                "8",
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def review_body(overall: str, misconduct: str | None) -> dict:
    comment = FIRST_ROUND_FAIL_COMMENT if overall == "fail" else "论文总体良好 sound work"
    body: dict = {
        "overall": overall,
        "dimensions": {
            key: {"grade": overall, "comment": f"{comment}（{key}）"}
            for key in ("topic_review", "originality_value", "research_ability", "academic_norms")
        },
        "comment": comment,
    }
    if misconduct is not None:
        body["misconduct_opinion"] = misconduct
        body["misconduct_comment"] = (
            "与已发表文献存在大段相同文字" if misconduct == "suspected" else ""
        )
    return body


def poll(api: Api, location: str, headers: dict[str, str], done: tuple[str, ...]) -> dict:
    """Polls a 202 Location as a client would, letting the worker run between polls."""
    for _ in range(20):
        response = api.client.get(location, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        if body["state"] in done:
            return body
        assert int(response.headers["retry-after"]) >= 1
        api.run_jobs()
    raise AssertionError(f"{location} never finished: {body}")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.slow
def test_the_annual_cycle_runs_end_to_end_over_the_api(api_any_db: Api) -> None:
    api = api_any_db
    client: httpx.Client = api.client  # type: ignore[assignment]
    admin = api.as_("admin")
    rng = random.Random(20251127)

    # 1. the register and a seeded draw, verified
    frame = client.post("/v1/frames?filename=register.csv", content=frame_csv(), headers=admin)
    assert frame.status_code == 201, frame.text
    plan = {"rates": {"doctoral": 0.5, "master": 0.2}}
    created = client.post(
        "/v1/draws",
        json={"frame_id": frame.json()["id"], "seed": 2025, "plan": plan},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    draw = created.json()
    assert draw["population"] == 24 and draw["seed"] == 2025
    sample = client.get(f"/v1/draws/{draw['id']}/sample?limit=500", headers=admin).json()["data"]
    assert len(sample) == draw["sample_size"] >= 6
    by_institution = Counter(row["institution"] for row in sample)
    assert set(by_institution) == set(INSTITUTIONS), by_institution
    allocation = client.get(f"/v1/draws/{draw['id']}/allocation", headers=admin).json()["data"]
    assert sum(int(r["sample_size"]) for r in allocation) == len(sample)
    sample_csv = client.get(f"/v1/draws/{draw['id']}/sample.csv", headers=admin)
    assert sample_csv.status_code == 200, sample_csv.text
    csv_ids = [r["thesis_id"] for r in csv.DictReader(io.StringIO(sample_csv.text))]
    assert csv_ids == [row["thesis_id"] for row in sample]
    verified = client.post(f"/v1/draws/{draw['id']}/verify", headers=admin)
    assert verified.status_code == 200 and verified.json()["ok"] is True, verified.text
    rows = {row["thesis_id"]: row for row in sample}

    # roles in the plot: a copying thesis at 甲大学, a clean one at 乙大学, a 复评 at 丙大学
    copier = next(r for r in sample if r["institution"] == "甲大学")
    clean = next(r for r in sample if r["institution"] == "乙大学")
    second_round = next(r for r in sample if r["institution"] == "丙大学")

    # 2. the reference corpus, filled over the API (one document is the copier's source)
    corpus = client.post("/v1/corpora", json={"name": "default"}, headers=admin)
    assert corpus.status_code == 201, corpus.text
    corpus_id = corpus.json()["id"]
    source_text = chinese_prose(rng, 1200)
    copied_passage = source_text[300:800]
    documents = [
        (
            "高校学位授予质量评价的实证研究",
            "source.pdf",
            pdf_bytes(["高校学位授予质量评价的实证研究"], [source_text]),
        ),
        ("研究生培养过程管理综述", "review.txt", chinese_prose(rng, 900).encode("utf-8")),
        ("学术规范教育的现状与对策", "norms.txt", chinese_prose(rng, 900).encode("utf-8")),
    ]
    for title, filename, data in documents:
        added = client.post(
            f"/v1/corpora/{corpus_id}/documents",
            params={"title": title, "type": "article", "year": "2021", "filename": filename},
            content=data,
            headers=admin,
        )
        assert added.status_code == 202, added.text
        job = poll(api, added.headers["location"], admin, ("complete", "error"))
        assert job["state"] == "complete", job
    listed = client.get(f"/v1/corpora/{corpus_id}/documents", headers=admin).json()
    assert listed["count"] == 3

    # 3. each university submits its sampled theses: metadata, then a real PDF
    system_keys = {"甲大学": api.as_("system_a"), "乙大学": api.as_("system_b")}
    third = client.post(
        "/v1/keys",
        json={"role": "system", "institution": "丙大学", "name": "丙大学 integration"},
        headers=admin,
    )
    assert third.status_code == 201, third.text
    system_keys["丙大学"] = bearer(third.json()["token"])
    for row in sample:
        headers = system_keys[row["institution"]]
        submitted = client.post(
            "/v1/submissions",
            json={
                "thesis_id": row["thesis_id"],
                "institution": row["institution"],
                "title": row["title"],
                "author": row["author"],
                "supervisor": row["supervisor"],
                "discipline_code": row["discipline_code"],
                "degree_level": row["degree_level"],
                "degree_type": row["degree_type"],
                "draw_id": draw["id"],
            },
            headers=headers | {"Idempotency-Key": f"{row['thesis_id']}-v1"},
        )
        assert submitted.status_code == 201, submitted.text
        assert submitted.json()["institution"] == row["institution"]
        body = [
            f"作者{row['author']}，导师{row['supervisor']}，{row['institution']}研究生院。",
            chinese_prose(rng, 900),
        ]
        if row is copier:
            body.insert(2, copied_passage)
            body.append(chinese_prose(rng, 300))
        cover = [
            row["title"],
            f"作者 {row['author']}",
            f"导师 {row['supervisor']}",
            row["institution"],
        ]
        uploaded = client.put(
            f"/v1/submissions/{submitted.json()['id']}/file?filename={row['thesis_id']}.pdf",
            content=pdf_bytes(cover, body),
            headers=headers | {"Content-Type": "application/pdf"},
        )
        assert uploaded.status_code == 200, uploaded.text
    # each university sees its own submissions only
    own = client.get("/v1/submissions?limit=500", headers=system_keys["乙大学"]).json()
    assert own["count"] == by_institution["乙大学"]

    # 4. the office screens the whole sample together and polls until complete
    accepted = client.post(f"/v1/draws/{draw['id']}/screenings", json={}, headers=admin)
    assert accepted.status_code == 202, accepted.text
    assert int(accepted.headers["retry-after"]) >= 1
    batch = poll(api, accepted.headers["location"], admin, ("complete", "error"))
    assert batch["state"] == "complete", batch
    assert batch["screenings"] == len(sample) and batch["missing"] == []
    assert batch["by_state"] == {"complete": len(sample)}
    screenings = client.get(
        f"/v1/screenings?batch_id={batch['id']}&limit=500", headers=admin
    ).json()["data"]
    level = {s["thesis_id"]: s["flag_level"] for s in screenings}
    results = {
        s["thesis_id"]: client.get(s["links"]["result"], headers=admin).json() for s in screenings
    }
    assert level[copier["thesis_id"]] != "clear", results[copier["thesis_id"]]["flag"]
    corpus_sources = [
        src for src in results[copier["thesis_id"]]["sources"] if src["origin"] == "corpus"
    ]
    assert [src["title"] for src in corpus_sources] == ["高校学位授予质量评价的实证研究"]
    assert level[clean["thesis_id"]] == "clear", results[clean["thesis_id"]]["flag"]
    assert results[clean["thesis_id"]]["sources"] == []
    flagged = {t for t, lv in level.items() if lv != "clear"}
    assert flagged == {copier["thesis_id"]}, {t: results[t]["flag"] for t in flagged}

    # 5. the review cycle (flags attached), the expert pool, assignment, reviewer keys
    cycle = client.post(
        "/v1/review-cycles",
        json={"draw_id": draw["id"], "year": 2025, "seed": 11, "identity": "id"},
        headers=admin,
    )
    assert cycle.status_code == 201, cycle.text
    cycle_id = cycle.json()["id"]
    assert cycle.json()["theses"] == len(sample)
    experts = {e.expert_id: e for e in expert_pool()}
    pool = client.put(
        f"/v1/review-cycles/{cycle_id}/experts?filename=experts.csv",
        content=expert_pool_csv(list(experts.values())),
        headers=admin | {"Content-Type": "text/csv"},
    )
    assert pool.status_code == 200 and pool.json()["imported"] == len(experts), pool.text
    run = client.post(f"/v1/review-cycles/{cycle_id}/assignment-runs", headers=admin)
    assert run.status_code == 200, run.text
    assert run.json()["shortfalls"] == []
    first_round = run.json()["assigned"]
    per_thesis: dict[str, list[dict]] = defaultdict(list)
    for assignment in first_round:
        assert assignment["round"] == 1 and assignment["status"] == "active"
        per_thesis[assignment["thesis_id"]].append(assignment)
        home = experts[assignment["expert_id"]].institution
        assert home != rows[assignment["thesis_id"]]["institution"], assignment
    assert set(per_thesis) == set(rows)
    assert all(len({a["expert_id"] for a in group}) == 3 for group in per_thesis.values())
    staged = client.get(f"/v1/review-cycles/{cycle_id}/theses?limit=500", headers=admin).json()
    assert {t["thesis_id"]: t["screening_level"] for t in staged["data"]} == level

    reviewer_keys: dict[str, dict[str, str]] = {}

    def key_for(expert_id: str) -> dict[str, str]:
        if expert_id not in reviewer_keys:
            issued = client.post(
                f"/v1/review-cycles/{cycle_id}/experts/{expert_id}/keys", headers=admin
            )
            assert issued.status_code == 201, issued.text
            reviewer_keys[expert_id] = bearer(issued.json()["token"])
        return reviewer_keys[expert_id]

    # 6. the experts review: grades planted per thesis (the office knows which is which)
    planned = {thesis_id: ["good", "excellent", "pass"] for thesis_id in rows}
    planned[copier["thesis_id"]] = ["fail", "fail", "pass"]
    planned[second_round["thesis_id"]] = ["good", "fail", "pass"]
    grade_of = {
        a["id"]: planned[thesis_id][i]
        for thesis_id, group in per_thesis.items()
        for i, a in enumerate(sorted(group, key=lambda a: a["expert_id"]))
    }
    names = {value for row in sample for value in (row["author"], row["supervisor"])}

    def review_all(assignments: list[dict]) -> None:
        by_expert: dict[str, set[str]] = defaultdict(set)
        for a in assignments:
            by_expert[a["expert_id"]].add(a["id"])
        for expert_id, expected in sorted(by_expert.items()):
            headers = key_for(expert_id)
            mine = client.get("/v1/reviewer/assignments?limit=500", headers=headers)
            assert mine.status_code == 200, mine.text
            open_ids = {m["id"] for m in mine.json()["data"] if m["open_for_review"]}
            assert expected <= open_ids, (expected, mine.json())
            for item in mine.json()["data"]:
                if item["id"] not in expected:
                    continue
                listing_text = str(item)
                for secret in (*names, *INSTITUTIONS, *rows):
                    assert secret not in listing_text, (secret, item)
                report = client.get(
                    f"/v1/reviewer/assignments/{item['id']}/report", headers=headers
                )
                assert report.status_code == 200, report.text
                for secret in (*names, *INSTITUTIONS, *rows):
                    assert secret not in report.text, secret
                thesis_id = next(a["thesis_id"] for a in assignments if a["id"] == item["id"])
                if thesis_id == copier["thesis_id"]:
                    assert "高校学位授予质量评价的实证研究" in report.text
                    assert copied_passage[120:140] in report.text
                assert item["misconduct_opinion_required"] is (thesis_id in flagged)
                grade = grade_of[item["id"]]
                opinion = None
                if item["misconduct_opinion_required"]:
                    opinion = "suspected" if grade == "fail" else "not_found"
                saved = client.put(
                    f"/v1/reviewer/assignments/{item['id']}/review",
                    json=review_body(grade, opinion),
                    headers=headers,
                )
                assert saved.status_code == 200, saved.text
                assert saved.json()["review"]["overall"] == grade

    # a flagged thesis refuses a review without the misconduct opinion
    copier_assignment = per_thesis[copier["thesis_id"]][0]
    missing_opinion = client.put(
        f"/v1/reviewer/assignments/{copier_assignment['id']}/review",
        json=review_body("pass", None),
        headers=key_for(copier_assignment["expert_id"]),
    )
    assert missing_opinion.status_code == 422, missing_opinion.text
    # and another expert cannot see or answer that assignment
    copier_experts = {a["expert_id"] for a in per_thesis[copier["thesis_id"]]}
    outsider = next(e for e in experts if e not in copier_experts)
    hidden = client.get(
        f"/v1/reviewer/assignments/{copier_assignment['id']}/report", headers=key_for(outsider)
    )
    assert hidden.status_code == 404

    review_all(first_round)
    states = client.get(f"/v1/review-cycles/{cycle_id}/theses?limit=500", headers=admin).json()
    state = {t["thesis_id"]: t for t in states["data"]}
    assert state[second_round["thesis_id"]]["state"] == "re_review", state[
        second_round["thesis_id"]
    ]
    assert state[copier["thesis_id"]]["outcome"] == "problem"
    detail = client.get(
        f"/v1/review-cycles/{cycle_id}/theses/{second_round['thesis_id']}", headers=admin
    ).json()
    re_reviewers = [a for a in detail["assignments"] if a["round"] == 2]
    assert len(re_reviewers) == 2
    first_experts = {a["expert_id"] for a in per_thesis[second_round["thesis_id"]]}
    for a in re_reviewers:
        assert a["expert_id"] not in first_experts
        assert experts[a["expert_id"]].institution != "丙大学"
        grade_of[a["id"]] = "good"
    review_all(re_reviewers)

    # 7. every thesis decided as planted; the published results
    states = client.get(f"/v1/review-cycles/{cycle_id}/theses?limit=500", headers=admin).json()
    assert states["count"] == len(sample)
    outcome = {t["thesis_id"]: (t["state"], t["outcome"]) for t in states["data"]}
    expected = {t: ("decided", "not_problem") for t in rows}
    expected[copier["thesis_id"]] = ("decided", "problem")
    assert outcome == expected
    cases = client.get(f"/v1/review-cycles/{cycle_id}/cases", headers=admin).json()
    assert [c["thesis_id"] for c in cases["data"]] == [copier["thesis_id"]], cases
    case = cases["data"][0]
    assert case["screening_level"] == level[copier["thesis_id"]]
    opinions = [o["misconduct"] for o in case["opinions"]]
    assert len(opinions) == 3 and sum("suspected" in o for o in opinions) == 2, opinions
    for expert in experts.values():
        assert expert.expert_id not in str(case) and expert.name not in str(case)
    summary = client.get(f"/v1/review-cycles/{cycle_id}", headers=admin).json()
    assert summary["states"]["decided"] == len(sample)

    published = client.get(f"/v1/review-cycles/{cycle_id}/results", headers=admin)
    assert published.status_code == 200, published.text
    by_group = {g["group"]: g for g in published.json()["groups"] if g["group_by"] == "institution"}
    assert set(by_group) == set(INSTITUTIONS)
    for institution in INSTITUTIONS:
        group = by_group[institution]
        problems = 1 if institution == "甲大学" else 0
        assert group["sampled"] == by_institution[institution], group
        assert group["reviewed"] == by_institution[institution] and group["pending"] == 0, group
        assert group["problems"] == problems, group
        rate = group["rate"]
        assert rate is not None, group
        assert 0.0 <= rate["ci_low"] <= rate["estimate"] <= rate["ci_high"] <= 1.0, rate
        assert (rate["estimate"] > 0) is (problems > 0), rate
    assert [p["thesis_id"] for p in published.json()["problem_theses"]] == [copier["thesis_id"]]

    # the office's own estimator over the draw gives the same per-institution figures
    problems = {t: int(o == ("decided", "problem")) for t, o in outcome.items()}
    estimated = client.post(
        f"/v1/draws/{draw['id']}/estimates", json={"problems": problems}, headers=admin
    )
    assert estimated.status_code == 200, estimated.text
    for row in estimated.json()["rows"]:
        if row["group_by"] == "institution":
            rate = by_group[row["group"]]["rate"]
            assert row["estimate"] == pytest.approx(rate["estimate"]), (row, rate)
            assert row["ci_high"] == pytest.approx(rate["ci_high"]), (row, rate)

    exported = client.get(f"/v1/review-cycles/{cycle_id}/results.csv", headers=admin)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    exported_text = exported.content.decode("utf-8-sig")
    table = {
        r["group"]: r
        for r in csv.DictReader(io.StringIO(exported_text))
        if r["group_by"] == "institution"
    }
    assert set(table) == set(INSTITUTIONS), exported_text
    for institution, r in table.items():
        group = by_group[institution]
        counts = (int(r["sampled"]), int(r["reviewed"]), int(r["pending"]), int(r["problems"]))
        assert counts == (group["sampled"], group["reviewed"], 0, group["problems"]), r
        assert 0.0 <= float(r["ci_low"]) <= float(r["estimate"]) <= float(r["ci_high"]) <= 1.0
    page = client.get(f"/v1/review-cycles/{cycle_id}/results.html", headers=admin)
    assert page.status_code == 200 and "甲大学" in page.text
    for text in (published.text, exported_text, page.text):
        for expert in experts.values():
            for identity in (expert.expert_id, expert.name, expert.contact):
                assert identity not in text, identity
