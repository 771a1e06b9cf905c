"""Each institution's record over the spot-check years: problems, rates, misconduct.

Next year's plan, the marks (约谈, 通报, 激励) and the multi-year view all ask the same
questions — how many years running did an institution have problem theses, how many
sampled years running was it clean — so they are answered here, once. Years come from
review workspaces (full results with intervals) or from a prior-years file (problem
counts only); a year in which an institution was not sampled breaks both runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from review.allegations import Allegation
from review.cycle import ReviewCycle
from review.misconduct import CaseEventKind, CaseOutcome, MisconductCase
from review.results import Results, consecutive_institutions
from sampler.estimate import RateEstimate

_FINDINGS = (CaseOutcome.REVOKE_DEGREE, CaseOutcome.OTHER_SANCTION)
_LATER_DECISIONS = (CaseEventKind.ACADEMIC_REVIEW_DECIDED, CaseEventKind.RECONSIDERATION_DECIDED)


@dataclass(frozen=True)
class YearRecord:
    """One institution in one year; `sampled`/`rate` are None when only counts are known."""

    year: int
    problems: int
    sampled: int | None = None
    reviewed: int | None = None
    rate: RateEstimate | None = None
    misconduct: int = 0


@dataclass(frozen=True)
class InstitutionHistory:
    institution: str
    records: tuple[YearRecord, ...]

    def record(self, year: int) -> YearRecord | None:
        return next((r for r in self.records if r.year == year), None)

    def problem_run(self, year: int) -> tuple[int, ...]:
        """The unbroken run of years with problem theses that ends in `year` (may be empty)."""
        this = self.record(year)
        if this is None or this.problems <= 0:
            return ()
        prior = {(r.year, self.institution): r.problems for r in self.records if r.year < year}
        found = consecutive_institutions(year, {self.institution: this.problems}, prior)
        return found[0].years if found else (year,)

    def clean_run(self, year: int) -> tuple[int, ...]:
        """The unbroken run of sampled years without problem theses or misconduct findings
        that ends in `year` (empty when `year` itself is not clean or not sampled)."""
        run: list[int] = []
        current = year
        while True:
            record = self.record(current)
            if record is None or record.problems > 0 or record.misconduct > 0:
                break
            run.append(current)
            current -= 1
        return tuple(sorted(run))


def case_found_misconduct(case: MisconductCase) -> bool:
    """True when the degree committee decided misconduct and no later review changed it."""
    found = False
    for event in case.events:
        if event.kind is CaseEventKind.DECISION:
            found = event.outcome in _FINDINGS
        elif event.kind in _LATER_DECISIONS and event.outcome is CaseOutcome.CHANGED:
            found = False
    return found


def misconduct_by_institution(
    cycle: ReviewCycle, allegations: Iterable[Allegation] = ()
) -> Counter[str]:
    """Cases that found misconduct, per institution (theses outside the sample are placed
    through the allegation that named them)."""
    institutions = {t.thesis_id: t.institution for t in cycle.theses}
    for allegation in allegations:
        if allegation.thesis_id:
            institutions.setdefault(allegation.thesis_id, allegation.report.institution)
    counts: Counter[str] = Counter()
    for case in cycle.cases:
        if case_found_misconduct(case) and case.thesis_id in institutions:
            counts[institutions[case.thesis_id]] += 1
    return counts


def build_histories(
    results: Sequence[Results],
    prior: Mapping[tuple[int, str], int] | None = None,
    misconduct: Mapping[tuple[int, str], int] | None = None,
) -> dict[str, InstitutionHistory]:
    """Histories from full results (one per year) and prior counts; results win for a year
    that both give."""
    records: dict[str, dict[int, YearRecord]] = {}
    for (year, institution), problems in (prior or {}).items():
        records.setdefault(institution, {})[year] = YearRecord(year, problems)
    for result in results:
        for group in result.by("institution"):
            records.setdefault(group.group, {})[result.year] = YearRecord(
                year=result.year,
                problems=group.problems,
                sampled=group.sampled,
                reviewed=group.reviewed,
                rate=group.rate,
            )
    for (year, institution), count in (misconduct or {}).items():
        by_year = records.setdefault(institution, {})
        base = by_year.get(year, YearRecord(year, 0))
        by_year[year] = YearRecord(
            base.year, base.problems, base.sampled, base.reviewed, base.rate, count
        )
    return {
        institution: InstitutionHistory(institution, tuple(by_year[y] for y in sorted(by_year)))
        for institution, by_year in sorted(records.items())
    }
