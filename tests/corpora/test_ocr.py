"""OCR of scanned pages: statuses, ocr_pages, offsets and pages, progress, screening, bad images."""

from __future__ import annotations

import json
import re
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from api.cli.main import main
from corpora import Corpus
from corpora.extract import STATUSES, ExtractionLimits, extract_file
from corpora.isolation import extract_isolated
from corpora.ocr import boxes_to_lines, ocr_pdf_pages
from tests.corpora.broken_files import stream, write_raw_pdf
from tests.corpora.thesis_factory import build_scanned_pdf, build_text_pdf, cjk_rendering_available

PLANTED = [
    "学位论文抽检是保障研究生教育质量的重要制度，",
    "专家评议意见应当客观公正并反馈给培养单位。",
    "抽检结果作为学位授权点合格评估的重要依据。",
    "对连续两年存在问题论文的单位进行质量约谈，",
    "并在学位授权点周期性合格评估中予以重点关注。",
    "复评专家从外省高校遴选以避免利益冲突。",
]
PAGE_ONE = ["第一章 绪论", "本章介绍研究背景与意义。", "Spot checks sample theses every year."]

pytestmark = pytest.mark.skipif(
    not cjk_rendering_available(),
    reason="pdfium cannot draw Chinese here: install a CJK font (Debian: fonts-wqy-microhei)",
)


def normalised(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two pages: a short chapter opening, then the passage a corpus document also holds."""
    root = tmp_path_factory.mktemp("ocr")
    first = build_text_pdf(root / "one.pdf", PAGE_ONE, size=14)
    second = build_text_pdf(root / "two.pdf", PLANTED, size=14)
    one = build_scanned_pdf(first, root / "scan-one.pdf")
    two = build_scanned_pdf(second, root / "scan-two.pdf")
    import pypdfium2

    merged = pypdfium2.PdfDocument.new()
    for part in (one, two):
        source = pypdfium2.PdfDocument(str(part))
        merged.import_pages(source)
        source.close()
    path = root / "scanned-thesis.pdf"
    merged.save(str(path))
    merged.close()
    return path


def test_scanned_pages_are_read_in_the_worker_with_progress(scanned: Path) -> None:
    seen: list[tuple[int, int]] = []
    doc = extract_isolated(scanned, progress=lambda done, total: seen.append((done, total)))
    assert doc.status == "ok", doc.reason
    assert doc.ocr_pages == (1, 2) and doc.pages == 2
    assert seen == [(0, 2), (1, 2), (2, 2)]
    assert doc.to_json()["ocr_pages"] == [1, 2]
    expected = normalised("".join(PLANTED))
    page_two = normalised(doc.text[doc.page_starts[1] :])
    assert Levenshtein.distance(expected, page_two) <= 0.03 * len(expected)
    at = doc.text.find("专家评议")
    assert at >= 0 and doc.page_of(at) == 2
    assert "绪论" in doc.text[: doc.page_starts[1]]


def test_ocr_never_keeps_the_scanned_status(scanned: Path) -> None:
    doc = extract_file(scanned, limits=ExtractionLimits(ocr="never"))
    assert doc.status == "no_text_layer" and doc.text == "" and doc.ocr_pages == ()
    with pytest.raises(ValueError, match="ocr must be one of"):
        ExtractionLimits(ocr="sometimes")


def test_a_passage_copied_onto_a_scanned_page_is_found_with_its_page(
    scanned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refs = tmp_path / "refs"
    refs.mkdir()
    filler = "研究方法包括问卷调查和深度访谈，样本来自三所高校。" * 20
    (refs / "source.txt").write_text(filler + "".join(PLANTED) + filler, encoding="utf-8")
    Corpus.open(tmp_path / "corpus", create=True).add_files([refs / "source.txt"])
    out = tmp_path / "out"
    code = main(
        [
            "screen",
            str(scanned),
            "--corpus",
            str(tmp_path / "corpus"),
            "--out",
            str(out),
            "--no-reports",
        ]
    )
    assert code == 0, capsys.readouterr().err
    result = json.loads((out / "scanned-thesis.json").read_text(encoding="utf-8"))
    assert result["passages"], result["figures"]
    assert {p["page"] for p in result["passages"]} == {2}


def bad_images_pdf(path: Path) -> Path:
    """Page 1: noise; page 2: a 20,000 × 20,000 image (data cut short); page 3: a broken JPEG."""
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 256, size=(700, 500), dtype=np.uint8).tobytes()
    images = [
        b"<< /Type /XObject /Subtype /Image /Width 500 /Height 700 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8" + stream(noise)[2:],
        b"<< /Type /XObject /Subtype /Image /Width 20000 /Height 20000 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8" + stream(b"\x80" * 5000)[2:],
        b"<< /Type /XObject /Subtype /Image /Width 800 /Height 1000 /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Filter /DCTDecode /Length 64 >>\nstream\n"
        + b"\xff\xd8\xff\xe0"
        + bytes(range(60))
        + b"\nendstream",
    ]
    count = len(images)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (3 + i) for i in range(count)), count),
    ]
    for i in range(count):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /XObject << /Im0 %d 0 R >> >> >>" % (3 + count + i, 3 + 2 * count + i)
        )
    for _ in range(count):
        objects.append(stream(b"q 500 0 0 700 47 71 cm /Im0 Do Q"))
    objects.extend(images)
    return write_raw_pdf(path, objects)


def test_hostile_images_get_a_typed_status_in_bounded_time(tmp_path: Path) -> None:
    path = bad_images_pdf(tmp_path / "bad-images.pdf")
    started = time.monotonic()
    doc = extract_isolated(path, limits=ExtractionLimits(timeout_seconds=120))
    assert time.monotonic() - started < 120
    assert doc.status in STATUSES and doc.status != "ok"
    assert doc.reason and "too large to OCR" in doc.reason


def test_ocr_stops_at_the_deadline_and_names_what_it_did_not_read(scanned: Path) -> None:
    outcome = ocr_pdf_pages(scanned.read_bytes(), [0, 1], deadline=time.monotonic() - 1)
    assert outcome.lines == {} and set(outcome.skipped) == {0, 1}
    assert outcome.stopped and "2 of 2" in outcome.stopped


rows = st.lists(
    st.tuples(st.text("汉字识别页码ab", min_size=1, max_size=6), st.integers(1, 3)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=50, deadline=None)
@given(rows)
def test_boxes_on_one_baseline_become_one_line_in_reading_order(layout) -> None:
    boxes = []
    for row, (text, pieces) in enumerate(layout):
        top = 100.0 + 60.0 * row
        for piece in range(pieces):
            left = 50.0 + 300.0 * piece
            corners = np.array(
                [[left, top], [left + 200, top], [left + 200, top + 30], [left, top + 30]]
            )
            boxes.append((corners, f"{text}{piece}", 0.9))
    boxes.reverse()
    lines = boxes_to_lines(boxes, scale=2.0)
    assert len(lines) == len(layout)
    for line, (text, pieces) in zip(lines, layout, strict=True):
        assert line.text.replace(" ", "").replace("\t", "") == "".join(
            f"{text}{p}" for p in range(pieces)
        )
    assert [line.top for line in lines] == sorted(line.top for line in lines)


def test_boxes_below_the_score_are_dropped() -> None:
    corners = np.array([[0, 0], [10, 0], [10, 5], [0, 5]], dtype=float)
    assert boxes_to_lines([(corners, "噪声", 0.2)], scale=1.0) == []
    assert [line.text for line in boxes_to_lines([(corners, " 页码 ", 0.9)], scale=1.0)] == ["页码"]


def test_ocr_always_reads_text_layer_pages_too(tmp_path: Path) -> None:
    path = build_text_pdf(tmp_path / "text-layer.pdf", PLANTED[:3], size=14)
    auto = extract_file(path)
    always = extract_file(path, limits=ExtractionLimits(ocr="always"))
    assert auto.ocr_pages == () and always.ocr_pages == (1,)
    expected = normalised(auto.text)
    assert Levenshtein.distance(expected, normalised(always.text)) <= 0.03 * len(expected)


def test_corpus_add_ocr_never_reports_the_scan_as_no_text_layer(
    scanned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = str(tmp_path / "corpus")
    argv = ["corpus", "add", str(scanned), "--corpus", corpus, "--json", "--ocr", "never"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    (outcome,) = json.loads(captured.out)["files"]
    assert outcome["outcome"] == "failed" and outcome["status"] == "no_text_layer"
    assert "页 pages" not in captured.err
    with pytest.raises(SystemExit):
        main(["corpus", "add", str(scanned), "--corpus", corpus, "--ocr", "sometimes"])


def test_corpus_add_ocr_always_reads_a_text_layer_page_by_ocr_with_page_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = build_text_pdf(tmp_path / "text-layer.pdf", PLANTED[:3], size=14)
    corpus = tmp_path / "corpus"
    assert main(["corpus", "add", str(path), "--corpus", str(corpus), "--ocr", "always"]) == 0
    assert "OCR text-layer.pdf: 1/1" in capsys.readouterr().err
    (document,) = Corpus.open(corpus).documents()
    expected = normalised("".join(PLANTED[:3]))
    stored = normalised(Corpus.open(corpus).text(document.id))
    assert Levenshtein.distance(expected, stored) <= 0.03 * len(expected)


def test_screen_passes_the_ocr_mode_to_extraction(
    scanned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "source.txt").write_text("".join(PLANTED) * 3, encoding="utf-8")
    Corpus.open(tmp_path / "corpus", create=True).add_files([refs / "source.txt"])
    out = tmp_path / "out"
    argv = ["screen", str(scanned), "--corpus", str(tmp_path / "corpus"), "--out", str(out)]
    assert main([*argv, "--no-reports", "--ocr", "never"]) == 0
    result = json.loads((out / "scanned-thesis.json").read_text(encoding="utf-8"))
    assert result["thesis"]["status"] == "no_text_layer" and result["passages"] == []
    assert "OCR scanned-thesis.pdf" not in capsys.readouterr().err
