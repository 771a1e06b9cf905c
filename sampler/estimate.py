"""Problem-thesis rates after review, with design-based 95% intervals.

For a group (domain) d the rate is the ratio estimator p = Σ w·y / Σ w over the sampled
units of d. Its variance is the stratified Taylor-linearisation variance with finite
population correction: with e_i = w_i·1[i∈d]·(y_i − p) / Σ_d w,

    v = Σ_h (1 − f_h) · n_h / (n_h − 1) · Σ_{i∈h} (e_i − ē_h)²,   f_h = n_h / N_h,

where N_h = Σ w over stratum h. Strata with one sampled unit are centred on the overall
mean of e instead ("adjust" for lonely units). The interval is Korn–Graubard's:
a Clopper–Pearson interval computed with the effective sample size n* = p(1 − p)/v and
x* = n*·p. When p is 0 or 1 (or v is 0), n* = n_d / (1 − n_d/N_d), the domain's size
corrected by its own sampling fraction; a fully enumerated domain gets [p, p].
See docs/estimation.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from exports import render_csv, write_bytes_atomically
from sampler.frame import FrameError, read_table

METHOD = "korn-graubard"
# Below this a variance is rounding residue (p(1-p) is at most 1/4): treated as zero.
VARIANCE_FLOOR = 1e-12
DEFAULT_GROUPINGS: tuple[str, ...] = ("degree_level", "degree_type", "institution")
ESTIMATE_COLUMNS: tuple[str, ...] = (
    "group_by",
    "group",
    "sampled",
    "problems",
    "estimate",
    "ci_low",
    "ci_high",
    "method",
    "population",
    "std_error",
    "effective_sample_size",
)


class EstimateInputError(ValueError):
    """A reviewed sample row is unusable; the message names the row and column."""


@dataclass(frozen=True)
class ReviewedUnit:
    """One reviewed sampled thesis: its stratum, design weight, 0/1 problem flag, attributes."""

    stratum: str
    design_weight: float
    problem: int
    groups: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RateEstimate:
    """The estimated problem rate of one group with its 95% (by default) interval."""

    group_by: str
    group: str
    sampled: int
    problems: int
    estimate: float
    ci_low: float
    ci_high: float
    method: str
    population: float
    std_error: float
    effective_sample_size: float

    def row(self) -> list[str]:
        return [
            self.group_by,
            self.group,
            str(self.sampled),
            str(self.problems),
            repr(self.estimate),
            repr(self.ci_low),
            repr(self.ci_high),
            self.method,
            repr(self.population),
            repr(self.std_error),
            repr(self.effective_sample_size),
        ]


def clopper_pearson(x: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper–Pearson bounds for x successes in n trials (x, n may be fractional)."""
    from scipy.special import betaincinv  # imported here: scipy costs every CLI start ~0.4 s

    alpha = 1 - confidence
    low = 0.0 if x <= 0 else float(betaincinv(x, n - x + 1, alpha / 2))
    high = 1.0 if x >= n else float(betaincinv(x + 1, n - x, 1 - alpha / 2))
    return low, high


def _domain_estimate(
    mask: np.ndarray,
    strata: np.ndarray,
    weights: np.ndarray,
    problems: np.ndarray,
    stratum_n: np.ndarray,
    stratum_fpc: np.ndarray,
    confidence: float,
) -> tuple[float, float, float, float, float, float]:
    w_d = weights * mask
    total = float(w_d.sum())
    n_d = int(mask.sum())
    p = float((w_d * problems).sum() / total)
    e = w_d * (problems - p) / total
    sums = np.bincount(strata, weights=e, minlength=len(stratum_n))
    squares = np.bincount(strata, weights=e * e, minlength=len(stratum_n))
    variance = 0.0
    multi = stratum_n > 1
    if multi.any():
        within = squares[multi] - sums[multi] ** 2 / stratum_n[multi]
        variance += float(
            (stratum_fpc[multi] * stratum_n[multi] / (stratum_n[multi] - 1) * within).sum()
        )
    single = (stratum_n == 1) & (np.bincount(strata, weights=mask, minlength=len(stratum_n)) > 0)
    if single.any():
        centre = float(e.sum()) / len(e)
        variance += float((stratum_fpc[single] * (sums[single] - centre) ** 2).sum())
    variance = max(variance, 0.0)
    sampling_fraction = min(n_d / total, 1.0)
    if 0 < p < 1 and variance > VARIANCE_FLOOR:
        n_eff = p * (1 - p) / variance
    elif sampling_fraction >= 1.0:
        n_eff = math.inf
    else:
        n_eff = n_d / (1 - sampling_fraction)
    if math.isinf(n_eff):
        low = high = p
    else:
        low, high = clopper_pearson(n_eff * p, n_eff, confidence)
        if math.isnan(low) or math.isnan(high):
            low = high = p
    low, high = min(max(low, 0.0), p), max(min(high, 1.0), p)
    return p, low, high, total, math.sqrt(variance), n_eff


def estimate_rates(
    units: Sequence[ReviewedUnit],
    group_by: Sequence[str] = DEFAULT_GROUPINGS,
    *,
    confidence: float = 0.95,
) -> list[RateEstimate]:
    """Design-weighted problem rates overall and per value of each `group_by` attribute.

    Population sizes come from the weights (Σ w over a stratum = its population), so the
    units must be the whole reviewed sample of every stratum they come from.
    """
    if not units:
        raise EstimateInputError("no reviewed units")
    labels = sorted({u.stratum for u in units})
    index = {label: i for i, label in enumerate(labels)}
    strata = np.array([index[u.stratum] for u in units], dtype=np.int64)
    weights = np.array([u.design_weight for u in units], dtype=np.float64)
    problems = np.array([u.problem for u in units], dtype=np.float64)
    if (weights < 1 - 1e-9).any() or not np.isfinite(weights).all():
        raise EstimateInputError("design weights must be finite and at least 1")
    if not np.isin(problems, (0.0, 1.0)).all():
        raise EstimateInputError("problem values must be 0 or 1")
    stratum_n = np.bincount(strata, minlength=len(labels)).astype(np.float64)
    stratum_population = np.bincount(strata, weights=weights, minlength=len(labels))
    stratum_fpc = np.clip(1 - stratum_n / stratum_population, 0.0, 1.0)

    results = []

    def add(group_by_name: str, group: str, mask: np.ndarray) -> None:
        p, low, high, total, se, n_eff = _domain_estimate(
            mask, strata, weights, problems, stratum_n, stratum_fpc, confidence
        )
        results.append(
            RateEstimate(
                group_by=group_by_name,
                group=group,
                sampled=int(mask.sum()),
                problems=int(problems[mask].sum()),
                estimate=p,
                ci_low=low,
                ci_high=high,
                method=METHOD,
                population=total,
                std_error=se,
                effective_sample_size=n_eff,
            )
        )

    add("overall", "all", np.ones(len(units), dtype=bool))
    for name in group_by:
        if not any(name in u.groups for u in units):
            continue
        values = np.array([u.groups.get(name, "") for u in units], dtype=object)
        for value in sorted(set(values.tolist())):
            add(name, value, values == value)
    return results


def read_reviewed_sample(
    data: bytes, filename: str, group_by: Sequence[str] = DEFAULT_GROUPINGS
) -> list[ReviewedUnit]:
    """Reads a reviewed sample.csv (or XLSX): sample columns plus `problem` (0/1)."""
    try:
        _, header, rows = read_table(data, filename)
    except FrameError as exc:
        raise EstimateInputError(str(exc)) from None
    names = [h.lstrip("\ufeff").strip() for h in header]
    needed = ("stratum", "design_weight", "problem", *group_by)
    missing = [c for c in needed if c not in names]
    if missing:
        raise EstimateInputError(f"{filename}: row 1: missing column {missing[0]}")
    pos = {name: names.index(name) for name in needed}
    units = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        row = row + [""] * (len(names) - len(row))
        where = f"{filename}: row {number}"
        stratum = row[pos["stratum"]].strip()
        if not stratum:
            raise EstimateInputError(f"{where}, column stratum: empty value")
        raw_weight = row[pos["design_weight"]].strip()
        try:
            weight = float(raw_weight)
        except ValueError:
            weight = math.nan
        if not math.isfinite(weight) or weight < 1 - 1e-9:
            raise EstimateInputError(
                f"{where}, column design_weight: {raw_weight!r} is not a weight ≥ 1"
            )
        raw_problem = row[pos["problem"]].strip()
        if raw_problem not in ("0", "1"):
            shown = repr(raw_problem) if raw_problem else "empty value"
            raise EstimateInputError(
                f"{where}, column problem: {shown} (expected 1 = problem thesis, 0 = not)"
            )
        units.append(
            ReviewedUnit(
                stratum=stratum,
                design_weight=weight,
                problem=int(raw_problem),
                groups={name: row[pos[name]].strip() for name in group_by},
            )
        )
    if not units:
        raise EstimateInputError(f"{filename}: no data rows")
    return units


def render_estimates(estimates: Sequence[RateEstimate]) -> bytes:
    return render_csv(ESTIMATE_COLUMNS, (e.row() for e in estimates))


def write_estimates(estimates: Sequence[RateEstimate], out_dir: Path) -> Path:
    """Writes DIR/estimates.csv via a temporary file renamed into place."""
    return write_bytes_atomically(Path(out_dir) / "estimates.csv", render_estimates(estimates))
