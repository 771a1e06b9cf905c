"""End to end: a Chinese thesis PDF translates a passage of an English PDF in the corpus."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from corpora import Corpus
from screening.screen import ScreenSettings, screen_theses
from tests.corpora.thesis_factory import EN_FONT, ZH_FONT
from tests.screening.crosslingual_texts import (
    EN_FILLER,
    EN_PASSAGE,
    EN_SAME_FIELD,
    ZH_FILLER,
    ZH_PASSAGE,
    ZH_SAME_FIELD,
)

pytestmark = pytest.mark.slow


def _pdf(path: Path, pages: list[list[str]], *, chinese: bool) -> Path:
    """One paragraph list per page, wrapped to the page width."""
    c = canvas.Canvas(str(path), pagesize=A4)
    font, width = (ZH_FONT, 36) if chinese else (EN_FONT, 85)
    for paragraphs in pages:
        y = A4[1] - 80
        for paragraph in paragraphs:
            for line in textwrap.wrap(paragraph, width):
                c.setFont(font, 11)
                c.drawString(60, y, line)
                y -= 18
            y -= 12
        c.showPage()
    c.save()
    return path


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("xl")
    docs = root / "docs"
    docs.mkdir()
    _pdf(docs / "erosion-paper.pdf", [[EN_FILLER[0]], [EN_PASSAGE, EN_FILLER[1]]], chinese=False)
    _pdf(docs / "aquifer-paper.pdf", [[EN_SAME_FIELD, EN_FILLER[1]]], chinese=False)
    _pdf(docs / "zh-paper.pdf", [[ZH_SAME_FIELD, ZH_FILLER[1]]], chinese=True)
    corpus = Corpus.open(root / "corpus", create=True)
    corpus.add_files([docs])
    thesis = _pdf(
        root / "thesis.pdf",
        [[ZH_FILLER[0]], [ZH_FILLER[1], ZH_PASSAGE, ZH_SAME_FIELD]],
        chinese=True,
    )
    [res] = screen_theses([thesis], corpus, ScreenSettings(isolate_extraction=False), root / "out")
    return res.to_json()


def test_translated_passage_is_reported_with_its_english_source(result: dict) -> None:
    translated = [p for p in result["passages"] if p["class"] == "translated"]
    assert len(translated) == 1
    [p] = translated
    text = result["thesis"]["text"]
    assert _squeeze(text[p["thesis_start"] : p["thesis_end"]]) == _squeeze(ZH_PASSAGE)
    assert p["page"] == 2
    assert p["thesis_start"] >= result["thesis"]["page_starts"][1]
    assert p["source_language"] == "en"
    assert " ".join(p["source_text"].split()) == EN_PASSAGE
    [source] = [s for s in result["sources"] if s["id"] == p["source_id"]]
    assert source["file"] == "erosion-paper.pdf"
    assert source["classes"]["translated"] == 1


def test_translated_share_is_counted_and_reported_apart(result: dict) -> None:
    figures = result["figures"]
    chars = len(_squeeze(ZH_PASSAGE))
    assert figures["translated_characters"] >= chars
    assert figures["translated_copy_ratio"] == pytest.approx(
        figures["translated_characters"] / figures["total_characters"], abs=1e-6
    )
    assert figures["total_copy_ratio"] >= figures["translated_copy_ratio"] > 0.2
    # The Chinese paper is copied word for word (a monolingual match); the English paper of the
    # same field shares no passage.
    by_file = {s["file"]: s for s in result["sources"]}
    assert set(by_file) == {"erosion-paper.pdf", "zh-paper.pdf"}
    assert "translated" not in by_file["zh-paper.pdf"]["classes"]
    assert by_file["erosion-paper.pdf"]["characters"] == figures["translated_characters"]
