"""Writing a sampling plan as commented TOML that `load_plan_toml` reads back unchanged.

Generated plans (next year's risk-based plan) must explain every adjustment, so each
emphasis value and certainty unit carries its own comment. The text is checked by
reading it back with the plan reader before anyone writes it to disk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from sampler.plan import LEVELS, Plan, PlanError, load_plan_toml


@dataclass(frozen=True)
class CommentedValue:
    """A value of a list in the plan with the reason it is there."""

    value: str
    comment: str = ""


@dataclass(frozen=True)
class EmphasisDraft:
    """One `[[emphasis]]` rule: units whose `column` is in `values` get `multiplier` × rate."""

    column: str
    multiplier: Fraction
    label: str
    values: tuple[CommentedValue, ...]
    comment: tuple[str, ...] = ()


@dataclass(frozen=True)
class CertaintyDraft:
    """A certainty unit: always drawn, with its reason (kept in `sample.csv`)."""

    thesis_id: str
    reason: str
    comment: str = ""


@dataclass(frozen=True)
class PlanDraft:
    """What a generated plan says, with comments; no seed (fixed after the frame is frozen)."""

    rates: Mapping[str, Fraction]
    header: tuple[str, ...] = ()
    strata: tuple[str, ...] = ()
    emphasis: tuple[EmphasisDraft, ...] = ()
    certainty: tuple[CertaintyDraft, ...] = ()
    certainty_comment: tuple[str, ...] = ()
    footer: tuple[str, ...] = field(default=())


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are a subset of TOML's; DEL is escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_number(value: Fraction) -> str:
    """An exact decimal when there is a short one (0.05, 1.5, 2), else a quoted "1/3"."""
    text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    if Fraction(text) == value:
        return text
    return toml_string(f"{value.numerator}/{value.denominator}")


def _comment_text(text: str) -> str:
    """Text a TOML comment may hold: no control characters (tab aside)."""
    return _CONTROL.sub(" ", text)


def _comment_lines(lines: Sequence[str], indent: str = "") -> list[str]:
    out = []
    for line in lines:
        for part in line.splitlines() or [""]:
            out.append(f"{indent}# {_comment_text(part)}".rstrip())
    return out


def _inline_comment(comment: str) -> str:
    flat = " ".join(_comment_text(comment).split())
    return f"  # {flat}" if flat else ""


def render_plan(draft: PlanDraft) -> str:
    """The plan as TOML text; raises PlanError if it would not read back as intended."""
    lines = _comment_lines(draft.header)
    if draft.header:
        lines.append("")
    if draft.strata:
        lines.append("strata = [" + ", ".join(toml_string(c) for c in draft.strata) + "]")
    if draft.certainty:
        lines += _comment_lines(draft.certainty_comment)
        lines.append("certainty = [")
        for unit in draft.certainty:
            entry = (
                f"  {{thesis_id = {toml_string(unit.thesis_id)}, "
                f"reason = {toml_string(unit.reason)}}},"
            )
            lines.append(entry + _inline_comment(unit.comment))
        lines.append("]")
    elif draft.certainty_comment:
        lines += _comment_lines(draft.certainty_comment)
    lines += ["", "[rates]"]
    for level in LEVELS:
        if level in draft.rates:
            lines.append(f"{level} = {toml_number(draft.rates[level])}")
    for rule in draft.emphasis:
        lines.append("")
        lines += _comment_lines(rule.comment)
        lines.append("[[emphasis]]")
        lines.append(f"column = {toml_string(rule.column)}")
        lines.append(f"multiplier = {toml_number(rule.multiplier)}")
        lines.append(f"label = {toml_string(rule.label)}")
        lines.append("values = [")
        for item in rule.values:
            lines.append(f"  {toml_string(item.value)}," + _inline_comment(item.comment))
        lines.append("]")
    if draft.footer:
        lines.append("")
        lines += _comment_lines(draft.footer)
    text = "\n".join(lines) + "\n"
    _check_round_trip(draft, load_plan_toml(text, source="generated plan"))
    return text


def _check_round_trip(draft: PlanDraft, plan: Plan) -> None:
    """The written plan must mean exactly what the draft says."""
    for level, rate in draft.rates.items():
        if plan.rates[level] != rate:
            raise PlanError(f"generated plan: rate of {level} reads back as {plan.rates[level]}")
    wanted = {
        (rule.column, rule.multiplier, tuple(sorted({v.value.strip() for v in rule.values})))
        for rule in draft.emphasis
    }
    found = {(rule.column, rule.multiplier, rule.values) for rule in plan.emphasis}
    if wanted != found:
        raise PlanError("generated plan: emphasis rules do not read back as written")
    certainty = tuple(sorted((u.thesis_id.strip(), u.reason.strip()) for u in draft.certainty))
    if plan.certainty.entries != certainty:
        raise PlanError("generated plan: certainty units do not read back as written")
