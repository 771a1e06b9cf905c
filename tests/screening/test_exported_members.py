"""The public surfaces of `screening.index`, `screening.screen` and `screening.result` are pinned
exactly: `__all__` holds these names, once each, and every one exists."""

from __future__ import annotations

from types import ModuleType

import pytest

import screening.index
import screening.result
import screening.screen

EXPECTED: dict[ModuleType, set[str]] = {
    screening.index: {
        "CorpusIndex", "INDEX_DIRNAME", "IndexStore", "IndexStoreError", "MemmapStore",
        "MemoryStore", "STORE_TYPES", "TermParams", "Terms", "UpdateReport", "open_store",
        "text_terms",
    },
    screening.screen: {
        "CorpusSearch", "ExtractMany", "Extractor", "LocalSearch", "Progress", "ScreenSettings",
        "ScreeningError", "ScreeningRun", "ShardHits", "ShardSearcher", "TextSide",
        "screen_batch", "screen_theses",
    },
    screening.result: {
        "MATCH_CLASSES", "SCHEMA_VERSION", "ChapterFigure", "PassageRecord", "ResultFigures",
        "ResultFormatError", "ResultSource", "ScreeningResult", "SourceInfo",
        "ThesisInfo", "build_result", "is_result_json", "page_of", "software", "write_result",
    },
}  # fmt: skip


@pytest.mark.parametrize("module", EXPECTED, ids=lambda m: m.__name__)
def test_exported_members_are_pinned(module: ModuleType) -> None:
    assert set(module.__all__) == EXPECTED[module]
    assert len(module.__all__) == len(EXPECTED[module])
    for name in module.__all__:
        assert getattr(module, name) is not None, name
