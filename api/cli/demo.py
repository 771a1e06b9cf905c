"""CLI command: demo — the annual spot check on generated data, stage by stage.

Each stage is a plain function taking what the previous stages produced, so later stages
(screening, reports, expert review) are appended to `run_demo` without touching earlier ones.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from api.cli.errors import CliError
from api.cli.main import package_version
from api.cli.sample import print_draw
from sampler import DrawResult, OutputError, draw_sample, load_frame, resolve_plan, write_outputs
from sampler.synthetic_register import RegisterSpec, write_register

DEFAULT_OUT = Path("spotcheck-demo")
DEFAULT_SEED = 2024
DEMO_DEGREES = 40_000
DEMO_INSTITUTIONS = 48


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


def run_demo(out_dir: Path, seed: int) -> int:
    """Runs the demo stages in order; returns the exit status."""
    started = time.perf_counter()
    try:
        register = stage_register(out_dir, seed)
        result = stage_draw(register, out_dir, seed)
    except OutputError as exc:
        raise CliError(str(exc)) from None
    stage_summary(result, out_dir)
    print(f"demo finished in {time.perf_counter() - started:.1f} s; files in {out_dir}/")
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
    parser.set_defaults(handler=lambda args: run_demo(args.out, args.seed))
