"""Flag policy: turns a thesis's figures into a level with the reasons listed.

Levels: `clear` (清晰), `needs_review` (需人工复核), `suspected_misconduct`
(疑似学术不端). A level is a triage decision for reviewers, never a verdict:
every reason names the figure, its value and the threshold it reached, in
Chinese with English beside it. Thresholds come from a TOML file (all keys
optional; defaults documented in docs/screening.md):

    [policy]
    needs_review_ratio = 0.15
    misconduct_ratio = 0.40
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

LEVELS = ("clear", "needs_review", "suspected_misconduct")
LEVEL_LABELS = {
    "clear": "未发现明显问题 Clear",
    "needs_review": "需人工复核 Needs review",
    "suspected_misconduct": "疑似学术不端 Suspected misconduct",
}


class PolicyError(ValueError):
    """A policy file or mapping is invalid (names the key and the problem)."""


@dataclass(frozen=True)
class FlagPolicy:
    """Thresholds (fractions of the thesis's characters unless said otherwise)."""

    needs_review_ratio: float = 0.15
    misconduct_ratio: float = 0.40
    needs_review_single_source: float = 0.10
    misconduct_single_source: float = 0.25
    needs_review_chapter_ratio: float = 0.40
    chapter_min_characters: int = 1000
    needs_review_passage_characters: int = 1000
    needs_review_batch_ratio: float = 0.03
    misconduct_batch_ratio: float = 0.15

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise PolicyError(f"policy: {f.name} must be a non-negative number, got {value!r}")
            if f.name.endswith(("_ratio", "_source")) and value > 1:
                raise PolicyError(f"policy: {f.name} is a fraction between 0 and 1, got {value!r}")
        pairs = (
            ("needs_review_ratio", "misconduct_ratio"),
            ("needs_review_single_source", "misconduct_single_source"),
            ("needs_review_batch_ratio", "misconduct_batch_ratio"),
        )
        for low, high in pairs:
            if getattr(self, low) > getattr(self, high):
                raise PolicyError(f"policy: {low} must not exceed {high}")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> FlagPolicy:
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise PolicyError(
                f"policy: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        converted: dict[str, Any] = {}
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise PolicyError(f"policy: {key} must be a number, got {value!r}")
            converted[key] = int(value) if known[key].type in (int, "int") else float(value)
        return cls(**converted)

    @classmethod
    def from_toml(cls, path: Path) -> FlagPolicy:
        """Reads `[policy]` (or top-level keys) from a TOML file."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise PolicyError(f"cannot read policy file {path}: {exc.strerror or exc}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise PolicyError(f"policy file {path} is not valid TOML: {exc}") from exc
        section = data.get("policy", data)
        if not isinstance(section, dict):
            raise PolicyError(f"policy file {path}: [policy] must be a table")
        try:
            return cls.from_mapping(section)
        except PolicyError as exc:
            raise PolicyError(f"{path}: {exc}") from exc

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Flag:
    level: str
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "label": LEVEL_LABELS[self.level],
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Evidence:
    """What the policy looks at (filled from the measures by the pipeline)."""

    status: str
    assessed_copy_ratio: float
    max_single_source_ratio: float  # within the assessed characters, own work excluded
    max_single_source_title: str
    batch_ratio: float  # assessed characters shared with other theses of the batch
    batch_partner: str
    chapters: Sequence[tuple[str, int, float]]  # (title, characters, ratio)
    longest_passage: int  # characters of the longest counted identical/minor passage
    status_reason: str | None = None


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def assess(evidence: Evidence, policy: FlagPolicy | None = None) -> Flag:
    """The flag level and its reasons (every threshold reached is listed)."""
    p = policy or FlagPolicy()
    if evidence.status not in ("ok", "partial"):
        why = evidence.status_reason or evidence.status
        return Flag(
            "needs_review",
            (f"论文无法检测（{evidence.status}）：{why} — Thesis could not be screened ({why})",),
        )
    review: list[str] = []
    misconduct: list[str] = []
    r = evidence.assessed_copy_ratio
    if r >= p.misconduct_ratio:
        misconduct.append(
            f"扣除排除项后的文字复制比 {_pct(r)} ≥ {_pct(p.misconduct_ratio)} — "
            f"copy ratio after exclusions {_pct(r)} ≥ {_pct(p.misconduct_ratio)}"
        )
    elif r >= p.needs_review_ratio:
        review.append(
            f"扣除排除项后的文字复制比 {_pct(r)} ≥ {_pct(p.needs_review_ratio)} — "
            f"copy ratio after exclusions {_pct(r)} ≥ {_pct(p.needs_review_ratio)}"
        )
    s = evidence.max_single_source_ratio
    title = evidence.max_single_source_title
    if s >= p.misconduct_single_source:
        misconduct.append(
            f"单篇最大文字复制比 {_pct(s)}（{title}）≥ {_pct(p.misconduct_single_source)} — "
            f"largest single source {_pct(s)} ({title}) ≥ {_pct(p.misconduct_single_source)}"
        )
    elif s >= p.needs_review_single_source:
        review.append(
            f"单篇最大文字复制比 {_pct(s)}（{title}）≥ {_pct(p.needs_review_single_source)} — "
            f"largest single source {_pct(s)} ({title}) ≥ {_pct(p.needs_review_single_source)}"
        )
    b = evidence.batch_ratio
    who = evidence.batch_partner
    if b >= p.misconduct_batch_ratio:
        misconduct.append(
            f"与同批论文（{who}）重合 {_pct(b)} ≥ {_pct(p.misconduct_batch_ratio)}，"
            "疑似代写或互抄 — "
            f"{_pct(b)} shared with another thesis of the batch ({who}), possible ghost-writing "
            "or collusion"
        )
    elif b >= p.needs_review_batch_ratio:
        review.append(
            f"与同批论文（{who}）重合 {_pct(b)} ≥ {_pct(p.needs_review_batch_ratio)} — "
            f"{_pct(b)} shared with another thesis of the batch ({who})"
        )
    for chapter, chars, ratio in evidence.chapters:
        if chars >= p.chapter_min_characters and ratio >= p.needs_review_chapter_ratio:
            review.append(
                f"章节“{chapter}”复制比 {_pct(ratio)} ≥ {_pct(p.needs_review_chapter_ratio)} — "
                f"chapter “{chapter}” copy ratio {_pct(ratio)}"
            )
    if evidence.longest_passage >= p.needs_review_passage_characters:
        review.append(
            f"存在连续 {evidence.longest_passage} 字的相同或近似相同段落 — a passage of "
            f"{evidence.longest_passage} characters is copied identically or with minor changes"
        )
    if evidence.status == "partial":
        review.append(
            "论文部分文字无法提取，结果可能偏低 — part of the text could not be extracted; "
            "figures may be too low"
        )
    if misconduct:
        return Flag("suspected_misconduct", tuple(misconduct + review))
    if review:
        return Flag("needs_review", tuple(review))
    return Flag(
        "clear",
        (
            f"各项指标均未达到阈值（扣除排除项后复制比 {_pct(r)}）— no figure reaches a threshold "
            f"(copy ratio after exclusions {_pct(r)})",
        ),
    )
