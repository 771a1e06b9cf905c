"""CLI commands: sample, verify-draw, estimate (the stratified spot-check sampler)."""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from api.cli.errors import CliError
from api.cli.main import package_version
from sampler import (
    DrawDirectoryError,
    DrawResult,
    EstimateInputError,
    Frame,
    FrameError,
    OutputError,
    Plan,
    PlanError,
    draw_sample,
    estimate_rates,
    load_frame,
    load_plan_file,
    read_id_list,
    read_reviewed_sample,
    render_summary,
    resolve_plan,
    supplement_plan,
    supplement_rates,
    verify_draw,
    write_estimates,
    write_outputs,
)
from sampler.estimate import DEFAULT_GROUPINGS, RateEstimate

SHOWN_PROBLEMS = 50


def load_frame_or_fail(path: Path) -> Frame:
    """Loads a frame; on problems prints them (capped) on stderr and raises CliError."""
    try:
        return load_frame(path)
    except FrameError as exc:
        if len(exc.problems) > 1:
            print(f"{exc.source}: {exc.total} problems:", file=sys.stderr)
            for problem in exc.problems[:SHOWN_PROBLEMS]:
                print(f"  {problem.describe()}", file=sys.stderr)
            if exc.total > SHOWN_PROBLEMS:
                print(f"  … and {exc.total - SHOWN_PROBLEMS} more", file=sys.stderr)
        raise CliError(f"{exc}; no output written") from None


def _read_ids(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror}") from None


def _plan_for(args: argparse.Namespace, frame: Frame) -> tuple[Plan, bool]:
    """The plan to draw with and whether a seed was given explicitly."""
    if args.supplement is not None:
        if args.seed is not None or args.certainty or args.exclude:
            raise CliError("--supplement takes seed, certainty units and exclusions from the "
                           "previous draw; drop --seed/--certainty/--exclude")  # fmt: skip
        if args.plan is None:
            raise CliError("--supplement needs --plan TOPUP.toml with the top-up [rates]")
        try:
            raw = tomllib.loads(args.plan.read_text(encoding="utf-8-sig"))
            rates = supplement_rates(raw)
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"{args.plan}: cannot read the plan: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise CliError(f"{args.plan.name}: not valid TOML: {exc}") from None
        plan = supplement_plan(frame, args.supplement, rates, package_version())
        return plan, True
    plan = load_plan_file(args.plan) if args.plan is not None else resolve_plan()
    seeded = args.plan is not None and _plan_has_seed(args.plan)
    if args.seed is not None:
        plan = plan.with_seed(args.seed)
        seeded = True
    if args.certainty:
        plan = plan.with_id_lists(
            certainty=read_id_list(_read_ids(args.certainty), args.certainty.name)
        )
    if args.exclude:
        plan = plan.with_id_lists(
            exclusions=read_id_list(_read_ids(args.exclude), args.exclude.name)
        )
    return plan, seeded


def _plan_has_seed(path: Path) -> bool:
    try:
        return "seed" in tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def run_sample(args: argparse.Namespace) -> int:
    frame = load_frame_or_fail(args.frame)
    try:
        plan, seeded = _plan_for(args, frame)
        result = draw_sample(frame, plan)
        write_outputs(result, args.out, package_version())
    except (PlanError, DrawDirectoryError) as exc:
        raise CliError(f"{exc}; no output written") from None
    except OutputError as exc:
        raise CliError(str(exc)) from None
    if not seeded:
        print(
            f"note: no seed given, used {plan.seed}; for an official draw fix a public seed "
            "after the frame is frozen (--seed N)",
            file=sys.stderr,
        )
    print_draw(result, args.out, quiet=args.quiet)
    return 0


def print_draw(result: DrawResult, out_dir: Path, *, quiet: bool = False) -> None:
    """Prints the draw summary (top institutions only) and where the files are."""
    if not quiet:
        print(render_summary(result, max_institutions=20))
    print(
        f"wrote {out_dir}/ (sample.csv, allocation.csv, manifest.json, summary.md): "
        f"{result.sample_size} of {result.population} theses sampled"
    )


def run_verify(args: argparse.Namespace) -> int:
    frame = load_frame_or_fail(args.frame)
    try:
        report = verify_draw(frame, args.dir, package_version())
    except (DrawDirectoryError, PlanError) as exc:
        raise CliError(str(exc)) from None
    for line in report.lines():
        print(line)
    if report.ok:
        print("OK: the draw re-performed from manifest.json matches byte for byte")
        return 0
    print("MISMATCH: the outputs differ from a re-performed draw", file=sys.stderr)
    return 1


def format_estimates(estimates: list[RateEstimate]) -> str:
    lines = [
        f"{'分组 group_by':<16}{'组 group':<24}{'样本 n':>8}{'问题 x':>8}"
        f"{'估计 rate':>12}{'95% 区间 interval':>24}"
    ]
    for e in estimates:
        interval = f"[{100 * e.ci_low:.1f}%, {100 * e.ci_high:.1f}%]"
        lines.append(
            f"{e.group_by:<16}{e.group:<24}{e.sampled:>8}{e.problems:>8}"
            f"{100 * e.estimate:>11.2f}%{interval:>24}"
        )
    return "\n".join(lines)


def run_estimate(args: argparse.Namespace) -> int:
    group_by = list(DEFAULT_GROUPINGS) + [c for c in args.by if c not in DEFAULT_GROUPINGS]
    try:
        data = args.sample.read_bytes()
    except OSError as exc:
        raise CliError(f"{args.sample}: cannot read: {exc.strerror}") from None
    try:
        units = read_reviewed_sample(data, args.sample.name, group_by)
        estimates = estimate_rates(units, group_by)
        path = write_estimates(estimates, args.out)
    except EstimateInputError as exc:
        raise CliError(f"{exc}; no output written") from None
    except OSError as exc:
        raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(format_estimates(estimates))
    print(f"method: {estimates[0].method} (see docs/estimation.md); wrote {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    """Adds `sample`, `verify-draw` and `estimate`."""
    sample = subparsers.add_parser(
        "sample",
        help="draw the stratified spot-check sample (抽样)",
        description="Draw the spot-check sample from a register of awarded degrees. Writes "
        "sample.csv, allocation.csv, manifest.json and summary.md into DIR, only on success.",
    )
    sample.add_argument("frame", type=Path, metavar="FRAME", help="register (CSV or XLSX)")
    sample.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    sample.add_argument("--seed", type=int, help="random seed (overrides the plan's seed)")
    sample.add_argument("--plan", type=Path, metavar="PLAN.toml", help="sampling plan")
    sample.add_argument(
        "--certainty", type=Path, metavar="FILE", help="thesis_ids that must be sampled (+reason)"
    )
    sample.add_argument(
        "--exclude", type=Path, metavar="FILE", help="thesis_ids to leave out (e.g. checked)"
    )
    sample.add_argument(
        "--supplement",
        type=Path,
        metavar="PREVIOUS_DIR",
        help="draw a top-up from the units PREVIOUS_DIR left unselected (rates from --plan)",
    )
    sample.add_argument("--quiet", action="store_true", help="print only the last line")
    sample.set_defaults(handler=run_sample)

    verify = subparsers.add_parser(
        "verify-draw",
        help="re-perform a draw from its manifest and compare the files",
        description="Re-performs the draw recorded in DIR/manifest.json on FRAME and says "
        "whether the outputs match byte for byte (exit 0) or not (exit 1).",
    )
    verify.add_argument("frame", type=Path, metavar="FRAME")
    verify.add_argument("dir", type=Path, metavar="DIR")
    verify.set_defaults(handler=run_verify)

    estimate = subparsers.add_parser(
        "estimate",
        help="problem-thesis rates with 95%% intervals from a reviewed sample",
        description="SAMPLE.csv is sample.csv plus a `problem` column (1/0). Writes "
        "DIR/estimates.csv: overall and by level, type and institution.",
    )
    estimate.add_argument("sample", type=Path, metavar="SAMPLE.csv")
    estimate.add_argument("--out", type=Path, required=True, metavar="DIR")
    estimate.add_argument(
        "--by", action="append", default=[], metavar="COLUMN", help="also group by COLUMN"
    )
    estimate.set_defaults(handler=run_estimate)
