"""The screening result JSON (schema_version "1", docs/result-schema.md) and its writer."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from screening.measure import Figures
from screening.policy import Flag

SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class SourceInfo:
    """A matched source as the result lists it."""

    id: str
    title: str
    file: str
    origin: str  # "corpus" or "batch"
    length: int  # characters of the source document
    authors: tuple[str, ...] = ()
    year: int | None = None
    type: str = ""
    institution: str = ""
    own_work: bool = False


@dataclass(frozen=True)
class PassageRecord:
    """One matched passage, offsets in the thesis text and in the source's stored text."""

    thesis_start: int
    thesis_end: int
    source_id: str
    source_start: int
    source_end: int
    match_class: str
    similarity: float
    source_text: str
    origin: str = "corpus"
    page: int = 1
    in_quote: bool = False
    in_references: bool = False
    excluded: str | None = None
    source_language: str | None = None  # class "translated": the source passage's language


@dataclass(frozen=True)
class ThesisInfo:
    file: str
    sha256: str
    status: str
    reason: str | None
    pages: int
    text: str
    page_starts: tuple[int, ...]
    sections: tuple[Mapping[str, Any], ...]
    quotes: tuple[tuple[int, int], ...]
    metadata: Mapping[str, str] = field(default_factory=dict)


def software() -> dict[str, str]:
    try:
        ver = version("spotcheck")
    except PackageNotFoundError:
        ver = "0+unknown"
    return {"name": "spotcheck", "version": ver}


def _r(x: float) -> float:
    return round(float(x), 6)


def build_result(
    *,
    thesis: ThesisInfo,
    characters: int,
    corpus: Mapping[str, Any],
    settings: Mapping[str, Any],
    figures: Figures | None,
    flag: Flag,
    sources: Sequence[SourceInfo],
    passages: Sequence[PassageRecord],
    timings: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The result dict of one thesis (figures None when the thesis could not be screened)."""
    result: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "software": software(),
        "thesis": {
            "file": thesis.file,
            "characters": characters,
            "sha256": thesis.sha256,
            "status": thesis.status,
            "reason": thesis.reason,
            "pages": thesis.pages,
            "metadata": dict(thesis.metadata),
            "text": thesis.text,
            "page_starts": list(thesis.page_starts),
            "sections": [dict(s) for s in thesis.sections],
            "quotes": [{"start": a, "end": b} for a, b in thesis.quotes],
        },
        "corpus": dict(corpus),
        "settings": dict(settings),
        "figures": _figures_json(figures),
        "flag": flag.to_json(),
        "sources": [],
        "passages": [],
    }
    if timings:
        result["timings"] = {k: round(v, 4) for k, v in timings.items()}
    if figures is None:
        return result
    classes: dict[str, dict[str, int]] = {}
    reasons: dict[str, set[str | None]] = {}
    for p in passages:
        reasons.setdefault(p.source_id, set()).add(
            None if p.excluded in (None, "quote", "references") else p.excluded
        )
        counts = classes.setdefault(
            p.source_id, {"identical": 0, "minor_changes": 0, "paraphrase": 0}
        )
        counts[p.match_class] = counts.get(p.match_class, 0) + 1
    listed: list[dict[str, Any]] = []
    for s in sources:
        chars = figures.source_characters.get(s.id, 0)
        if s.id not in classes:
            continue
        listed.append(
            {
                "id": s.id,
                "title": s.title,
                "file": s.file,
                "characters": chars,
                "share": _r(figures.share(s.id)),
                "assessed_share": _r(figures.assessed_share(s.id)),
                "source_characters": s.length,
                "authors": list(s.authors),
                "year": s.year,
                "type": s.type,
                "institution": s.institution,
                "own_work": s.own_work,
                "origin": s.origin,
                "classes": classes[s.id],
                "excluded": None
                if None in reasons[s.id]
                else sorted(r for r in reasons[s.id] if r)[0],
            }
        )
    listed.sort(key=lambda d: (-d["share"], -d["characters"], d["id"]))
    result["sources"] = listed
    result["passages"] = [
        {
            "thesis_start": p.thesis_start,
            "thesis_end": p.thesis_end,
            "page": p.page,
            "source_id": p.source_id,
            "source_start": p.source_start,
            "source_end": p.source_end,
            "class": p.match_class,
            "similarity": _r(p.similarity),
            "origin": p.origin,
            "source_text": p.source_text,
            "in_quote": p.in_quote,
            "in_references": p.in_references,
            "excluded": p.excluded,
            **({"source_language": p.source_language} if p.source_language else {}),
        }
        for p in sorted(passages, key=lambda p: (p.thesis_start, p.thesis_end, p.source_id))
    ]
    return result


def _figures_json(figures: Figures | None) -> dict[str, Any] | None:
    if figures is None:
        return None
    return {
        "total_copy_ratio": _r(figures.total_copy_ratio),
        "copy_ratio_excluding_quotes": _r(figures.copy_ratio_excluding_quotes),
        "copy_ratio_excluding_references": _r(figures.copy_ratio_excluding_references),
        "copy_ratio_excluding_own": _r(figures.copy_ratio_excluding_own),
        "max_single_source_ratio": _r(figures.max_single_source_ratio),
        "repeated_characters": figures.repeated_characters,
        "total_characters": figures.total_characters,
        "assessed_copy_ratio": _r(figures.assessed_copy_ratio),
        "assessed_characters": figures.assessed_characters,
        "translated_copy_ratio": _r(figures.translated_copy_ratio),
        "translated_characters": figures.translated_characters,
        "per_chapter": [
            {
                "title": s.title,
                "kind": s.kind,
                "start": s.start,
                "end": s.end,
                "characters": s.characters,
                "repeated_characters": s.repeated_characters,
                "ratio": _r(s.ratio),
            }
            for s in figures.per_section
        ],
    }


def write_json_atomic(path: Path, data: Any) -> Path:
    """Writes JSON to a temporary file beside `path` and renames it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
