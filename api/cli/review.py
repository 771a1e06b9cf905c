"""CLI commands of the expert review stage: experts import, assign, reviews import, results, cases.

They chain on a review workspace directory (see `review.workspace`):

    spotcheck experts import POOL.xlsx --workspace W
    spotcheck assign SAMPLE.csv --workspace W [--screening DIR] [--exclude same-province ...]
    spotcheck reviews import FORMS.xlsx --workspace W
    spotcheck results --workspace W --out DIR [--prior PRIOR.csv]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path

from api.cli.errors import CliError
from api.cli.input_errors import parse_date, workspace_errors
from exports import write_csv, write_json_atomically
from review import workspace
from review.assign import AssignmentStatus, MatchLevel, StaffingResult
from review.conflicts import ConflictPolicy
from review.cycle import (
    STATE_LABELS,
    ReviewCycle,
    latest_reviews,
    replace_case,
    reviews_by_thesis,
    thesis_statuses,
)
from review.decision import OUTCOME_LABELS
from review.experts import read_expert_pool
from review.forms import DIMENSION_KEYS, form_for
from review.misconduct import (
    EVENT_LABELS,
    CaseEvent,
    CaseEventKind,
    CaseOutcome,
    MisconductCase,
    deadlines,
    evidence_pack,
    record_event,
)
from review.provinces import read_institution_provinces
from review.publish import FORMATS, institution_table, write_results
from review.results import IDENTITY_SETTINGS, compute_results, read_prior_results
from review.reviews import REVIEW_COLUMNS, parse_review_rows
from review.tables import ValidationError
from review.theses import (
    attach_screening,
    read_sample,
    read_screening_results,
)
from review.workflows import (
    WorkflowError,
    apply_province_mapping,
    import_reviews,
    replace_pool,
    run_assignment,
)


def _pair(text: str) -> tuple[str, str]:
    thesis_id, sep, expert_id = text.partition(":")
    if not sep or not thesis_id or not expert_id:
        raise argparse.ArgumentTypeError(f"expected THESIS_ID:EXPERT_ID, got {text!r}")
    return thesis_id, expert_id


def _load(directory: Path) -> tuple[ReviewCycle, workspace.WorkspaceInfo]:
    if not workspace.exists(directory):
        raise CliError(
            f"{directory}: not a review workspace (start with `spotcheck experts import "
            f"POOL --workspace {directory}`)"
        )
    return workspace.load(directory)


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    """Adds `experts import`, `assign`, `reviews import`, `results` and `cases`."""
    experts = subparsers.add_parser(
        "experts", help="expert pool (专家库)", description="Manage the expert pool."
    )
    experts_sub = experts.add_subparsers(dest="experts_command", metavar="SUBCOMMAND")
    experts.set_defaults(handler=_usage(experts))
    imp = experts_sub.add_parser(
        "import",
        help="import the expert pool from CSV/XLSX",
        description="Validate an expert pool (CSV or XLSX: expert_id/专家编号, name/姓名, "
        "institution/工作单位, province/省份, disciplines/学科代码, contact/联系方式, "
        "max_load/最大评审量) and store it in the review workspace.",
    )
    imp.add_argument("pool", type=Path, help="expert pool file (.csv or .xlsx)")
    imp.add_argument("--workspace", type=Path, required=True, help="review workspace directory")
    imp.set_defaults(handler=_experts_import)

    assign = subparsers.add_parser(
        "assign",
        help="assign 3 experts per sampled thesis; replace declines and timeouts",
        description="Assign peer experts to the sampled theses (3 each, matching discipline, "
        "falling back to the same 门类; never from the author's institution). Re-running "
        "tops up: replaces declined or timed-out experts and staffs 复评 rounds.",
    )
    assign.add_argument("sample", type=Path, nargs="?", help="sample.csv of the draw (first run)")
    assign.add_argument("--workspace", type=Path, required=True, help="review workspace directory")
    assign.add_argument("--seed", type=int, help="seed (default: the draw's manifest.json seed)")
    assign.add_argument(
        "--exclude",
        action="append",
        metavar="RULE",
        help="exclusion rule, repeatable: same-province, supervisor, co-authors, "
        "pre-defence-reviewers, or none (default: supervisor, co-authors, "
        "pre-defence-reviewers)",
    )
    assign.add_argument(
        "--institution-provinces",
        type=Path,
        help="CSV/XLSX institution,province (needed for --exclude same-province)",
    )
    assign.add_argument("--screening", type=Path, help="directory of screening result JSONs")
    assign.add_argument("--due-days", type=int, help="days an expert has to review (default 30)")
    assign.add_argument("--on", type=parse_date, help="today's date (default: the system date)")
    assign.add_argument(
        "--decline",
        type=_pair,
        action="append",
        default=[],
        metavar="THESIS:EXPERT",
        help="record that the expert declined the thesis and replace them (repeatable)",
    )
    assign.add_argument(
        "--timeout",
        type=_pair,
        action="append",
        default=[],
        metavar="THESIS:EXPERT",
        help="record that the expert timed out on the thesis and replace them (repeatable)",
    )
    assign.add_argument(
        "--expire-overdue",
        action="store_true",
        help="time out and replace every expert whose review is past its due date",
    )
    assign.set_defaults(handler=_assign)

    reviews = subparsers.add_parser(
        "reviews", help="review forms (评议意见书)", description="Import expert review forms."
    )
    reviews_sub = reviews.add_subparsers(dest="reviews_command", metavar="SUBCOMMAND")
    reviews.set_defaults(handler=_usage(reviews))
    rimp = reviews_sub.add_parser(
        "import",
        help="import offline review forms (CSV/XLSX), apply the decision rule",
        description="Import filled-in review forms (one row per review; the workspace's "
        "review-forms.csv is a template), check every row, record them, apply the "
        "problem-thesis rule and staff 复评 rounds.",
    )
    rimp.add_argument("forms", type=Path, help="review forms file (.csv or .xlsx)")
    rimp.add_argument("--workspace", type=Path, required=True, help="review workspace directory")
    rimp.add_argument("--on", type=parse_date, help="today's date (default: the system date)")
    rimp.add_argument(
        "--no-re-review",
        action="store_true",
        help="do not staff 复评 rounds now (run `spotcheck assign` later)",
    )
    rimp.set_defaults(handler=_reviews_import)

    results = subparsers.add_parser(
        "results",
        help="publishable results per institution, discipline, level and type",
        description="Compute results (counts, grade distribution, estimated problem rates "
        "with 95% intervals, institutions with problems in consecutive years) and write "
        "CSV, XLSX and an HTML summary without reviewer identities.",
    )
    results.add_argument("--workspace", type=Path, required=True, help="review workspace directory")
    results.add_argument("--out", type=Path, required=True, help="output directory")
    results.add_argument("--year", type=int, help="spot-check year (default: this year)")
    results.add_argument(
        "--prior", type=Path, help="prior years' results file (year, institution, problems)"
    )
    results.add_argument(
        "--identity",
        choices=IDENTITY_SETTINGS,
        default="id",
        help="thesis identities in the publication: none, id, or full (id, title, author)",
    )
    results.add_argument(
        "--format",
        default=",".join(FORMATS),
        help=f"comma-separated output formats (default {','.join(FORMATS)})",
    )
    results.set_defaults(handler=_results)

    cases = subparsers.add_parser(
        "cases",
        help="suspected misconduct cases: evidence and the institution's decision",
        description="List misconduct cases with their deadlines and evidence packs, or "
        "record a step of the institution's procedure.",
    )
    cases_sub = cases.add_subparsers(dest="cases_command", metavar="SUBCOMMAND")
    cases.set_defaults(handler=_usage(cases))
    clist = cases_sub.add_parser("list", help="cases, deadlines; writes evidence packs")
    clist.add_argument("--workspace", type=Path, required=True)
    clist.add_argument("--on", type=parse_date, help="today's date (default: the system date)")
    clist.set_defaults(handler=_cases_list)
    crec = cases_sub.add_parser("record", help="record a procedural event of a case")
    crec.add_argument("thesis_id")
    crec.add_argument("--workspace", type=Path, required=True)
    crec.add_argument("--event", required=True, choices=[kind.value for kind in CaseEventKind])
    crec.add_argument("--on", type=parse_date, required=True, help="date of the event")
    crec.add_argument("--outcome", choices=[outcome.value for outcome in CaseOutcome])
    crec.add_argument("--note", default="")
    crec.set_defaults(handler=_cases_record)


def _usage(parser: argparse.ArgumentParser):  # type: ignore[no-untyped-def]
    def handler(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    return handler


def _experts_import(args: argparse.Namespace) -> int:
    with workspace_errors():
        pool = read_expert_pool(args.pool)
        if workspace.exists(args.workspace):
            cycle, info = workspace.load(args.workspace)
        else:
            cycle, info = ReviewCycle(seed=0), workspace.WorkspaceInfo()
        cycle = replace_pool(cycle, pool)
        workspace.save(args.workspace, cycle, info)
    codes = Counter(code for expert in pool for code in expert.disciplines)
    print(
        f"expert pool 专家库: {len(pool)} experts, {len(codes)} disciplines, "
        f"total capacity {sum(e.max_load for e in pool)} reviews → {args.workspace}"
    )
    return 0


def _sample_seed(sample: Path) -> int | None:
    manifest = sample.parent / "manifest.json"
    try:
        seed = json.loads(manifest.read_text(encoding="utf-8")).get("seed")
    except (OSError, ValueError, AttributeError):
        return None
    return seed if isinstance(seed, int) else None


def _assign(args: argparse.Namespace) -> int:
    on = args.on or date.today()
    with workspace_errors():
        cycle, info = _load(args.workspace)
        if not cycle.experts:
            raise CliError(f"{args.workspace}: no expert pool yet (run `spotcheck experts import`)")
        if args.due_days is not None:
            if not 1 <= args.due_days <= 365:
                raise CliError("--due-days must be between 1 and 365")
            cycle = replace(cycle, due_days=args.due_days)
        if args.exclude is not None:
            try:
                cycle = replace(cycle, policy=ConflictPolicy.from_names(args.exclude))
            except ValueError as exc:
                raise CliError(f"--exclude: {exc}") from None
        if args.sample is not None:
            cycle, info = _start_or_check_sample(cycle, info, args)
        elif not cycle.theses:
            raise CliError("no sample in the workspace yet: give the draw's sample.csv")
        elif args.seed is not None and args.seed != info.seed:
            raise CliError(f"the workspace's seed is {info.seed}; it cannot change mid-review")
        if args.screening is not None:
            evidence = read_screening_results(args.screening)
            cycle = replace(cycle, theses=tuple(attach_screening(list(cycle.theses), evidence)))
        if args.institution_provinces is not None:
            mapping = read_institution_provinces(args.institution_provinces)
            cycle = apply_province_mapping(cycle, mapping)
        ended = [(t, e, AssignmentStatus.DECLINED) for t, e in args.decline]
        ended += [(t, e, AssignmentStatus.TIMED_OUT) for t, e in args.timeout]
        try:
            run = run_assignment(cycle, on, ended=ended, expire_overdue=args.expire_overdue)
        except WorkflowError as exc:
            if exc.code == "provinces-unknown":
                raise CliError(
                    f"--exclude same-province: {exc.detail} — give --institution-provinces FILE"
                ) from None
            raise
        cycle = run.cycle
        save_with_exports(args.workspace, cycle, info)
    _print_staffing(cycle, [run.staffing])
    _print_opened(run.opened)
    return 0


def _print_opened(opened: Sequence[MisconductCase]) -> None:
    if opened:
        print(f"misconduct cases opened 学术不端案件: {', '.join(c.thesis_id for c in opened)}")


def _start_or_check_sample(
    cycle: ReviewCycle, info: workspace.WorkspaceInfo, args: argparse.Namespace
) -> tuple[ReviewCycle, workspace.WorkspaceInfo]:
    digest = hashlib.sha256(args.sample.read_bytes()).hexdigest() if args.sample.is_file() else ""
    if cycle.theses:
        if digest != info.sample_sha256:
            raise CliError(
                f"{args.sample}: differs from the sample this workspace was started with "
                f"({info.sample_file}); use a new workspace for a new draw"
            )
        if args.seed is not None and args.seed != info.seed:
            raise CliError(f"the workspace's seed is {info.seed}; it cannot change mid-review")
        return cycle, info
    seed = args.seed if args.seed is not None else _sample_seed(args.sample)
    if seed is None:
        raise CliError(f"no seed: give --seed (no manifest.json with a seed beside {args.sample})")
    theses = read_sample(args.sample)
    info = replace(info, seed=seed, sample_file=str(args.sample.resolve()), sample_sha256=digest)
    return replace(cycle, seed=seed, theses=tuple(theses)), info


def _print_staffing(cycle: ReviewCycle, results: Sequence[StaffingResult]) -> None:
    new = [a for r in results for a in r.assignments]
    fallback = sum(1 for a in new if a.match is MatchLevel.CATEGORY)
    shortfalls = {(s.thesis_id, s.round): s for r in results for s in r.shortfalls}
    print(
        f"assigned 分配: {len(new)} new assignment(s) ({fallback} by 门类 fallback) for "
        f"{len({a.thesis_id for a in new})} thesis(es); {len(cycle.theses)} theses, "
        f"{len(cycle.experts)} experts in the workspace"
    )
    states = Counter(status.state for status in thesis_statuses(cycle).values())
    print("states 状态: " + ", ".join(f"{STATE_LABELS[s]} {n}" for s, n in sorted(states.items())))
    if shortfalls:
        print(f"NOT FULLY STAFFED 未配齐专家: {len(shortfalls)} thesis(es)")
        for (thesis_id, round_number), s in sorted(shortfalls.items()):
            print(
                f"  {thesis_id} round {round_number}: {s.assigned} of {s.needed} assigned — "
                f"{s.reason}"
            )


def save_with_exports(directory: Path, cycle: ReviewCycle, info: workspace.WorkspaceInfo) -> None:
    """Saves the workspace plus office-facing CSVs: assignments, status, form template."""
    workspace.save(directory, cycle, info)
    statuses = thesis_statuses(cycle)
    theses = cycle.thesis_map()
    write_csv(
        directory / "assignments.csv",
        ["thesis_id", "expert_id", "round", "match", "status", "assigned_on", "due_on",
         "replaces", "ended_on"],
        [
            [a.thesis_id, a.expert_id, a.round, a.match.value, a.status.value,
             a.assigned_on.isoformat(), a.due_on.isoformat(), a.replaces,
             a.ended_on.isoformat() if a.ended_on else ""]
            for a in sorted(cycle.assignments, key=lambda a: (a.thesis_id, a.round, a.expert_id))
        ],
        bom=True,
    )  # fmt: skip
    write_csv(
        directory / "status.csv",
        ["thesis_id", "institution", "discipline_code", "degree_level", "degree_type",
         "screening_flag", "state", "outcome", "round1_fails", "round2_fails",
         "reviews_needed", "reason"],
        [
            [t.thesis_id, t.institution, t.discipline_code, t.degree_level, t.degree_type,
             t.screening.level if t.screening else "", s.state.value, s.decision.outcome.value,
             s.decision.first_round_fails,
             "" if s.decision.second_round_fails is None else s.decision.second_round_fails,
             s.decision.reviews_needed, s.decision.reason]
            for t, s in ((theses[k], statuses[k]) for k in sorted(statuses))
        ],
        bom=True,
    )  # fmt: skip
    done = set(latest_reviews(cycle.reviews))
    template_columns = ["thesis_id", "expert_id", "round", "form", "overall_grade", "comment",
                        *[c for k in DIMENSION_KEYS for c in (k, f"{k}_comment")],
                        "misconduct_opinion", "misconduct_comment", "submitted_on"]  # fmt: skip
    header = [f"{REVIEW_COLUMNS[c][0]} {c}" if c in REVIEW_COLUMNS else c for c in template_columns]
    write_csv(
        directory / "review-forms.csv",
        header,
        [
            [
                a.thesis_id,
                a.expert_id,
                a.round,
                form_for(theses[a.thesis_id].degree_type).form_id,
                *[""] * (len(template_columns) - 4),
            ]
            for a in sorted(cycle.assignments, key=lambda a: (a.thesis_id, a.round, a.expert_id))
            if a.status is AssignmentStatus.ACTIVE
            and (a.thesis_id, a.expert_id, a.round) not in done
        ],
        bom=True,
    )


def _reviews_import(args: argparse.Namespace) -> int:
    on = args.on or date.today()
    with workspace_errors():
        cycle, info = _load(args.workspace)
        if not cycle.theses:
            raise CliError(f"{args.workspace}: no assignments yet (run `spotcheck assign`)")
        submitted = parse_review_rows(args.forms, cycle.thesis_map(), on)
        try:
            done = import_reviews(
                cycle, submitted, on, source=str(args.forms), re_review=not args.no_re_review
            )
        except WorkflowError as exc:
            if exc.problems:
                raise ValidationError(args.forms, exc.problems) from None
            raise
        cycle = done.cycle
        save_with_exports(args.workspace, cycle, info)
    statuses = thesis_statuses(cycle)
    outcomes = Counter(status.decision.outcome for status in statuses.values())
    print(f"recorded 已记录: {len(submitted)} review(s) from {args.forms}")
    print("outcomes 结论: " + ", ".join(f"{OUTCOME_LABELS[o]} {n}" for o, n in outcomes.items()))
    if not args.no_re_review:
        _print_staffing(cycle, [done.staffing])
    _print_opened(done.opened)
    return 0


def _results(args: argparse.Namespace) -> int:
    formats = [part.strip() for part in args.format.split(",") if part.strip()]
    bad = sorted(set(formats) - set(FORMATS))
    if bad or not formats:
        raise CliError(f"--format: unknown {', '.join(bad) or '(empty)'}; use {','.join(FORMATS)}")
    year = args.year or date.today().year
    with workspace_errors():
        cycle, _ = _load(args.workspace)
        if not cycle.theses:
            raise CliError(f"{args.workspace}: no sample in the workspace yet")
        prior = read_prior_results(args.prior) if args.prior else None
        results = compute_results(cycle, year, prior, args.identity)
        written = write_results(results, args.out, formats, prior_given=prior is not None)
    print(f"{year} 年抽检结果 results, by institution 按学位授予单位:")
    print(institution_table(results))
    for item in results.consecutive:
        print(
            f"  consecutive years 连续年度: {item.institution} ({', '.join(map(str, item.years))})"
        )
    for note in results.notes:
        print(f"  note: {note}")
    print("wrote " + ", ".join(str(path) for path in written))
    return 0


def _cases_list(args: argparse.Namespace) -> int:
    today = args.on or date.today()
    with workspace_errors():
        cycle, _ = _load(args.workspace)
        grouped = reviews_by_thesis(cycle)
        theses = cycle.thesis_map()
        packs_dir = args.workspace / "evidence"
        packs_dir.mkdir(exist_ok=True)
        for case in cycle.cases:
            thesis = theses.get(case.thesis_id)
            if thesis is None:  # opened by an allegation about a thesis outside the sample
                continue
            pack = evidence_pack(thesis, grouped.get(case.thesis_id, []), case.triggers)
            write_json_atomically(packs_dir / f"{case.thesis_id}.json", asdict(pack))
    if not cycle.cases:
        print("no misconduct cases 无学术不端案件")
        return 0
    for case in cycle.cases:
        print(f"{case.thesis_id}: opened {case.opened_on}; " + "; ".join(case.triggers))
        if case.thesis_id not in theses:
            print("  not in the sample 非抽检论文: no reviews, no evidence pack")
        for event in case.events:
            outcome = f" → {event.outcome.value}" if event.outcome else ""
            print(f"  {event.on} {EVENT_LABELS[event.kind]}{outcome} {event.note}".rstrip())
        for item in deadlines(case, today):
            due = f" due {item.due}" if item.due else ""
            done = f" (done {item.done_on})" if item.done_on else ""
            print(f"  [{item.status}] {item.name}{due}{done}")
    print(f"evidence packs 证据包 → {args.workspace / 'evidence'}")
    return 0


def _cases_record(args: argparse.Namespace) -> int:
    with workspace_errors():
        cycle, info = _load(args.workspace)
        case = next((c for c in cycle.cases if c.thesis_id == args.thesis_id), None)
        if case is None:
            raise CliError(f"no misconduct case for thesis {args.thesis_id!r}")
        event = CaseEvent(
            CaseEventKind(args.event),
            args.on,
            CaseOutcome(args.outcome) if args.outcome else None,
            args.note,
        )
        case = record_event(case, event)
        cycle = replace_case(cycle, case)
        workspace.save(args.workspace, cycle, info)
    print(f"{args.thesis_id}: recorded {EVENT_LABELS[event.kind]} on {event.on}")
    return 0
