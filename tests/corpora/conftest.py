"""Real files for the corpora tests, generated once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpora.extract import ExtractedDocument, extract_file
from tests.corpora.broken_files import docx_thesis
from tests.corpora.thesis_factory import ThesisSpec, build_thesis_pdf

BLOCK_QUOTE = "这是一段缩进排版的长引文，用于检验块引用的识别是否正确。" * 4


@pytest.fixture(scope="session")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpora-files")


@pytest.fixture(scope="session")
def zh_thesis_pdf(files: Path) -> Path:
    return build_thesis_pdf(files / "zh-thesis.pdf", ThesisSpec(block_quote=BLOCK_QUOTE))


@pytest.fixture(scope="session")
def zh_thesis(zh_thesis_pdf: Path) -> ExtractedDocument:
    return extract_file(zh_thesis_pdf)


@pytest.fixture(scope="session")
def en_thesis_pdf(files: Path) -> Path:
    spec = ThesisSpec(
        language="en",
        numbering="Chapter 1",
        title="Detecting Reused Text in Chinese Theses",
        seed=11,
    )
    return build_thesis_pdf(files / "en-thesis.pdf", spec)


@pytest.fixture(scope="session")
def en_thesis(en_thesis_pdf: Path) -> ExtractedDocument:
    return extract_file(en_thesis_pdf)


@pytest.fixture(scope="session")
def docx_thesis_file(files: Path) -> Path:
    return docx_thesis(files / "thesis.docx")
