"""Thesis ingestion (PDF, DOCX, TXT) and reference corpora kept on disk.

Public surface:
- `extract_file` / `extract_isolated` → `ExtractedDocument` (status, clean text, page offsets,
  sections, quotes, citations, metadata); `blind_copy` for double-blind review;
- `Corpus` (a directory of documents and boilerplate templates) with `CorpusDocument`,
  `AddReport`, `Template`;
- exceptions: `CorpusError` (a corpus cannot be opened or changed), `MetadataCsvError`.
"""

from corpora.blind import blind_copy
from corpora.corpus import AddOutcome, AddReport, Corpus, CorpusDocument, CorpusError, Template
from corpora.extract import STATUSES, ExtractedDocument, ExtractionLimits, extract_file
from corpora.isolation import IsolatedExtractor, extract_isolated
from corpora.metadata_csv import MetadataCsvError
from corpora.structure import Section

__all__ = [
    "STATUSES",
    "AddOutcome",
    "AddReport",
    "Corpus",
    "CorpusDocument",
    "CorpusError",
    "ExtractedDocument",
    "ExtractionLimits",
    "IsolatedExtractor",
    "MetadataCsvError",
    "Section",
    "Template",
    "blind_copy",
    "extract_file",
    "extract_isolated",
]
