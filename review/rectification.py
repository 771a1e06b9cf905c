"""Rectification (整改): the plan and the report an institution with problem theses files.

The office opens two items per institution and year — a rectification plan (整改方案)
and a rectification report (整改报告) — each with a due date it sets. The institution
submits (a document reference); the office accepts or returns it (with a reason and
optionally a new due date). The report can only be submitted once the plan is
accepted. An item still waiting for the institution after its due date is escalated
(逾期升级): each escalation is an event, and the escalation count feeds the 通报 list.
Every step is an `ItemEvent`, the audit log's record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum


class RectificationError(ValueError):
    """A step the rectification procedure does not allow; the message names the item."""


class ItemKind(StrEnum):
    PLAN = "plan"
    REPORT = "report"


KIND_LABELS: dict[ItemKind, str] = {
    ItemKind.PLAN: "整改方案 rectification plan",
    ItemKind.REPORT: "整改报告 rectification report",
}


class ItemState(StrEnum):
    AWAITING = "awaiting"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


STATE_LABELS: dict[ItemState, str] = {
    ItemState.AWAITING: "待提交 awaiting submission",
    ItemState.SUBMITTED: "已提交待审核 submitted",
    ItemState.RETURNED: "退回修改 returned",
    ItemState.ACCEPTED: "已通过 accepted",
}


class ItemEventKind(StrEnum):
    OPENED = "opened"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    DUE_DATE_SET = "due_date_set"
    ESCALATED = "escalated"


@dataclass(frozen=True)
class ItemEvent:
    kind: ItemEventKind
    on: date
    actor: str
    note: str = ""


@dataclass(frozen=True)
class RectificationItem:
    """One document the institution owes the office for one spot-check year."""

    institution: str
    year: int
    kind: ItemKind
    due_on: date
    state: ItemState = ItemState.AWAITING
    document: str = ""
    escalations: int = 0
    escalated_due: date | None = None
    events: tuple[ItemEvent, ...] = ()

    @property
    def item_id(self) -> str:
        return f"{self.year}/{self.institution}/{self.kind.value}"

    @property
    def waiting_for_institution(self) -> bool:
        return self.state in (ItemState.AWAITING, ItemState.RETURNED)


def open_items(
    institution: str, year: int, plan_due: date, report_due: date, on: date, actor: str
) -> tuple[RectificationItem, RectificationItem]:
    """The plan and report items of one institution; the report is due after the plan."""
    if report_due <= plan_due:
        raise RectificationError(
            f"{year}/{institution}: the report's due date must be after the plan's"
        )
    if plan_due < on:
        raise RectificationError(f"{year}/{institution}: the plan's due date is in the past")
    plan, report = (
        RectificationItem(
            institution,
            year,
            kind,
            due,
            events=(ItemEvent(ItemEventKind.OPENED, on, actor, f"due {due.isoformat()}"),),
        )
        for kind, due in ((ItemKind.PLAN, plan_due), (ItemKind.REPORT, report_due))
    )
    return plan, report


def _step(
    item: RectificationItem,
    kind: ItemEventKind,
    on: date,
    actor: str,
    note: str = "",
    **changes: object,
) -> RectificationItem:
    last = item.events[-1].on if item.events else on
    if on < last:
        raise RectificationError(
            f"{item.item_id}: {on.isoformat()} is before its last step ({last.isoformat()})"
        )
    event = ItemEvent(kind, on, actor, note)
    return replace(item, events=(*item.events, event), **changes)  # type: ignore[arg-type]


def _require(item: RectificationItem, allowed: Sequence[ItemState], step: str) -> None:
    if item.state not in allowed:
        names = ", ".join(s.value for s in allowed)
        raise RectificationError(
            f"{item.item_id}: cannot {step} when it is {item.state.value} (only when {names})"
        )


def _plan_of(item: RectificationItem, items: Iterable[RectificationItem]) -> RectificationItem:
    for other in items:
        if (other.institution, other.year, other.kind) == (
            item.institution,
            item.year,
            ItemKind.PLAN,
        ):
            return other
    raise RectificationError(f"{item.item_id}: no rectification plan item for this year")


def submit(
    item: RectificationItem,
    document: str,
    on: date,
    actor: str,
    items: Iterable[RectificationItem] = (),
) -> RectificationItem:
    """The institution files its document (late filing is allowed and stays visible)."""
    _require(item, (ItemState.AWAITING, ItemState.RETURNED), "submit it")
    if not document.strip():
        raise RectificationError(f"{item.item_id}: a submission needs its document")
    if item.kind is ItemKind.REPORT and _plan_of(item, items).state is not ItemState.ACCEPTED:
        raise RectificationError(
            f"{item.item_id}: the rectification report follows an accepted plan; "
            "the plan is not accepted yet"
        )
    late = " (late 逾期提交)" if on > item.due_on else ""
    return _step(
        item,
        ItemEventKind.SUBMITTED,
        on,
        actor,
        document.strip() + late,
        state=ItemState.SUBMITTED,
        document=document.strip(),
    )


def accept(item: RectificationItem, on: date, actor: str, note: str = "") -> RectificationItem:
    _require(item, (ItemState.SUBMITTED,), "accept it")
    return _step(item, ItemEventKind.ACCEPTED, on, actor, note, state=ItemState.ACCEPTED)


def return_item(
    item: RectificationItem, on: date, actor: str, reason: str, new_due: date | None = None
) -> RectificationItem:
    """Sends the document back with a reason; a new due date may be set (not in the past)."""
    _require(item, (ItemState.SUBMITTED,), "return it")
    if not reason.strip():
        raise RectificationError(f"{item.item_id}: returning needs a reason")
    due = item.due_on
    if new_due is not None:
        if new_due < on:
            raise RectificationError(f"{item.item_id}: the new due date is in the past")
        due = new_due
    return _step(
        item,
        ItemEventKind.RETURNED,
        on,
        actor,
        reason.strip(),
        state=ItemState.RETURNED,
        due_on=due,
    )


def set_due_date(
    item: RectificationItem, due: date, on: date, actor: str, note: str = ""
) -> RectificationItem:
    """The office moves a due date (e.g. an agreed extension)."""
    _require(item, (ItemState.AWAITING, ItemState.RETURNED), "change its due date")
    if due < on:
        raise RectificationError(f"{item.item_id}: the due date {due.isoformat()} is in the past")
    text = f"due {due.isoformat()}" + (f": {note}" if note else "")
    return _step(item, ItemEventKind.DUE_DATE_SET, on, actor, text, due_on=due)


def is_overdue(item: RectificationItem, today: date) -> bool:
    return item.waiting_for_institution and item.due_on < today


def escalate_overdue(
    items: Sequence[RectificationItem], today: date, actor: str = "system"
) -> tuple[tuple[RectificationItem, ...], list[RectificationItem]]:
    """Escalates each overdue item once per due date passed; returns all items and the
    newly escalated ones. Running it twice on the same day escalates nothing more."""
    updated: list[RectificationItem] = []
    escalated: list[RectificationItem] = []
    for item in items:
        if is_overdue(item, today) and item.escalated_due != item.due_on:
            days = (today - item.due_on).days
            item = _step(
                item,
                ItemEventKind.ESCALATED,
                today,
                actor,
                f"{days} days overdue 逾期 {days} 天; due {item.due_on.isoformat()}",
                escalations=item.escalations + 1,
                escalated_due=item.due_on,
            )
            escalated.append(item)
        updated.append(item)
    return tuple(updated), escalated


def find_item(
    items: Sequence[RectificationItem], institution: str, year: int, kind: ItemKind
) -> RectificationItem:
    for item in items:
        if (item.institution, item.year, item.kind) == (institution, year, kind):
            return item
    raise RectificationError(f"no {kind.value} item for {institution} in {year}")


def replace_item(
    items: Sequence[RectificationItem], updated: RectificationItem
) -> tuple[RectificationItem, ...]:
    if not any(i.item_id == updated.item_id for i in items):
        raise RectificationError(f"no rectification item {updated.item_id}")
    return tuple(updated if i.item_id == updated.item_id else i for i in items)


def add_items(
    items: Sequence[RectificationItem], new: Iterable[RectificationItem]
) -> tuple[RectificationItem, ...]:
    existing = {i.item_id for i in items}
    new = tuple(new)
    for item in new:
        if item.item_id in existing:
            raise RectificationError(f"{item.item_id}: already open")
    return (*items, *new)


def institution_status(items: Iterable[RectificationItem], institution: str, year: int) -> str:
    """One bilingual word for the multi-year view: the least advanced item's state."""
    own = [i for i in items if i.institution == institution and i.year == year]
    if not own:
        return ""
    if all(i.state is ItemState.ACCEPTED for i in own):
        return "整改完成 rectified"
    order = [ItemKind.PLAN, ItemKind.REPORT]
    first = min(
        (i for i in own if i.state is not ItemState.ACCEPTED), key=lambda i: order.index(i.kind)
    )
    escalated = " · 已升级 escalated" if any(i.escalations for i in own) else ""
    return f"{KIND_LABELS[first.kind].split()[0]} {STATE_LABELS[first.state]}{escalated}"
