"""Conflict-of-interest rules: which experts may never review which thesis.

The author's own institution is always excluded (national practice); the further
exclusions are configurable per spot check.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from review.experts import Expert
from review.theses import SampledThesis


class Conflict(StrEnum):
    """Why an expert is excluded from a thesis."""

    SAME_INSTITUTION = "same-institution"
    SAME_PROVINCE = "same-province"
    SUPERVISOR = "supervisor"
    CO_AUTHOR = "co-authors"
    PRE_DEFENCE_REVIEWER = "pre-defence-reviewers"


CONFLICT_LABELS: dict[Conflict, str] = {
    Conflict.SAME_INSTITUTION: "同单位 same institution",
    Conflict.SAME_PROVINCE: "同省份 same province",
    Conflict.SUPERVISOR: "导师 the supervisor",
    Conflict.CO_AUTHOR: "合作者 a co-author",
    Conflict.PRE_DEFENCE_REVIEWER: "预答辩/评阅专家 a pre-defence reviewer",
}
OPTIONAL_EXCLUSIONS = (
    Conflict.SAME_PROVINCE,
    Conflict.SUPERVISOR,
    Conflict.CO_AUTHOR,
    Conflict.PRE_DEFENCE_REVIEWER,
)
DEFAULT_EXCLUSIONS = frozenset(
    {Conflict.SUPERVISOR, Conflict.CO_AUTHOR, Conflict.PRE_DEFENCE_REVIEWER}
)


@dataclass(frozen=True)
class ConflictPolicy:
    """The optional exclusions in force; the same-institution rule always applies."""

    exclusions: frozenset[Conflict] = DEFAULT_EXCLUSIONS

    def __post_init__(self) -> None:
        if Conflict.SAME_INSTITUTION in self.exclusions:
            object.__setattr__(
                self, "exclusions", frozenset(self.exclusions - {Conflict.SAME_INSTITUTION})
            )

    @classmethod
    def from_names(cls, names: list[str]) -> ConflictPolicy:
        """From option values like ['same-province', 'supervisor']; 'none' clears all."""
        chosen: set[Conflict] = set()
        for name in names:
            if name == "none":
                continue
            try:
                chosen.add(Conflict(name))
            except ValueError:
                allowed = ", ".join(item.value for item in OPTIONAL_EXCLUSIONS)
                raise ValueError(f"unknown exclusion {name!r} (allowed: {allowed}, none)") from None
        return cls(frozenset(chosen))

    def names(self) -> list[str]:
        return sorted(item.value for item in self.exclusions)


def person_key(name: str) -> str:
    """A name normalised for comparison: NFKC, case-folded, no spaces or middle dots."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "·・.-")


def _names_match(expert: Expert, names: tuple[str, ...] | str) -> bool:
    listed = (names,) if isinstance(names, str) else names
    keys = {person_key(name) for name in listed if name.strip()}
    return person_key(expert.name) in keys or person_key(expert.expert_id) in keys


def conflicts(expert: Expert, thesis: SampledThesis, policy: ConflictPolicy) -> list[Conflict]:
    """Every rule that excludes the expert from the thesis (empty when the expert may review)."""
    found: list[Conflict] = []
    if person_key(expert.institution) == person_key(thesis.institution):
        found.append(Conflict.SAME_INSTITUTION)
    rules = policy.exclusions
    if (
        Conflict.SAME_PROVINCE in rules
        and thesis.province
        and person_key(expert.province) == person_key(thesis.province)
    ):
        found.append(Conflict.SAME_PROVINCE)
    if (
        Conflict.SUPERVISOR in rules
        and thesis.supervisor
        and _names_match(expert, thesis.supervisor)
    ):
        found.append(Conflict.SUPERVISOR)
    if Conflict.CO_AUTHOR in rules and _names_match(expert, thesis.co_authors):
        found.append(Conflict.CO_AUTHOR)
    if Conflict.PRE_DEFENCE_REVIEWER in rules and _names_match(
        expert, thesis.pre_defence_reviewers
    ):
        found.append(Conflict.PRE_DEFENCE_REVIEWER)
    return found
