"""Generated follow-up inputs for the demo (seeded): earlier years' results, allegations as a
reporting platform would export them, and how institutions answer rectification.

Real offices import these; the demo needs them without people. Everything the office then
does with them — import, matching to the register, triage, follow-up, rectification steps,
escalation — is the domain's own functions (`review.*`), the same ones the CLI calls.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from exports import write_csv
from review.keys import seeded_key, seeded_unit
from review.rectification import (
    ItemKind,
    RectificationItem,
    accept,
    find_item,
    replace_item,
    return_item,
    submit,
)
from review.theses import SampledThesis

PRIOR_CLEAN_SHARE = 0.55
UNMATCHED_TITLE = "基于区块链的农产品质量溯源系统设计与实现"


def write_prior_years(
    path: Path, institutions: Sequence[str], years: Sequence[int], seed: int
) -> Path:
    """Earlier years' problem counts per institution (year, institution, problems), as
    `--prior` takes them: most institutions clean, the others 1–3 problem theses."""
    rows: list[list[str | int]] = []
    for year in years:
        for name in sorted(institutions):
            clean = seeded_unit(seed, "prior-clean", str(year), name) < PRIOR_CLEAN_SHARE
            problems = 0 if clean else 1 + seeded_key(seed, "prior", str(year), name) % 3
            rows.append([year, name, problems])
    return write_csv(path, ["year", "institution", "problems"], rows, bom=True)


def register_rows(register: Path) -> dict[str, list[str]]:
    """The register's rows by thesis_id (canonical columns, as the demo wrote them)."""
    with register.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return {row[0]: row for row in reader}


@dataclass(frozen=True)
class DemoAllegation:
    """One generated allegation: its role in the demo and the thesis it is really about."""

    role: str
    thesis_id: str
    row: Mapping[str, str]


ALLEGATION_HEADER = {
    "title": "论文题目",
    "author": "作者",
    "institution": "学位授予单位",
    "year": "年度",
    "kind": "举报类型",
    "suspected_source": "疑似来源",
    "details": "举报内容",
    "reporter_name": "举报人",
    "reporter_contact": "联系方式",
    "received_on": "收到日期",
}


def demo_allegations(
    rows: Mapping[str, Sequence[str]],
    sampled: Sequence[SampledThesis],
    screened: Sequence[SampledThesis],
    planted_sources: Mapping[str, str],
    year: int,
    received: date,
    seed: int,
) -> list[DemoAllegation]:
    """Six allegations: a thesis not in the sample (→ certainty unit next year) and a
    duplicate of it, a screened thesis with its suspected source named (→ screening now), a
    ghost-writing report on another sampled thesis (→ misconduct case), a thesis that is in
    no register (kept unmatched) and a report too vague to act on (rejected)."""
    in_sample = {t.thesis_id for t in sampled}
    outside = sorted(tid for tid in rows if tid not in in_sample)
    pick = outside[seeded_key(seed, "alleged") % len(outside)]
    vague = outside[seeded_key(seed, "vague") % len(outside)]
    with_source = [t for t in screened if t.thesis_id in planted_sources]
    copied = with_source[0] if with_source else screened[0]
    others = sorted(
        (t for t in sampled if t.thesis_id != copied.thesis_id),
        key=lambda t: seeded_key(seed, "ghost", t.thesis_id),
    )
    ghost = others[0]

    def about(tid: str) -> dict[str, str]:
        row = rows[tid]
        return {"title": row[6], "author": row[7], "institution": row[1]}

    def of(thesis: SampledThesis) -> dict[str, str]:
        return {"title": thesis.title, "author": thesis.author, "institution": thesis.institution}

    day = received.isoformat()
    common = {"year": str(year), "received_on": day, "reporter_name": "", "reporter_contact": ""}
    return [
        DemoAllegation("certainty", pick, {**common, **about(pick), "kind": "剽窃",
            "details": "第三章大段内容与他人已发表论文雷同 chapter 3 repeats a published paper"}),
        DemoAllegation("duplicate", pick, {**common, **about(pick), "kind": "抄袭",
            "details": "同一论文，另一举报人 the same thesis, another reporter",
            "reporter_name": "刘举报", "reporter_contact": "liu@example.org"}),
        DemoAllegation("screening", copied.thesis_id, {**common, **of(copied), "kind": "剽窃",
            "suspected_source": planted_sources.get(copied.thesis_id, ""),
            "details": "疑似抄袭所附文献 suspected copying of the attached source"}),
        DemoAllegation("misconduct", ghost.thesis_id, {**common, **of(ghost), "kind": "代写",
            "details": "疑似购买代写 suspected of buying the thesis",
            "reporter_name": "陈举报", "reporter_contact": "138 0000 0000"}),
        DemoAllegation("unmatched", "", {**common, "title": UNMATCHED_TITLE, "author": "赵某",
            "institution": ghost.institution, "kind": "伪造",
            "details": "实验数据疑似伪造 experimental data suspected fabricated"}),
        DemoAllegation("rejected", vague, {**common, **about(vague), "kind": "剽窃",
            "details": "听说有问题 heard there is a problem"}),
    ]  # fmt: skip


def write_allegations(path: Path, allegations: Sequence[DemoAllegation]) -> Path:
    """The allegations as the reporting platform exports them (Chinese headers)."""
    names = list(ALLEGATION_HEADER)
    return write_csv(
        path,
        [ALLEGATION_HEADER[name] for name in names],
        [[a.row.get(name, "") for name in names] for a in allegations],
        bom=True,
    )


@dataclass(frozen=True)
class RectificationStory:
    """Which institution had its plan returned and which never filed its report."""

    returned: str
    missing_report: str


def simulate_rectification(
    items: Sequence[RectificationItem], year: int, seed: int
) -> tuple[tuple[RectificationItem, ...], RectificationStory]:
    """Institutions file their plans before the due date (one is returned once and filed
    again), the office accepts them; later they file their reports — all but one."""
    updated = tuple(items)
    institutions = sorted({i.institution for i in items if i.year == year})
    order = sorted(institutions, key=lambda name: seeded_key(seed, "rectify", name))
    returned = order[0]
    missing = order[1] if len(order) > 1 else ""
    for name in institutions:
        plan = find_item(updated, name, year, ItemKind.PLAN)
        filed = plan.due_on - timedelta(days=3 + seeded_key(seed, "plan-day", name) % 10)
        plan = submit(plan, f"{name}整改方案.pdf", filed, name, updated)
        if name == returned:
            plan = return_item(
                plan, filed + timedelta(days=2), "office",
                "整改措施不具体，请补充时间表 measures too vague; add a timetable",
                new_due=plan.due_on + timedelta(days=30),
            )  # fmt: skip
            plan = submit(plan, f"{name}整改方案-修订.pdf", filed + timedelta(days=20), name)
        plan = accept(plan, plan.events[-1].on + timedelta(days=5), "office")
        updated = replace_item(updated, plan)
        if name == missing:
            continue
        report = find_item(updated, name, year, ItemKind.REPORT)
        filed = report.due_on - timedelta(days=5 + seeded_key(seed, "report-day", name) % 20)
        report = submit(report, f"{name}整改报告.pdf", filed, name, updated)
        report = accept(report, filed + timedelta(days=7), "office")
        updated = replace_item(updated, report)
    return updated, RectificationStory(returned, missing)


def timeline(year: int) -> dict[str, date]:
    """The demo's calendar of one spot-check year and its follow-up."""
    return {
        "review": date(year, 10, 8),
        "published": date(year, 12, 1),
        "allegations": date(year, 12, 5),
        "triage": date(year, 12, 10),
        "follow_up": date(year, 12, 12),
        "rectification": date(year, 12, 15),
        "escalation": date(year + 1, 7, 1),
        "plan": date(year + 1, 7, 2),
    }
