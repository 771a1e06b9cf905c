"""The draw's files: sample.csv, allocation.csv, manifest.json, summary.md (+ id lists).

Files are rendered to bytes first (so `verify-draw` can compare them without writing)
and written into a fresh temporary directory that is renamed into place only when every
file is complete; a failed run leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
from collections import Counter
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from exports import render_csv
from sampler.draw import ALGORITHM, RESERVED_COLUMNS, DrawResult, factorise

SAMPLE_EXTRA_COLUMNS: tuple[str, ...] = RESERVED_COLUMNS
OUTPUT_FILES: tuple[str, ...] = (
    "sample.csv",
    "allocation.csv",
    "manifest.json",
    "summary.md",
    "certainty.csv",
    "exclusions.csv",
)
MANIFEST_FORMAT = 1

LEVEL_LABELS = {"doctoral": "博士 doctoral", "master": "硕士 master"}
TYPE_LABELS = {"academic": "学术学位 academic", "professional": "专业学位 professional"}


class OutputError(OSError):
    """The output directory cannot be written (exists with other files, not writable)."""


def full_precision(value: Fraction) -> str:
    """A float's shortest exact round-trip form (17 significant digits when needed)."""
    return repr(float(value))


def _probability_and_weight(sample_size: int, population: int) -> tuple[str, str]:
    """n/N and N/n at full precision (int division is correctly rounded, like Fraction)."""
    if not population:
        return "0.0", ""
    probability = repr(sample_size / population)
    return probability, repr(population / sample_size) if sample_size else ""


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    return render_csv(header, rows)


def render_sample(result: DrawResult) -> bytes:
    frame = result.frame
    columns = [frame.data[c] for c in frame.columns]
    reasons = dict(result.plan.certainty.entries)
    ids = frame.data["thesis_id"]
    per_stratum = [
        (
            s.label,
            *_probability_and_weight(s.sample_size, s.population),
            "certainty" if s.certainty else "random",
            s.certainty,
        )
        for s in result.strata
    ]
    rows = []
    for row, h, stage in zip(
        result.selected_rows.tolist(),
        result.selected_strata.tolist(),
        result.selected_stage.tolist(),
        strict=True,
    ):
        label, probability, weight, selection, certainty = per_stratum[h]
        reason = reasons.get(ids[row], "") if certainty else ""
        rows.append(
            [col[row] for col in columns]
            + [label, probability, weight, selection, str(stage), reason]
        )
    return _csv_bytes(list(frame.columns) + list(SAMPLE_EXTRA_COLUMNS), rows)


def render_allocation(result: DrawResult) -> bytes:
    plan = result.plan
    stage_columns = (
        ["main_draw"] + [f"supplement_{k + 1}" for k in range(len(plan.supplements))]
        if plan.supplements
        else []
    )
    header = [
        *plan.strata,
        "stratum",
        "population",
        "sample_size",
        "inclusion_probability",
        "design_weight",
        "expected_sample_size",
        "rate_multiplier",
        "minimum_added",
        "certainty",
        *stage_columns,
    ]
    rows = []
    for s in result.strata:
        probability, weight = _probability_and_weight(s.sample_size, s.population)
        rows.append(
            [
                *s.key,
                s.label,
                str(s.population),
                str(s.sample_size),
                probability,
                weight,
                full_precision(s.expected),
                f"{float(s.multiplier):g}",
                str(s.minimum_added),
                "yes" if s.certainty else "no",
                *(str(n) for n in (s.stage_sizes if stage_columns else ())),
            ]
        )
    return _csv_bytes(header, rows)


def manifest_data(result: DrawResult, version: str, files: Mapping[str, bytes]) -> dict[str, Any]:
    frame = result.frame
    return {
        "manifest_format": MANIFEST_FORMAT,
        "frame_file": frame.source,
        "frame_sha256": frame.sha256,
        "frame_rows": len(frame),
        "frame_encoding": frame.encoding,
        "award_dates": {
            "first": min(frame.data["award_date"]),
            "last": max(frame.data["award_date"]),
        },
        "seed": result.plan.seed,
        "plan": result.plan.to_dict(),
        "population": result.population,
        "sample_size": result.sample_size,
        "excluded": result.excluded,
        "exclusions_not_in_frame": result.exclusions_not_in_frame,
        "levels": [
            {
                "degree_level": level.level,
                "population": level.population,
                "certainty": level.certainty,
                "target": level.target,
                "minimum_added": level.minimum_added,
                "supplements": list(level.supplement_sizes),
                "sample_size": level.sample_size,
            }
            for level in result.levels
        ],
        "strata": len(result.strata),
        "frame_warnings": [
            {"kind": w.kind, "message": w.message, "count": w.count, "examples": list(w.examples)}
            for w in frame.warnings
        ],
        "algorithm": ALGORITHM,
        "version": version,
        "files_sha256": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }


def _counts(columns: list[list[str]], mask: np.ndarray) -> Counter[tuple[str, ...]]:
    """How many rows (where `mask`) have each combination of the columns' values."""
    codes, keys = factorise(columns)
    counts = np.bincount(codes[mask], minlength=len(keys))
    return Counter({key: int(n) for key, n in zip(keys, counts.tolist(), strict=True) if n})


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "-"


def render_summary(result: DrawResult, *, max_institutions: int | None = None) -> str:
    """The draw summary in Markdown, labels in Chinese with English beside them."""
    frame = result.frame
    plan = result.plan
    data = frame.data
    levels, types, insts = data["degree_level"], data["degree_type"], data["institution"]
    excluded = set(plan.exclusions.ids)
    eligible = np.ones(len(frame), dtype=bool)
    if excluded:
        eligible[[i for i, v in enumerate(data["thesis_id"]) if v in excluded]] = False
    pop_lt = _counts([levels, types], eligible)
    pop_inst = _counts([insts, levels], eligible)
    rows = result.selected_rows.tolist()
    smp_lt = Counter((levels[i], types[i]) for i in rows)
    smp_inst = Counter((insts[i], levels[i]) for i in rows)

    lines = ["# 抽检抽样结果 Spot-check draw summary", ""]
    lines += [
        f"- 名单文件 Frame: `{frame.source}` (sha256 `{frame.sha256}`, {len(frame)} rows)",
        f"- 随机种子 Seed: {plan.seed}",
        "- 抽样比例 Rates: "
        + ", ".join(f"{LEVEL_LABELS[k]} {float(v):g}" for k, v in plan.rates.items()),
        f"- 分层变量 Strata: {' × '.join(plan.strata)}",
        f"- 授予日期 Award dates: {min(data['award_date'])} … {max(data['award_date'])}",
        f"- 总体 Population: {result.population}; 样本 Sample: {result.sample_size}",
    ]
    if result.excluded or plan.exclusions.entries:
        lines.append(
            f"- 排除 Excluded: {result.excluded} "
            f"({result.exclusions_not_in_frame} listed ids not in the frame)"
        )
    if plan.certainty.entries:
        lines.append(f"- 必抽 Certainty units: {len(plan.certainty.entries)}")
    if plan.supplements:
        lines.append(
            "- 补充抽样 Supplementary draws: "
            + "; ".join(
                ", ".join(f"{LEVEL_LABELS[k]} +{float(v):g}" for k, v in s.items())
                for s in plan.supplements
            )
        )
    lines += ["", "## 按学位级别和类型 By degree level and type", ""]
    table = []
    for level, dtype in sorted(pop_lt):
        pop, smp = pop_lt[(level, dtype)], smp_lt.get((level, dtype), 0)
        table.append(
            [LEVEL_LABELS[level], TYPE_LABELS[dtype], str(pop), str(smp), _percent(smp, pop)]
        )
    lines += _table(
        ["学位级别 Level", "学位类型 Type", "总体 Population", "样本 Sample", "比例 Fraction"],
        table,
    )
    lines += ["", "## 按学位级别 Level totals", ""]
    lines += _table(
        ["学位级别 Level", "总体 Population", "目标 Target n_l", "必抽 Certainty",
         "最低补足 Minimum added", "补充 Supplements", "样本 Sample"],
        [
            [LEVEL_LABELS[lv.level], str(lv.population), str(lv.target), str(lv.certainty),
             str(lv.minimum_added), " + ".join(map(str, lv.supplement_sizes)) or "-",
             str(lv.sample_size)]
            for lv in result.levels
        ],
    )  # fmt: skip
    institutions = sorted({inst for inst, _ in pop_inst})
    institutions.sort(key=lambda name: -sum(pop_inst.get((name, lv), 0) for lv in LEVEL_LABELS))
    shown = institutions if max_institutions is None else institutions[:max_institutions]
    lines += ["", f"## 按学位授予单位 By institution ({len(institutions)})", ""]
    inst_rows = []
    for name in shown:
        cells = [name]
        total_pop = total_smp = 0
        for level in LEVEL_LABELS:
            pop, smp = pop_inst.get((name, level), 0), smp_inst.get((name, level), 0)
            total_pop += pop
            total_smp += smp
            cells.append(f"{smp} / {pop}")
        cells.append(f"{total_smp} / {total_pop}")
        inst_rows.append(cells)
    lines += _table(
        ["学位授予单位 Institution", "博士 Doctoral (sample / population)",
         "硕士 Master (sample / population)", "合计 Total"],
        inst_rows,
    )  # fmt: skip
    if len(shown) < len(institutions):
        lines.append(f"\n… {len(institutions) - len(shown)} more institutions in summary.md")
    random_strata = [s for s in result.strata if not s.certainty]
    lines += ["", "## 分层 Strata", ""]
    lines += [
        f"- 层数 Strata: {len(random_strata)}",
        f"- 未抽中的层 Strata with no unit sampled: "
        f"{sum(1 for s in random_strata if s.sample_size == 0)}",
        f"- 全部抽中的层 Take-all strata: "
        f"{sum(1 for s in random_strata if s.sample_size == s.population)}",
        f"- 加权抽样的层 Emphasis strata (rate multiplier ≠ 1): "
        f"{sum(1 for s in random_strata if s.multiplier != 1)}",
    ]
    lines += ["", "## 最低样本量 Minimums", ""]
    if plan.minimum_count:
        bumped = [s for s in random_strata if s.minimum_added > 0]
        lowered = [s for s in random_strata if s.minimum_added < 0]
        lines.append(
            f"- 每组 Per {' × '.join(plan.minimum_per)} at least {plan.minimum_count}: "
            f"{sum(s.minimum_added for s in bumped)} units added in {len(bumped)} strata "
            "(their inclusion probabilities are the realised fractions)"
        )
        lines.append(
            "- 优先 Wins: "
            + (
                "最低样本量 the minimum (level totals grow)"
                if plan.minimum_wins == "minimum"
                else f"总量 the total ({-sum(s.minimum_added for s in lowered)} units taken "
                f"back from {len(lowered)} other strata)"
            )
        )
    else:
        lines.append("- 无 None")
    if frame.warnings:
        lines += ["", "## 警告 Warnings", ""]
        for warning in frame.warnings:
            examples = "; ".join(warning.examples)
            lines.append(f"- {warning.message}: {warning.count} rows (e.g. {examples})")
    return "\n".join(lines) + "\n"


def render_outputs(result: DrawResult, version: str) -> dict[str, bytes]:
    """All files of the draw directory, by name."""
    files: dict[str, bytes] = {
        "sample.csv": render_sample(result),
        "allocation.csv": render_allocation(result),
    }
    if result.plan.certainty.entries:
        files["certainty.csv"] = result.plan.certainty.to_csv()
    if result.plan.exclusions.entries:
        files["exclusions.csv"] = result.plan.exclusions.to_csv()
    manifest = manifest_data(result, version, files)
    files["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    files["summary.md"] = render_summary(result).encode("utf-8")
    return files


def write_directory(files: Mapping[str, bytes], out_dir: Path) -> None:
    """Writes `files` into `out_dir` atomically: a temporary sibling renamed into place.

    An existing `out_dir` is replaced only when it is empty or holds nothing but files of
    a previous draw; otherwise OutputError.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise OutputError(f"{out_dir} exists and is not a directory")
        foreign = sorted(p.name for p in out_dir.iterdir() if p.name not in OUTPUT_FILES)
        if foreign:
            raise OutputError(
                f"{out_dir} already holds other files ({foreign[0]}); choose a new directory"
            )
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        temp = parent / f".{out_dir.name}.{secrets.token_hex(6)}.tmp"
        temp.mkdir()
    except OSError as exc:
        raise OutputError(f"cannot create {out_dir}: {exc.strerror}") from None
    try:
        for name, content in files.items():
            (temp / name).write_bytes(content)
        if out_dir.exists():
            old = parent / f".{out_dir.name}.{secrets.token_hex(6)}.old"
            out_dir.rename(old)
            temp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            temp.rename(out_dir)
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise OutputError(f"cannot write {out_dir}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def write_outputs(result: DrawResult, out_dir: Path, version: str) -> dict[str, bytes]:
    """Renders and writes the draw directory; returns the files written."""
    files = render_outputs(result, version)
    write_directory(files, out_dir)
    return files
