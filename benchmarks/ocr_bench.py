"""OCR accuracy and speed on generated thesis pages rendered to images.

Generates a Chinese and an English thesis with reportlab, renders body pages (headings,
paragraphs, running headers, page numbers, references) to grey images at `--dpi`, OCRs them with
the default `OcrSettings`, and compares with the text layer of the same pages. Prints the
character error rate (edit distance / reference characters, whitespace removed for Chinese and
collapsed for English, full-width forms folded by NFKC) and pages per wall second. Targets: CER
≤ 2% on Chinese, ≤ 1% on English, ≥ 0.5 pages/s on a 2-core machine.

Needs a system CJK font for pdfium to draw the Chinese pages (Debian: fonts-wqy-microhei).

    .venv/bin/python benchmarks/ocr_bench.py [--pages 8] [--dpi 200] [--threads 2] [--det-side 1024]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_CER = {"zh": 0.02, "en": 0.01}
TARGET_PAGES_PER_SECOND = 0.5


def normalise(text: str, language: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if language == "zh":
        return re.sub(r"\s+", "", text)
    return re.sub(r"\s+", " ", text).strip()


def page_texts(lines_per_page: list[list[str]]) -> list[str]:
    return ["\n".join(lines) for lines in lines_per_page]


def run(language: str, pages: int, dpi: int, settings_kwargs: dict[str, int]) -> dict[str, float]:
    import pypdfium2
    from rapidfuzz.distance import Levenshtein

    from corpora.ocr import OcrSettings, PageRecognizer, ocr_pdf_pages
    from corpora.pdf import read_pdf
    from tests.corpora.thesis_factory import ThesisSpec, build_scanned_pdf, build_thesis_pdf

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"{language}.pdf"
        spec = ThesisSpec(
            language=language, chapters=3, paragraphs_per_chapter=max(4, pages * 2), seed=11
        )
        build_thesis_pdf(source, spec)
        text_layer = read_pdf(source.read_bytes(), max_pages=10_000)
        total = len(text_layer.pages)
        body = list(range(5, min(total, 5 + pages)))
        references = [total - 3]  # the reference list page
        chosen = body + [i for i in references if i not in body]
        scanned = Path(tmp) / f"{language}-scanned.pdf"
        build_scanned_pdf(source, scanned, dpi=dpi, pages=chosen)
        settings = OcrSettings(dpi=dpi, **settings_kwargs)
        PageRecognizer.shared(settings)  # model loading is not part of the per-page time
        pdf = pypdfium2.PdfDocument(str(scanned))
        count = len(pdf)
        pdf.close()
        start = time.perf_counter()
        cpu = time.process_time()
        outcome = ocr_pdf_pages(scanned.read_bytes(), list(range(count)), settings=settings)
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
        errors = reference_chars = 0
        for position, index in enumerate(chosen):
            expected = normalise(
                "\n".join(line.text for line in text_layer.pages[index].lines), language
            )
            got = normalise(
                "\n".join(line.text for line in outcome.lines.get(position, [])), language
            )
            errors += Levenshtein.distance(expected, got)
            reference_chars += len(expected)
    return {
        "pages": float(count),
        "cer": errors / max(1, reference_chars),
        "reference_chars": float(reference_chars),
        "wall_s": wall,
        "cpu_s": cpu,
        "pages_per_s": count / wall,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=8, help="body pages per language")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--det-side", type=int, default=None)
    parser.add_argument("--rec-height", type=int, default=None)
    parser.add_argument("--languages", default="zh,en")
    args = parser.parse_args()
    from tests.corpora.thesis_factory import cjk_rendering_available

    if not cjk_rendering_available():
        print("SKIP: pdfium cannot draw Chinese here (install a CJK font, e.g. fonts-wqy-microhei)")
        return 1
    overrides: dict[str, int] = {}
    if args.threads is not None:
        overrides["threads"] = args.threads
    if args.det_side is not None:
        overrides["det_side"] = args.det_side
    if args.rec_height is not None:
        overrides["rec_height"] = args.rec_height
    print(f"load average: {os.getloadavg()[0]:.2f} (2-core machine, shared)  dpi={args.dpi}")
    failed = False
    for language in args.languages.split(","):
        figures = run(language, args.pages, args.dpi, overrides)
        cer_ok = figures["cer"] <= TARGET_CER[language]
        speed_ok = figures["pages_per_s"] >= TARGET_PAGES_PER_SECOND
        failed |= not (cer_ok and speed_ok)
        print(
            f"{language}: {figures['pages']:.0f} pages, CER {figures['cer'] * 100:.2f}% "
            f"(target ≤ {TARGET_CER[language] * 100:.0f}%, {'met' if cer_ok else 'NOT met'}) over "
            f"{figures['reference_chars']:.0f} characters; {figures['pages_per_s']:.2f} pages/s "
            f"wall ({figures['wall_s'] / figures['pages']:.2f} s/page, "
            f"{figures['cpu_s'] / figures['pages']:.2f} CPU s/page; target ≥ "
            f"{TARGET_PAGES_PER_SECOND} pages/s, {'met' if speed_ok else 'NOT met'})"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
