"""`spotcheck allegations …`: the office's handling of allegations (举报) in a workspace.

spotcheck allegations import FILE --workspace W        (CSV/XLSX; all rows or none)
spotcheck allegations add --workspace W --title … --institution … --year … --kind …
spotcheck allegations list --workspace W [--state S]
spotcheck allegations status CODE --workspace W         (what the reporter sees)
spotcheck allegations accept|reject|merge|link|unlink|follow-up|close CODE --workspace W …
spotcheck allegations match --register FRAME --workspace W
spotcheck allegations overdue --workspace W
spotcheck allegations screen CODE --workspace W --thesis FILE --corpus PATH [--source FILE|ID …]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from api.cli.blinding import cli_blinding_key
from api.cli.errors import CliError
from api.cli.follow_up_inputs import (
    LoadedWorkspace,
    add_common,
    load_workspace,
)
from api.cli.input_errors import workspace_errors
from api.cli.screen import write_reports
from review.allegation_import import import_allegations, link_unique_matches
from review.allegation_screening import (
    check_screening_now,
    load_screenings,
    record_screening,
    save_screening,
    screening_note,
    screenings_of,
    summarise_screening,
)
from review.allegations import (
    FOLLOW_UP_LABELS,
    KIND_LABELS,
    STATE_LABELS,
    Allegation,
    AllegationError,
    AllegationReport,
    AllegationState,
    FollowUp,
    Reporter,
    accept,
    answer_due,
    cases_with_allegation,
    choose_follow_up,
    close,
    find,
    link,
    merge,
    overdue,
    parse_kind,
    public_status,
    receive,
    reject,
    replace_allegation,
    unlink,
)
from review.follow_up_policy import load_policy
from review.follow_up_store import save_records, save_records_with_cycle
from sampler.frame import load_frame


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    top = subparsers.add_parser(
        "allegations",
        help="allegations (举报): import, triage, link, follow-up",
        description="Record and handle allegations (举报) in a review workspace.",
    )
    sub = top.add_subparsers(dest="allegations_command", metavar="SUBCOMMAND")
    top.set_defaults(handler=lambda _args: _usage(top))

    imp = sub.add_parser("import", help="import allegations from CSV/XLSX (all rows or none)")
    imp.add_argument("file", type=Path)
    add_common(imp)
    imp.set_defaults(handler=_import)

    add = sub.add_parser("add", help="record one allegation; prints its tracking code")
    add_common(add)
    add.add_argument("--title", required=True)
    add.add_argument("--author", default="")
    add.add_argument("--institution", required=True)
    add.add_argument("--year", type=int, required=True, help="year the degree was awarded")
    add.add_argument("--kind", required=True, help="plagiarism/剽窃, fabrication/伪造, 代写…")
    add.add_argument("--source", default="", help="the suspected source, if known")
    add.add_argument("--details", default="")
    add.add_argument("--attachment", action="append", default=[], help="attachment reference")
    add.add_argument("--reporter-name", default="")
    add.add_argument("--reporter-contact", default="")
    add.add_argument("--thesis", default="", help="thesis_id in the register, if known")
    add.set_defaults(handler=_add)

    lst = sub.add_parser("list", help="list allegations with their answer deadlines")
    add_common(lst, actor=False)
    lst.add_argument("--state", choices=[s.value for s in AllegationState])
    lst.set_defaults(handler=_list)

    status = sub.add_parser("status", help="what the tracking code shows the reporter")
    status.add_argument("code")
    add_common(status, actor=False)
    status.set_defaults(handler=_status)

    show = sub.add_parser("show", help="one allegation in full, with every step (audit log)")
    show.add_argument("code")
    add_common(show, actor=False)
    show.set_defaults(handler=_show)

    late = sub.add_parser("overdue", help="allegations the office has not answered in time")
    add_common(late, actor=False)
    late.add_argument("--policy", type=Path, help="follow-up policy (answer deadlines)")
    late.set_defaults(handler=_overdue)

    match = sub.add_parser("match", help="link unlinked allegations to a register's theses")
    add_common(match)
    match.add_argument("--register", type=Path, required=True, help="register / frame file")
    match.set_defaults(handler=_match)

    scr = sub.add_parser(
        "screen",
        help="screening now (立即检测): screen the thesis with the named source added",
        description=(
            "For an allegation whose follow-up is screening_now: screen the thesis against "
            "the corpus plus the suspected source (a file, e.g. the reporter's attachment, "
            "kept in a corpus of its own in the workspace, or a document id / file name of "
            "the corpus). The result and its HTML report go to "
            "WORKSPACE/allegation-screening/CODE/ and are linked to the allegation."
        ),
    )
    scr.add_argument("code", help="tracking code")
    add_common(scr)
    scr.add_argument("--thesis", type=Path, required=True, help="the thesis file (PDF/DOCX/TXT)")
    scr.add_argument("--corpus", type=Path, required=True, help="the reference corpus")
    scr.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="FILE|ID",
        help="a suspected source (repeatable); default: the allegation's attachments and "
        "its suspected source",
    )
    scr.add_argument(
        "--in-process",
        action="store_true",
        help="extract in this process instead of an isolated child (trusted files only)",
    )
    scr.set_defaults(handler=_screen)

    steps: list[tuple[str, str, Callable[[argparse.ArgumentParser], object]]] = [
        ("accept", "accept (受理)", lambda p: p.add_argument("--note", default="")),
        ("reject", "reject with a reason", lambda p: p.add_argument("--reason", required=True)),
        ("merge", "merge a duplicate", lambda p: p.add_argument("--into", required=True)),
        ("link", "link to a register thesis", lambda p: p.add_argument("--thesis", required=True)),
        ("unlink", "remove a wrong link", lambda p: p.add_argument("--note", default="")),
        (
            "follow-up",
            "choose the follow-up",
            lambda p: (
                p.add_argument("--choose", required=True, choices=[f.value for f in FollowUp]),
                p.add_argument("--note", default=""),
            ),
        ),
        ("close", "close after the follow-up", lambda p: p.add_argument("--note", required=True)),
    ]
    for name, text, extra in steps:
        step = sub.add_parser(name, help=text)
        step.add_argument("code", help="tracking code")
        add_common(step)
        extra(step)
        step.set_defaults(handler=_step, step=name)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _describe(allegation: Allegation) -> str:
    report = allegation.report
    thesis = allegation.thesis_id or "unmatched 未匹配"
    follow = f" · {FOLLOW_UP_LABELS[allegation.follow_up]}" if allegation.follow_up else ""
    return (
        f"{allegation.code}  {STATE_LABELS[allegation.state]}{follow}  "
        f"{report.institution} · {report.title} · {report.author} ({report.year}) · "
        f"{KIND_LABELS[report.kind]} · thesis {thesis}"
    )


def _save(loaded: LoadedWorkspace, allegations: tuple[Allegation, ...]) -> None:
    records = replace(loaded.records, allegations=allegations)
    save_records(loaded.directory, records, only=("allegations",))


def _import(args: argparse.Namespace) -> int:
    today = args.on or date.today()
    with workspace_errors():
        loaded = load_workspace(args.workspace)
        existing = loaded.records.allegations
        created = import_allegations(args.file, existing, today, f"import:{args.actor}")
        _save(loaded, (*existing, *created))
    unmatched = sum(1 for a in created if not a.thesis_id)
    print(
        f"imported {len(created)} allegation(s) from {args.file}; "
        f"{unmatched} not linked to a thesis"
    )
    for allegation in created:
        print(f"  {_describe(allegation)}")
    return 0


def _add(args: argparse.Namespace) -> int:
    today = args.on or date.today()
    with workspace_errors():
        kind = parse_kind(args.kind)
        if kind is None:
            raise AllegationError(f"--kind: unknown kind {args.kind!r}")
        loaded = load_workspace(args.workspace)
        reporter = None
        if args.reporter_name or args.reporter_contact:
            reporter = Reporter(args.reporter_name, args.reporter_contact)
        report = AllegationReport(
            title=args.title,
            author=args.author,
            institution=args.institution,
            year=args.year,
            kind=kind,
            suspected_source=args.source,
            details=args.details,
            attachments=tuple(args.attachment),
            reporter=reporter,
        )
        allegation = receive(
            report, today, taken={a.code for a in loaded.records.allegations}, actor=args.actor,
            thesis_id=args.thesis,
        )  # fmt: skip
        _save(loaded, (*loaded.records.allegations, allegation))
    print(f"tracking code 查询码: {allegation.code}")
    return 0


def _list(args: argparse.Namespace) -> int:
    today = args.on or date.today()
    with workspace_errors():
        loaded = load_workspace(args.workspace)
        deadlines = load_policy().allegation_deadlines
    shown = [
        a for a in loaded.records.allegations if args.state is None or a.state.value == args.state
    ]
    for allegation in sorted(shown, key=lambda a: (a.received_on, a.code)):
        due = answer_due(allegation, deadlines)
        late = " OVERDUE 逾期" if due is not None and due < today else ""
        when = f"  answer due {due.isoformat()}{late}" if due else ""
        print(f"{_describe(allegation)}{when}")
    print(f"{len(shown)} allegation(s)")
    return 0


def _status(args: argparse.Namespace) -> int:
    with workspace_errors():
        loaded = load_workspace(args.workspace)
        status = public_status(find(loaded.records.allegations, args.code))
    print(f"{status.code}: {status.state_label} (received {status.received_on.isoformat()}, "
          f"last step {status.last_step_on.isoformat()})")  # fmt: skip
    if status.rejection_reason:
        print(f"  reason 理由: {status.rejection_reason}")
    if status.merged_into:
        print(f"  merged into 合并至: {status.merged_into}")
    if status.follow_up:
        print(f"  follow-up 处理: {FOLLOW_UP_LABELS[status.follow_up]}")
    return 0


def _show(args: argparse.Namespace) -> int:
    with workspace_errors():
        loaded = load_workspace(args.workspace)
        allegation = find(loaded.records.allegations, args.code)
        screenings = screenings_of(load_screenings(loaded.directory), allegation.code)
    report = allegation.report
    print(_describe(allegation))
    if report.suspected_source:
        print(f"  suspected source 疑似来源: {report.suspected_source}")
    if report.details:
        print(f"  details 举报内容: {report.details}")
    if report.attachments:
        print(f"  attachments 附件: {', '.join(report.attachments)}")
    reporter = report.reporter
    if reporter is None:
        print("  reporter 举报人: anonymous 匿名")
    else:
        print(f"  reporter 举报人: {reporter.name} {reporter.contact}".rstrip())
    for screening in screenings:
        print(f"  screening 检测结果: {screening.result_file} (flag {screening.flag})")
    for event in allegation.events:
        note = f" — {event.note}" if event.note else ""
        print(f"  {event.on.isoformat()} {event.kind.value} by {event.actor}{note}")
    return 0


def _overdue(args: argparse.Namespace) -> int:
    today = args.on or date.today()
    with workspace_errors():
        loaded = load_workspace(args.workspace)
        deadlines = load_policy(args.policy).allegation_deadlines
    late = overdue(loaded.records.allegations, today, deadlines)
    for allegation, due in late:
        print(f"{_describe(allegation)}  due {due.isoformat()} ({(today - due).days} days late)")
    print(f"{len(late)} allegation(s) overdue 逾期未答复")
    return 1 if late else 0


def _match(args: argparse.Namespace) -> int:
    today = args.on or date.today()
    with workspace_errors():
        loaded = load_workspace(args.workspace)
        register_frame = load_frame(args.register)
        updated, matches = link_unique_matches(
            loaded.records.allegations, register_frame, today, args.actor
        )
        _save(loaded, updated)
    for match in matches:
        if match.unique:
            print(f"  {match.code}: linked to {match.unique}")
        elif match.candidates:
            print(f"  {match.code}: {len(match.candidates)} candidates "
                  f"({', '.join(match.candidates)}), link by hand")  # fmt: skip
        else:
            print(f"  {match.code}: not in the register, kept as unmatched 未匹配")
    return 0


def _step(args: argparse.Namespace) -> int:
    today = args.on or date.today()
    with workspace_errors():
        loaded = load_workspace(args.workspace)
        allegations = loaded.records.allegations
        allegation = find(allegations, args.code)
        actor = args.actor
        if args.step == "accept":
            allegation = accept(allegation, today, actor, args.note)
        elif args.step == "reject":
            allegation = reject(allegation, today, actor, args.reason)
        elif args.step == "merge":
            allegation = merge(allegation, find(allegations, args.into), today, actor)
        elif args.step == "link":
            allegation = link(allegation, args.thesis, today, actor)
        elif args.step == "unlink":
            allegation = unlink(allegation, today, actor, args.note)
        elif args.step == "close":
            allegation = close(allegation, today, actor, args.note)
        else:
            allegation = choose_follow_up(
                allegation, FollowUp(args.choose), today, actor, args.note
            )
        updated = replace_allegation(allegations, allegation)
        if allegation.follow_up is FollowUp.MISCONDUCT_CASE and args.step == "follow-up":
            cycle = replace(
                loaded.cycle, cases=cases_with_allegation(loaded.cycle.cases, allegation, today)
            )
            records = replace(loaded.records, allegations=updated)
            save_records_with_cycle(
                loaded.directory, cycle, loaded.info, records, only=("allegations",)
            )
            print(f"misconduct case 学术不端调查 opened for {allegation.thesis_id} "
                  f"(see `spotcheck cases list`)")  # fmt: skip
        else:
            _save(loaded, updated)
    print(_describe(allegation))
    return 0


SCREENING_DIR = "allegation-screening"


def _named_sources(allegation: Allegation, given: list[str]) -> list[str]:
    """The sources named on the command line, else the allegation's own attachments and its
    suspected source (as the reporter gave them)."""
    if given:
        return given
    report = allegation.report
    return [*report.attachments, *([report.suspected_source] if report.suspected_source else [])]


def _screen(args: argparse.Namespace) -> int:
    from corpora.isolation import IsolatedExtractor
    from screening.named_sources import NamedSourceError, screen_with_named_sources
    from screening.screen import ScreeningError

    today = args.on or date.today()
    with workspace_errors():
        loaded = load_workspace(args.workspace)
        allegation = find(loaded.records.allegations, args.code)
        check_screening_now(allegation)
        folder = Path(SCREENING_DIR) / allegation.code
        out = loaded.directory / folder
        report = allegation.report
        metadata = {
            "thesis_id": allegation.thesis_id,
            "title": report.title,
            "author": report.author,
            "institution": report.institution,
        }
        extractor = None if args.in_process else IsolatedExtractor()
        try:
            screened = screen_with_named_sources(
                args.thesis,
                args.corpus,
                _named_sources(allegation, args.source),
                out / "sources",
                out,
                metadata=metadata,
                extractor=extractor,
            )
        except (NamedSourceError, ScreeningError) as exc:
            raise CliError(f"{exc}; nothing was recorded") from None
        finally:
            if extractor is not None:
                extractor.close()
        write_reports([screened.result], out, [args.thesis.stem], cli_blinding_key())
        record = summarise_screening(
            allegation,
            screened.result,
            [(n.given, n.doc_id, n.file) for n in screened.named],
            str(folder / screened.result_file.name),
            today,
            args.actor,
        )
        allegation = record_screening(allegation, record)
        save_screening(
            loaded.directory,
            replace_allegation(loaded.records.allegations, allegation),
            (*load_screenings(loaded.directory), record),
        )
    print(_describe(allegation))
    print(f"  screened 已检测: {screening_note(record)}")
    print(f"  report 检测报告: {screened.result_file.with_suffix('.html')}")
    return 0
