"""Published results: per institution, discipline, level and type, with interval estimates.

Counts come from the decided theses; the problem rate is the sampler's design-weighted
estimate with its 95% interval (`sampler.estimate`), because per-institution samples
are small and a bare rate would mislead. Institutions with problem theses in
consecutive years come from a prior years' results file.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from review.cycle import ReviewCycle, ThesisState, latest_reviews, thesis_statuses
from review.decision import Outcome
from review.forms import GRADE_ORDER, Grade
from review.tables import Problem, ValidationError, read_table, resolve_columns
from review.theses import SampledThesis
from sampler.disciplines import CATEGORY_NAMES, discipline_name
from sampler.estimate import RateEstimate, ReviewedUnit, estimate_rates

GROUPINGS: tuple[str, ...] = (
    "overall",
    "institution",
    "discipline_code",
    "degree_level",
    "degree_type",
)
GROUPING_LABELS: dict[str, str] = {
    "overall": "总体 Overall",
    "institution": "学位授予单位 Institution",
    "discipline_code": "学科 Discipline",
    "degree_level": "学位级别 Degree level",
    "degree_type": "学位类型 Degree type",
}
VALUE_LABELS: dict[str, str] = {
    "doctoral": "博士 doctoral",
    "master": "硕士 master",
    "academic": "学术学位 academic",
    "professional": "专业学位 professional",
    "all": "全部 all",
}
IDENTITY_SETTINGS = ("none", "id", "full")


@dataclass(frozen=True)
class GroupResult:
    group_by: str
    group: str
    label: str
    sampled: int
    reviewed: int
    problems: int
    grades: Mapping[Grade, int]
    rate: RateEstimate | None

    @property
    def pending(self) -> int:
        return self.sampled - self.reviewed


@dataclass(frozen=True)
class ProblemThesis:
    """A problem thesis as published (identity fields filled per the identity setting)."""

    institution: str
    discipline_code: str
    degree_level: str
    degree_type: str
    thesis_id: str = ""
    title: str = ""
    author: str = ""


@dataclass(frozen=True)
class ConsecutiveInstitution:
    institution: str
    years: tuple[int, ...]
    problems_this_year: int
    problems_last_year: int


@dataclass(frozen=True)
class Results:
    year: int
    groups: tuple[GroupResult, ...]
    problem_theses: tuple[ProblemThesis, ...]
    consecutive: tuple[ConsecutiveInstitution, ...]
    identity: str
    notes: tuple[str, ...] = field(default=())

    def by(self, grouping: str) -> list[GroupResult]:
        return [group for group in self.groups if group.group_by == grouping]


def group_label(grouping: str, value: str) -> str:
    """A bilingual label for a group value (discipline names from the 2022 catalogue)."""
    if grouping == "discipline_code":
        name = discipline_name(value) or CATEGORY_NAMES.get(value[:2], "")
        return f"{value} {name}".strip()
    return VALUE_LABELS.get(value, value)


def _group_value(thesis_groups: Mapping[str, str], grouping: str) -> str:
    return "all" if grouping == "overall" else thesis_groups[grouping]


def compute_results(
    cycle: ReviewCycle,
    year: int,
    prior: Mapping[tuple[int, str], int] | None = None,
    identity: str = "id",
) -> Results:
    """Aggregates the cycle; only decided theses enter the problem counts and estimates.

    Rates come from `sampler.estimate.estimate_rates`. While some theses of a stratum are
    still undecided, the decided ones carry the stratum's whole weight (w · n_h / r_h),
    i.e. undecided theses are treated as missing at random within their stratum.
    """
    if identity not in IDENTITY_SETTINGS:
        raise ValueError(f"identity must be one of {', '.join(IDENTITY_SETTINGS)}")
    statuses = thesis_statuses(cycle)
    grades_by_thesis: dict[str, Counter[Grade]] = defaultdict(Counter)
    for review in latest_reviews(cycle.reviews).values():
        grades_by_thesis[review.thesis_id][review.overall] += 1
    decided_rows: list[tuple[str, float, int, dict[str, str]]] = []
    stratum_sampled: Counter[str] = Counter()
    stratum_decided: Counter[str] = Counter()
    notes: list[str] = []
    sampled: dict[tuple[str, str], int] = Counter()
    reviewed: dict[tuple[str, str], int] = Counter()
    problems: dict[tuple[str, str], int] = Counter()
    grades: dict[tuple[str, str], Counter[Grade]] = defaultdict(Counter)
    problem_theses: list[ProblemThesis] = []
    missing_weights = 0
    for thesis in cycle.theses:
        status = statuses[thesis.thesis_id]
        groups = {
            "institution": thesis.institution,
            "discipline_code": thesis.discipline_code,
            "degree_level": thesis.degree_level,
            "degree_type": thesis.degree_type,
        }
        decided = status.state is ThesisState.DECIDED
        is_problem = decided and status.decision.outcome is Outcome.PROBLEM
        for grouping in GROUPINGS:
            key = (grouping, _group_value(groups, grouping))
            sampled[key] += 1
            reviewed[key] += int(decided)
            problems[key] += int(is_problem)
            grades[key].update(grades_by_thesis.get(thesis.thesis_id, Counter()))
        if is_problem:
            problem_theses.append(_published(thesis, identity))
        stratum = thesis.stratum or _fallback_stratum(groups)
        stratum_sampled[stratum] += 1
        if decided:
            if thesis.design_weight is None:
                missing_weights += 1
                continue
            stratum_decided[stratum] += 1
            decided_rows.append((stratum, thesis.design_weight, int(is_problem), groups))
    if missing_weights:
        notes.append(
            f"{missing_weights} 篇已结论论文无设计权数，未计入估计 decided theses without a "
            "design weight are left out of the estimates"
        )
    pending = sum(1 for s in statuses.values() if s.state is not ThesisState.DECIDED)
    if pending:
        notes.append(
            f"{pending} 篇论文尚未结论，估计仅基于已结论论文 "
            f"{pending} theses are not decided yet; estimates use decided theses only"
        )
    units = [
        ReviewedUnit(
            stratum, weight * stratum_sampled[stratum] / stratum_decided[stratum], problem, groups
        )
        for stratum, weight, problem, groups in decided_rows
    ]
    estimates: dict[tuple[str, str], RateEstimate] = {}
    if units:
        for rate in estimate_rates(units, GROUPINGS[1:]):
            estimates[(rate.group_by, rate.group)] = rate
    results = [
        GroupResult(
            group_by=grouping,
            group=value,
            label=group_label(grouping, value),
            sampled=sampled[(grouping, value)],
            reviewed=reviewed[(grouping, value)],
            problems=problems[(grouping, value)],
            grades={grade: grades[(grouping, value)][grade] for grade in GRADE_ORDER},
            rate=estimates.get((grouping, value)),
        )
        for grouping, value in sorted(sampled, key=lambda k: (GROUPINGS.index(k[0]), k[1]))
    ]
    this_year = {g.group: g.problems for g in results if g.group_by == "institution"}
    consecutive = consecutive_institutions(year, this_year, prior or {})
    problem_theses.sort(
        key=lambda p: (p.institution, p.degree_level, p.discipline_code, p.thesis_id)
    )
    return Results(year, tuple(results), tuple(problem_theses), consecutive, identity, tuple(notes))


def _fallback_stratum(groups: Mapping[str, str]) -> str:
    return "|".join(
        groups[k] for k in ("degree_level", "institution", "degree_type", "discipline_code")
    )


def _published(thesis: SampledThesis, identity: str) -> ProblemThesis:
    return ProblemThesis(
        institution=thesis.institution,
        discipline_code=thesis.discipline_code,
        degree_level=thesis.degree_level,
        degree_type=thesis.degree_type,
        thesis_id=thesis.thesis_id if identity in ("id", "full") else "",
        title=thesis.title if identity == "full" else "",
        author=thesis.author if identity == "full" else "",
    )


def consecutive_institutions(
    year: int, this_year: Mapping[str, int], prior: Mapping[tuple[int, str], int]
) -> tuple[ConsecutiveInstitution, ...]:
    """Institutions with problem theses this year and the year before (质量约谈 candidates).

    `years` lists the whole unbroken run of years with problems ending this year.
    """
    found = []
    for institution, count in sorted(this_year.items()):
        if count <= 0 or prior.get((year - 1, institution), 0) <= 0:
            continue
        years = [year]
        while prior.get((years[-1] - 1, institution), 0) > 0:
            years.append(years[-1] - 1)
        found.append(
            ConsecutiveInstitution(
                institution, tuple(sorted(years)), count, prior[(year - 1, institution)]
            )
        )
    return tuple(found)


PRIOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "year": ("年度", "年份", "抽检年度"),
    "institution": ("学位授予单位", "单位"),
    "problems": ("问题论文数", "存在问题学位论文数", "problem_theses"),
    "group_by": ("分组",),
    "group": ("组",),
}


def read_prior_results(path: Path | str) -> dict[tuple[int, str], int]:
    """Problem-thesis counts per (year, institution) from earlier years.

    Accepts a plain table (year, institution, problems) or earlier `results.csv`
    exports with a `year` column (only their `institution` rows are used).
    """
    table = read_table(path)
    positions, problems = resolve_columns(table, PRIOR_COLUMNS, ("year", "problems"))
    if "institution" not in positions and "group" not in positions:
        problems.append(Problem(0, "institution", "", "required column missing (学位授予单位)"))
    if problems:
        raise ValidationError(path, problems)
    counts: dict[tuple[int, str], int] = Counter()
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        values = {name: row[index] for name, index in positions.items()}
        if "group_by" in values and values["group_by"] != "institution":
            continue
        institution = values.get("institution") or values.get("group", "")
        if not institution:
            problems.append(Problem(number, "institution", "", "empty"))
        try:
            year = int(values["year"])
            if not 1980 <= year <= 2200:
                raise ValueError
        except ValueError:
            problems.append(Problem(number, "year", values["year"], "not a year like 2025"))
            continue
        try:
            count = int(values["problems"])
            if count < 0:
                raise ValueError
        except ValueError:
            problems.append(
                Problem(number, "problems", values["problems"], "not a whole number ≥ 0")
            )
            continue
        if institution:
            counts[(year, institution)] += count
    if problems:
        raise ValidationError(path, problems)
    return dict(counts)


def grade_shares(grades: Mapping[Grade, int]) -> dict[Grade, float]:
    total = sum(grades.values())
    return {grade: (grades.get(grade, 0) / total if total else 0.0) for grade in GRADE_ORDER}


def iter_rows(results: Results) -> Iterable[dict[str, object]]:
    """Flat rows for CSV/XLSX export (English machine-readable keys)."""
    for group in results.groups:
        rate = group.rate
        yield {
            "year": results.year,
            "group_by": group.group_by,
            "group": group.group,
            "label": group.label,
            "sampled": group.sampled,
            "reviewed": group.reviewed,
            "pending": group.pending,
            "problems": group.problems,
            **{f"grade_{grade.value}": group.grades.get(grade, 0) for grade in GRADE_ORDER},
            "estimate": "" if rate is None else repr(rate.estimate),
            "ci_low": "" if rate is None else repr(rate.ci_low),
            "ci_high": "" if rate is None else repr(rate.ci_high),
            "method": "" if rate is None else rate.method,
        }
