"""`spotcheck plan next`: next year's risk-based sampling plan from this year's workspace.

spotcheck plan next --workspace W --out plan-2026.toml [--prior PRIOR.csv] [--policy P.toml]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from api.cli.errors import CliError
from api.cli.follow_up_inputs import (
    load_workspace,
    workspace_year,
)
from api.cli.input_errors import workspace_errors
from exports import write_text_atomically
from review.follow_up_policy import load_policy
from review.next_year import plan_next_year, render_next_year_plan
from review.results import read_prior_results
from review.year_outcome import year_outcome
from sampler.frame import load_frame


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    plan = subparsers.add_parser(
        "plan", help="sampling plans (抽检方案)", description="Sampling plans."
    )
    plan_sub = plan.add_subparsers(dest="plan_command", metavar="SUBCOMMAND")
    plan.set_defaults(handler=lambda _args: _usage(plan))
    nxt = plan_sub.add_parser(
        "next",
        help="next year's risk-based plan from this year's review workspace",
        description=(
            "Write next year's plan for `spotcheck sample --plan`: higher rates for "
            "institutions with problem theses (more for consecutive years), lower for "
            "long-clean ones, theses of accepted allegations as certainty units; every "
            "adjustment explained in a comment. Rules and multipliers come from the policy "
            "file (default shipped with spotcheck; see docs/follow-up.md)."
        ),
    )
    nxt.add_argument("--workspace", type=Path, required=True, help="this year's review workspace")
    nxt.add_argument("--out", type=Path, required=True, help="plan file to write (TOML)")
    nxt.add_argument(
        "--prior", type=Path, help="earlier years' results (year, institution, problems)"
    )
    nxt.add_argument("--policy", type=Path, help="the office's follow-up policy (TOML)")
    nxt.add_argument("--year", type=int, help="the year that just ended (default: this year)")
    nxt.add_argument(
        "--frame",
        type=Path,
        help="next year's register: warn about certainty units it does not hold yet",
    )
    nxt.set_defaults(handler=_plan_next)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _plan_next(args: argparse.Namespace) -> int:
    with workspace_errors():
        loaded = load_workspace(args.workspace)
        year = workspace_year(loaded, args.year)
        policy = load_policy(args.policy)
        prior = read_prior_results(args.prior) if args.prior else {}
        if not loaded.cycle.theses and not prior:
            raise CliError(f"{args.workspace}: no sample and no --prior results to plan from")
        outcome = year_outcome(loaded.cycle, loaded.records, year, policy, prior)
        results = outcome.results
        plan = plan_next_year(year, outcome.histories, loaded.records.allegations, policy)
        sources = f"来源 from: {args.workspace} ({year})"
        if args.prior:
            sources += f", prior {args.prior}"
        text = render_next_year_plan(plan, sources)
        missing: list[str] = []
        if args.frame:
            present = set(load_frame(args.frame).data["thesis_id"])
            missing = [u.thesis_id for u in plan.certainty if u.thesis_id not in present]
        write_text_atomically(args.out, text, durable=True)
    for note in results.notes:
        print(f"note: {note}")
    print(
        f"{plan.year} 年度抽检方案 plan for {plan.year}: base rates "
        + ", ".join(f"{level} {float(rate):g}" for level, rate in plan.rates.items())
    )
    for adjustment in plan.adjustments:
        print(f"  {adjustment.institution} ×{float(adjustment.multiplier):g}: {adjustment.reason}")
    print(f"  certainty units 必抽: {len(plan.certainty)}")
    if plan.unmatched:
        print(
            f"  {len(plan.unmatched)} accepted allegation(s) not linked to a thesis are not "
            "certainty units: " + ", ".join(a.code for a in plan.unmatched)
        )
    if missing:
        print(
            f"warning: {len(missing)} certainty unit(s) are not in {args.frame}; add their rows "
            "from the register of their year before drawing: " + ", ".join(missing),
            file=sys.stderr,
        )
    print(f"wrote {args.out}")
    return 0
