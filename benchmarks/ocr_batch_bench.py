"""Scanned files end to end through the isolated worker: a scanned thesis and hostile images.

1. A generated Chinese thesis of `--pages` pages, every page rendered to a grey 200-dpi image
   and embedded without a text layer (a scan), extracted with `extract_isolated` and a progress
   bar: prints the wall time, pages per second, the status and how many pages OCR read.
2. Bad input, each in the same worker, with `--budget` seconds allowed per file: a 2,000-page
   image PDF, a page of noise, a page holding a 20,000 × 20,000-pixel image and a corrupt JPEG.
   Prints the status, reason, wall time and the worker's peak memory for each, then checks that
   a normal thesis extracted right after is unaffected.

    .venv/bin/python benchmarks/ocr_batch_bench.py [--pages 100] [--budget 120] [--skip-thesis]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def image_pages_pdf(path: Path, pages: int) -> Path:
    """`pages` pages that each show the same small grey picture (no text)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from tests.corpora.thesis_factory import _gray_png

    c = canvas.Canvas(str(path), pagesize=A4)
    image = ImageReader(_gray_png())
    for _ in range(pages):
        c.drawImage(image, 72, 200, width=450, height=500)
        c.showPage()
    c.save()
    return path


def split_bad_pages(source: Path, folder: Path) -> dict[str, Path]:
    """One file per hostile page of the test suite's bad-images PDF."""
    import pypdfium2

    out: dict[str, Path] = {}
    names = ["noise", "20000x20000-image", "corrupt-jpeg"]
    pdf = pypdfium2.PdfDocument(str(source))
    for index, name in enumerate(names):
        single = pypdfium2.PdfDocument.new()
        single.import_pages(pdf, [index])
        out[name] = folder / f"{name}.pdf"
        single.save(str(out[name]))
        single.close()
    pdf.close()
    return out


class Bar:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        filled = int(30 * done / max(1, total))
        elapsed = time.monotonic() - self.started
        print(
            f"\r  OCR [{'#' * filled}{'-' * (30 - filled)}] {done}/{total} pages {elapsed:.0f} s",
            end="\n" if done == total else "",
            file=sys.stderr,
            flush=True,
        )


def worker_peak_mib(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per bad file")
    parser.add_argument("--skip-thesis", action="store_true")
    args = parser.parse_args()
    from corpora.extract import ExtractionLimits
    from corpora.isolation import IsolatedExtractor
    from tests.corpora.test_ocr import bad_images_pdf
    from tests.corpora.thesis_factory import (
        build_long_thesis_pdf,
        build_scanned_pdf,
        cjk_rendering_available,
    )

    if not cjk_rendering_available():
        print("SKIP: pdfium cannot draw Chinese here (install a CJK font, e.g. fonts-wqy-microhei)")
        return 1
    print(f"load average: {os.getloadavg()[0]:.2f} (2-core machine, shared)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = build_long_thesis_pdf(folder / "thesis.pdf", pages=args.pages)
        if not args.skip_thesis:
            scanned = build_scanned_pdf(source, folder / "scanned-thesis.pdf")
            with IsolatedExtractor() as extractor:
                started = time.monotonic()
                doc = extractor.extract(scanned, progress=Bar())
                wall = time.monotonic() - started
                peak = worker_peak_mib(extractor.pid)
            print(
                f"scanned thesis: {doc.pages} pages, {scanned.stat().st_size >> 20} MiB: "
                f"status {doc.status}, OCR read {len(doc.ocr_pages)} pages, "
                f"{len(doc.text)} characters, {len(doc.sections)} sections; {wall:.0f} s wall "
                f"({doc.pages / wall:.2f} pages/s), worker peak {peak:.0f} MiB"
                + (f"; reason: {doc.reason}" if doc.reason else "")
            )
        bad = split_bad_pages(bad_images_pdf(folder / "bad.pdf"), folder)
        bad["2000-image-pages"] = image_pages_pdf(folder / "images-2000.pdf", 2000)
        limits = ExtractionLimits(
            timeout_seconds=args.budget / 2, max_ocr_seconds=args.budget, ocr_page_seconds=5
        )
        with IsolatedExtractor(limits) as extractor:
            for name, path in bad.items():
                started = time.monotonic()
                doc = extractor.extract(path)
                wall = time.monotonic() - started
                peak = worker_peak_mib(extractor.pid)
                print(
                    f"{name}: status {doc.status} in {wall:.1f} s (budget {args.budget:g} s), "
                    f"worker peak {peak:.0f} MiB; reason: {(doc.reason or '')[:150]}"
                )
            doc = extractor.extract(source)
            print(f"a normal thesis right after: status {doc.status}, {doc.pages} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
