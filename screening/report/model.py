"""The report model: everything a thesis report shows, computed from a screening result dict.

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

from screening.report import labels
from screening.report.blind import (
    MASK_CHAR,
    NameMasker,
    blind_identifier,
    institution_number,
    names_from_metadata,
)

MATCH_CLASSES: tuple[str, ...] = ("identical", "minor_changes", "paraphrase", "translated")
CONTRACT_FIGURES: tuple[str, ...] = (
    "total_copy_ratio",
    "copy_ratio_excluding_quotes",
    "copy_ratio_excluding_references",
    "copy_ratio_excluding_own",
    "max_single_source_ratio",
    "repeated_characters",
)


class ReportInputError(ValueError):
    """The result lacks a field the report needs, or a field holds an impossible value.

    The message starts with the field's path in the result, e.g. `passages[3].thesis_end`.
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


def _field(mapping: Mapping[str, Any], key: str, path: str) -> Any:
    if not isinstance(mapping, Mapping):
        raise ReportInputError(f"{path}: expected an object")
    if key not in mapping or mapping[key] is None:
        raise ReportInputError(f"{path}.{key}: missing")
    return mapping[key]


def _int(value: Any, path: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ReportInputError(f"{path}: expected a whole number, got {value!r}")
    if value < minimum:
        raise ReportInputError(f"{path}: must be at least {minimum}, got {value!r}")
    return int(value)


def _ratio(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ReportInputError(f"{path}: expected a fraction between 0 and 1, got {value!r}")
    return float(value)


def _optional_int(value: Any, path: str) -> int | None:
    return None if value is None else _int(value, path)


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
    result: Mapping[str, Any],
    *,
    blind: bool = False,
    names: Iterable[str] = (),
    generated_at: datetime | None = None,
) -> ThesisReport:
    """Reads and checks a screening result (docs/result-schema.md) and derives the report."""
    if not isinstance(result, Mapping):
        raise ReportInputError("result: expected a JSON object")
    thesis = _field(result, "thesis", "result")
    metadata = thesis.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise ReportInputError("thesis.metadata: expected an object")
    masker = NameMasker([*names, *_blind_names(result, metadata)]) if blind else NameMasker(())
    mask = masker.mask

    text = thesis.get("text")
    if text is not None and not isinstance(text, str):
        raise ReportInputError("thesis.text: expected a string")
    text = mask(text) if text else text
    if blind and text:
        text = _blank_identifying_sections(text, thesis.get("sections") or [])
    status = str(thesis.get("status") or "ok")
    figures_in = result.get("figures")
    screened = figures_in is not None or status in ("ok", "partial")
    figures_in = _field(result, "figures", "result") if screened else {}
    total = figures_in.get("total_characters", thesis.get("characters"))
    if total is None:
        raise ReportInputError("thesis.characters: missing")
    total = _int(total, "thesis.characters")
    text_length = len(text) if text else None

    page_starts = tuple(
        _int(v, f"thesis.page_starts[{i}]") for i, v in enumerate(thesis.get("page_starts") or [])
    )
    if any(b < a for a, b in zip(page_starts, page_starts[1:], strict=False)):
        raise ReportInputError("thesis.page_starts: offsets must be in ascending order")

    sections = _sections(thesis, text_length, mask)
    figures = _figures(figures_in, total, result.get("sources") or []) if screened else ()
    raw_sources, source_numbers = _sources(result, total, blind, mask)
    passages, extra_sources = _passages(
        result, source_numbers, len(raw_sources), text, text_length, page_starts, mask
    )
    sources = _with_counts(raw_sources + extra_sources, passages, total)
    chapters = _chapters(figures_in, sections, passages, text_length, mask)

    flag = _field(result, "flag", "result")
    level = str(_field(flag, "level", "flag"))
    reasons = tuple(mask(str(r)) for r in flag.get("reasons") or [])

    blind_id = blind_identifier(thesis)
    heading = blind_id if blind else mask(str(metadata.get("title") or thesis.get("file") or ""))
    identity = _identity(thesis, metadata, blind, blind_id, mask)
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
        settings=_settings(result.get("settings") or {}, mask),
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


def _status_note(thesis: Mapping[str, Any], status: str, mask: Any) -> str:
    reason = mask(str(thesis.get("reason") or ""))
    note = f"论文无法检测 The thesis could not be screened: {status}"
    return f"{note} — {reason}" if reason else note


# Sections a blind copy blanks whole: the cover and declarations carry the author's,
# supervisor's and institution's names (also when the metadata spells them differently),
# the acknowledgements thank people by name. Headings of the latter are kept.
BLANKED_SECTIONS: dict[str, bool] = {"cover": False, "declaration": True, "acknowledgements": True}


def _blank_identifying_sections(text: str, sections: Sequence[Any]) -> str:
    """`text` with the identifying sections masked character by character (same length)."""
    for section in sections:
        if not isinstance(section, Mapping) or section.get("kind") not in BLANKED_SECTIONS:
            continue
        start, end = section.get("start"), section.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end:
            continue
        end = min(end, len(text))
        body_start = start
        if BLANKED_SECTIONS[section["kind"]]:
            heading_end = text.find("\n", start, end)
            if 0 <= heading_end - start <= 20:
                body_start = heading_end + 1
        text = text[:body_start] + re.sub(r"\S", MASK_CHAR, text[body_start:end]) + text[end:]
    return text


def _blind_names(result: Mapping[str, Any], metadata: Mapping[str, Any]) -> list[str]:
    """Names a blind copy hides: the metadata's, plus the authors of the author's own works
    (co-authors from the same group identify the author as well as the author's name)."""
    found = names_from_metadata(metadata)
    for source in result.get("sources") or []:
        if isinstance(source, Mapping) and source.get("own_work"):
            authors = source.get("authors") or []
            found.extend([authors] if isinstance(authors, str) else [str(a) for a in authors])
    return found


def _identity(
    thesis: Mapping[str, Any],
    metadata: Mapping[str, Any],
    blind: bool,
    blind_id: str,
    mask: Any,
) -> tuple[tuple[str, str], ...]:
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
        if thesis.get("file"):
            rows.append(("文件 File", str(thesis["file"])))
    rows.append(("单位编号 Institution No.", institution_number(metadata)))
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
    if thesis.get("pages") is not None:
        rows.append(("页数 Pages", str(thesis["pages"])))
    if thesis.get("status") not in (None, "ok"):
        rows.append(("提取状态 Extraction status", str(thesis["status"])))
    return tuple(rows)


def _figures(figures: Mapping[str, Any], total: int, sources: Sequence[Any]) -> tuple[Figure, ...]:
    names = {
        "total_copy_ratio": "总文字复制比 Total copy ratio",
        "copy_ratio_excluding_quotes": "去除引用文献复制比 Excluding quotations",
        "copy_ratio_excluding_references": "去除参考文献复制比 Excluding bibliography",
        "copy_ratio_excluding_own": "去除本人文献复制比 Excluding author's own work",
        "max_single_source_ratio": "单篇最大文字复制比 Largest single source",
    }
    out: list[Figure] = []
    for key, name in names.items():
        value = _ratio(_field(figures, key, "figures"), f"figures.{key}")
        out.append(Figure(key, name, format_ratio(value), value))
        if key == "total_copy_ratio" and figures.get("assessed_copy_ratio") is not None:
            assessed = _ratio(figures["assessed_copy_ratio"], "figures.assessed_copy_ratio")
            out.append(
                Figure(
                    "assessed_copy_ratio",
                    "扣除全部排除项后复制比 Copy ratio after all exclusions",
                    format_ratio(assessed),
                    assessed,
                )
            )
        if key == "total_copy_ratio" and figures.get("translated_copy_ratio") is not None:
            translated = _ratio(figures["translated_copy_ratio"], "figures.translated_copy_ratio")
            out.append(
                Figure(
                    "translated_copy_ratio",
                    "跨语言文字复制比 Translated from another language",
                    format_ratio(translated),
                    translated,
                )
            )
    repeated = _int(
        _field(figures, "repeated_characters", "figures"), "figures.repeated_characters"
    )
    out.append(
        Figure(
            "repeated_characters", "重复字数 Repeated characters", format_count(repeated), repeated
        )
    )
    largest = max(
        (int(s.get("characters") or 0) for s in sources if isinstance(s, Mapping)), default=0
    )
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


def _sources(
    result: Mapping[str, Any], total: int, blind: bool, mask: Any
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    raw = result.get("sources") or []
    if not isinstance(raw, list):
        raise ReportInputError("sources: expected a list")
    items: list[tuple[float, int, Mapping[str, Any]]] = []
    for i, source in enumerate(raw):
        path = f"sources[{i}]"
        share = _ratio(_field(source, "share", path), f"{path}.share")
        items.append((share, i, source))
    items.sort(key=lambda item: (-item[0], item[1]))
    out: list[dict[str, Any]] = []
    numbers: dict[str, int] = {}
    for share, i, source in items:
        path = f"sources[{i}]"
        sid = str(_field(source, "id", path))
        if sid in numbers:
            raise ReportInputError(f"{path}.id: duplicate source id {sid!r}")
        numbers[sid] = len(out) + 1
        own = bool(source.get("own_work"))
        out.append(
            {
                "number": numbers[sid],
                "id": sid,
                "source": source,
                "own": own,
                "share": share,
                "characters": _int(source.get("characters") or 0, f"{path}.characters"),
                "title": _source_title(source, own, blind, mask),
                "detail": _source_detail(source, own, blind, mask),
                "file": "" if blind and own else mask(str(source.get("file") or "")),
            }
        )
    return out, numbers


def _source_title(source: Mapping[str, Any], own: bool, blind: bool, mask: Any) -> str:
    if blind and own:
        return labels.OWN_WORK
    title = str(source.get("title") or source.get("file") or source.get("id") or "")
    return mask(title) or labels.UNKNOWN_SOURCE


def _source_detail(source: Mapping[str, Any], own: bool, blind: bool, mask: Any) -> str:
    parts: list[str] = []
    if not (blind and own):
        authors = source.get("authors") or []
        if isinstance(authors, str):
            authors = [authors]
        if authors:
            parts.append(mask("、".join(str(a) for a in authors)))
    if source.get("year"):
        parts.append(str(source["year"]))
    if source.get("type"):
        parts.append(str(source["type"]))
    return mask(" · ".join(parts))


def _passages(
    result: Mapping[str, Any],
    numbers: dict[str, int],
    known_sources: int,
    text: str | None,
    text_length: int | None,
    page_starts: Sequence[int],
    mask: Any,
) -> tuple[list[PassageEntry], list[dict[str, Any]]]:
    raw = result.get("passages") or []
    if not isinstance(raw, list):
        raise ReportInputError("passages: expected a list")
    extra: list[dict[str, Any]] = []
    checked: list[tuple[int, int, int, Mapping[str, Any]]] = []
    for i, passage in enumerate(raw):
        path = f"passages[{i}]"
        start = _int(_field(passage, "thesis_start", path), f"{path}.thesis_start")
        end = _int(_field(passage, "thesis_end", path), f"{path}.thesis_end")
        if end < start:
            raise ReportInputError(f"{path}.thesis_end: {end} is before thesis_start {start}")
        if text_length is not None and end > text_length:
            raise ReportInputError(
                f"{path}.thesis_end: {end} is beyond the thesis text ({text_length} characters)"
            )
        match_class = str(_field(passage, "class", path))
        if match_class not in MATCH_CLASSES:
            raise ReportInputError(
                f"{path}.class: {match_class!r} is not one of {', '.join(MATCH_CLASSES)}"
            )
        sid = str(_field(passage, "source_id", path))
        if sid not in numbers:
            numbers[sid] = known_sources + len(extra) + 1
            extra.append(
                {
                    "number": numbers[sid],
                    "id": sid,
                    "source": {},
                    "own": False,
                    "share": None,
                    "characters": None,
                    "title": mask(sid) or labels.UNKNOWN_SOURCE,
                    "detail": labels.UNKNOWN_SOURCE,
                    "file": "",
                }
            )
        checked.append((numbers[sid], start, i, passage))
    checked.sort(key=lambda item: (item[0], item[1], item[2]))
    seq: Counter[int] = Counter()
    out: list[PassageEntry] = []
    for number, start, i, passage in checked:
        path = f"passages[{i}]"
        seq[number] += 1
        end = int(passage["thesis_end"])
        excluded = passage.get("excluded")
        excluded = None if excluded in (None, "", False) else str(excluded)
        match_class = str(passage["class"])
        display = (
            match_class if excluded is None else "quote" if excluded == "quote" else "excluded"
        )
        similarity = passage.get("similarity")
        if similarity is not None:
            similarity = _ratio(similarity, f"{path}.similarity")
        page = passage.get("page")
        page = (
            _int(page, f"{path}.page", minimum=1)
            if page is not None
            else _page_of(page_starts, start)
        )
        source_text = passage.get("source_text")
        out.append(
            PassageEntry(
                label=f"{number}-{seq[number]}",
                source_number=number,
                thesis_start=start,
                thesis_end=end,
                page=page,
                page_end=_page_of(page_starts, max(end - 1, start)),
                source_start=_optional_int(passage.get("source_start"), f"{path}.source_start"),
                source_end=_optional_int(passage.get("source_end"), f"{path}.source_end"),
                match_class=match_class,
                display_class=display,
                similarity=similarity,
                excluded=excluded,
                thesis_text=text[start:end] if text else "",
                source_text=mask(str(source_text)) if source_text else None,
                source_language=str(passage["source_language"])
                if passage.get("source_language")
                else None,
            )
        )
    return out, extra


def _with_counts(
    sources: list[dict[str, Any]], passages: Sequence[PassageEntry], total: int
) -> list[SourceEntry]:
    by_source: dict[int, list[PassageEntry]] = {}
    for p in passages:
        by_source.setdefault(p.source_number, []).append(p)
    out: list[SourceEntry] = []
    for s in sources:
        mine = by_source.get(s["number"], [])
        given = s["source"].get("classes")
        if isinstance(given, Mapping):
            classes = {c: int(given.get(c) or 0) for c in MATCH_CLASSES}
        else:
            counted = Counter(p.match_class for p in mine)
            classes = {c: counted[c] for c in MATCH_CLASSES}
        characters = s["characters"]
        if characters is None:
            spans = [(p.thesis_start, p.thesis_end) for p in mine if p.counted]
            end = max((e for _, e in spans), default=0)
            characters = int(covered_counts(end, spans)[-1]) if spans else 0
        share = s["share"] if s["share"] is not None else (characters / total if total else 0.0)
        out.append(
            SourceEntry(
                number=s["number"],
                id=s["id"],
                title=s["title"],
                detail=s["detail"],
                file=s["file"],
                origin=labels.label(labels.SOURCE_ORIGINS, s["source"].get("origin") or "corpus"),
                own_work=s["own"],
                characters=characters,
                share=share,
                classes=classes,
                passages=len(mine),
            )
        )
    return out


def _sections(thesis: Mapping[str, Any], text_length: int | None, mask: Any) -> tuple[Section, ...]:
    out: list[Section] = []
    for i, section in enumerate(thesis.get("sections") or []):
        path = f"thesis.sections[{i}]"
        start = _int(_field(section, "start", path), f"{path}.start")
        end = _int(_field(section, "end", path), f"{path}.end")
        if end < start or (text_length is not None and end > text_length):
            raise ReportInputError(f"{path}: span {start}–{end} is outside the thesis text")
        out.append(
            Section(
                title=mask(str(section.get("title") or "")),
                kind=str(section.get("kind") or "other"),
                start=start,
                end=end,
            )
        )
    return tuple(out)


def _chapters(
    figures: Mapping[str, Any],
    sections: Sequence[Section],
    passages: Sequence[PassageEntry],
    text_length: int | None,
    mask: Any,
) -> tuple[ChapterEntry, ...]:
    given = figures.get("per_chapter")
    if isinstance(given, list) and given:
        out = []
        for i, row in enumerate(given):
            path = f"figures.per_chapter[{i}]"
            out.append(
                ChapterEntry(
                    title=mask(str(row.get("title") or "")),
                    kind=labels.label(labels.SECTION_KINDS, row.get("kind") or "chapter"),
                    start=_optional_int(row.get("start"), f"{path}.start"),
                    characters=_int(row.get("characters") or 0, f"{path}.characters"),
                    repeated_characters=_int(
                        row.get("repeated_characters") or 0, f"{path}.repeated_characters"
                    ),
                    ratio=_ratio(row.get("ratio") or 0.0, f"{path}.ratio"),
                )
            )
        return tuple(out)
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
    if not isinstance(settings, Mapping):
        raise ReportInputError("settings: expected an object")
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
    result: Mapping[str, Any], blind: bool, mask: Any, generated_at: str
) -> tuple[tuple[str, str], ...]:
    rows: list[tuple[str, str]] = []
    corpus = result.get("corpus") or {}
    if isinstance(corpus, Mapping):
        if corpus.get("snapshot"):
            rows.append(("比对库快照 Corpus snapshot", mask(str(corpus["snapshot"]))))
        if corpus.get("documents") is not None:
            rows.append(("比对库文献数 Corpus documents", format_count(int(corpus["documents"]))))
        if corpus.get("characters") is not None:
            rows.append(("比对库字数 Corpus characters", format_count(int(corpus["characters"]))))
        if corpus.get("path") and not blind:
            rows.append(("比对库位置 Corpus path", str(corpus["path"])))
    software = result.get("software") or {}
    if isinstance(software, Mapping) and software:
        name = f"{software.get('name') or ''} {software.get('version') or ''}".strip()
        rows.append(("软件版本 Software", name))
    if result.get("schema_version"):
        rows.append(("结果格式 Result schema", str(result["schema_version"])))
    if result.get("created_at"):
        rows.append(("检测时间 Screened at", str(result["created_at"])))
    rows.append(("报告生成时间 Report generated at", generated_at))
    if not blind and (result.get("thesis") or {}).get("sha256"):
        rows.append(("文件指纹 File SHA-256", str(result["thesis"]["sha256"])))
    return tuple(rows)
