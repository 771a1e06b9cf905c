"""Regions stage: which parts of each thesis count (quotes, references, templates).

Cover and declaration sections and the passages matching a registered template
(aligned like any source) are templates; quotations, sentences with a citation
marker and the references section are marked for the exclusions the settings ask.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from screening.document_fields import document_field
from screening.index import CorpusIndex
from screening.index.terms import TermParams
from screening.intake import ThesisWork
from screening.measure import Regions, countable_mask, sentence_spans_with, span_mask
from screening.search import TextSide, align_in_regions
from screening.settings import ScreenSettings

BOILERPLATE_SECTIONS = ("cover", "declaration")


class Templates:
    """A corpus's registered templates (declarations, cover pages), indexed in memory."""

    def __init__(self, texts: Sequence[tuple[str, str]], params: TermParams | None) -> None:
        self.texts = dict(texts)
        self.index: CorpusIndex | None = None
        if texts:
            self.index = CorpusIndex.in_memory(params)
            self.index.add_texts(list(texts))

    @classmethod
    def of(cls, corpus: Any, params: TermParams | None) -> Templates:
        """The templates of `corpus` (none for no corpus, or one without templates)."""
        fn = getattr(corpus, "templates", None)
        texts = []
        for i, t in enumerate(fn() if fn is not None else ()):
            text = document_field(t, "text", "") or ""
            if text.strip():
                texts.append((str(document_field(t, "id", i)), text))
        return cls(texts, params)

    def spans(self, side: TextSide, term_index: CorpusIndex, margin: int) -> list[tuple[int, int]]:
        """The thesis spans aligned with a template."""
        if self.index is None:
            return []
        out = []
        for c in self.index.query(side.terms):
            text = self.texts[c.doc_id]
            template = TextSide(text, term_index.terms(text))
            for psg in align_in_regions(side, template, c.regions, margin=margin):
                out.append((psg.susp_start, psg.susp_end))
        return out


def mark_regions(
    theses: Sequence[ThesisWork],
    templates: Templates,
    cfg: ScreenSettings,
    term_index: CorpusIndex,
    margin: int,
) -> None:
    """Sets each prepared thesis's regions."""
    for th in theses:
        assert th.side is not None
        spans = templates.spans(th.side, term_index, margin) if cfg.templates else []
        th.regions = thesis_regions(th, spans, cfg)


def thesis_regions(
    thesis: ThesisWork, templates: Sequence[tuple[int, int]], settings: ScreenSettings
) -> Regions:
    text = thesis.text
    n = len(text)
    doc = thesis.doc
    quotes = list(document_field(doc, "quotes", ()) or ())
    citations = [a for a, _ in (document_field(doc, "citations", ()) or ())]
    quote_mask = span_mask(n, quotes) | span_mask(n, sentence_spans_with(text, citations))
    sections = document_field(doc, "sections", ()) or ()
    refs = [(s.start, s.end) for s in sections if s.kind == "references"]
    boiler: list[tuple[int, int]] = []
    if settings.templates:
        boiler = [(s.start, s.end) for s in sections if s.kind in BOILERPLATE_SECTIONS]
        boiler.extend(templates)
    return Regions(
        countable=countable_mask(text),
        quotes=quote_mask,
        references=span_mask(n, refs),
        template=span_mask(n, boiler),
    )
