"""Exclusion options, thresholds and limits of one screening run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from screening.policy import FlagPolicy
from screening.retrieve import RetrievalConfig


@dataclass(frozen=True)
class ScreenSettings:
    """Exclusion options, thresholds and limits of one screening run."""

    exclude_quotes: bool = True
    exclude_references: bool = True
    exclude_own: bool = True
    min_match_characters: int = 30
    min_source_share: float = 0.0  # sources covering less than this fraction do not count
    excluded_sources: frozenset[str] = frozenset()  # corpus ids or file names
    templates: bool = True  # registered templates and cover/declaration sections never count
    batch_comparison: bool = True
    isolate_extraction: bool = True
    workers: int = 0  # parallel isolated extractions; 0 = one per CPU
    ocr: str = "auto"  # OCR mode of the extraction: auto, never or always
    policy: FlagPolicy = field(default_factory=FlagPolicy)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)

    def to_json(self) -> dict[str, Any]:
        return {
            "exclude_quotes": self.exclude_quotes,
            "exclude_references": self.exclude_references,
            "exclude_own": self.exclude_own,
            "min_match_characters": self.min_match_characters,
            "min_source_share": self.min_source_share,
            "excluded_sources": sorted(self.excluded_sources),
            "templates": self.templates,
            "batch_comparison": self.batch_comparison,
            "policy": self.policy.to_json(),
        }
