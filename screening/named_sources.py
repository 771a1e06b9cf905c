"""Screening one thesis with named suspected sources added to the comparison.

When an allegation (举报) names the source a thesis is suspected of copying, the office
screens the thesis at once against its reference corpus plus that source. A named source is
either a file (what the reporter attached: stored in a small corpus of its own, never in the
office's corpus) or a document of the office's corpus (its id, an id prefix, or the file name
it was added under). Both corpora are searched as one (`corpora.union.CorpusUnion`), so the
result is an ordinary screening result (CONTRACTS §6) and `NamedScreening.named` says which
of its sources were the named ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from corpora.corpus import Corpus, CorpusDocument, CorpusError
from corpora.union import CorpusUnion
from screening.screen import ScreeningError, ScreenSettings, screen_theses


class Extractor(Protocol):
    """What reads the thesis and the attached files (the CLI passes an isolated worker)."""

    def extract(self, path: Path, *, metadata: Mapping[str, str] | None = None) -> Any: ...


class NamedSourceError(ValueError):
    """A named source that is neither a readable file nor a document of the corpus."""


@dataclass(frozen=True)
class NamedSource:
    """A source the office named, and the corpus document it is.

    `origin` is `attached` (a file stored in the named-source corpus) or `corpus` (already a
    document of the office's corpus, also when the named file is byte-identical to one)."""

    given: str
    doc_id: str
    file: str
    origin: str


@dataclass(frozen=True)
class NamedScreening:
    """The written result of the thesis and the named sources it was compared with."""

    result_file: Path
    result: Mapping[str, Any]
    named: tuple[NamedSource, ...]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _reader(extractor: Extractor) -> Any:
    return lambda path, metadata: extractor.extract(path, metadata=metadata)


def _corpus_document(corpus: Corpus, given: str, documents: Sequence[CorpusDocument]) -> str:
    by_file = [d.id for d in documents if d.file == given or Path(d.file).name == given]
    if len(by_file) == 1:
        return by_file[0]
    if len(by_file) > 1:
        raise NamedSourceError(
            f"named source {given!r}: {len(by_file)} documents of the corpus have this file "
            "name; give the document id instead"
        )
    if len(given) >= 6:
        try:
            return corpus.resolve_id(given)
        except CorpusError:
            pass
    raise NamedSourceError(
        f"named source {given!r}: not a file and not a document (id or file name) of the "
        f"corpus at {corpus.path}"
    )


def resolve_named_sources(
    given: Sequence[str],
    corpus: Corpus,
    sources: Corpus,
    extractor: Extractor | None = None,
) -> tuple[NamedSource, ...]:
    """Each named source as a corpus document: files not yet in `corpus` are added to
    `sources` (a bad file is refused with its reason); other names must be documents of
    `corpus`. The same document named twice is listed once."""
    documents = corpus.documents()
    by_hash = {d.sha256: d for d in documents}
    found: dict[str, NamedSource] = {}
    for item in given:
        item = item.strip()
        if not item:
            continue
        path = Path(item)
        if path.is_file():
            same = by_hash.get(_sha256(path))
            if same is not None:
                named = NamedSource(item, same.id, same.file, "corpus")
            else:
                read = None if extractor is None else _reader(extractor)
                outcome = sources.add_files([path], extractor=read).outcomes[0]
                if outcome.doc_id is None:
                    raise NamedSourceError(
                        f"named source {path}: cannot be read as a source ({outcome.reason})"
                    )
                doc = sources.document(outcome.doc_id)
                named = NamedSource(item, doc.id, doc.file, "attached")
        else:
            doc_id = _corpus_document(corpus, item, documents)
            named = NamedSource(item, doc_id, corpus.document(doc_id).file, "corpus")
        found.setdefault(named.doc_id, named)
    if not found:
        raise NamedSourceError(
            "no suspected source named: give a file (e.g. the reporter's attachment) or a "
            "document id of the corpus"
        )
    return tuple(found.values())


def screen_with_named_sources(
    thesis: Path,
    corpus: Corpus | Path,
    given: Sequence[str],
    sources_dir: Path,
    out_dir: Path,
    *,
    metadata: Mapping[str, str] | None = None,
    settings: ScreenSettings | None = None,
    extractor: Extractor | None = None,
) -> NamedScreening:
    """Screens `thesis` against `corpus` plus the named sources (files go into the corpus at
    `sources_dir`, created when needed); writes `out_dir/<thesis stem>.json`."""
    if not thesis.is_file():
        raise ScreeningError(f"thesis file not found: {thesis}")
    try:
        main = corpus if isinstance(corpus, Corpus) else Corpus.open(Path(corpus))
        extra = Corpus.open(sources_dir, create=True)
    except CorpusError as exc:
        raise ScreeningError(str(exc)) from exc
    named = resolve_named_sources(given, main, extra, extractor)
    results = screen_theses(
        [thesis],
        CorpusUnion([main, extra]),
        settings,
        out_dir,
        metadata={thesis.name: dict(metadata or {})},
        extractor=extractor,
    )
    if not results:
        raise ScreeningError(f"{thesis}: screening gave no result")
    return NamedScreening(out_dir / f"{thesis.stem}.json", results[0], named)
