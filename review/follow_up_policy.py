"""The office's follow-up policy: next year's rate multipliers, marks and deadlines.

One TOML file (`follow_up_policy.toml` inside the package is the documented default;
an office passes its own) holds every number the follow-up steps use, so none of them
is a constant in code. Keys left out keep their default; unknown keys are errors.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from importlib.resources import files
from pathlib import Path
from typing import Any

from review.allegations import AnswerDeadlines

DEFAULT_POLICY_FILE = "follow_up_policy.toml"


class PolicyError(ValueError):
    """The policy file is invalid; the message names the file and key."""


@dataclass(frozen=True)
class FollowUpPolicy:
    """Every number of the follow-up steps (see `follow_up_policy.toml` for their meaning)."""

    rates: Mapping[str, Fraction]
    raise_one_year: Fraction
    raise_consecutive: Fraction
    raise_per_further_year: Fraction
    raise_maximum: Fraction
    raise_misconduct: Fraction
    lower_clean_years: int
    lower_multiplier: Fraction
    allegation_certainty: bool
    allegation_deadlines: AnswerDeadlines
    interview_consecutive_years: int
    interview_high_rate: float
    interview_high_rate_min_problems: int
    recognition_clean_years: int
    rectification_plan_days: int
    rectification_report_days: int
    source: str = DEFAULT_POLICY_FILE

    def problem_multiplier(self, consecutive_years: int) -> Fraction:
        """The multiplier for an institution with problem theses `consecutive_years` running."""
        if consecutive_years <= 0:
            return Fraction(1)
        if consecutive_years == 1:
            return self.raise_one_year
        further = (consecutive_years - 2) * self.raise_per_further_year
        return min(self.raise_consecutive + further, self.raise_maximum)


_SCHEMA: dict[str, dict[str, str]] = {
    "rates": {"doctoral": "rate", "master": "rate"},
    "raise": {
        "one_year": "multiplier",
        "consecutive": "multiplier",
        "per_further_year": "step",
        "maximum": "multiplier",
        "misconduct": "multiplier",
    },
    "lower": {"clean_years": "years", "multiplier": "multiplier"},
    "allegations": {"certainty": "bool", "triage_days": "days", "follow_up_days": "days"},
    "interview": {
        "consecutive_years": "years",
        "high_rate": "rate",
        "high_rate_min_problems": "count",
    },
    "recognition": {"clean_years": "years"},
    "rectification": {"plan_days": "days", "report_days": "days"},
}


def _value(raw: object, kind: str, where: str) -> Any:
    if kind == "bool":
        if not isinstance(raw, bool):
            raise PolicyError(f"{where}: expected true or false, got {raw!r}")
        return raw
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise PolicyError(f"{where}: expected a number, got {raw!r}")
    if kind in ("years", "days", "count"):
        least = 0 if kind == "count" else 1
        if not isinstance(raw, int) or raw < least:
            raise PolicyError(f"{where}: expected a whole number of at least {least}, got {raw!r}")
        return raw
    number = Fraction(repr(raw)) if isinstance(raw, float) else Fraction(raw)
    if kind == "rate" and not 0 <= number <= 1:
        raise PolicyError(f"{where}: a rate must be between 0 and 1, got {raw!r}")
    if kind == "multiplier" and number <= 0:
        raise PolicyError(f"{where}: a multiplier must be positive, got {raw!r}")
    if kind == "step" and number < 0:
        raise PolicyError(f"{where}: must not be negative, got {raw!r}")
    return number


def _flatten(raw: Mapping[str, Any], source: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for section, content in raw.items():
        if section not in _SCHEMA:
            raise PolicyError(f"{source}: unknown section [{section}]")
        if not isinstance(content, Mapping):
            raise PolicyError(f"{source}: [{section}] must be a table")
        for key, item in content.items():
            if key not in _SCHEMA[section]:
                raise PolicyError(f"{source}: unknown key {section}.{key}")
            values[f"{section}.{key}"] = _value(
                item, _SCHEMA[section][key], f"{source}: {section}.{key}"
            )
    return values


def _default_text() -> str:
    return files("review").joinpath(DEFAULT_POLICY_FILE).read_text(encoding="utf-8")


def load_policy(path: Path | None = None) -> FollowUpPolicy:
    """The shipped default policy, with the keys of `path` (if given) overriding it."""
    values = _flatten(tomllib.loads(_default_text()), DEFAULT_POLICY_FILE)
    source = DEFAULT_POLICY_FILE
    if path is not None:
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{path}: cannot read the policy file ({exc})") from None
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path}: not valid TOML: {exc}") from None
        values.update(_flatten(raw, source))
    policy = FollowUpPolicy(
        rates={"doctoral": values["rates.doctoral"], "master": values["rates.master"]},
        raise_one_year=values["raise.one_year"],
        raise_consecutive=values["raise.consecutive"],
        raise_per_further_year=values["raise.per_further_year"],
        raise_maximum=values["raise.maximum"],
        raise_misconduct=values["raise.misconduct"],
        lower_clean_years=values["lower.clean_years"],
        lower_multiplier=values["lower.multiplier"],
        allegation_certainty=values["allegations.certainty"],
        allegation_deadlines=AnswerDeadlines(
            values["allegations.triage_days"], values["allegations.follow_up_days"]
        ),
        interview_consecutive_years=values["interview.consecutive_years"],
        interview_high_rate=float(values["interview.high_rate"]),
        interview_high_rate_min_problems=values["interview.high_rate_min_problems"],
        recognition_clean_years=values["recognition.clean_years"],
        rectification_plan_days=values["rectification.plan_days"],
        rectification_report_days=values["rectification.report_days"],
        source=source,
    )
    _check_exact(policy)
    return policy


def _check_exact(policy: FollowUpPolicy) -> None:
    """Rate × multiplier above 1 would be capped, and the stated rate would not be exact."""
    top = max(
        policy.raise_one_year,
        policy.raise_maximum,
        policy.raise_misconduct,
        policy.lower_multiplier,
    )
    for level, rate in policy.rates.items():
        if rate * top > 1:
            raise PolicyError(
                f"{policy.source}: rates.{level} = {float(rate):g} times the largest "
                f"multiplier {float(top):g} is more than 1"
            )
