"""The public allegation form and the institution's rectification pages end to end: a real
`spotcheck serve` and the system's headless Chromium (the proof of work runs in the page)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.documents import thesis_pdf_bytes
from tests.api.follow_up.workflow import decided_cycle
from tests.api.live import Proc, issue_key, live_env, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAX_BYTES = 200 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Proc, Path]]:
    folder = tmp_path_factory.mktemp("public-portal")
    data = folder / "data"
    issue_key(data, "admin")  # migrates before the server starts
    env = live_env(
        data,
        SPOTCHECK_ALLEGATION_POW_BITS="12",
        SPOTCHECK_ALLEGATION_MAX_BYTES=str(MAX_BYTES),
        SPOTCHECK_ALLEGATIONS_PER_HOUR="1000",
    )
    proc = serve(data, folder / "serve.log", env=env)
    yield proc, data
    proc.stop()


def _fill(page: Any) -> None:
    page.fill("#title", "基于深度学习的图像识别研究")
    page.fill("#author", "张三")
    page.fill("#institution", "甲大学")
    page.fill("#year", "2024")
    page.select_option("#kind", "plagiarism")
    page.fill("#suspected_source", "李四 2019 年硕士论文 Li Si, master thesis 2019")
    page.fill("#details", "第三章与来源论文大段相同。Chapter 3 repeats the source.")


def _count(proc: Proc, admin: dict[str, str]) -> int:
    return httpx.get(f"{proc.url}/v1/allegations", headers=admin, timeout=30).json()["count"]


def test_a_reporter_submits_gets_a_tracking_code_and_follows_the_status(
    chromium: Any, server: tuple[Proc, Path], tmp_path: Path
) -> None:
    proc, data = server
    admin = {"Authorization": f"Bearer {issue_key(data, 'admin')}"}
    evidence = tmp_path / "证据.pdf"
    evidence.write_bytes(thesis_pdf_bytes("证据 evidence", ["第三章与来源论文大段相同。"]))
    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{proc.url}/portal/allegations/new")
    _fill(page)
    page.set_input_files("#attachment", str(evidence))
    page.wait_for_function(
        "document.getElementById('pow-status').textContent.includes('验证已完成')"
    )
    page.click("#allegation-form button[type=submit]")
    page.wait_for_selector("#tracking-code")
    code = page.inner_text("#tracking-code").strip()
    assert code.startswith("JB-")
    page.screenshot(path=str(tmp_path / "received.png"), full_page=True)

    page.click("text=查询处理进度")
    page.fill("#code", code.lower())
    page.click("form button[type=submit]")
    page.wait_for_selector("#allegation-status")
    assert "已收到" in page.inner_text("#status-state")

    step = httpx.post(
        f"{proc.url}/v1/allegations/{code}/steps",
        json={"action": "reject", "reason": "证据不足 not enough evidence"},
        headers=admin,
        timeout=30,
    )
    assert step.status_code == 200, step.text
    page.goto(f"{proc.url}/portal/allegations/status")
    page.fill("#code", code)
    page.click("form button[type=submit]")
    page.wait_for_selector("#allegation-status")
    assert "不予受理" in page.inner_text("#status-state")
    assert "证据不足 not enough evidence" in page.inner_text("#allegation-status")
    record = httpx.get(f"{proc.url}/v1/allegations/{code}/record", headers=admin, timeout=30)
    assert record.json()["attachments"][0]["label"] == "证据.pdf"
    context.close()


def test_an_oversized_or_malformed_upload_is_refused_with_a_clear_message(
    chromium: Any, server: tuple[Proc, Path], tmp_path: Path
) -> None:
    proc, data = server
    admin = {"Authorization": f"Bearer {issue_key(data, 'admin')}"}
    before = _count(proc, admin)
    big = tmp_path / "big.txt"
    big.write_bytes("很长的证据材料。".encode() * (MAX_BYTES // 20))
    fake = tmp_path / "evidence.pdf"
    fake.write_bytes(b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()

    page.goto(f"{proc.url}/portal/allegations/new")
    _fill(page)
    page.set_input_files("#attachment", str(big))
    page.click("#allegation-form button[type=submit]")
    page.wait_for_function("document.getElementById('pow-status').textContent.includes('附件过大')")
    assert "Attachments too large" in page.inner_text("#pow-status")
    assert page.url.endswith("/portal/allegations/new")

    # Past the page's own check, the server refuses the body itself.
    page.evaluate("document.getElementById('allegation-form').dataset.maxBytes = '999999999'")
    page.wait_for_function("document.getElementById('pow-status').textContent !== ''")
    with page.expect_response(lambda r: r.url.endswith("/portal/allegations")) as refused:
        page.click("#allegation-form button[type=submit]")
    assert refused.value.status == 413
    page.wait_for_load_state()
    assert "Content too large" in page.content() or "exceeds the limit" in page.content()
    page.screenshot(path=str(tmp_path / "too-large.png"), full_page=True)

    page.goto(f"{proc.url}/portal/allegations/new")
    _fill(page)
    page.set_input_files("#attachment", str(fake))
    page.wait_for_function(
        "document.getElementById('pow-status').textContent.includes('验证已完成')"
    )
    page.click("#allegation-form button[type=submit]")
    page.wait_for_selector("#form-errors")
    message = page.inner_text("#form-errors")
    assert "evidence.pdf" in message and "not a PDF" in message and "仅接受" in message
    assert page.input_value("#title") == "基于深度学习的图像识别研究"  # nothing typed is lost
    page.screenshot(path=str(tmp_path / "malformed.png"), full_page=True)
    assert _count(proc, admin) == before
    context.close()


def test_an_institution_sees_its_feedback_uploads_its_plan_and_sees_it_accepted(
    chromium: Any, server: tuple[Proc, Path], tmp_path: Path
) -> None:
    proc, data = server
    admin = {"Authorization": f"Bearer {issue_key(data, 'admin')}"}
    system_key = issue_key(data, "system", "甲大学")
    with httpx.Client(base_url=proc.url, timeout=60) as client:
        cycle, failed, _ = decided_cycle(client, admin)
        opened = client.post(
            f"/v1/review-cycles/{cycle.id}/rectification-items", json={}, headers=admin
        )
        assert opened.status_code == 201, opened.text
    plan = tmp_path / "整改方案.pdf"
    plan.write_bytes(thesis_pdf_bytes("整改方案 rectification plan", ["一、加强导师责任。"]))

    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{proc.url}/portal/institution")
    page.wait_for_url("**/portal/institution/login")
    page.fill("#api_key", system_key)
    page.click("form button[type=submit]")
    page.wait_for_url("**/portal/institution")
    page.click(f"tr[data-cycle='{cycle.id}'] a")
    page.wait_for_url(f"**/portal/institution/cycles/{cycle.id}")
    assert page.locator(f"section[data-thesis='{failed}']").count() == 1
    text = page.inner_text("main")
    assert "专家 A" in text and "不合格" in text
    for expert in {a["expert_id"] for a in cycle.assignments}:
        assert expert not in text
    assert "待提交" in page.inner_text("tr[data-item='plan'] td.state")
    assert page.locator("tr[data-item='report'] input[type=file]").count() == 0

    page.set_input_files("tr[data-item='plan'] input[type=file]", str(plan))
    page.click("tr[data-item='plan'] button[type=submit]")
    page.wait_for_selector("#saved")
    assert "已提交" in page.inner_text("tr[data-item='plan'] td.state")
    assert "整改方案.pdf" in page.inner_text("tr[data-item='plan']")
    page.screenshot(path=str(tmp_path / "plan-submitted.png"), full_page=True)

    with httpx.Client(base_url=proc.url, timeout=60) as client:
        accepted = client.post(
            f"/v1/review-cycles/{cycle.id}/rectification-items/甲大学/plan/decisions",
            json={"action": "accept", "note": "同意 agreed"},
            headers=admin,
        )
        assert accepted.status_code == 200, accepted.text
    page.reload()
    assert "已通过" in page.inner_text("tr[data-item='plan'] td.state")
    assert page.locator("tr[data-item='report'] input[type=file]").count() == 1
    cookies = {c["name"]: c for c in context.cookies()}
    session = cookies["spotcheck_institution"]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict"
    page.click("button.link")
    page.wait_for_url("**/portal/institution/login")
    context.close()
