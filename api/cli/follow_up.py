"""Feedback, marks, accountability and the multi-year view, from review workspaces.

spotcheck feedback --workspace W --out DIR [--prior PRIOR.csv] [--institution X …]
spotcheck marks --workspace W [--prior PRIOR.csv] [--policy P.toml]
spotcheck accountability record --workspace W --institution X --measure M --basis … --by …
spotcheck accountability list --workspace W
spotcheck history --workspace 2024=W1 --workspace 2025=W2 [--prior PRIOR.csv] --out view.html
spotcheck reinspection --previous W1 --workspace W2 --out DIR [--prior PRIOR.csv] [--policy P.toml]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from api.cli.errors import CliError
from api.cli.follow_up_inputs import (
    LoadedWorkspace,
    add_common,
    load_workspace,
    workspace_year,
)
from api.cli.input_errors import workspace_errors
from exports import write_text_atomically
from review.consequences import (
    MARK_LABELS,
    MEASURE_LABELS,
    AccountabilityDecision,
    Measure,
    record_decision,
)
from review.cycle import ReviewCycle
from review.feedback import feedback_for_institutions, render_feedback_html
from review.follow_up_policy import load_policy
from review.follow_up_store import FollowUpRecords, save_records
from review.history_table import (
    HISTORY_FORMATS,
    SpotCheckYear,
    multi_year_rows,
    write_history,
    year_span,
)
from review.next_year import plan_next_year
from review.reinspection import reinspection_rows, reinspection_text, write_reinspection
from review.results import compute_results, read_prior_results
from review.year_outcome import YearOutcome, year_outcome


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    feedback = subparsers.add_parser(
        "feedback",
        help="per-institution feedback pages (反馈), no expert or reporter identity",
    )
    _year_options(feedback)
    feedback.add_argument("--out", type=Path, required=True, help="directory for the pages")
    feedback.add_argument("--institution", action="append", default=[])
    feedback.set_defaults(handler=_feedback)

    mark = subparsers.add_parser(
        "marks", help="约谈 interview, 通报 notice and 激励 recognition lists, with their basis"
    )
    _year_options(mark)
    mark.set_defaults(handler=_marks)

    acc = subparsers.add_parser("accountability", help="问责 decisions with their basis")
    acc_sub = acc.add_subparsers(dest="accountability_command", metavar="SUBCOMMAND")
    acc.set_defaults(handler=lambda _args: _usage(acc))
    rec = acc_sub.add_parser("record", help="record a decision")
    add_common(rec)
    rec.add_argument("--institution", required=True)
    rec.add_argument("--measure", required=True, choices=[m.value for m in Measure])
    rec.add_argument("--basis", required=True, help="the results, marks or cases it rests on")
    rec.add_argument("--by", required=True, help="who decided")
    rec.add_argument("--programme", default="", help="the degree programme concerned, if any")
    rec.add_argument("--note", default="")
    rec.add_argument("--year", type=int, help="spot-check year (default: this year)")
    rec.set_defaults(handler=_record)
    lst = acc_sub.add_parser("list", help="list the decisions")
    add_common(lst, actor=False)
    lst.set_defaults(handler=_list)

    history = subparsers.add_parser(
        "history",
        help="multi-year view per institution (HTML with charts)",
        description=(
            "Per institution: years sampled, problem theses, rates with intervals, "
            "allegations and rectification status over the years given, as an HTML page "
            "with charts and as CSV/XLSX."
        ),
    )
    history.add_argument(
        "--workspace",
        action="append",
        required=True,
        metavar="[YEAR=]DIR",
        help="a year's review workspace (repeat for each year)",
    )
    history.add_argument("--prior", type=Path, help="earlier years' problem counts")
    history.add_argument(
        "--out",
        type=Path,
        required=True,
        help="HTML file to write; the CSV and XLSX get the same name beside it",
    )
    history.add_argument(
        "--format",
        default=",".join(HISTORY_FORMATS),
        help=f"comma-separated output formats (default {','.join(HISTORY_FORMATS)})",
    )
    history.set_defaults(handler=_history)

    again = subparsers.add_parser(
        "reinspection",
        help="复查: did each re-inspected institution's problem rate move (with intervals)",
        description=(
            "For each institution whose rate the plan raised after the previous year (the "
            "plan `spotcheck plan next` writes from the previous workspace with the same "
            "--prior and --policy), both years' problem rates with 95% intervals and whether "
            "the rate moved; writes reinspection.csv, .xlsx and .html into --out."
        ),
    )
    again.add_argument("--previous", type=Path, required=True, help="last year's workspace")
    again.add_argument("--workspace", type=Path, required=True, help="this year's workspace")
    again.add_argument("--out", type=Path, required=True, help="output directory")
    again.add_argument("--prior", type=Path, help="results before last year (as for plan next)")
    again.add_argument("--policy", type=Path, help="the follow-up policy the plan was made with")
    again.add_argument("--year", type=int, help="this year (default: the workspace's)")
    again.set_defaults(handler=_reinspection)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _year_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", type=Path, required=True, help="review workspace")
    parser.add_argument("--year", type=int, help="spot-check year (default: this year)")
    parser.add_argument("--prior", type=Path, help="earlier years' results")
    parser.add_argument("--policy", type=Path, help="the office's follow-up policy (TOML)")


@dataclass(frozen=True)
class YearView:
    loaded: LoadedWorkspace
    outcome: YearOutcome


def _year_view(args: argparse.Namespace) -> YearView:
    loaded = load_workspace(args.workspace)
    year = workspace_year(loaded, args.year)
    prior = read_prior_results(args.prior) if args.prior else {}
    outcome = year_outcome(loaded.cycle, loaded.records, year, load_policy(args.policy), prior)
    return YearView(loaded, outcome)


def _file_name(institution: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", institution).strip("._") or "institution"


def write_feedback_pages(
    cycle: ReviewCycle,
    records: FollowUpRecords,
    outcome: YearOutcome,
    institutions: Sequence[str],
    out: Path,
) -> list[Path]:
    """One feedback page per institution (file names safe on every system), written to `out`."""
    pages: dict[str, str] = {}
    every = feedback_for_institutions(
        cycle,
        outcome.results,
        institutions,
        records.allegations,
        records.rectification,
        outcome.marks,
    )
    for institution, feedback in zip(institutions, every, strict=True):
        name = _file_name(institution)
        number = 1
        while f"{name}.html" in pages:
            number += 1
            name = f"{_file_name(institution)}-{number}"
        pages[f"{name}.html"] = render_feedback_html(feedback)
    return [write_text_atomically(out / name, text, durable=True) for name, text in pages.items()]


def _feedback(args: argparse.Namespace) -> int:
    with workspace_errors():
        view = _year_view(args)
        known = [g.group for g in view.outcome.results.by("institution")]
        institutions = args.institution or known
        unknown = sorted(set(institutions) - set(known))
        if unknown:
            raise CliError(f"--institution: {unknown[0]!r} has no sampled thesis this year")
        loaded = view.loaded
        pages = write_feedback_pages(
            loaded.cycle, loaded.records, view.outcome, institutions, args.out
        )
    print(f"wrote {len(pages)} feedback page(s) 反馈 to {args.out}")
    return 0


def _marks(args: argparse.Namespace) -> int:
    with workspace_errors():
        view = _year_view(args)
    for kind, label in MARK_LABELS.items():
        chosen = [m for m in view.outcome.marks if m.kind is kind]
        print(f"{label} ({len(chosen)}):")
        for mark in chosen:
            print(f"  {mark.institution}: {mark.basis}")
    return 0


def _record(args: argparse.Namespace) -> int:
    today = args.on or date.today()
    with workspace_errors():
        loaded = load_workspace(args.workspace)
        decision = AccountabilityDecision(
            institution=args.institution,
            year=workspace_year(loaded, args.year),
            measure=Measure(args.measure),
            basis=args.basis,
            decided_on=today,
            decided_by=args.by,
            programme=args.programme,
            note=args.note,
        )
        decisions = record_decision(loaded.records.accountability, decision)
        save_records(
            loaded.directory,
            replace(loaded.records, accountability=decisions),
            ("accountability",),
        )
    print(f"recorded 问责: {decision.institution} {MEASURE_LABELS[decision.measure]}")
    return 0


def _list(args: argparse.Namespace) -> int:
    with workspace_errors():
        loaded = load_workspace(args.workspace)
    for d in loaded.records.accountability:
        programme = f" [{d.programme}]" if d.programme else ""
        print(
            f"{d.year} {d.institution}{programme}: {MEASURE_LABELS[d.measure]} — basis 依据: "
            f"{d.basis} ({d.decided_on.isoformat()}, {d.decided_by})"
        )
    print(f"{len(loaded.records.accountability)} decision(s)")
    return 0


def _history(args: argparse.Namespace) -> int:
    formats = [part.strip() for part in args.format.split(",") if part.strip()]
    bad = sorted(set(formats) - set(HISTORY_FORMATS))
    if bad or not formats:
        raise CliError(
            f"--format: unknown {', '.join(bad) or '(empty)'}; use {','.join(HISTORY_FORMATS)}"
        )
    if args.out.suffix.lower() != ".html":
        raise CliError(f"--out: {args.out} should end in .html (the CSV and XLSX go beside it)")
    with workspace_errors():
        prior = read_prior_results(args.prior) if args.prior else {}
        years: list[SpotCheckYear] = []
        for given in args.workspace:
            year_text, sep, directory = given.partition("=")
            if not sep:
                year_text, directory = "", given
            if year_text and not year_text.isdigit():
                raise CliError(f"--workspace: expected YEAR=DIR or DIR, got {given!r}")
            loaded = load_workspace(Path(directory))
            year = workspace_year(loaded, int(year_text) if year_text else None)
            if any(y.year == year for y in years):
                raise CliError(f"--workspace: two workspaces for {year}")
            years.append(SpotCheckYear(year, loaded.cycle, loaded.records))
        rows = multi_year_rows(years, prior)
        institutions = len({r.institution for r in rows})
        span = year_span(rows)
        written = write_history(rows, args.out, span, formats)
    print(f"{institutions} institution(s), years {span}: wrote " + ", ".join(map(str, written)))
    return 0


def _reinspection(args: argparse.Namespace) -> int:
    with workspace_errors():
        previous = load_workspace(args.previous)
        current = load_workspace(args.workspace)
        year = workspace_year(current, args.year)
        recorded = previous.info.extra.get("year")
        last = recorded if isinstance(recorded, int) else year - 1
        if last >= year:
            raise CliError(f"--previous is the {last} workspace, not a year before {year}")
        policy = load_policy(args.policy)
        prior = read_prior_results(args.prior) if args.prior else {}
        before = year_outcome(previous.cycle, previous.records, last, policy, prior)
        plan = plan_next_year(last, before.histories, previous.records.allegations, policy)
        rows = reinspection_rows(plan, before.results, compute_results(current.cycle, year))
        written = write_reinspection(rows, args.out, last, year)
    print(f"{year} 年复查 re-inspection of {len(rows)} institution(s) raised after {last}:")
    print(reinspection_text(rows))
    print("wrote " + ", ".join(map(str, written)))
    return 0
