"""The screening result (schema_version "1", docs/result-schema.md): typed, read and written.

`ScreeningResult` is the one reading of a result: `to_json()` gives the dict that
`spotcheck screen` writes and `ScreeningResult.from_json(data)` checks and reads such
a dict back, raising `ResultFormatError` that names the first bad field
(`passages[3].thesis_end`). Every consumer (HTTP service, reports, review, CLI, demo,
benchmarks) reads results through it. `build_result` assembles a result from the
pipeline's measures, rounding ratios to 6 decimals once.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypeVar

from corpora.structure import Section
from exports import write_json_atomically
from screening.measure import Figures
from screening.policy import LEVEL_LABELS, Flag

__all__ = [
    "MATCH_CLASSES",
    "SCHEMA_VERSION",
    "ChapterFigure",
    "PassageRecord",
    "ResultFigures",
    "ResultFormatError",
    "ResultSource",
    "ScreeningResult",
    "SourceInfo",
    "ThesisInfo",
    "build_result",
    "is_result_json",
    "page_of",
    "software",
    "write_result",
]

SCHEMA_VERSION = "1"
MATCH_CLASSES = ("identical", "minor_changes", "paraphrase", "translated")

T = TypeVar("T")


class ResultFormatError(ValueError):
    """A screening result lacks a field or holds an impossible value there.

    `field` is the field's path in the result (`figures.total_copy_ratio`,
    `passages[3].thesis_end`); the message starts with it.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class SourceInfo:
    """A matched source as the pipeline describes it (before its figures are known)."""

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

    def to_json(self) -> dict[str, Any]:
        return {
            "thesis_start": self.thesis_start,
            "thesis_end": self.thesis_end,
            "page": self.page,
            "source_id": self.source_id,
            "source_start": self.source_start,
            "source_end": self.source_end,
            "class": self.match_class,
            "similarity": self.similarity,
            "origin": self.origin,
            "source_text": self.source_text,
            "in_quote": self.in_quote,
            "in_references": self.in_references,
            "excluded": self.excluded,
            **({"source_language": self.source_language} if self.source_language else {}),
        }

    @classmethod
    def from_json(
        cls, data: Any, path: str = "passage", page_starts: Sequence[int] = ()
    ) -> PassageRecord:
        """Reads a passage; one without `page` is on the page of `page_starts` it starts on."""
        r = _Reader(data, path)
        start, end = r.offset("thesis_start"), r.offset("thesis_end")
        if end < start:
            raise ResultFormatError(f"{path}.thesis_end", f"{end} is before thesis_start {start}")
        src_start, src_end = r.offset("source_start"), r.offset("source_end")
        if src_end < src_start:
            raise ResultFormatError(
                f"{path}.source_end", f"{src_end} is before source_start {src_start}"
            )
        return cls(
            thesis_start=start,
            thesis_end=end,
            page=r.integer("page", minimum=1) if r.has("page") else page_of(page_starts, start),
            source_id=r.text("source_id"),
            source_start=src_start,
            source_end=src_end,
            match_class=r.choice("class", MATCH_CLASSES),
            similarity=r.fraction("similarity"),
            origin=r.text("origin", "corpus"),
            source_text=r.text("source_text", ""),
            in_quote=r.boolean("in_quote", False),
            in_references=r.boolean("in_references", False),
            excluded=r.optional_text("excluded"),
            source_language=r.optional_text("source_language"),
        )


@dataclass(frozen=True)
class ThesisInfo:
    """The screened thesis: its file, extraction outcome and text."""

    file: str
    sha256: str
    status: str
    reason: str | None
    pages: int
    text: str
    page_starts: tuple[int, ...]
    sections: tuple[Section, ...]
    quotes: tuple[tuple[int, int], ...]
    metadata: Mapping[str, str] = field(default_factory=dict)
    characters: int = 0  # countable characters; 0 when the thesis could not be screened

    @property
    def screened(self) -> bool:
        return self.status in ("ok", "partial")

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "characters": self.characters,
            "sha256": self.sha256,
            "status": self.status,
            "reason": self.reason,
            "pages": self.pages,
            "metadata": dict(self.metadata),
            "text": self.text,
            "page_starts": list(self.page_starts),
            "sections": [
                {"kind": s.kind, "title": s.title, "start": s.start, "end": s.end}
                for s in self.sections
            ],
            "quotes": [{"start": a, "end": b} for a, b in self.quotes],
        }

    @classmethod
    def from_json(cls, data: Any, path: str = "thesis") -> ThesisInfo:
        r = _Reader(data, path)
        return cls(
            file=r.text("file"),
            characters=r.offset("characters"),
            sha256=r.text("sha256", ""),
            status=r.text("status", "ok"),
            reason=r.optional_text("reason"),
            pages=r.offset("pages", 0),
            metadata=r.strings("metadata", {}),
            text=r.text("text", ""),
            page_starts=r.items("page_starts", _offset, ()),
            sections=r.items("sections", _section, ()),
            quotes=r.items("quotes", lambda q, p: _Reader(q, p).span(), ()),
        )


@dataclass(frozen=True)
class ChapterFigure:
    """The figures of one extracted section."""

    title: str
    kind: str
    start: int
    end: int
    characters: int
    repeated_characters: int
    ratio: float

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "characters": self.characters,
            "repeated_characters": self.repeated_characters,
            "ratio": self.ratio,
        }

    @classmethod
    def from_json(cls, data: Any, path: str) -> ChapterFigure:
        r = _Reader(data, path)
        return cls(
            title=r.text("title", ""),
            kind=r.text("kind", ""),
            start=r.offset("start"),
            end=r.offset("end"),
            characters=r.offset("characters"),
            repeated_characters=r.offset("repeated_characters"),
            ratio=r.fraction("ratio"),
        )


@dataclass(frozen=True)
class ResultFigures:
    """The figures of a screened thesis (ratios are fractions of its characters)."""

    total_copy_ratio: float
    copy_ratio_excluding_quotes: float
    copy_ratio_excluding_references: float
    copy_ratio_excluding_own: float
    max_single_source_ratio: float
    repeated_characters: int
    total_characters: int
    # The extensions below are None in results that leave them out (the contract does not
    # require them); `spotcheck screen` always writes them.
    assessed_copy_ratio: float | None
    assessed_characters: int | None
    translated_copy_ratio: float | None
    translated_characters: int | None
    per_chapter: tuple[ChapterFigure, ...]

    @classmethod
    def of(cls, figures: Figures) -> ResultFigures:
        """The measures as the result reports them (ratios rounded to 6 decimals)."""
        return cls(
            total_copy_ratio=_r(figures.total_copy_ratio),
            copy_ratio_excluding_quotes=_r(figures.copy_ratio_excluding_quotes),
            copy_ratio_excluding_references=_r(figures.copy_ratio_excluding_references),
            copy_ratio_excluding_own=_r(figures.copy_ratio_excluding_own),
            max_single_source_ratio=_r(figures.max_single_source_ratio),
            repeated_characters=figures.repeated_characters,
            total_characters=figures.total_characters,
            assessed_copy_ratio=_r(figures.assessed_copy_ratio),
            assessed_characters=figures.assessed_characters,
            translated_copy_ratio=_r(figures.translated_copy_ratio),
            translated_characters=figures.translated_characters,
            per_chapter=tuple(
                ChapterFigure(
                    title=s.title,
                    kind=s.kind,
                    start=s.start,
                    end=s.end,
                    characters=s.characters,
                    repeated_characters=s.repeated_characters,
                    ratio=_r(s.ratio),
                )
                for s in figures.per_section
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "total_copy_ratio": self.total_copy_ratio,
            "copy_ratio_excluding_quotes": self.copy_ratio_excluding_quotes,
            "copy_ratio_excluding_references": self.copy_ratio_excluding_references,
            "copy_ratio_excluding_own": self.copy_ratio_excluding_own,
            "max_single_source_ratio": self.max_single_source_ratio,
            "repeated_characters": self.repeated_characters,
            "total_characters": self.total_characters,
            "assessed_copy_ratio": self.assessed_copy_ratio,
            "assessed_characters": self.assessed_characters,
            "translated_copy_ratio": self.translated_copy_ratio,
            "translated_characters": self.translated_characters,
            "per_chapter": [c.to_json() for c in self.per_chapter],
        }

    @classmethod
    def from_json(cls, data: Any, path: str = "figures", characters: int = 0) -> ResultFigures:
        """`characters` (the thesis's) stands in for an absent `total_characters`."""
        r = _Reader(data, path)
        return cls(
            total_copy_ratio=r.fraction("total_copy_ratio"),
            copy_ratio_excluding_quotes=r.fraction("copy_ratio_excluding_quotes"),
            copy_ratio_excluding_references=r.fraction("copy_ratio_excluding_references"),
            copy_ratio_excluding_own=r.fraction("copy_ratio_excluding_own"),
            max_single_source_ratio=r.fraction("max_single_source_ratio"),
            repeated_characters=r.offset("repeated_characters"),
            total_characters=r.offset("total_characters", characters),
            assessed_copy_ratio=r.fraction("assessed_copy_ratio", None),
            assessed_characters=r.offset("assessed_characters", None),
            translated_copy_ratio=r.fraction("translated_copy_ratio", None),
            translated_characters=r.offset("translated_characters", None),
            per_chapter=r.items("per_chapter", ChapterFigure.from_json, ()),
        )


@dataclass(frozen=True)
class ResultSource:
    """A source as the result lists it: its description and what it covers of the thesis."""

    id: str
    title: str
    file: str
    characters: int
    share: float
    assessed_share: float | None  # None (like source_characters) when a result leaves it out
    source_characters: int | None
    authors: tuple[str, ...] = ()
    year: int | None = None
    type: str = ""
    institution: str = ""
    own_work: bool = False
    origin: str = "corpus"
    classes: Mapping[str, int] = field(default_factory=dict)
    excluded: str | None = None

    @property
    def batch(self) -> bool:
        """Another thesis of the same screening run."""
        return self.origin == "batch" or self.id.startswith("batch:")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "file": self.file,
            "characters": self.characters,
            "share": self.share,
            "assessed_share": self.assessed_share,
            "source_characters": self.source_characters,
            "authors": list(self.authors),
            "year": self.year,
            "type": self.type,
            "institution": self.institution,
            "own_work": self.own_work,
            "origin": self.origin,
            "classes": dict(self.classes),
            "excluded": self.excluded,
        }

    @classmethod
    def from_json(cls, data: Any, path: str) -> ResultSource:
        r = _Reader(data, path)
        return cls(
            id=r.text("id"),
            title=r.text("title"),
            file=r.text("file"),
            characters=r.offset("characters"),
            share=r.fraction("share"),
            assessed_share=r.fraction("assessed_share", None),
            source_characters=r.offset("source_characters", None),
            authors=_authors(r),
            year=r.optional_integer("year"),
            type=r.text("type", ""),
            institution=r.text("institution", ""),
            own_work=r.boolean("own_work", False),
            origin=r.text("origin", "corpus"),
            classes=r.counts("classes", {}),
            excluded=r.optional_text("excluded"),
        )


@dataclass(frozen=True)
class ScreeningResult:
    """The result of screening one thesis (docs/result-schema.md)."""

    created_at: str
    software: Mapping[str, str]
    thesis: ThesisInfo
    corpus: Mapping[str, Any]
    settings: Mapping[str, Any]
    figures: ResultFigures | None  # None when the thesis could not be screened
    flag: Flag
    sources: tuple[ResultSource, ...]
    passages: tuple[PassageRecord, ...]
    timings: Mapping[str, float] | None = None
    schema_version: str = SCHEMA_VERSION

    @property
    def thesis_id(self) -> str:
        """`thesis.metadata.thesis_id`, empty when the result carries none."""
        return self.thesis.metadata.get("thesis_id", "")

    def to_json(self) -> dict[str, Any]:
        """The result as `spotcheck screen` writes it."""
        out: dict[str, Any] = {
            "schema_version": self.schema_version,
            "created_at": self.created_at,
            "software": dict(self.software),
            "thesis": self.thesis.to_json(),
            "corpus": dict(self.corpus),
            "settings": dict(self.settings),
            "figures": None if self.figures is None else self.figures.to_json(),
            "flag": self.flag.to_json(),
            "sources": [s.to_json() for s in self.sources],
            "passages": [p.to_json() for p in self.passages],
        }
        if self.timings is not None:
            out["timings"] = dict(self.timings)
        return out

    @classmethod
    def from_json(cls, data: Any) -> ScreeningResult:
        """Reads a result dict; `ResultFormatError` names the first missing or bad field."""
        r = _Reader(data, "result")
        got = r.text("schema_version")
        if got != SCHEMA_VERSION:
            raise ResultFormatError(
                "schema_version",
                f"unsupported version {got!r} (this software reads {SCHEMA_VERSION!r})",
            )
        thesis = ThesisInfo.from_json(r.get("thesis"), "thesis")
        figures = r.get("figures", None)
        return cls(
            schema_version=got,
            created_at=r.text("created_at", ""),
            software=r.strings("software", {}),
            thesis=thesis,
            corpus=r.mapping("corpus", {}),
            settings=r.mapping("settings", {}),
            figures=None
            if figures is None
            else ResultFigures.from_json(figures, "figures", thesis.characters),
            flag=_flag(r.get("flag"), "flag"),
            sources=r.items("sources", ResultSource.from_json, ()),
            passages=r.items(
                "passages", lambda p, at: PassageRecord.from_json(p, at, thesis.page_starts), ()
            ),
            timings=r.numbers("timings") if r.get("timings", None) is not None else None,
        )


def is_result_json(data: object) -> bool:
    """Whether a JSON value claims to be a screening result (other JSON files are skipped)."""
    return isinstance(data, Mapping) and "schema_version" in data and "thesis" in data


def software() -> dict[str, str]:
    try:
        ver = version("spotcheck")
    except PackageNotFoundError:
        ver = "0+unknown"
    return {"name": "spotcheck", "version": ver}


def page_of(page_starts: Sequence[int], offset: int) -> int:
    """The 1-based page holding `offset` (1 without page starts)."""
    return max(bisect.bisect_right(page_starts, offset), 1)


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
) -> ScreeningResult:
    """The result of one thesis (figures None when the thesis could not be screened)."""
    base = ScreeningResult(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        software=software(),
        thesis=replace(thesis, characters=characters),
        corpus=dict(corpus),
        settings=dict(settings),
        figures=None if figures is None else ResultFigures.of(figures),
        flag=flag,
        sources=(),
        passages=(),
        timings={k: round(v, 4) for k, v in timings.items()} if timings else None,
    )
    if figures is None:
        return base
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
    listed = [
        ResultSource(
            id=s.id,
            title=s.title,
            file=s.file,
            characters=figures.source_characters.get(s.id, 0),
            share=_r(figures.share(s.id)),
            assessed_share=_r(figures.assessed_share(s.id)),
            source_characters=s.length,
            authors=tuple(s.authors),
            year=s.year,
            type=s.type,
            institution=s.institution,
            own_work=s.own_work,
            origin=s.origin,
            classes=classes[s.id],
            excluded=None if None in reasons[s.id] else sorted(r for r in reasons[s.id] if r)[0],
        )
        for s in sources
        if s.id in classes
    ]
    listed.sort(key=lambda s: (-s.share, -s.characters, s.id))
    records = sorted(passages, key=lambda p: (p.thesis_start, p.thesis_end, p.source_id))
    return replace(
        base,
        sources=tuple(listed),
        passages=tuple(replace(p, similarity=_r(p.similarity)) for p in records),
    )


def write_result(path: Path, result: ScreeningResult) -> Path:
    """Writes a result to `path` atomically, as `spotcheck screen` does."""
    return write_json_atomically(path, result.to_json())


def _section(data: Any, path: str) -> Section:
    r = _Reader(data, path)
    return Section(r.text("kind"), r.text("title", ""), r.offset("start"), r.offset("end"))


def _flag(data: Any, path: str) -> Flag:
    r = _Reader(data, path)
    level = r.choice("level", tuple(LEVEL_LABELS))
    r.text("label", "")
    return Flag(level=level, reasons=r.items("reasons", _text))


def _authors(r: _Reader) -> tuple[str, ...]:
    """A source's authors: a list of names (one string is read as one name)."""
    if isinstance(r.get("authors", None), str):
        return (r.text("authors"),)
    return r.items("authors", _text, ())


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise ResultFormatError(path, f"expected a string, got {_kind(value)}")
    return value


def _offset(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ResultFormatError(path, f"expected an integer, got {_kind(value)}")
    if value < 0:
        raise ResultFormatError(path, f"expected a non-negative integer, got {value}")
    return value


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return names.get(type(value), type(value).__name__)


_MISSING: Any = object()


class _Reader:
    """Typed reads of one JSON object's fields, each error naming the field's path.

    A field read without a `default` is required; with one, the default stands in for an
    absent field (fields the contract does not require), never for a wrong type.
    """

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ResultFormatError(path, f"expected an object, got {_kind(data)}")
        self.data = data
        self.path = path

    def at(self, name: str) -> str:
        return name if self.path == "result" else f"{self.path}.{name}"

    def get(self, name: str, default: Any = _MISSING) -> Any:
        value = self.data.get(name, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise ResultFormatError(self.at(name), "missing")
            return default
        return value

    def has(self, name: str) -> bool:
        return name in self.data

    def text(self, name: str, default: Any = _MISSING) -> str:
        if not self.has(name) and default is not _MISSING:
            return default  # type: ignore[no-any-return]
        return _text(self.get(name), self.at(name))

    def optional_text(self, name: str) -> str | None:
        value = self.get(name, None)
        return None if value is None else _text(value, self.at(name))

    def choice(self, name: str, allowed: Sequence[str]) -> str:
        value = self.text(name)
        if value not in allowed:
            raise ResultFormatError(self.at(name), f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def offset(self, name: str, default: Any = _MISSING) -> int:
        value = self.get(name, default)
        if value is None and default is None:
            return None  # type: ignore[return-value]
        if not self.has(name):
            return default  # type: ignore[no-any-return]
        return _offset(value, self.at(name))

    def integer(self, name: str, *, minimum: int) -> int:
        value = self.offset(name)
        if value < minimum:
            raise ResultFormatError(self.at(name), f"expected at least {minimum}, got {value}")
        return value

    def optional_integer(self, name: str) -> int | None:
        value = self.get(name, None)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ResultFormatError(self.at(name), f"expected an integer, got {_kind(value)}")
        return value

    def fraction(self, name: str, default: Any = _MISSING) -> float:
        value = self.get(name, default)
        if value is None and default is None:
            return None  # type: ignore[return-value]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ResultFormatError(self.at(name), f"expected a number, got {_kind(value)}")
        if not 0.0 <= value <= 1.0:
            raise ResultFormatError(
                self.at(name), f"expected a fraction within [0, 1], got {value}"
            )
        return float(value)

    def boolean(self, name: str, default: Any = _MISSING) -> bool:
        value = self.get(name, default)
        if not isinstance(value, bool):
            raise ResultFormatError(self.at(name), f"expected true or false, got {_kind(value)}")
        return value

    def mapping(self, name: str, default: Any = _MISSING) -> dict[str, Any]:
        value = self.get(name, default)
        if not isinstance(value, Mapping):
            raise ResultFormatError(self.at(name), f"expected an object, got {_kind(value)}")
        return dict(value)

    def strings(self, name: str, default: Any = _MISSING) -> dict[str, str]:
        items = self.mapping(name, default).items()
        return {k: _text(v, f"{self.at(name)}.{k}") for k, v in items}

    def counts(self, name: str, default: Any = _MISSING) -> dict[str, int]:
        items = self.mapping(name, default).items()
        return {k: _offset(v, f"{self.at(name)}.{k}") for k, v in items}

    def numbers(self, name: str) -> dict[str, float]:
        out = {}
        for k, v in self.mapping(name).items():
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ResultFormatError(
                    f"{self.at(name)}.{k}", f"expected a number, got {_kind(v)}"
                )
            out[k] = float(v)
        return out

    def items(
        self, name: str, read: Callable[[Any, str], T], default: Any = _MISSING
    ) -> tuple[T, ...]:
        value = self.get(name, default)
        if not isinstance(value, list | tuple):
            raise ResultFormatError(self.at(name), f"expected a list, got {_kind(value)}")
        return tuple(read(v, f"{self.at(name)}[{i}]") for i, v in enumerate(value))

    def span(self) -> tuple[int, int]:
        start, end = self.offset("start"), self.offset("end")
        if end < start:
            raise ResultFormatError(self.at("end"), f"{end} is before start {start}")
        return start, end
