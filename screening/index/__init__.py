"""Fingerprint index over a reference corpus: terms, storage backends, the corpus index."""

from screening.index.corpus_index import INDEX_DIRNAME, CorpusIndex, UpdateReport
from screening.index.store import (
    STORE_TYPES,
    IndexStore,
    IndexStoreError,
    MemmapStore,
    MemoryStore,
    open_store,
)
from screening.index.terms import TermParams, Terms, text_terms

__all__ = [
    "INDEX_DIRNAME",
    "STORE_TYPES",
    "CorpusIndex",
    "IndexStore",
    "IndexStoreError",
    "MemmapStore",
    "MemoryStore",
    "TermParams",
    "Terms",
    "UpdateReport",
    "open_store",
    "text_terms",
]
