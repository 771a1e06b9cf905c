"""Assessment stage: a thesis's matches in, its result out.

classify each passage's exclusion → drop sources too small to count → own work →
figures → flag → result (docs/result-schema.md). A thesis that could not be
extracted gets a result with its status and a `needs_review` flag.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from corpora.structure import Section
from screening.document_fields import document_field
from screening.intake import ThesisWork
from screening.measure import (
    Figures,
    Match,
    Regions,
    classify_exclusion,
    compute_figures,
    small_sources,
    span_mask,
)
from screening.policy import Evidence, Flag, assess
from screening.result import (
    PassageRecord,
    ScreeningResult,
    SourceInfo,
    ThesisInfo,
    build_result,
    page_of,
)
from screening.settings import ScreenSettings

_NAME_STRIP = re.compile(r"[\s·•\.\-]")
_TITLE_STRIP = re.compile(r"[\W_]+")


def finish_thesis(
    th: ThesisWork,
    cfg: ScreenSettings,
    corpus_info: Mapping[str, Any],
    source_infos: Mapping[str, SourceInfo],
    excluded_ids: frozenset[str],
) -> ScreeningResult:
    """The result of one thesis from its matches (`source_infos` describes every source)."""
    info = thesis_info(th)
    if not th.screenable or th.regions is None:
        return unscreenable_result(th, info, cfg, corpus_info)
    t0 = time.perf_counter()
    regions = th.regions
    sections = list(document_field(th.doc, "sections", ()) or ())
    used = {sid for sid, _, _, _ in th.matches}
    infos = {sid: source_infos[sid] for sid in used if sid in source_infos}
    own = own_sources(th, infos, sections) if cfg.exclude_own else frozenset()
    infos = {sid: (replace(i, own_work=True) if sid in own else i) for sid, i in infos.items()}
    matches, records = classify_passages(th, regions, cfg, excluded_ids, info.page_starts)
    matches, records = drop_small_sources(regions, matches, records, cfg.min_source_share)
    figures = compute_figures(
        regions,
        matches,
        own_sources=own,
        exclude_quotes=cfg.exclude_quotes,
        exclude_references=cfg.exclude_references,
        exclude_own=cfg.exclude_own,
        sections=[(s.kind, s.title, s.start, s.end) for s in sections],
    )
    flag = flag_thesis(th, cfg, figures, infos, records, own)
    th.timings["measure"] = time.perf_counter() - t0
    return build_result(
        thesis=info,
        characters=figures.total_characters,
        corpus=corpus_info,
        settings=cfg.to_json(),
        figures=figures,
        flag=flag,
        sources=list(infos.values()),
        passages=records,
        timings=th.timings,
    )


def unscreenable_result(
    th: ThesisWork, info: ThesisInfo, cfg: ScreenSettings, corpus_info: Mapping[str, Any]
) -> ScreeningResult:
    """The result of a thesis without text: its status, no figures, a `needs_review` flag."""
    status = th.doc.status if th.doc.status not in ("ok", "partial") else "not_extractable"
    reason = document_field(th.doc, "reason") or "no text could be extracted"
    flag = assess(Evidence(status, 0.0, 0.0, "", 0.0, "", (), 0, status_reason=reason), cfg.policy)
    return build_result(
        thesis=info,
        characters=0,
        corpus=corpus_info,
        settings=cfg.to_json(),
        figures=None,
        flag=flag,
        sources=(),
        passages=(),
        timings=th.timings,
    )


def classify_passages(
    th: ThesisWork,
    regions: Regions,
    cfg: ScreenSettings,
    excluded_ids: frozenset[str],
    page_starts: Sequence[int],
) -> tuple[list[Match], list[PassageRecord]]:
    """Each match with why it does not count (None when it counts), as a measure and as a
    result record."""
    matches: list[Match] = []
    records: list[PassageRecord] = []
    for sid, origin, p, src_text in th.matches:
        m = Match(p.susp_start, p.susp_end, sid, translated=p.source_language is not None)
        why = classify_exclusion(
            m,
            regions,
            excluded_sources=excluded_ids,
            min_chars=cfg.min_match_characters,
            exclude_quotes=cfg.exclude_quotes,
            exclude_references=cfg.exclude_references,
        )
        matches.append(replace(m, excluded=why))
        span = max(p.susp_end - p.susp_start, 1)
        records.append(
            PassageRecord(
                thesis_start=p.susp_start,
                thesis_end=p.susp_end,
                source_id=sid,
                source_start=p.src_start,
                source_end=p.src_end,
                match_class=p.match_class,
                similarity=p.similarity,
                source_text=src_text,
                origin=origin,
                page=page_of(page_starts, p.susp_start),
                in_quote=bool(regions.quotes[p.susp_start : p.susp_end].sum() >= 0.5 * span),
                in_references=bool(
                    regions.references[p.susp_start : p.susp_end].sum() >= 0.5 * span
                ),
                excluded=why,
                source_language=p.source_language,
            )
        )
    return matches, records


def drop_small_sources(
    regions: Regions,
    matches: list[Match],
    records: list[PassageRecord],
    min_share: float,
) -> tuple[list[Match], list[PassageRecord]]:
    """Counted passages of sources covering less than `min_share` become `small_match`."""
    tiny = small_sources(regions, matches, min_share)
    if not tiny:
        return matches, records
    return (
        [
            replace(m, excluded="small_match") if m.source in tiny and m.excluded is None else m
            for m in matches
        ],
        [
            replace(r, excluded="small_match") if r.source_id in tiny and r.excluded is None else r
            for r in records
        ],
    )


def thesis_info(th: ThesisWork) -> ThesisInfo:
    doc = th.doc
    ok = doc.status in ("ok", "partial")
    sections = [
        Section(s.kind, s.title, s.start, s.end)
        for s in (document_field(doc, "sections", ()) or ())
    ]
    return ThesisInfo(
        file=th.path.name,
        sha256=th.sha256,
        status=doc.status,
        reason=document_field(doc, "reason"),
        pages=int(document_field(doc, "pages", 0) or 0),
        text=th.text if ok else "",
        page_starts=tuple(document_field(doc, "page_starts", ()) or ()),
        sections=tuple(sections) if ok else (),
        quotes=tuple((int(a), int(b)) for a, b in (document_field(doc, "quotes", ()) or ()))
        if ok
        else (),
        metadata=th.metadata,
    )


def _same_person(a: str, b: str) -> bool:
    a2, b2 = _NAME_STRIP.sub("", a).casefold(), _NAME_STRIP.sub("", b).casefold()
    return bool(a2) and a2 == b2


def own_sources(
    thesis: ThesisWork, infos: Mapping[str, SourceInfo], sections: Sequence[Any]
) -> frozenset[str]:
    author = thesis.metadata.get("author", "") or ""
    pubs = "".join(
        _TITLE_STRIP.sub("", thesis.text[s.start : s.end]).casefold()
        for s in sections
        if s.kind == "publications"
    )
    own = set()
    for sid, info in infos.items():
        if info.origin != "corpus":
            continue
        if author and any(_same_person(author, a) for a in info.authors):
            own.add(sid)
            continue
        title = _TITLE_STRIP.sub("", info.title).casefold()
        if pubs and len(title) >= 6 and title in pubs:
            own.add(sid)
    return frozenset(own)


def _batch_only_shares(
    th: ThesisWork,
    cfg: ScreenSettings,
    infos: Mapping[str, SourceInfo],
    records: Sequence[PassageRecord],
) -> dict[str, float]:
    """Per batch source: the share of the thesis it matches that no corpus source explains.

    Two theses that copied the same published source share that text too; only what
    they share beyond the corpus suggests collusion or a common ghost-writer.
    """
    regions = th.regions
    if regions is None:
        return {}
    counted = [r for r in records if r.excluded is None]
    corpus_mask = span_mask(
        regions.length,
        ((r.thesis_start, r.thesis_end) for r in counted if infos[r.source_id].origin == "corpus"),
    )
    base = regions.countable & ~regions.template & ~corpus_mask
    if cfg.exclude_quotes:
        base &= ~regions.quotes
    if cfg.exclude_references:
        base &= ~regions.references
    total = max(int(regions.countable.sum()), 1)
    shares = {}
    for sid, info in infos.items():
        if info.origin == "batch":
            spans = [(r.thesis_start, r.thesis_end) for r in counted if r.source_id == sid]
            shares[sid] = int((span_mask(regions.length, spans) & base).sum()) / total
    return shares


def flag_thesis(
    th: ThesisWork,
    cfg: ScreenSettings,
    figures: Figures,
    infos: Mapping[str, SourceInfo],
    records: Sequence[PassageRecord],
    own: frozenset[str],
) -> Flag:
    corpus_shares = {
        sid: figures.assessed_share(sid)
        for sid, i in infos.items()
        if i.origin == "corpus" and sid not in own
    }
    top = max(corpus_shares, key=lambda s: corpus_shares[s], default=None)
    batch_shares = _batch_only_shares(th, cfg, infos, records)
    partner = max(batch_shares, key=lambda s: batch_shares[s], default=None)
    longest = max(
        (
            r.thesis_end - r.thesis_start
            for r in records
            if r.excluded is None
            and r.match_class in ("identical", "minor_changes")
            and r.source_id not in own
        ),
        default=0,
    )
    chapters = [
        (s.title, s.characters, s.ratio) for s in figures.per_section if s.kind == "chapter"
    ]
    return assess(
        Evidence(
            status=th.doc.status,
            assessed_copy_ratio=figures.assessed_copy_ratio,
            max_single_source_ratio=corpus_shares[top] if top else 0.0,
            max_single_source_title=(infos[top].title or infos[top].file) if top else "",
            batch_ratio=batch_shares[partner] if partner else 0.0,
            batch_partner=infos[partner].file if partner else "",
            chapters=chapters,
            longest_passage=longest,
        ),
        cfg.policy,
    )
