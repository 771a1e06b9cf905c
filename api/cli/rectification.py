"""`spotcheck rectification …`: rectification plans and reports (整改) in a workspace.

spotcheck rectification open --workspace W [--institution X …] [--plan-due D --report-due D]
spotcheck rectification submit INSTITUTION --kind plan --document REF --workspace W
spotcheck rectification accept|return|due INSTITUTION --kind plan|report --workspace W …
spotcheck rectification escalate --workspace W      (overdue items, once per due date)
spotcheck rectification list --workspace W
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from api.cli.errors import CliError
from api.cli.follow_up_inputs import (
    LoadedWorkspace,
    add_common,
    load_workspace,
    workspace_year,
)
from api.cli.input_errors import parse_date, workspace_errors
from review.follow_up_policy import load_policy
from review.follow_up_store import save_records
from review.rectification import (
    KIND_LABELS,
    STATE_LABELS,
    ItemKind,
    RectificationItem,
    accept,
    escalate_overdue,
    find_item,
    is_overdue,
    replace_item,
    return_item,
    set_due_date,
    submit,
)
from review.year_outcome import open_rectification, year_outcome


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    top = subparsers.add_parser(
        "rectification",
        help="rectification plans and reports (整改)",
        description="Rectification (整改) items of institutions with problem theses.",
    )
    sub = top.add_subparsers(dest="rectification_command", metavar="SUBCOMMAND")
    top.set_defaults(handler=lambda _args: _usage(top))

    opn = sub.add_parser(
        "open",
        help="open plan and report items (default: every institution with problem theses)",
    )
    add_common(opn)
    opn.add_argument("--institution", action="append", default=[])
    opn.add_argument("--year", type=int, help="spot-check year (default: this year)")
    opn.add_argument("--plan-due", type=parse_date, help="plan due date (default: policy days)")
    opn.add_argument("--report-due", type=parse_date, help="report due date")
    opn.add_argument("--policy", type=Path, help="follow-up policy (default due days)")
    opn.set_defaults(handler=_open)

    for name, text in (
        ("submit", "the institution files its plan or report"),
        ("accept", "the office accepts a submitted document"),
        ("return", "the office returns a document with a reason"),
        ("due", "the office sets a new due date"),
    ):
        step = sub.add_parser(name, help=text)
        step.add_argument("institution")
        step.add_argument("--kind", required=True, choices=[k.value for k in ItemKind])
        step.add_argument("--year", type=int, help="spot-check year (default: this year)")
        add_common(step)
        if name == "submit":
            step.add_argument("--document", required=True, help="document reference or file name")
        if name == "return":
            step.add_argument("--reason", required=True)
            step.add_argument("--new-due", type=parse_date)
        if name == "due":
            step.add_argument("--date", type=parse_date, required=True)
        if name in ("accept", "due"):
            step.add_argument("--note", default="")
        step.set_defaults(handler=_step, step=name)

    esc = sub.add_parser("escalate", help="escalate overdue items (逾期升级)")
    add_common(esc)
    esc.set_defaults(handler=_escalate)

    lst = sub.add_parser("list", help="list items with their due dates")
    add_common(lst, actor=False)
    lst.set_defaults(handler=_list)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _describe(item: RectificationItem, today: date) -> str:
    late = " OVERDUE 逾期" if is_overdue(item, today) else ""
    escalated = f" escalated 升级 ×{item.escalations}" if item.escalations else ""
    document = f" · {item.document}" if item.document else ""
    return (
        f"{item.year} {item.institution}  {KIND_LABELS[item.kind]}  {STATE_LABELS[item.state]}"
        f"  due {item.due_on.isoformat()}{late}{escalated}{document}"
    )


def _save(loaded: LoadedWorkspace, items: tuple[RectificationItem, ...]) -> None:
    save_records(loaded.directory, replace(loaded.records, rectification=items), ("rectification",))


def _open(args: argparse.Namespace) -> int:
    today = args.on or date.today()
    with workspace_errors():
        loaded = load_workspace(args.workspace)
        year = workspace_year(loaded, args.year)
        policy = load_policy(args.policy)
        institutions = list(args.institution)
        if not institutions:
            institutions = year_outcome(
                loaded.cycle, loaded.records, year, policy
            ).institutions_with_problems()
        if not institutions:
            raise CliError("no institution with problem theses; name them with --institution")
        items, plan_due, report_due = open_rectification(
            loaded.records.rectification,
            institutions,
            year,
            policy,
            today,
            args.actor,
            plan_due=args.plan_due,
            report_due=args.report_due,
        )
        _save(loaded, items)
    for institution in sorted(set(institutions)):
        print(f"{year} {institution}: plan due {plan_due}, report due {report_due}")
    return 0


def _step(args: argparse.Namespace) -> int:
    today = args.on or date.today()
    with workspace_errors():
        loaded = load_workspace(args.workspace)
        year = workspace_year(loaded, args.year)
        items = loaded.records.rectification
        item = find_item(items, args.institution, year, ItemKind(args.kind))
        if args.step == "submit":
            actor = args.actor if args.actor != "office" else args.institution
            item = submit(item, args.document, today, actor, items)
        elif args.step == "accept":
            item = accept(item, today, args.actor, args.note)
        elif args.step == "return":
            item = return_item(item, today, args.actor, args.reason, args.new_due)
        else:
            item = set_due_date(item, args.date, today, args.actor, args.note)
        _save(loaded, replace_item(items, item))
    print(_describe(item, today))
    return 0


def _escalate(args: argparse.Namespace) -> int:
    today = args.on or date.today()
    with workspace_errors():
        loaded = load_workspace(args.workspace)
        items, escalated = escalate_overdue(loaded.records.rectification, today, args.actor)
        if escalated:
            _save(loaded, items)
    for item in escalated:
        print(f"escalated 升级: {_describe(item, today)}")
    print(f"{len(escalated)} item(s) escalated")
    return 0


def _list(args: argparse.Namespace) -> int:
    today = args.on or date.today()
    with workspace_errors():
        loaded = load_workspace(args.workspace)
    items = sorted(
        loaded.records.rectification, key=lambda i: (i.year, i.institution, i.kind.value)
    )
    for item in items:
        print(_describe(item, today))
    print(f"{len(items)} item(s)")
    return 0
