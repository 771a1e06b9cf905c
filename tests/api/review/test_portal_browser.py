"""The reviewer portal end to end: a real `spotcheck serve` and the system's headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.live import Proc, issue_key, serve
from tests.api.review.workflow import review_body, start_cycle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DIMENSIONS = ("topic_review", "originality_value", "research_ability", "academic_norms")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Proc, Path]]:
    folder = tmp_path_factory.mktemp("portal")
    data = folder / "data"
    issue_key(data, "admin")  # migrates before the server starts
    proc = serve(data, folder / "serve.log")
    yield proc, data
    proc.stop()


def test_reviewer_signs_in_reviews_and_a_second_reviewer_cannot_see_it(
    chromium: object, server: tuple[Proc, Path], tmp_path: Path
) -> None:
    proc, data = server
    admin = {"Authorization": f"Bearer {issue_key(data, 'admin')}"}
    with httpx.Client(base_url=proc.url, timeout=60) as client:
        cycle = start_cycle(client, admin)
        target = cycle.assignments[0]
        expert = target["expert_id"]
        on_target = {
            a["expert_id"] for a in cycle.assignments if a["thesis_id"] == target["thesis_id"]
        }
        second = next(a["expert_id"] for a in cycle.assignments if a["expert_id"] not in on_target)
        token = client.post(
            f"/v1/review-cycles/{cycle.id}/experts/{expert}/keys", headers=admin
        ).json()["token"]
        link = client.post(
            f"/v1/review-cycles/{cycle.id}/experts/{second}/login-links", headers=admin
        ).json()["path"]

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{proc.url}/portal/")
    page.fill("#api_key", token)
    page.click("button[type=submit]")
    page.wait_for_url("**/portal/assignments")
    row = page.locator(f"tr[data-assignment='{target['id']}']")
    assert row.count() == 1
    assert "已分配" in row.locator("td.state").inner_text()
    page.screenshot(path=str(tmp_path / "assignments.png"), full_page=True)

    row.locator("a").first.click()
    page.wait_for_url(f"**/portal/assignments/{target['id']}")
    for key in DIMENSIONS:
        page.check(f"input[name={key}_grade][value=good]")
    page.check("input[name=overall][value=pass]")
    page.fill(
        "#comment", "论证较充分，个别引用不规范。 Sound argument; a few citations need fixing."
    )
    if page.locator("fieldset.misconduct").count():
        page.check("input[name=misconduct_opinion][value=not_found]")
    page.click("form.review button[type=submit]")
    page.wait_for_url("**saved=1")
    assert "评议中" in page.locator("#thesis-state").inner_text()
    assert "已保存" in page.content()
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    page.goto(f"{proc.url}/portal/assignments")
    assert "合格" in page.locator(f"tr[data-assignment='{target['id']}']").inner_text()
    cookies = {c["name"]: c for c in context.cookies()}
    session = cookies["spotcheck_portal"]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict"
    context.close()

    other = chromium.new_context()  # type: ignore[attr-defined]
    page = other.new_page()
    page.goto(f"{proc.url}{link}")
    page.click("button[type=submit]")
    page.wait_for_url("**/portal/assignments")
    assert page.locator("tr[data-assignment]").count() >= 1
    assert page.locator(f"tr[data-assignment='{target['id']}']").count() == 0
    response = page.goto(f"{proc.url}/portal/assignments/{target['id']}")
    assert response is not None and response.status == 404
    page.goto(f"{proc.url}/portal/assignments")
    page.click("button.link")
    page.wait_for_url("**/portal/login")
    other.close()

    with httpx.Client(base_url=proc.url, timeout=60) as client:
        detail = client.get(
            f"/v1/review-cycles/{cycle.id}/theses/{target['thesis_id']}", headers=admin
        ).json()
        assert detail["state"] == "in_review"
        assert [r["overall"] for r in detail["reviews"]] == [review_body("pass")["overall"]]
