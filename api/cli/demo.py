"""CLI command: demo — two years of the spot check on generated data, stage by stage.

Year 1 is the annual cycle (register, draw, screening, expert review, published results)
followed by what comes after the results: allegations (举报) imported, matched to the
register, triaged and followed up (one screened at once with its named source), feedback
pages, rectification (整改) with one item escalated, the marks (约谈、通报、激励), a
问责 decision, and next year's plan. Year 2 is drawn with that plan (复查, re-inspection)
and ends with the re-inspection report and the multi-year view. Each year's review
workspace stays in the output folder, so every CLI command can continue from it. Every
step calls the same domain functions as the CLI; only the people (reviewers, reporters,
institutions) are simulated (`api/demo/`).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from api.cli.errors import CliError
from api.cli.main import package_version
from api.cli.sample import print_draw
from api.cli.screen import summary_table, write_reports
from api.demo.synthetic_register import RegisterSpec, write_register
from corpora.blind import blinding_key
from sampler import OutputError, draw_sample, load_frame, resolve_plan, write_outputs
from sampler.plan import Plan, PlanError, load_plan_file

if TYPE_CHECKING:
    from api.demo.synthetic_corpus import DemoMaterials, PlantedPassage
    from corpora import Corpus
    from review import ReviewCycle, SampledThesis
    from review.allegation_screening import AllegationScreening
    from review.follow_up_store import FollowUpRecords
    from review.next_year import NextYearPlan
    from review.year_outcome import YearOutcome
    from sampler.frame import Frame
    from screening.result import ScreeningResult

DEFAULT_OUT = Path("spotcheck-demo")
DEFAULT_SEED = 2024
DEMO_DEGREES = 40_000
DEMO_INSTITUTIONS = 48
DEFAULT_SCREEN_COUNT = 20
DEMO_MARKER = ".spotcheck-demo"
PRIOR_YEARS = 2
SHOWN_REINSPECTED = 12
YEAR_CORPUS_DOCUMENTS = (60, 20)
"""Reference documents generated each year (year 2 adds fewer to the same corpus)."""
SECOND_YEAR_SCREEN_SHARE = 4
"""Year 2 screens a quarter of `--screen` (at least 2): its point is the re-inspection, and
the corpus, screening and reports work as in year 1."""


def previous_academic_year_end(today: date) -> int:
    """The calendar year in which the previous academic year (September–August) ended."""
    return today.year if today.month >= 9 else today.year - 1


def prepare_out_dir(out_dir: Path) -> None:
    """Starts from an empty folder; a previous demo's output (marked) is replaced."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise CliError(f"{out_dir} exists and is not a folder")
        if (out_dir / DEMO_MARKER).is_file():
            shutil.rmtree(out_dir)
        elif any(out_dir.iterdir()):
            raise CliError(
                f"{out_dir} is not empty and holds no earlier demo; choose another --out"
            )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / DEMO_MARKER).write_text("spotcheck demo output; replaced by the next demo run\n")


def pick_for_screening(theses: Sequence[SampledThesis], count: int) -> list[SampledThesis]:
    """An evenly spread, reproducible subset of the sample (screening every thesis of a
    national sample is a batch job, not a demo)."""
    ordered = sorted(theses, key=lambda t: t.thesis_id)
    if count >= len(ordered):
        return ordered
    step = len(ordered) / count
    return [ordered[int(i * step)] for i in range(count)]


@dataclass(frozen=True)
class DemoYear:
    """What one year of the demo produced."""

    number: int
    year: int
    folder: Path
    review_dir: Path
    register: Path
    frame: Frame
    sampled: tuple[SampledThesis, ...]
    screened: tuple[SampledThesis, ...]
    materials: DemoMaterials
    overview: Path
    cycle: ReviewCycle

    def label(self, stage: int) -> str:
        return f"[{self.year} · {stage}]"


def stage_register(
    folder: Path, spec: RegisterSpec, extra_rows: Sequence[Sequence[str]] = ()
) -> Path:
    """The register of the academic year's degrees (register.csv)."""
    path = write_register(folder / "register.csv", spec, extra_rows)
    added = f" + {len(extra_rows)} certainty unit(s) from the year before" if extra_rows else ""
    print(
        f"[{spec.academic_year_end} · 1] 学位授予名单 register: {spec.degrees} degrees{added}, "
        f"{spec.institutions} institutions, awarded {spec.academic_year_end - 1}-09 … "
        f"{spec.academic_year_end}-08 → {path}"
    )
    return path


def stage_draw(register: Path, folder: Path, plan: Plan, year: int) -> Frame:
    """Draws the sample with `plan` into folder/draw/ and prints the summary."""
    frame = load_frame(register)
    try:
        result = draw_sample(frame, plan)
        write_outputs(result, folder / "draw", package_version())
    except (OutputError, PlanError) as exc:
        raise CliError(str(exc)) from None
    print(f"[{year} · 2] 抽样 draw:")
    print_draw(result, folder / "draw")
    return frame


def stage_screening(
    theses: Sequence[SampledThesis],
    folder: Path,
    corpus: Corpus,
    seed: int,
    year: int,
    corpus_documents: int,
) -> tuple[list[ScreeningResult], Path, DemoMaterials]:
    """Thesis PDFs with planted copies, reference documents added to the corpus, screening
    and reports (folder/materials/, folder/results/)."""
    from api.demo.synthetic_corpus import write_demo_materials
    from screening.screen import ScreenSettings, screen_theses

    metas = [
        {
            "thesis_id": t.thesis_id,
            "title": t.title,
            "author": t.author,
            "supervisor": t.supervisor,
            "institution": t.institution,
            "discipline_code": t.discipline_code,
            "degree_level": t.degree_level,
            "degree_type": t.degree_type,
        }
        for t in theses
    ]
    materials = write_demo_materials(
        seed, metas, folder / "materials", corpus_documents=corpus_documents
    )
    corpus.add_files([materials.corpus_dir], metadata_csv=materials.corpus_metadata)
    for template in materials.templates:
        corpus.add_template(template, institution=None, kind="declaration")
    print(
        f"[{year} · 3] 检测 screening: {len(theses)} sampled theses (PDF) against a reference "
        f"corpus of {len(corpus.documents())} documents and {len(corpus.templates())} "
        "boilerplate templates"
    )
    results_dir = folder / "results"
    results = screen_theses(
        materials.thesis_files,
        corpus,
        ScreenSettings(),
        results_dir,
        metadata={m["thesis_id"]: m for m in metas},
    )
    key = blinding_key(None, key_folder=folder.parent)  # one key for every year of the demo
    overview = write_reports(results, results_dir, [p.stem for p in materials.thesis_files], key)
    print(summary_table(results))
    found = sum(1 for planted in materials.planted if planted_passage_found(planted, results))
    print(
        f"    planted passages found 植入段落检出: {found} of {len(materials.planted)} "
        f"(ground truth: {materials.ground_truth})"
    )
    return results, overview, materials


def planted_passage_found(planted: PlantedPassage, results: Sequence[ScreeningResult]) -> bool:
    """True when the thesis's result has a passage from the planted source overlapping it."""
    for result in results:
        if result.thesis_id != planted.thesis_id:
            continue
        files = {s.id: s.file for s in result.sources}
        for passage in result.passages:
            if files.get(passage.source_id) != planted.source_file:
                continue
            if planted.origin == "batch" or (
                passage.source_start < planted.source_end
                and planted.source_start < passage.source_end
            ):
                return True
    return False


def stage_review(
    theses: Sequence[SampledThesis],
    results: Sequence[ScreeningResult],
    sample: Path,
    review_dir: Path,
    seed: int,
    year: int,
) -> ReviewCycle:
    """Generated experts and simulated reviews through the review workflows; the cycle is
    saved as a review workspace (review_dir) the CLI continues from."""
    from api.cli.review import save_with_exports
    from api.demo.simulate import demo_review_stage
    from api.demo.simulate_follow_up import timeline
    from review.theses import evidence_from_result
    from review.workspace import WorkspaceInfo

    flags = {r.thesis_id: evidence_from_result(r) for r in results if r.thesis_id}
    located = [replace(t, screening=flags.get(t.thesis_id)) for t in theses]
    cycle, log, _ = demo_review_stage(located, seed, timeline(year)["review"], year)
    info = WorkspaceInfo(
        seed=seed,
        sample_file=str(sample.resolve()),
        sample_sha256=hashlib.sha256(sample.read_bytes()).hexdigest(),
        extra={"year": year},
    )
    save_with_exports(review_dir, cycle, info)
    print(
        f"[{year} · 4] 专家评议 expert review: {len(cycle.experts)} experts, {log.reviews} "
        f"reviews, {log.declined} declines replaced; rule applied to every sampled thesis; "
        f"review workspace 评议工作区 → {review_dir}"
    )
    return cycle


def stage_publish(outcome: YearOutcome, folder: Path) -> None:
    """The year's published results (with earlier years, for consecutive-year institutions)."""
    from review import institution_table, write_results

    print(institution_table(outcome.results))
    written = write_results(outcome.results, folder / "published", prior_given=True)
    print(f"    published results 抽检结果: {', '.join(str(p) for p in written)}")


def run_year(
    number: int,
    spec: RegisterSpec,
    plan: Plan,
    out_dir: Path,
    corpus: Corpus,
    screen_count: int,
    *,
    extra_rows: Sequence[Sequence[str]] = (),
) -> DemoYear:
    """One year: register, draw, screening, review (its workspace saved)."""
    from review import read_sample

    year = spec.academic_year_end
    folder = out_dir / f"year{number}"
    print(f"\n=== 第{'一二'[number - 1]}年 year {number}: {year} ===")
    register = stage_register(folder, spec, extra_rows)
    frame = stage_draw(register, folder, plan, year)
    sample = folder / "draw" / "sample.csv"
    sampled = read_sample(sample)
    picked = pick_for_screening(sampled, screen_count)
    screened, overview, materials = stage_screening(
        picked, folder, corpus, spec.seed, year, YEAR_CORPUS_DOCUMENTS[number - 1]
    )
    review_dir = out_dir / f"year{number}-review"
    cycle = stage_review(sampled, screened, sample, review_dir, spec.seed, year)
    return DemoYear(
        number, year, folder, review_dir, register, frame, tuple(sampled), tuple(picked),
        materials, overview, cycle,
    )  # fmt: skip


def stage_allegations(
    first: DemoYear, corpus: Corpus, seed: int
) -> tuple[ReviewCycle, FollowUpRecords]:
    """Allegations imported and matched to the register, triaged, followed up: a certainty
    unit next year, a misconduct case, and one screened now with its named source."""
    from api.demo.simulate_follow_up import (
        demo_allegations,
        register_rows,
        timeline,
        write_allegations,
    )
    from review.allegation_import import import_allegations, link_unique_matches
    from review.allegations import (
        AllegationState,
        FollowUp,
        accept,
        cases_with_allegation,
        choose_follow_up,
        link,
        merge,
        reject,
    )
    from review.follow_up_store import FollowUpRecords

    days = timeline(first.year)
    planted = {p.thesis_id: p.source_file for p in first.materials.planted if p.origin == "corpus"}
    cases = demo_allegations(
        register_rows(first.register), first.sampled, first.screened, planted, first.year,
        days["allegations"], seed,
    )  # fmt: skip
    path = write_allegations(first.folder / "allegations.csv", cases)
    imported = import_allegations(path, (), days["allegations"], "import:office")
    linked, _ = link_unique_matches(imported, first.frame, days["allegations"], "office")
    by_role = {case.role: allegation for case, allegation in zip(cases, linked, strict=True)}
    for case in cases:
        allegation = by_role[case.role]
        if case.thesis_id and case.role != "rejected" and not allegation.thesis_id:
            by_role[case.role] = link(allegation, case.thesis_id, days["triage"], "office")
    on, office = days["triage"], "office"
    for role in ("certainty", "screening", "misconduct", "unmatched"):
        by_role[role] = accept(by_role[role], on, office)
    by_role["duplicate"] = merge(by_role["duplicate"], by_role["certainty"], on, office)
    by_role["rejected"] = reject(
        by_role["rejected"], on, office, "未提供具体线索 no specific facts to act on"
    )
    on = days["follow_up"]
    chosen = {
        "certainty": FollowUp.CERTAINTY_NEXT_YEAR,
        "screening": FollowUp.SCREENING_NOW,
        "misconduct": FollowUp.MISCONDUCT_CASE,
    }
    for role, follow_up in chosen.items():
        by_role[role] = choose_follow_up(by_role[role], follow_up, on, office)
    cycle = replace(
        first.cycle, cases=cases_with_allegation(first.cycle.cases, by_role["misconduct"], on)
    )
    allegations = tuple(by_role[case.role] for case in cases)
    states = Counter(
        "accepted" if a.state is AllegationState.FOLLOW_UP else a.state.value for a in allegations
    )
    print(
        f"[{first.year} · 5] 举报 allegations: {len(allegations)} imported from {path}, "
        f"matched to the register; "
        + ", ".join(f"{state} {count}" for state, count in sorted(states.items()))
        + f"; unmatched {sum(1 for a in allegations if not a.thesis_id)}"
    )
    for case, allegation in zip(cases, allegations, strict=True):
        follow = f" → {allegation.follow_up.value}" if allegation.follow_up else ""
        print(
            f"    {allegation.code}  {case.role:<10} {allegation.state.value}{follow}  "
            f"thesis {allegation.thesis_id or '未匹配 unmatched'}"
        )
    return cycle, FollowUpRecords(allegations=allegations)


def stage_screening_now(
    first: DemoYear, records: FollowUpRecords, corpus: Corpus
) -> tuple[FollowUpRecords, AllegationScreening]:
    """The screening-now follow-up: the thesis against the corpus plus the named source (a
    report that names none, possible with a very small `--screen`, is compared with the
    corpus's first document, so the step still runs)."""
    from api.demo.simulate_follow_up import timeline
    from review.allegation_screening import record_screening, screening_note, summarise_screening
    from review.allegations import FollowUp, replace_allegation
    from screening.named_sources import screen_with_named_sources

    allegation = next(a for a in records.allegations if a.follow_up is FollowUp.SCREENING_NOW)
    thesis = next(p for p in first.materials.thesis_files if p.stem == allegation.thesis_id)
    folder = Path("allegation-screening") / allegation.code
    out = first.review_dir / folder
    named = [allegation.report.suspected_source] if allegation.report.suspected_source else []
    screened = screen_with_named_sources(
        thesis,
        corpus,
        named or [corpus.documents()[0].id],
        out / "sources",
        out,
        metadata={"thesis_id": allegation.thesis_id, "title": allegation.report.title},
    )
    key = blinding_key(None, key_folder=first.folder.parent)
    write_reports([screened.result], out, [thesis.stem], key)
    record = summarise_screening(
        allegation,
        screened.result,
        [(n.given, n.doc_id, n.file) for n in screened.named],
        str(folder / screened.result_file.name),
        timeline(first.year)["follow_up"],
        "office",
    )
    updated = record_screening(allegation, record)
    print(f"    立即检测 screening now {allegation.code}: {screening_note(record)}")
    allegations = replace_allegation(records.allegations, updated)
    return replace(records, allegations=allegations), record


@dataclass(frozen=True)
class FollowUpYear:
    """Year 1 after its results: the outcome, the workspace's cycle and records, the plan."""

    outcome: YearOutcome
    cycle: ReviewCycle
    records: FollowUpRecords
    plan: NextYearPlan
    plan_path: Path


def stage_follow_up(
    first: DemoYear, corpus: Corpus, prior_path: Path, out_dir: Path, seed: int
) -> FollowUpYear:
    """Year 1 after the results: allegations, feedback, rectification, marks, 问责, plan."""
    from api.cli.follow_up import write_feedback_pages
    from api.demo.simulate_follow_up import simulate_rectification, timeline
    from exports import write_text_atomically
    from review.allegation_screening import save_screening
    from review.consequences import (
        MARK_LABELS,
        AccountabilityDecision,
        MarkKind,
        Measure,
        record_decision,
    )
    from review.follow_up_policy import load_policy
    from review.follow_up_store import FollowUpRecords, save_records_with_cycle
    from review.next_year import plan_next_year, render_next_year_plan
    from review.rectification import escalate_overdue
    from review.results import read_prior_results
    from review.workspace import load as load_workspace
    from review.year_outcome import open_rectification, year_outcome

    days = timeline(first.year)
    policy = load_policy()
    prior = read_prior_results(prior_path)
    outcome = year_outcome(first.cycle, FollowUpRecords(), first.year, policy, prior)
    stage_publish(outcome, first.folder)

    cycle, records = stage_allegations(first, corpus, seed)
    records, screening = stage_screening_now(first, records, corpus)

    items, plan_due, report_due = open_rectification(
        (), outcome.institutions_with_problems(), first.year, policy, days["rectification"],
        "office",
    )  # fmt: skip
    items, story = simulate_rectification(items, first.year, seed)
    items, escalated = escalate_overdue(items, days["escalation"], "system")
    records = replace(records, rectification=items)
    print(
        f"[{first.year} · 6] 整改 rectification: {len(items) // 2} institutions with problem "
        f"theses, plans due {plan_due}, reports due {report_due}; {story.returned}'s plan "
        f"returned once; {len(escalated)} item(s) overdue and escalated on "
        f"{days['escalation']} ({', '.join(i.item_id for i in escalated) or 'none'})"
    )
    outcome = year_outcome(cycle, records, first.year, policy, prior)
    for kind in MarkKind:
        marked = [m.institution for m in outcome.marks if m.kind is kind]
        shown = "、".join(marked[:6]) + (f" … +{len(marked) - 6}" if len(marked) > 6 else "")
        print(f"    {MARK_LABELS[kind]}: {len(marked)} {shown}".rstrip())
    interview = next((m for m in outcome.marks if m.kind is MarkKind.INTERVIEW), None)
    if interview is not None:
        decision = AccountabilityDecision(
            institution=interview.institution,
            year=first.year,
            measure=Measure.CRITICISM,
            basis=interview.basis,
            decided_on=days["plan"],
            decided_by="省学位委员会 provincial degree committee",
        )
        records = replace(records, accountability=record_decision((), decision))
        print(f"    问责 accountability: {decision.institution} 通报批评 ({decision.basis})")

    _, info = load_workspace(first.review_dir)
    save_records_with_cycle(first.review_dir, cycle, info, records)
    save_screening(first.review_dir, records.allegations, [screening])
    institutions = [g.group for g in outcome.results.by("institution")]
    pages = write_feedback_pages(cycle, records, outcome, institutions, first.folder / "feedback")
    print(f"    反馈 feedback: {len(pages)} institution pages → {first.folder / 'feedback'}")

    plan = plan_next_year(first.year, outcome.histories, records.allegations, policy)
    plan_path = out_dir / f"plan-{plan.year}.toml"
    note = f"来源 from: {first.review_dir} ({first.year}), prior {prior_path}"
    write_text_atomically(plan_path, render_next_year_plan(plan, note), durable=True)
    raised = sum(1 for a in plan.adjustments if a.raises)
    print(
        f"[{first.year} · 7] 下一年度抽检方案 plan for {plan.year}: {raised} institution(s) "
        f"raised, {len(plan.adjustments) - raised} lowered, {len(plan.certainty)} certainty "
        f"unit(s), {len(plan.unmatched)} accepted allegation(s) unmatched → {plan_path}"
    )
    return FollowUpYear(outcome, cycle, records, plan, plan_path)


def stage_second_year(
    first: DemoYear,
    plan: NextYearPlan,
    plan_path: Path,
    out_dir: Path,
    corpus: Corpus,
    seed: int,
    screen_count: int,
) -> DemoYear:
    """Year 2 drawn with the generated plan; the certainty units are added to its register
    from the register of their year, as the plan's comment asks."""
    from api.demo.simulate_follow_up import register_rows

    rows = register_rows(first.register)
    certainty = [rows[u.thesis_id] for u in plan.certainty if u.thesis_id in rows]
    spec = RegisterSpec(
        seed=seed + 1,
        degrees=DEMO_DEGREES,
        institutions=DEMO_INSTITUTIONS,
        academic_year_end=plan.year,
        institution_seed=seed,
    )
    try:
        drawn_with = load_plan_file(plan_path).with_seed(seed + 1)
    except PlanError as exc:
        raise CliError(str(exc)) from None
    return run_year(
        2, spec, drawn_with, out_dir, corpus, max(2, screen_count // SECOND_YEAR_SCREEN_SHARE),
        extra_rows=certainty,
    )  # fmt: skip


def stage_reinspection(
    first: FollowUpYear, second: DemoYear, prior_path: Path, out_dir: Path
) -> Path:
    """Year 2's results and re-inspection report, and the multi-year view of both years."""
    from review.follow_up_policy import load_policy
    from review.follow_up_store import FollowUpRecords
    from review.history_table import SpotCheckYear, multi_year_rows, write_history, year_span
    from review.reinspection import reinspection_rows, reinspection_text, write_reinspection
    from review.results import read_prior_results
    from review.year_outcome import year_outcome

    first_outcome = first.outcome
    prior = read_prior_results(prior_path)
    prior.update(
        {(first_outcome.year, g.group): g.problems for g in first_outcome.results.by("institution")}
    )
    outcome = year_outcome(second.cycle, FollowUpRecords(), second.year, load_policy(), prior)
    stage_publish(outcome, second.folder)
    rows = reinspection_rows(first.plan, first_outcome.results, outcome.results)
    written = write_reinspection(rows, second.folder / "published", first_outcome.year, second.year)
    print(
        f"[{second.year} · 5] 复查 re-inspection: {len(rows)} institution(s) raised after "
        f"{first_outcome.year}, rate {first_outcome.year} → {second.year} (95% intervals):"
    )
    lines = reinspection_text(rows).splitlines()
    shown = lines[:SHOWN_REINSPECTED] + (
        [f"  … {len(lines) - 1 - SHOWN_REINSPECTED} more in {written[1]}"]
        if len(lines) - 1 > SHOWN_REINSPECTED
        else []
    )
    print("\n".join([*shown, lines[-1]]))
    history = multi_year_rows(
        [
            SpotCheckYear(first_outcome.year, first.cycle, first.records),
            SpotCheckYear(second.year, second.cycle, FollowUpRecords()),
        ],
        read_prior_results(prior_path),
    )
    pages = write_history(history, out_dir / "history.html", year_span(history))
    print(f"    多年度 multi-year view: {', '.join(str(p) for p in pages)}")
    return pages[0]


def run_demo(out_dir: Path, seed: int, screen_count: int) -> int:
    """Two years of the spot check on generated data (see the module docstring)."""
    from api.demo.simulate_follow_up import write_prior_years
    from corpora import Corpus

    if screen_count < 1:
        raise CliError(f"--screen must be at least 1, got {screen_count}")
    started = time.perf_counter()
    prepare_out_dir(out_dir)
    second_year = previous_academic_year_end(date.today())
    corpus = Corpus.open(out_dir / "corpus", create=True)
    spec = RegisterSpec(
        seed=seed,
        degrees=DEMO_DEGREES,
        institutions=DEMO_INSTITUTIONS,
        academic_year_end=second_year - 1,
    )
    first = run_year(1, spec, resolve_plan({"seed": seed}), out_dir, corpus, screen_count)
    institutions = sorted({t.institution for t in first.sampled})
    prior_years = [first.year - k for k in range(PRIOR_YEARS, 0, -1)]
    prior_path = write_prior_years(out_dir / "prior-years.csv", institutions, prior_years, seed)
    print(f"    earlier years 往年结果 {', '.join(map(str, prior_years))} → {prior_path}")
    follow_up = stage_follow_up(first, corpus, prior_path, out_dir, seed)
    second = stage_second_year(
        first, follow_up.plan, follow_up.plan_path, out_dir, corpus, seed, screen_count
    )
    history = stage_reinspection(follow_up, second, prior_path, out_dir)
    print(f"\ndemo finished in {time.perf_counter() - started:.1f} s; files in {out_dir}/")
    print("continue from the review workspaces 继续: spotcheck results --workspace "
          f"{second.review_dir} --out {out_dir / 'again'}; spotcheck history --workspace "
          f"{first.year}={first.review_dir} --workspace {second.year}={second.review_dir} "
          f"--prior {prior_path} --out {history.with_suffix('.html')}")  # fmt: skip
    print(f"open the batch overview 批次总览 in a browser: {second.overview.resolve()}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    """Adds `demo`."""
    parser = subparsers.add_parser(
        "demo",
        help="run two years of the spot check on generated demo data",
        description="Generates realistic registers and runs two years of the spot check: "
        "draw, screening, expert review, results, allegations, feedback, rectification, "
        "next year's plan and the re-inspection; no server and no network needed.",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output folder"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of data and draw")
    parser.add_argument(
        "--screen",
        type=int,
        default=DEFAULT_SCREEN_COUNT,
        metavar="N",
        help="how many sampled theses to generate and screen each year "
        f"(default {DEFAULT_SCREEN_COUNT})",
    )
    parser.set_defaults(handler=lambda args: run_demo(args.out, args.seed, args.screen))
