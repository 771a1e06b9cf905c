"""Stratified spot-check sampling: frame loading, plans, allocation, selection, estimation.

Public surface (everything else is internal):

    frame = load_frame(path)                      # or load_frame_bytes(data, "register.xlsx")
    plan = load_plan_toml(text)                   # or resolve_plan({...}) / load_plan_file(path)
    result = draw_sample(frame, plan)
    write_outputs(result, out_dir, version)       # sample.csv, allocation.csv, manifest.json, ...
    report = verify_draw(frame, out_dir, version) # report.ok, report.lines()
    plan2 = supplement_plan(frame, out_dir, {"doctoral": Fraction(3, 200)}, version)
    estimates = estimate_rates(units, group_by=("institution",))

Errors (all ValueError subclasses except OutputError, an OSError):

    FrameError          the frame is unusable; .problems lists (row, column, value, reason)
    PlanError           the plan or a file it names is invalid
    DrawDirectoryError  a draw directory (manifest) is missing or inconsistent
    EstimateInputError  a reviewed sample row is unusable (message names row and column)
    OutputError         the output directory cannot be written
"""

from sampler.draw import ALGORITHM, DrawResult, StratumResult, draw_sample
from sampler.estimate import (
    EstimateInputError,
    RateEstimate,
    ReviewedUnit,
    estimate_rates,
    read_reviewed_sample,
    write_estimates,
)
from sampler.frame import Frame, FrameError, FrameProblem, load_frame, load_frame_bytes
from sampler.outputs import OutputError, render_outputs, render_summary, write_outputs
from sampler.plan import (
    IdList,
    Plan,
    PlanError,
    load_plan_file,
    load_plan_toml,
    read_id_list,
    resolve_plan,
    supplement_rates,
)
from sampler.verify import DrawDirectoryError, VerifyReport, supplement_plan, verify_draw

__all__ = [
    "ALGORITHM",
    "DrawDirectoryError",
    "DrawResult",
    "EstimateInputError",
    "Frame",
    "FrameError",
    "FrameProblem",
    "IdList",
    "OutputError",
    "Plan",
    "PlanError",
    "RateEstimate",
    "ReviewedUnit",
    "StratumResult",
    "VerifyReport",
    "draw_sample",
    "estimate_rates",
    "load_frame",
    "load_frame_bytes",
    "load_plan_file",
    "load_plan_toml",
    "read_id_list",
    "read_reviewed_sample",
    "render_outputs",
    "render_summary",
    "resolve_plan",
    "supplement_plan",
    "supplement_rates",
    "verify_draw",
    "write_estimates",
    "write_outputs",
]
