"""Rectification (整改) items: every transition, due dates, overdue escalation, storage."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review import workspace
from review.cycle import ReviewCycle
from review.follow_up_store import FollowUpRecords, load_records, save_records
from review.rectification import (
    ItemEventKind,
    ItemKind,
    ItemState,
    RectificationError,
    RectificationItem,
    accept,
    add_items,
    escalate_overdue,
    find_item,
    institution_status,
    is_overdue,
    open_items,
    replace_item,
    return_item,
    set_due_date,
    submit,
)
from review.workspace import WorkspaceInfo

DAY = date(2025, 11, 1)
PLAN_DUE = DAY + timedelta(days=30)
REPORT_DUE = DAY + timedelta(days=180)


def items() -> tuple[RectificationItem, RectificationItem]:
    return open_items("甲大学", 2025, PLAN_DUE, REPORT_DUE, DAY, "office")


def test_opening_sets_both_items_with_their_due_dates() -> None:
    plan, report = items()
    assert (plan.kind, plan.due_on, plan.state) == (ItemKind.PLAN, PLAN_DUE, ItemState.AWAITING)
    assert (report.kind, report.due_on) == (ItemKind.REPORT, REPORT_DUE)
    assert plan.events[0].kind is ItemEventKind.OPENED
    assert plan.item_id == "2025/甲大学/plan"
    with pytest.raises(RectificationError, match="after the plan"):
        open_items("甲大学", 2025, PLAN_DUE, PLAN_DUE, DAY, "office")
    with pytest.raises(RectificationError, match="in the past"):
        open_items("甲大学", 2025, DAY - timedelta(days=1), REPORT_DUE, DAY, "office")


def test_submit_accept() -> None:
    plan, report = items()
    submitted = submit(plan, "blob:plan-v1", DAY + timedelta(days=10), "甲大学")
    assert submitted.state is ItemState.SUBMITTED and submitted.document == "blob:plan-v1"
    accepted = accept(submitted, DAY + timedelta(days=12), "office")
    assert accepted.state is ItemState.ACCEPTED
    assert [e.kind for e in accepted.events] == [
        ItemEventKind.OPENED,
        ItemEventKind.SUBMITTED,
        ItemEventKind.ACCEPTED,
    ]


def test_submit_return_resubmit_with_new_due_date() -> None:
    plan, _ = items()
    submitted = submit(plan, "v1", DAY + timedelta(days=10), "甲大学")
    with pytest.raises(RectificationError, match="needs a reason"):
        return_item(submitted, DAY + timedelta(days=11), "office", "")
    with pytest.raises(RectificationError, match="in the past"):
        return_item(submitted, DAY + timedelta(days=11), "office", "x", DAY)
    new_due = DAY + timedelta(days=45)
    returned = return_item(submitted, DAY + timedelta(days=11), "office", "措施不具体", new_due)
    assert returned.state is ItemState.RETURNED and returned.due_on == new_due
    resubmitted = submit(returned, "v2", DAY + timedelta(days=20), "甲大学")
    assert resubmitted.state is ItemState.SUBMITTED and resubmitted.document == "v2"


def test_wrong_steps_are_refused() -> None:
    plan, report = items()
    with pytest.raises(RectificationError, match="awaiting"):
        accept(plan, DAY, "office")
    with pytest.raises(RectificationError, match="awaiting"):
        return_item(plan, DAY, "office", "x")
    with pytest.raises(RectificationError, match="needs its document"):
        submit(plan, " ", DAY, "甲大学")
    done = accept(submit(plan, "v1", DAY, "甲大学"), DAY, "office")
    for step in (
        lambda i: submit(i, "v", DAY, "甲大学"),
        lambda i: accept(i, DAY, "office"),
        lambda i: set_due_date(i, REPORT_DUE, DAY, "office"),
    ):
        with pytest.raises(RectificationError, match="accepted"):
            step(done)
    with pytest.raises(RectificationError, match="before its last step"):
        submit(plan, "v", DAY - timedelta(days=1), "甲大学")


def test_report_follows_an_accepted_plan() -> None:
    plan, report = items()
    with pytest.raises(RectificationError, match="plan is not accepted"):
        submit(report, "r1", DAY, "甲大学", [plan, report])
    with pytest.raises(RectificationError, match="no rectification plan"):
        submit(report, "r1", DAY, "甲大学", [report])
    plan = accept(submit(plan, "p1", DAY, "甲大学"), DAY, "office")
    report = submit(report, "r1", DAY + timedelta(days=100), "甲大学", [plan, report])
    assert report.state is ItemState.SUBMITTED


def test_late_submission_is_visible() -> None:
    plan, _ = items()
    late = submit(plan, "p1", PLAN_DUE + timedelta(days=3), "甲大学")
    assert "late" in late.events[-1].note


def test_due_date_changes() -> None:
    plan, _ = items()
    moved = set_due_date(plan, PLAN_DUE + timedelta(days=14), DAY, "office", "agreed extension")
    assert moved.due_on == PLAN_DUE + timedelta(days=14)
    assert moved.events[-1].kind is ItemEventKind.DUE_DATE_SET
    with pytest.raises(RectificationError, match="in the past"):
        set_due_date(plan, DAY - timedelta(days=1), DAY, "office")


def test_overdue_items_escalate_once_per_due_date() -> None:
    plan, report = items()
    assert not is_overdue(plan, PLAN_DUE)
    after = PLAN_DUE + timedelta(days=1)
    assert is_overdue(plan, after)
    updated, escalated = escalate_overdue([plan, report], after)
    assert [i.kind for i in escalated] == [ItemKind.PLAN]
    assert updated[0].escalations == 1 and updated[0].events[-1].kind is ItemEventKind.ESCALATED
    again, none = escalate_overdue(updated, after + timedelta(days=5))
    assert none == [] and again == updated
    extended = set_due_date(updated[0], after + timedelta(days=10), after, "office")
    _, twice = escalate_overdue([extended], after + timedelta(days=11))
    assert twice[0].escalations == 2
    submitted = submit(plan, "p", after, "甲大学")
    assert not is_overdue(submitted, after + timedelta(days=100))
    _, nothing = escalate_overdue([submitted], after + timedelta(days=100))
    assert nothing == []


@given(st.lists(st.integers(-40, 200), min_size=1, max_size=8))
@settings(max_examples=50, deadline=None)
def test_escalation_never_touches_items_that_are_not_waiting_or_not_late(
    offsets: list[int],
) -> None:
    plan, _ = items()
    today = DAY + timedelta(days=60)
    population = []
    for k, offset in enumerate(offsets):
        due = DAY + timedelta(days=max(offset, 0))
        item = open_items(f"单位{k}", 2025, due, due + timedelta(days=1), DAY, "office")[0]
        if offset % 3 == 0:
            item = submit(item, "p", DAY, f"单位{k}")
        population.append(item)
    updated, escalated = escalate_overdue(population, today)
    for before, after in zip(population, updated, strict=True):
        late = before.waiting_for_institution and before.due_on < today
        assert (after.escalations == 1) == late
        assert after.state is before.state
    assert len(escalated) == sum(1 for i in updated if i.escalations)


def test_find_replace_add_and_status() -> None:
    plan, report = items()
    records = add_items((), [plan, report])
    with pytest.raises(RectificationError, match="already open"):
        add_items(records, [plan])
    assert find_item(records, "甲大学", 2025, ItemKind.REPORT) == report
    with pytest.raises(RectificationError, match="no plan item"):
        find_item(records, "乙大学", 2025, ItemKind.PLAN)
    assert institution_status(records, "甲大学", 2025).startswith("整改方案 待提交")
    plan = accept(submit(plan, "p", DAY, "甲大学"), DAY, "office")
    records = replace_item(records, plan)
    assert institution_status(records, "甲大学", 2025).startswith("整改报告 待提交")
    report = accept(submit(report, "r", DAY, "甲大学", records), DAY, "office")
    records = replace_item(records, report)
    assert institution_status(records, "甲大学", 2025) == "整改完成 rectified"
    assert institution_status(records, "乙大学", 2025) == ""


def test_items_round_trip_through_the_workspace(tmp_path: Path) -> None:
    directory = tmp_path / "ws"
    workspace.save(directory, ReviewCycle(seed=1), WorkspaceInfo(seed=1))
    plan, report = items()
    plan = return_item(submit(plan, "p", DAY, "甲大学"), DAY, "office", "redo")
    (escalated,), _ = escalate_overdue([plan], PLAN_DUE + timedelta(days=2))
    records = FollowUpRecords(rectification=(escalated, report))
    save_records(directory, records, only=("rectification",))
    assert load_records(directory) == records
