"""The fingerprint index of a reference corpus, kept in step with the corpus.

`CorpusIndex.open(CORPUS_PATH)` opens (or creates) the index in
`CORPUS_PATH/index/`; `update(corpus)` indexes the documents added since the
last update and drops the removed ones, so screening always sees the corpus as
it is. Documents are indexed in segments (appended, never rewritten); when
many documents have been removed the index is compacted, and when segments pile
up the smallest are merged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from screening.align import PreparedText, prepare_text
from screening.index.store import IndexStore, IndexStoreError, MemoryStore, open_store
from screening.index.terms import TermParams, Terms, document_keys, text_terms
from screening.retrieve import (
    CROSS_LANGUAGE_RETRIEVAL,
    Candidate,
    RetrievalConfig,
    rank_candidates,
)

INDEX_DIRNAME = "index"
SEGMENT_POSTINGS = 40_000_000
"""Postings gathered in memory before a segment is written (320 MB of keys): about
110 million characters per segment, so a bulk load stays one segment (fewer look-ups)."""
COMPACT_REMOVED_FRACTION = 0.25
MAX_SEGMENTS = 4
"""More segments than this after an update: the smallest are merged into one."""

CROSS_LANGUAGE_META = "cross_language_terms"
CHINESE_SOURCES_META = "cross_language_chinese_sources"
CROSS_LANGUAGE_VERSION = 1
"""Indexes created with this marker also hold each document's cross-language terms
(`screening.crosslingual.terms`); older indexes answer no cross-language queries. English text
is always indexed that way; Chinese text only when the index was created with
`chinese_sources=True` (it slows the build of a Chinese corpus about threefold)."""

Progress = Callable[[int, int], None]


class DocumentLike(Protocol):
    id: str


class TextSource(Protocol):
    """What the index needs from a corpus: its document ids and their texts."""

    def documents(self) -> Sequence[DocumentLike]: ...

    def text(self, doc_id: str) -> str: ...


@dataclass(frozen=True)
class UpdateReport:
    """What an update did."""

    added: int
    removed: int
    characters_added: int
    compacted: bool
    seconds: float


class CorpusIndex:
    """Term index over many documents behind an `IndexStore`."""

    def __init__(
        self,
        store: IndexStore,
        params: TermParams | None = None,
        *,
        chinese_sources: bool = False,
    ) -> None:
        self.store = store
        self.params = params or TermParams()
        # What a new index records; an existing index keeps what it was created with.
        self._chinese_sources = chinese_sources
        stored = store.meta.get("params")
        if stored is not None and stored != self.params.to_json():
            raise IndexStoreError(
                f"the index was built with term parameters {stored}, not "
                f"{self.params.to_json()}; delete the index directory to rebuild it"
            )

    @classmethod
    def open(
        cls,
        corpus_path: Path,
        *,
        params: TermParams | None = None,
        store: Mapping[str, Any] | None = None,
        chinese_sources: bool = False,
    ) -> CorpusIndex:
        """The index of the corpus at `corpus_path` (memory-mapped files in `index/`);
        `chinese_sources` applies when the index is created (see `CROSS_LANGUAGE_VERSION`)."""
        config = dict(store or {"type": "memmap"})
        if config.get("type", "memmap") == "memmap":
            config.setdefault("path", str(Path(corpus_path) / INDEX_DIRNAME))
        return cls(open_store(config), params, chinese_sources=chinese_sources)

    @classmethod
    def of_corpus(cls, corpus: Any) -> CorpusIndex:
        """The index of a corpus (shard) object: beside it when it has a `path`, in memory
        otherwise; Chinese documents are indexed for English theses when the corpus was
        created with `cross_language == "both"`."""
        chinese = getattr(corpus, "cross_language", "en") == "both"
        path = getattr(corpus, "path", None)
        if path is None:
            return cls.in_memory(chinese_sources=chinese)
        return cls.open(Path(path), chinese_sources=chinese)

    @classmethod
    def in_memory(
        cls, params: TermParams | None = None, *, chinese_sources: bool = False
    ) -> CorpusIndex:
        return cls(MemoryStore(), params, chinese_sources=chinese_sources)

    def document_ids(self) -> set[str]:
        return self.store.document_ids()

    def add_texts(
        self, items: Iterable[tuple[str, str]], *, progress: Progress | None = None, total: int = 0
    ) -> tuple[int, int]:
        """Indexes (doc_id, text) pairs; returns (documents, characters) added."""
        ids: list[str] = []
        chars: list[int] = []
        hashes: list[np.ndarray] = []
        pending = 0
        done = 0
        characters = 0
        with self.store.writing():
            if "params" not in self.store.meta:
                self.store.set_meta(
                    params=self.params.to_json(),
                    **{
                        CROSS_LANGUAGE_META: CROSS_LANGUAGE_VERSION,
                        CHINESE_SOURCES_META: self._chinese_sources,
                    },
                )
            cross = self.cross_language
            chinese = bool(self.store.meta.get(CHINESE_SOURCES_META))
            # Imported here: the dictionary module uses this package's tokenizer.
            from screening.crosslingual.terms import cross_document_keys, sorted_unique

            for doc_id, text in items:
                keys = document_keys(text, self.params)
                if cross:
                    extra = cross_document_keys(text, chinese=chinese)
                    keys = sorted_unique(np.concatenate((keys, extra)))
                ids.append(doc_id)
                chars.append(len(text))
                hashes.append(keys)
                pending += keys.size
                characters += len(text)
                done += 1
                if pending >= SEGMENT_POSTINGS:
                    self.store.add_segment(ids, chars, hashes)
                    ids, chars, hashes, pending = [], [], [], 0
                if progress is not None:
                    progress(done, total)
            self.store.add_segment(ids, chars, hashes)
        return done, characters

    def remove(self, doc_ids: Iterable[str]) -> None:
        with self.store.writing():
            self.store.remove(doc_ids)

    def compact(self) -> None:
        with self.store.writing():
            self.store.compact()

    def update(self, source: TextSource, *, progress: Progress | None = None) -> UpdateReport:
        """Brings the index up to date with `source` (adds new, drops removed documents)."""
        began = time.perf_counter()
        snapshot = _snapshot(source)
        if snapshot is not None and self.store.meta.get("corpus_snapshot") == snapshot:
            return UpdateReport(0, 0, 0, False, time.perf_counter() - began)
        with self.store.writing():
            # Decided under the writer lock: two concurrent updates never index a
            # document twice.
            if snapshot is not None and self.store.meta.get("corpus_snapshot") == snapshot:
                return UpdateReport(0, 0, 0, False, time.perf_counter() - began)
            current = [d.id for d in source.documents()]
            indexed = self.store.document_ids()
            new_ids = [d for d in current if d not in indexed]
            gone = indexed - set(current)
            if any(d in self.store.removed for d in new_ids):
                # A removed document comes back: drop its old postings first.
                self.store.compact()
            added, characters = self.add_texts(
                ((d, source.text(d)) for d in new_ids), progress=progress, total=len(new_ids)
            )
            compacted = False
            if gone:
                self.store.remove(gone)
            all_ids = sum(len(s.doc_ids) for s in self.store.segments)
            if len(self.store.removed) > COMPACT_REMOVED_FRACTION * max(all_ids, 1):
                self.store.compact()
                compacted = True
            elif len(self.store.segments) > MAX_SEGMENTS:
                # Every segment costs a search per query term: the smallest are merged
                # (large ones are left alone, so small updates stay cheap).
                by_size = sorted(self.store.segments, key=lambda s: int(s.keys.shape[0]))
                self.store.merge(by_size[: len(by_size) - MAX_SEGMENTS + 1])
                compacted = True
            if snapshot is not None:
                self.store.set_meta(corpus_snapshot=snapshot)
        return UpdateReport(added, len(gone), characters, compacted, time.perf_counter() - began)

    def terms(self, text: str) -> Terms:
        return text_terms(text, self.params)

    def query(
        self,
        text_or_terms: str | Terms,
        config: RetrievalConfig | None = None,
        *,
        exclude: frozenset[str] = frozenset(),
    ) -> list[Candidate]:
        """Candidate sources of a text, strongest evidence first."""
        terms = self.terms(text_or_terms) if isinstance(text_or_terms, str) else text_or_terms
        return rank_candidates(terms, self.store, config, exclude=exclude)

    @property
    def cross_language(self) -> bool:
        """Whether the index holds cross-language terms (created with them)."""
        return bool(self.store.meta.get(CROSS_LANGUAGE_META) == CROSS_LANGUAGE_VERSION)

    def cross_language_terms(self, text_or_prepared: str | PreparedText) -> Terms:
        """The query terms that find documents in the other language (Chinese ⇄ English)."""
        from screening.crosslingual.terms import cross_query_terms  # see add_texts

        prepared = (
            prepare_text(text_or_prepared)
            if isinstance(text_or_prepared, str)
            else text_or_prepared
        )
        return cross_query_terms(prepared)

    def query_cross_language(
        self,
        text_or_prepared: str | PreparedText,
        config: RetrievalConfig | None = None,
        *,
        exclude: frozenset[str] = frozenset(),
    ) -> list[Candidate]:
        """Candidate sources in the other language (Chinese ⇄ English), strongest first."""
        if not self.cross_language:
            return []
        terms = self.cross_language_terms(text_or_prepared)
        return rank_candidates(
            terms, self.store, config or CROSS_LANGUAGE_RETRIEVAL, exclude=exclude
        )

    def stats(self) -> dict[str, Any]:
        """Documents, characters, segments and bytes of postings (for reports and benchmarks)."""
        return {
            "documents": len(self.store.document_ids()),
            "characters": self.store.characters(),
            "segments": len(self.store.segments),
            "postings_bytes": self.store.postings_bytes(),
            "params": self.params.to_json(),
        }


def _snapshot(source: TextSource) -> str | None:
    snap = getattr(source, "snapshot", None)
    if snap is None:
        return None
    return str(snap())
