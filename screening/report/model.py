"""The report model: everything a thesis report shows, computed from a screening result.

The model is plain data (no HTML). In blind mode every string that could carry a name has
already been masked here, so the templates cannot leak what the model does not hold.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from corpora.blind import (
    MASK,
    NameMasker,
    anonymise_batch_sources,
    blinding_key,
    institution_number,
    names_from_metadata,
    thesis_key,
)
from corpora.blind import blind_id as keyed_blind_id
from screening.report import labels
from screening.result import (
    MATCH_CLASSES,
    PassageRecord,
    ResultFigures,
    ResultFormatError,
    ResultSource,
    ScreeningResult,
    ThesisInfo,
)


class ReportInputError(ResultFormatError):
    """The result holds a value the report cannot show (an offset beyond the thesis text…).

    Like every `ResultFormatError`, it names the field: `passages[3].thesis_end`.
    """


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    text: str
    value: float | int | None


@dataclass(frozen=True)
class SourceEntry:
    number: int
    id: str
    title: str
    detail: str
    file: str
    origin: str
    own_work: bool
    characters: int
    share: float
    classes: Mapping[str, int]
    passages: int


@dataclass(frozen=True)
class PassageEntry:
    label: str
    source_number: int
    thesis_start: int
    thesis_end: int
    page: int | None
    page_end: int | None
    source_start: int | None
    source_end: int | None
    match_class: str
    display_class: str
    similarity: float | None
    excluded: str | None
    thesis_text: str
    source_text: str | None
    source_language: str | None = None  # class "translated": the source passage's language

    @property
    def counted(self) -> bool:
        return self.excluded is None


@dataclass(frozen=True)
class ChapterEntry:
    title: str
    kind: str
    start: int | None
    characters: int
    repeated_characters: int
    ratio: float


@dataclass(frozen=True)
class Section:
    title: str
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class ThesisReport:
    blind: bool
    heading: str
    blind_id: str
    identity: tuple[tuple[str, str], ...]
    figures: tuple[Figure, ...]
    total_characters: int
    flag_level: str
    flag_label: str
    flag_reasons: tuple[str, ...]
    settings: tuple[tuple[str, str], ...]
    exclusions: tuple[tuple[str, int, int], ...]
    provenance: tuple[tuple[str, str], ...]
    sources: tuple[SourceEntry, ...]
    passages: tuple[PassageEntry, ...]
    chapters: tuple[ChapterEntry, ...]
    text: str | None
    page_starts: tuple[int, ...]
    sections: tuple[Section, ...]
    generated_at: str
    masked_names: tuple[str, ...] = field(default=(), repr=False)
    screened: bool = True
    status_note: str | None = None

    def passages_of(self, source_number: int) -> list[PassageEntry]:
        return [p for p in self.passages if p.source_number == source_number]


def format_ratio(value: float | None) -> str:
    return labels.NOT_AVAILABLE if value is None else f"{value * 100:.1f}%"


def format_count(value: int | None) -> str:
    return labels.NOT_AVAILABLE if value is None else f"{value:,}"


def _format_setting(value: Any) -> str:
    if isinstance(value, bool):
        return "是 Yes" if value else "否 No"
    if value is None:
        return labels.NOT_AVAILABLE
    if isinstance(value, Mapping):
        return "; ".join(f"{k} = {_format_setting(v)}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(_format_setting(v) for v in value) or "无 None"
    return str(value)


def _page_of(page_starts: Sequence[int], offset: int) -> int | None:
    if not page_starts:
        return None
    return max(bisect.bisect_right(page_starts, offset), 1)


def covered_counts(length: int, spans: Iterable[tuple[int, int]]) -> np.ndarray:
    """Prefix sums of covered characters: `result[i]` = covered characters in text[:i]."""
    delta = np.zeros(length + 1, dtype=np.int64)
    starts, ends = [], []
    for start, end in spans:
        if end > start:
            starts.append(start)
            ends.append(end)
    if starts:
        np.add.at(delta, np.asarray(starts), 1)
        np.add.at(delta, np.asarray(ends), -1)
    covered = np.cumsum(delta[:length]) > 0
    prefix = np.zeros(length + 1, dtype=np.int64)
    np.cumsum(covered, out=prefix[1:])
    return prefix


def build_report(
    result: ScreeningResult | Mapping[str, Any],
    *,
    blind: bool = False,
    names: Iterable[str] = (),
    generated_at: datetime | None = None,
    key: bytes | None = None,
    blind_id: str | None = None,
) -> ThesisReport:
    """Derives the report of a screening result (a result dict is read with
    `ScreeningResult.from_json`; a bad field raises `ResultFormatError` naming it).

    `key` (see `corpora.blind.blinding_key`) keys the blind id and the institution number;
    `blind_id` overrides the blind id where the caller already has one (a review cycle's).
    Blind reports also anonymise same-batch sources.
    """
    if not isinstance(result, ScreeningResult):
        result = ScreeningResult.from_json(result)
    key = key if key is not None else blinding_key(None)
    if blind:
        result = anonymise_batch_sources(result)
    thesis = result.thesis
    metadata = thesis.metadata
    masker = NameMasker([*names, *_blind_names(result, metadata)]) if blind else NameMasker(())
    mask = masker.mask

    text: str | None = mask(thesis.text) if thesis.text else None
    if blind and text:
        text = _blank_identifying_sections(text, thesis)
    status = thesis.status
    screened = result.figures is not None or thesis.screened
    if screened and result.figures is None:
        raise ReportInputError("figures", "missing")
    total = result.figures.total_characters if result.figures is not None else thesis.characters
    text_length = len(text) if text else None

    page_starts = thesis.page_starts
    if any(b < a for a, b in zip(page_starts, page_starts[1:], strict=False)):
        raise ReportInputError("thesis.page_starts", "offsets must be in ascending order")

    sections = _sections(thesis, text_length, mask)
    figures = _figures(result.figures, total, result.sources) if result.figures else ()
    raw_sources, source_numbers = _sources(result.sources, blind, mask)
    passages, extra_sources = _passages(
        result.passages, source_numbers, len(raw_sources), text, text_length, page_starts, mask
    )
    sources = _with_counts(raw_sources + extra_sources, passages, total)
    chapters = _chapters(result.figures, sections, passages, text_length, mask)

    level = result.flag.level
    reasons = tuple(mask(r) for r in result.flag.reasons)

    blind_id = blind_id or keyed_blind_id(key, thesis_key(thesis))
    heading = blind_id if blind else mask(str(metadata.get("title") or thesis.file or ""))
    identity = _identity(thesis, blind, blind_id, mask, key)
    exclusions = _exclusions(passages)
    when = (generated_at or datetime.now(UTC)).isoformat(timespec="seconds")
    return ThesisReport(
        blind=blind,
        heading=heading or blind_id,
        blind_id=blind_id,
        identity=identity,
        figures=figures,
        total_characters=total,
        flag_level=level,
        flag_label=labels.label(labels.FLAG_LEVELS, level),
        flag_reasons=reasons,
        settings=_settings(result.settings, mask),
        exclusions=exclusions,
        provenance=_provenance(result, blind, mask, when),
        sources=tuple(sources),
        passages=tuple(sorted(passages, key=lambda p: (p.source_number, p.thesis_start))),
        chapters=chapters,
        text=text,
        page_starts=page_starts,
        sections=sections,
        generated_at=when,
        masked_names=masker.names,
        screened=screened,
        status_note=None if screened else _status_note(thesis, status, mask),
    )


def _status_note(thesis: ThesisInfo, status: str, mask: Any) -> str:
    reason = mask(thesis.reason or "")
    note = f"论文无法检测 The thesis could not be screened: {status}"
    return f"{note} — {reason}" if reason else note


# Sections a blind copy blanks whole: the cover and declarations carry the author's,
# supervisor's and institution's names (also when the metadata spells them differently),
# the acknowledgements thank people by name. Headings of the latter are kept.
BLANKED_SECTIONS: dict[str, bool] = {"cover": False, "declaration": True, "acknowledgements": True}


def _blank_identifying_sections(text: str, thesis: ThesisInfo) -> str:
    """`text` with the identifying sections masked character by character (same length)."""
    for section in thesis.sections:
        if section.kind not in BLANKED_SECTIONS or not section.start < section.end:
            continue
        start, end = section.start, min(section.end, len(text))
        body_start = start
        if BLANKED_SECTIONS[section.kind]:
            heading_end = text.find("\n", start, end)
            if 0 <= heading_end - start <= 20:
                body_start = heading_end + 1
        text = text[:body_start] + re.sub(r"\S", MASK, text[body_start:end]) + text[end:]
    return text


def _blind_names(result: ScreeningResult, metadata: Mapping[str, Any]) -> list[str]:
    """Names a blind copy hides: the metadata's, plus the authors of the author's own works
    (co-authors from the same group identify the author as well as the author's name)."""
    found = names_from_metadata(metadata)
    for source in result.sources:
        if source.own_work:
            found.extend(source.authors)
    return found


def _identity(
    thesis: ThesisInfo,
    blind: bool,
    blind_id: str,
    mask: Any,
    blinding: bytes,
) -> tuple[tuple[str, str], ...]:
    metadata = thesis.metadata
    rows: list[tuple[str, str]] = []
    if blind:
        rows.append(("盲审编号 Blind ID", blind_id))
        if metadata.get("title"):
            rows.append(("论文题目 Title", mask(str(metadata["title"]))))
    else:
        for key, name in (
            ("thesis_id", "论文编号 Thesis ID"),
            ("title", "论文题目 Title"),
            ("author", "作者 Author"),
            ("supervisor", "导师 Supervisor"),
            ("institution", "学位授予单位 Institution"),
        ):
            if metadata.get(key):
                rows.append((name, str(metadata[key])))
        if thesis.file:
            rows.append(("文件 File", thesis.file))
    rows.append(("单位编号 Institution No.", institution_number(metadata, blinding)))
    discipline = str(metadata.get("discipline_code") or "")
    if metadata.get("discipline_name"):
        discipline = f"{discipline} {metadata['discipline_name']}".strip()
    rows.append(("学科 Discipline", discipline or labels.NOT_AVAILABLE))
    rows.append(
        ("学位级别 Degree level", labels.label(labels.DEGREE_LEVELS, metadata.get("degree_level")))
    )
    rows.append(
        ("学位类型 Degree type", labels.label(labels.DEGREE_TYPES, metadata.get("degree_type")))
    )
    rows.append(("页数 Pages", str(thesis.pages)))
    if thesis.status != "ok":
        rows.append(("提取状态 Extraction status", thesis.status))
    return tuple(rows)


FIGURE_NAMES = {
    "total_copy_ratio": "总文字复制比 Total copy ratio",
    "copy_ratio_excluding_quotes": "去除引用文献复制比 Excluding quotations",
    "copy_ratio_excluding_references": "去除参考文献复制比 Excluding bibliography",
    "copy_ratio_excluding_own": "去除本人文献复制比 Excluding author's own work",
    "max_single_source_ratio": "单篇最大文字复制比 Largest single source",
}


def _figures(
    figures: ResultFigures, total: int, sources: Sequence[ResultSource]
) -> tuple[Figure, ...]:
    out: list[Figure] = []
    for key, name in FIGURE_NAMES.items():
        value = float(getattr(figures, key))
        out.append(Figure(key, name, format_ratio(value), value))
        if key == "total_copy_ratio" and figures.assessed_copy_ratio is not None:
            assessed = figures.assessed_copy_ratio
            out.append(
                Figure(
                    "assessed_copy_ratio",
                    "扣除全部排除项后复制比 Copy ratio after all exclusions",
                    format_ratio(assessed),
                    assessed,
                )
            )
        if key == "total_copy_ratio" and figures.translated_copy_ratio is not None:
            translated = figures.translated_copy_ratio
            out.append(
                Figure(
                    "translated_copy_ratio",
                    "跨语言文字复制比 Translated from another language",
                    format_ratio(translated),
                    translated,
                )
            )
    repeated = figures.repeated_characters
    out.append(
        Figure(
            "repeated_characters", "重复字数 Repeated characters", format_count(repeated), repeated
        )
    )
    largest = max((s.characters for s in sources), default=0)
    out.append(
        Figure(
            "max_single_source_characters",
            "单篇最大重复字数 Largest single-source characters",
            format_count(largest),
            largest,
        )
    )
    out.append(Figure("total_characters", "总字数 Total characters", format_count(total), total))
    return tuple(out)


@dataclass(frozen=True)
class _Listed:
    """A source numbered for the report (`source` None for one only passages name)."""

    number: int
    id: str
    source: ResultSource | None
    own: bool
    share: float | None
    characters: int | None
    title: str
    detail: str
    file: str


def _sources(
    sources: Sequence[ResultSource], blind: bool, mask: Any
) -> tuple[list[_Listed], dict[str, int]]:
    order = sorted(range(len(sources)), key=lambda i: (-sources[i].share, i))
    out: list[_Listed] = []
    numbers: dict[str, int] = {}
    for i in order:
        source = sources[i]
        if source.id in numbers:
            raise ReportInputError(f"sources[{i}].id", f"duplicate source id {source.id!r}")
        numbers[source.id] = len(out) + 1
        own = source.own_work
        out.append(
            _Listed(
                number=numbers[source.id],
                id=source.id,
                source=source,
                own=own,
                share=source.share,
                characters=source.characters,
                title=_source_title(source, own, blind, mask),
                detail=_source_detail(source, own, blind, mask),
                file="" if blind and own else mask(source.file),
            )
        )
    return out, numbers


def _source_title(source: ResultSource, own: bool, blind: bool, mask: Any) -> str:
    if blind and own:
        return labels.OWN_WORK
    return mask(source.title or source.file or source.id) or labels.UNKNOWN_SOURCE


def _source_detail(source: ResultSource, own: bool, blind: bool, mask: Any) -> str:
    parts: list[str] = []
    if not (blind and own) and source.authors:
        parts.append(mask("、".join(source.authors)))
    if source.year:
        parts.append(str(source.year))
    if source.type:
        parts.append(source.type)
    return mask(" · ".join(parts))


def _passages(
    raw: Sequence[PassageRecord],
    numbers: dict[str, int],
    known_sources: int,
    text: str | None,
    text_length: int | None,
    page_starts: Sequence[int],
    mask: Any,
) -> tuple[list[PassageEntry], list[_Listed]]:
    extra: list[_Listed] = []
    checked: list[tuple[int, int, PassageRecord]] = []
    for i, passage in enumerate(raw):
        if text_length is not None and passage.thesis_end > text_length:
            raise ReportInputError(
                f"passages[{i}].thesis_end",
                f"{passage.thesis_end} is beyond the thesis text ({text_length} characters)",
            )
        sid = passage.source_id
        if sid not in numbers:
            numbers[sid] = known_sources + len(extra) + 1
            extra.append(
                _Listed(
                    number=numbers[sid],
                    id=sid,
                    source=None,
                    own=False,
                    share=None,
                    characters=None,
                    title=mask(sid) or labels.UNKNOWN_SOURCE,
                    detail=labels.UNKNOWN_SOURCE,
                    file="",
                )
            )
        checked.append((numbers[sid], i, passage))
    checked.sort(key=lambda item: (item[0], item[2].thesis_start, item[1]))
    seq: Counter[int] = Counter()
    out: list[PassageEntry] = []
    for number, _, passage in checked:
        seq[number] += 1
        start, end = passage.thesis_start, passage.thesis_end
        excluded = passage.excluded or None
        match_class = passage.match_class
        display = (
            match_class if excluded is None else "quote" if excluded == "quote" else "excluded"
        )
        out.append(
            PassageEntry(
                label=f"{number}-{seq[number]}",
                source_number=number,
                thesis_start=start,
                thesis_end=end,
                page=passage.page,
                page_end=_page_of(page_starts, max(end - 1, start)),
                source_start=passage.source_start,
                source_end=passage.source_end,
                match_class=match_class,
                display_class=display,
                similarity=passage.similarity,
                excluded=excluded,
                thesis_text=text[start:end] if text else "",
                source_text=mask(passage.source_text) if passage.source_text else None,
                source_language=passage.source_language or None,
            )
        )
    return out, extra


def _with_counts(
    sources: list[_Listed], passages: Sequence[PassageEntry], total: int
) -> list[SourceEntry]:
    by_source: dict[int, list[PassageEntry]] = {}
    for p in passages:
        by_source.setdefault(p.source_number, []).append(p)
    out: list[SourceEntry] = []
    for s in sources:
        mine = by_source.get(s.number, [])
        given = s.source.classes if s.source is not None else {}
        if given:
            classes = {c: int(given.get(c) or 0) for c in MATCH_CLASSES}
        else:
            counted = Counter(p.match_class for p in mine)
            classes = {c: counted[c] for c in MATCH_CLASSES}
        characters = s.characters
        if characters is None:
            spans = [(p.thesis_start, p.thesis_end) for p in mine if p.counted]
            end = max((e for _, e in spans), default=0)
            characters = int(covered_counts(end, spans)[-1]) if spans else 0
        share = s.share if s.share is not None else (characters / total if total else 0.0)
        origin = s.source.origin if s.source is not None else "corpus"
        out.append(
            SourceEntry(
                number=s.number,
                id=s.id,
                title=s.title,
                detail=s.detail,
                file=s.file,
                origin=labels.label(labels.SOURCE_ORIGINS, origin or "corpus"),
                own_work=s.own,
                characters=characters,
                share=share,
                classes=classes,
                passages=len(mine),
            )
        )
    return out


def _sections(thesis: ThesisInfo, text_length: int | None, mask: Any) -> tuple[Section, ...]:
    out: list[Section] = []
    for i, section in enumerate(thesis.sections):
        start, end = section.start, section.end
        if end < start or (text_length is not None and end > text_length):
            raise ReportInputError(
                f"thesis.sections[{i}]", f"span {start}–{end} is outside the thesis text"
            )
        out.append(
            Section(title=mask(section.title), kind=section.kind or "other", start=start, end=end)
        )
    return tuple(out)


def _chapters(
    figures: ResultFigures | None,
    sections: Sequence[Section],
    passages: Sequence[PassageEntry],
    text_length: int | None,
    mask: Any,
) -> tuple[ChapterEntry, ...]:
    if figures is not None and figures.per_chapter:
        return tuple(
            ChapterEntry(
                title=mask(row.title),
                kind=labels.label(labels.SECTION_KINDS, row.kind or "chapter"),
                start=row.start,
                characters=row.characters,
                repeated_characters=row.repeated_characters,
                ratio=row.ratio,
            )
            for row in figures.per_chapter
        )
    if not sections:
        return ()
    length = text_length if text_length is not None else max(s.end for s in sections)
    prefix = covered_counts(length, [(p.thesis_start, p.thesis_end) for p in passages if p.counted])
    out = []
    for s in sections:
        if s.kind not in ("chapter", "abstract_zh", "abstract_en", "appendix"):
            continue
        characters = s.end - s.start
        repeated = int(prefix[min(s.end, length)] - prefix[min(s.start, length)])
        out.append(
            ChapterEntry(
                title=s.title,
                kind=labels.label(labels.SECTION_KINDS, s.kind),
                start=s.start,
                characters=characters,
                repeated_characters=repeated,
                ratio=repeated / characters if characters else 0.0,
            )
        )
    return tuple(out)


def _settings(settings: Mapping[str, Any], mask: Any) -> tuple[tuple[str, str], ...]:
    rows: list[tuple[str, str]] = []
    for key, value in settings.items():
        if key == "policy" and isinstance(value, Mapping):
            for rule, threshold in value.items():
                name = f"{labels.SETTINGS['policy']} · {labels.label(labels.POLICY, rule)}"
                rows.append((name, _format_threshold(rule, threshold)))
            continue
        rows.append((labels.label(labels.SETTINGS, key), mask(_format_setting(value))))
    return tuple(rows)


def _format_threshold(rule: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _format_setting(value)
    if "characters" in rule:
        return format_count(int(value))
    return format_ratio(float(value)) if 0 <= value <= 1 else str(value)


def _exclusions(passages: Sequence[PassageEntry]) -> tuple[tuple[str, int, int], ...]:
    counts: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    for p in passages:
        if p.excluded is not None:
            counts[p.excluded] += 1
            chars[p.excluded] += p.thesis_end - p.thesis_start
    return tuple(
        (labels.label(labels.EXCLUSION_REASONS, reason), counts[reason], chars[reason])
        for reason in sorted(counts)
    )


def _provenance(
    result: ScreeningResult, blind: bool, mask: Any, generated_at: str
) -> tuple[tuple[str, str], ...]:
    rows: list[tuple[str, str]] = []
    corpus = result.corpus
    if corpus.get("snapshot"):
        rows.append(("比对库快照 Corpus snapshot", mask(str(corpus["snapshot"]))))
    if corpus.get("documents") is not None:
        rows.append(("比对库文献数 Corpus documents", format_count(int(corpus["documents"]))))
    if corpus.get("characters") is not None:
        rows.append(("比对库字数 Corpus characters", format_count(int(corpus["characters"]))))
    if corpus.get("path") and not blind:
        rows.append(("比对库位置 Corpus path", str(corpus["path"])))
    software = result.software
    if software:
        name = f"{software.get('name') or ''} {software.get('version') or ''}".strip()
        rows.append(("软件版本 Software", name))
    rows.append(("结果格式 Result schema", result.schema_version))
    if result.created_at:
        rows.append(("检测时间 Screened at", result.created_at))
    rows.append(("报告生成时间 Report generated at", generated_at))
    if not blind and result.thesis.sha256:
        rows.append(("文件指纹 File SHA-256", result.thesis.sha256))
    return tuple(rows)
