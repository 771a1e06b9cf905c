"""Benchmark: the follow-up steps at provincial scale.

Generates a register (default 1,000,000 degrees over 400 institutions), ten years of
prior results per institution and N allegations naming register theses, then times:
importing the allegations from CSV, matching them to the register, building next
year's plan (histories, adjustments, commented TOML), and the draw with that plan
against the draw with the default plan (the emphasis rules add a pass over the frame
per multiplier). Prints the figures; note the machine's load beside them.

    .venv/bin/python benchmarks/follow_up_bench.py [--rows 1000000] [--allegations 5000]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from review.allegation_import import import_allegations, link_unique_matches
from review.allegations import accept
from review.follow_up_policy import load_policy
from review.institution_history import build_histories
from review.next_year import plan_next_year, render_next_year_plan
from sampler.draw import draw_sample
from sampler.frame import load_frame_bytes
from sampler.plan import load_plan_toml, resolve_plan
from sampler.synthetic_register import RegisterSpec, register_csv_bytes


class Timer:
    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--institutions", type=int, default=400)
    parser.add_argument("--allegations", type=int, default=5_000)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")

    data = register_csv_bytes(RegisterSpec(degrees=args.rows, institutions=args.institutions))
    frame = load_frame_bytes(data, "register.csv")
    ids, titles = frame.data["thesis_id"], frame.data["title"]
    authors, institutions = frame.data["author"], frame.data["institution"]
    names = sorted(set(institutions))
    print(f"register: {len(frame):,} rows, {len(names)} institutions")

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["论文题目", "作者", "学位授予单位", "年度", "举报类型", "收到日期"])
    step = max(1, len(frame) // args.allegations)
    for k in range(args.allegations):
        row = (k * step) % len(frame)
        title = titles[row] if k % 10 else f"不在名单中的论文{k}"
        writer.writerow([title, authors[row], institutions[row], "2025", "剽窃", "2025-09-01"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "allegations.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        with Timer() as t_import:
            allegations = import_allegations(path, (), date(2025, 10, 1), "bench")
    print(f"import {len(allegations):,} allegations (CSV): {t_import}")

    with Timer() as t_match:
        linked, matches = link_unique_matches(allegations, frame, date(2025, 10, 2), "bench")
    unique = sum(1 for m in matches if m.unique)
    print(f"match against {len(frame):,} register rows: {t_match}; {unique:,} linked")

    accepted = [accept(a, date(2025, 10, 3), "bench") if a.thesis_id else a for a in linked]
    prior = {}
    for index, name in enumerate(names):
        for year in range(2015, 2026):
            prior[(year, name)] = 1 if (index + year) % 7 in (0, 1) else 0
    with Timer() as t_plan:
        histories = build_histories([], prior)
        plan = plan_next_year(2025, histories, accepted, load_policy())
        text = render_next_year_plan(plan)
    multipliers = sorted({float(a.multiplier) for a in plan.adjustments})
    print(
        f"plan next for {len(names)} institutions × 11 years, {len(plan.certainty):,} certainty "
        f"units: {t_plan}; {len(plan.adjustments)} adjusted (multipliers {multipliers}), "
        f"{len(text.encode()):,} bytes of TOML"
    )

    certain = {u.thesis_id for u in plan.certainty}
    sample_plan = load_plan_toml(text).with_seed(7)
    default_plan = resolve_plan({"seed": 7}).with_id_lists(certainty=sample_plan.certainty)
    with Timer() as t_default:
        default = draw_sample(frame, default_plan)
    with Timer() as t_risk:
        risk = draw_sample(frame, sample_plan)
    drawn = {ids[r] for r in risk.selected_rows.tolist()}
    print(f"draw, default plan + certainty units: {t_default}; {default.sample_size:,} sampled")
    print(
        f"draw, generated plan: {t_risk}; {risk.sample_size:,} sampled, "
        f"all {len(certain):,} certainty units drawn: {certain <= drawn}"
    )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
