"""The public surface of `corpora` is small and pinned."""

from __future__ import annotations

import corpora


def test_exported_members() -> None:
    assert sorted(corpora.__all__) == sorted(
        [
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
    )
    for name in corpora.__all__:
        assert getattr(corpora, name) is not None


def test_statuses_are_the_contract_list() -> None:
    assert corpora.STATUSES == (
        "ok",
        "partial",
        "encrypted",
        "no_text_layer",
        "not_extractable",
        "corrupt",
        "too_large",
        "unsupported",
    )
