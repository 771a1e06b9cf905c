"""Several corpora searched as one, read-only: the office's reference corpus plus a small one
of extra documents (e.g. the source a reporter attached to an allegation).

Screening sees the shards of every member, so the extra documents are retrieved and
aligned with corpus-wide statistics exactly like the corpus's own, and nothing is added to
the office's corpus. Documents are looked up in the member that holds them; templates come
from the first member (the office's corpus). Adding or removing documents goes through the
member corpora themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from corpora.corpus import Corpus, CorpusDocument, CorpusError, CorpusShard, Template


class CorpusUnion:
    """A read-only view of `members` (at least one), the first one's path and templates."""

    def __init__(self, members: Sequence[Corpus]) -> None:
        if not members:
            raise CorpusError("a corpus union needs at least one corpus")
        self.members = tuple(members)
        self.path: Path = self.members[0].path
        self.shards: tuple[CorpusShard, ...] = tuple(s for m in self.members for s in m.shards)

    def documents(self) -> list[CorpusDocument]:
        """Every member's documents, the first member's first; an id held twice counts once."""
        seen: set[str] = set()
        docs = []
        for member in self.members:
            for doc in member.documents():
                if doc.id not in seen:
                    seen.add(doc.id)
                    docs.append(doc)
        return docs

    def _holder(self, doc_id: str) -> tuple[Corpus, str]:
        for member in self.members:
            try:
                return member, member.resolve_id(doc_id)
            except CorpusError:
                continue
        raise CorpusError(f"no document {doc_id!r} in the corpora at {self.path} and the others")

    def resolve_id(self, doc_id: str) -> str:
        return self._holder(doc_id)[1]

    def document(self, doc_id: str) -> CorpusDocument:
        member, full = self._holder(doc_id)
        return member.document(full)

    def text(self, doc_id: str) -> str:
        member, full = self._holder(doc_id)
        return member.text(full)

    def structure(self, doc_id: str) -> dict[str, Any]:
        member, full = self._holder(doc_id)
        return member.structure(full)

    def templates(self) -> list[Template]:
        return self.members[0].templates()

    def snapshot(self) -> str:
        """An id of the current set of documents across the members."""
        ids = sorted(d.id for d in self.documents())
        return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]
