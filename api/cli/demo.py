"""CLI command: demo — the annual spot check on generated data, stage by stage.

Each stage is a plain function taking what the previous stages produced, so later stages
(screening, reports, expert review) are appended to `run_demo` without touching earlier ones.
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from api.cli.errors import CliError
from api.cli.main import package_version
from api.cli.sample import print_draw
from api.cli.screen import summary_table, write_reports
from api.demo.synthetic_register import RegisterSpec, write_register
from sampler import DrawResult, OutputError, draw_sample, load_frame, resolve_plan, write_outputs

if TYPE_CHECKING:
    from api.demo.synthetic_corpus import PlantedPassage
    from review import SampledThesis
    from screening.result import ScreeningResult

DEFAULT_OUT = Path("spotcheck-demo")
DEFAULT_SEED = 2024
DEMO_DEGREES = 40_000
DEMO_INSTITUTIONS = 48
DEFAULT_SCREEN_COUNT = 20
DEMO_MARKER = ".spotcheck-demo"


def previous_academic_year_end(today: date) -> int:
    """The calendar year in which the previous academic year (September–August) ended."""
    return today.year if today.month >= 9 else today.year - 1


def stage_register(out_dir: Path, seed: int) -> Path:
    """Stage 1: generate the register of last academic year's degrees (register.csv)."""
    spec = RegisterSpec(
        seed=seed,
        degrees=DEMO_DEGREES,
        institutions=DEMO_INSTITUTIONS,
        academic_year_end=previous_academic_year_end(date.today()),
    )
    path = write_register(out_dir / "register.csv", spec)
    print(
        f"[1] 学位授予名单 register: {spec.degrees} degrees, {spec.institutions} institutions, "
        f"awarded {spec.academic_year_end - 1}-09 … {spec.academic_year_end}-08 → {path}"
    )
    return path


def stage_draw(register: Path, out_dir: Path, seed: int) -> DrawResult:
    """Stage 2: draw the spot-check sample with the default plan (out_dir/draw/)."""
    frame = load_frame(register)
    result = draw_sample(frame, resolve_plan({"seed": seed}))
    write_outputs(result, out_dir / "draw", package_version())
    return result


def stage_summary(result: DrawResult, out_dir: Path) -> None:
    """Stage 3: print the draw summary."""
    print("[2] 抽样 draw:")
    print_draw(result, out_dir / "draw")


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


def stage_screening(
    theses: Sequence[SampledThesis], out_dir: Path, seed: int
) -> tuple[list[ScreeningResult], Path]:
    """Stage 3: thesis PDFs with planted copies, a reference corpus, screening, reports."""
    from api.demo.synthetic_corpus import write_demo_materials
    from corpora import Corpus
    from corpora.blind import blinding_key
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
    materials = write_demo_materials(seed, metas, out_dir / "materials")
    corpus = Corpus.open(out_dir / "corpus", create=True)
    added = corpus.add_files([materials.corpus_dir], metadata_csv=materials.corpus_metadata)
    for template in materials.templates:
        corpus.add_template(template, institution=None, kind="declaration")
    print(
        f"[3] 检测 screening: {len(theses)} sampled theses (PDF) against a reference corpus of "
        f"{added.added} documents and {len(materials.templates)} boilerplate templates"
    )
    results_dir = out_dir / "results"
    results = screen_theses(
        materials.thesis_files,
        corpus,
        ScreenSettings(),
        results_dir,
        metadata={m["thesis_id"]: m for m in metas},
    )
    key = blinding_key(None, key_folder=out_dir)
    overview = write_reports(results, results_dir, [p.stem for p in materials.thesis_files], key)
    print(summary_table(results))
    found = sum(1 for planted in materials.planted if planted_passage_found(planted, results))
    print(
        f"    planted passages found 植入段落检出: {found} of {len(materials.planted)} "
        f"(ground truth: {materials.ground_truth})"
    )
    return results, overview


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
    out_dir: Path,
    seed: int,
) -> None:
    """Stage 4: generated experts, simulated reviews, the decision rule, published results."""
    from api.demo.simulate import demo_review_stage
    from review import institution_table, write_results
    from review.theses import evidence_from_result

    flags = {r.thesis_id: evidence_from_result(r) for r in results if r.thesis_id}
    located = [replace(t, screening=flags.get(t.thesis_id)) for t in theses]
    today = date.today()
    cycle, log, outcome = demo_review_stage(located, seed, today, today.year)
    print(
        f"[4] 专家评议 expert review: {len(cycle.experts)} experts, {log.reviews} reviews, "
        f"{log.declined} declines replaced; rule applied to every sampled thesis"
    )
    print(institution_table(outcome))
    written = write_results(outcome, out_dir / "published")
    print(f"    published results 抽检结果: {', '.join(str(p) for p in written)}")


def run_demo(out_dir: Path, seed: int, screen_count: int) -> int:
    """Runs the annual cycle on generated data: register, draw, screening, review, results."""
    from review import read_sample

    started = time.perf_counter()
    prepare_out_dir(out_dir)
    try:
        register = stage_register(out_dir, seed)
        result = stage_draw(register, out_dir, seed)
    except OutputError as exc:
        raise CliError(str(exc)) from None
    stage_summary(result, out_dir)
    sampled = read_sample(out_dir / "draw" / "sample.csv")
    screened, overview = stage_screening(pick_for_screening(sampled, screen_count), out_dir, seed)
    stage_review(sampled, screened, out_dir, seed)
    print(f"demo finished in {time.perf_counter() - started:.1f} s; files in {out_dir}/")
    print(f"open the batch overview 批次总览 in a browser: {overview.resolve()}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    """Adds `demo`."""
    parser = subparsers.add_parser(
        "demo",
        help="run the annual spot check on generated demo data",
        description="Generates a realistic register, draws the spot-check sample and prints "
        "a summary; no server and no network needed.",
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
        help=f"how many sampled theses to generate and screen (default {DEFAULT_SCREEN_COUNT})",
    )
    parser.set_defaults(handler=lambda args: run_demo(args.out, args.seed, args.screen))
