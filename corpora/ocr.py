"""OCR of PDF pages without usable text: render with pdfium, recognise with PP-OCR, return lines.

Scanned pages, pages whose glyphs have no Unicode mapping and pages that decode to mojibake are
rendered (`pypdfium2`) and read by RapidOCR's PP-OCRv4 Chinese+English models, which ship inside
the `rapidocr-onnxruntime` package and run on onnxruntime on the CPU, so nothing is downloaded at
run time. The recognised text boxes become the same `Line` objects (in PDF points) that the text
layer gives, so layout repair, offsets, page numbers and screening work unchanged.

Speed: the angle classifier is off (thesis pages are upright), text detection runs on the page
scaled to at most `det_side` pixels while recognition crops come from the full rendering, text
lines are recognised at a height of `rec_height` pixels (32: under half the work of the
model's 48, and as accurate on Chinese; lines that come out mostly Latin letters are read again
at 40, where the spaces between English words survive), and pages
are recognised on `threads` threads at once (one onnxruntime thread each: whole pages in
parallel scale better on two cores than intra-operator threads). Pages are rendered one at a
time on the calling thread (pdfium is not thread-safe) and at most `threads + 1` renderings are
held at once.

Bounds: a page is rendered at `dpi` but never larger than `max_side` pixels a side; pages that
embed an image of more than `max_image_pixels` pixels are not rendered (decoding it alone could
take gigabytes); OCR stops at a deadline and reports the pages it did not reach.
"""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corpora.lines import Line
from corpora.pdf import is_cjk

OCR_MODES = ("auto", "never", "always")
LATIN_REC_HEIGHT = 40  # 48 is the model's training height; 40 keeps English word spaces
Progress = Callable[[int, int], None]
SPACES = re.compile(r"\s+")

__all__ = [
    "OCR_MODES",
    "OcrOutcome",
    "OcrSettings",
    "PageRecognizer",
    "boxes_to_lines",
    "ocr_pdf_pages",
]


class OcrUnavailable(Exception):
    """The OCR engine or the PDF renderer cannot be loaded in this environment."""


@dataclass(frozen=True)
class OcrSettings:
    """How pages are rendered and recognised (the defaults are what the benchmark measured)."""

    dpi: int = 200
    max_side: int = 3600
    max_image_pixels: int = 60_000_000
    det_side: int = 1024
    rec_height: int = 32
    threads: int = 2
    min_score: float = 0.5
    rec_batch: int = 8


@dataclass
class OcrOutcome:
    """Lines per OCR'd page (0-based), pages skipped with a reason, and why OCR stopped early."""

    lines: dict[int, list[Line]] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)
    stopped: str | None = None


class PageRecognizer:
    """One loaded OCR engine (about 0.5 s to load, so a worker keeps it for every file)."""

    _shared: dict[tuple[int, int, int, int], PageRecognizer] = {}
    _lock = threading.Lock()

    def __init__(self, settings: OcrSettings) -> None:
        try:
            import cv2  # noqa: F401  (installed with rapidocr-onnxruntime)
            from rapidocr_onnxruntime import RapidOCR
        except Exception as exc:  # missing package or a broken onnxruntime install
            raise OcrUnavailable(f"the OCR engine cannot be loaded ({exc})") from exc
        self.settings = settings
        self._engine: Any = RapidOCR(
            use_cls=False,
            print_verbose=False,
            text_score=settings.min_score,
            max_side_len=settings.max_side,
            det_limit_type="max",
            det_limit_side_len=settings.det_side,
            rec_batch_num=settings.rec_batch,
            rec_img_shape=[3, settings.rec_height, 320],
            intra_op_num_threads=1,
            inter_op_num_threads=1,
        )
        self._latin: Any = self._engine.text_rec
        if settings.rec_height < LATIN_REC_HEIGHT:
            self._latin = copy.copy(self._engine.text_rec)  # shares the loaded model
            self._latin.rec_image_shape = [3, LATIN_REC_HEIGHT, 320]

    @classmethod
    def shared(cls, settings: OcrSettings) -> PageRecognizer:
        """The process-wide engine for these settings (models load once per worker)."""
        key = (settings.max_side, settings.det_side, settings.rec_batch, settings.rec_height)
        with cls._lock:
            engine = cls._shared.get(key)
            if engine is None:
                engine = cls._shared[key] = cls(settings)
            return engine

    def recognise(self, image: np.ndarray, scale: float) -> list[Line]:
        """The text lines of one rendered page, in PDF points (`scale` pixels per point).

        Lines are recognised at `rec_height`; lines that come out mostly Latin letters are
        recognised again at `LATIN_REC_HEIGHT`, where spaces between words survive. A page
        whose sampled lines are mostly Latin is read at that height straight away.
        """
        import cv2

        engine = self._engine
        height, width = image.shape[:2]
        factor = min(1.0, self.settings.det_side / max(height, width, 1))
        small = image
        if factor < 1.0:
            size = (max(1, round(width * factor)), max(1, round(height * factor)))
            small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        found, _ = engine.text_det(small)  # the library would detect on up to 2,000 pixels
        if found is None or len(found) == 0:
            return []
        boxes = engine.sorted_boxes((np.asarray(found) / factor).astype(np.float32))
        crops = engine.get_crop_img_list(image, boxes)
        sample = list(range(0, len(crops), max(1, len(crops) // 4)))[:4]
        probe, _ = engine.text_rec([crops[i] for i in sample])
        if sum(mostly_latin(text) for text, _ in probe) * 2 > len(sample):
            results, _ = self._latin(crops)  # an English page: every line at the Latin height
        else:
            results, _ = engine.text_rec(crops)
            latin = [i for i, (text, _) in enumerate(results) if mostly_latin(text)]
            if latin and self._latin is not engine.text_rec:
                again, _ = self._latin([crops[i] for i in latin])
                for i, result in zip(latin, again, strict=True):
                    results[i] = result
        recognised = [
            (np.asarray(box, dtype=np.float64), str(result[0]), float(result[1]))
            for box, result in zip(boxes, results, strict=True)
        ]
        return boxes_to_lines(recognised, scale, self.settings.min_score)


def mostly_latin(text: str) -> bool:
    """Whether at least half of the line's visible characters are ASCII letters."""
    visible = [c for c in text if not c.isspace()]
    return bool(visible) and sum(c.isascii() and c.isalpha() for c in visible) * 2 >= len(visible)


def _joiner(left: str, right: str, gap: float, size: float) -> str:
    if gap > 3.0 * size:
        return "\t"
    if left and right and is_cjk(left[-1]) and is_cjk(right[0]):
        return ""
    return " "


def boxes_to_lines(
    boxes: Iterable[tuple[np.ndarray, str, float]], scale: float, min_score: float = 0.5
) -> list[Line]:
    """Merges recognised boxes on one baseline into lines, top to bottom, left to right.

    A box is four (x, y) pixel corners. Boxes whose vertical extents overlap by more than half
    the smaller height belong to one line (a header split into left and right parts, a contents
    entry and its page number); pieces are joined like text-layer glyphs: a tab across a wide gap,
    nothing between Chinese characters, else a space. Font size is estimated from the box height.
    """
    items = []
    for corners, text, score in boxes:
        text = SPACES.sub(" ", text).strip()
        if not text or score < min_score:
            continue
        xs, ys = corners[:, 0], corners[:, 1]
        items.append((float(ys.min()), float(ys.max()), float(xs.min()), float(xs.max()), text))
    if not items:
        return []
    items.sort(key=lambda item: (item[0] + item[1]) / 2)
    groups: list[list[tuple[float, float, float, float, str]]] = []
    for item in items:
        if groups:
            last = groups[-1]
            top = max(i[0] for i in last)
            bottom = min(i[1] for i in last)
            height = min(item[1] - item[0], max(i[1] - i[0] for i in last))
            if min(bottom, item[1]) - max(top, item[0]) > 0.5 * height:
                last.append(item)
                continue
        groups.append([item])
    lines: list[Line] = []
    for group in groups:
        group.sort(key=lambda item: item[2])
        height = float(np.median([i[1] - i[0] for i in group]))
        size = 0.8 * height / scale  # detection boxes are padded around the glyphs
        pieces = [group[0][4]]
        for previous, item in zip(group, group[1:], strict=False):
            gap = (item[2] - previous[3]) / scale
            pieces.append(_joiner(pieces[-1], item[4], gap, size))
            pieces.append(item[4])
        lines.append(
            Line(
                text="".join(pieces),
                x0=group[0][2] / scale,
                x1=max(i[3] for i in group) / scale,
                top=min(i[0] for i in group) / scale,
                size=round(size * 2) / 2,
            )
        )
    return lines


def _render(pdf: Any, index: int, settings: OcrSettings) -> tuple[np.ndarray, float]:
    page = pdf[index]
    try:
        width, height = page.get_size()
        scale = settings.dpi / 72.0
        longest = max(width, height, 1.0)
        scale = min(scale, settings.max_side / longest)
        bitmap = page.render(scale=scale, grayscale=True)
        image = np.array(bitmap.to_numpy(), copy=True)
    finally:
        page.close()
    if image.ndim == 3:
        image = image[:, :, 0]
    return np.ascontiguousarray(np.stack([image] * 3, axis=-1)), scale


def ocr_pdf_pages(
    data: bytes,
    pages: list[int],
    *,
    settings: OcrSettings | None = None,
    image_pixels: dict[int, int] | None = None,
    deadline: float | None = None,
    progress: Progress | None = None,
) -> OcrOutcome:
    """OCRs the given 0-based pages of a PDF; never raises for a bad page (it is skipped).

    `image_pixels` gives the largest embedded image of each page (from the text-layer pass);
    `deadline` is a `time.monotonic()` value after which no new page is started.
    """
    settings = settings or OcrSettings()
    outcome = OcrOutcome()
    if not pages:
        return outcome
    try:
        import pypdfium2
    except Exception as exc:
        raise OcrUnavailable(f"the PDF renderer cannot be loaded ({exc})") from exc
    recognizer = PageRecognizer.shared(settings)
    try:
        pdf = pypdfium2.PdfDocument(data)
    except Exception as exc:
        for index in pages:
            outcome.skipped[index] = f"the page cannot be rendered ({exc})"
        return outcome
    done = 0
    total = len(pages)
    if progress is not None:
        progress(0, total)  # announces the OCR (the isolation parent extends its time budget)
    pending: list[tuple[int, Future[list[Line]]]] = []

    def collect(block: bool) -> None:
        nonlocal done
        while pending and (block or pending[0][1].done()):
            index, future = pending.pop(0)
            try:
                outcome.lines[index] = future.result()
            except MemoryError:
                outcome.skipped[index] = "the page needs more memory than allowed to OCR"
            except Exception as exc:
                outcome.skipped[index] = f"OCR failed on the page ({type(exc).__name__})"
            done += 1
            if progress is not None:
                progress(done, total)
            if block:
                return

    with ThreadPoolExecutor(max_workers=max(1, settings.threads)) as pool:
        try:
            for position, index in enumerate(pages):
                if deadline is not None and time.monotonic() > deadline:
                    left = pages[position:]
                    outcome.stopped = (
                        f"OCR stopped at the time limit: {len(left)} of {total} page(s) not read"
                    )
                    for rest in left:
                        outcome.skipped[rest] = "not reached before the time limit"
                    break
                pixels = (image_pixels or {}).get(index, 0)
                if pixels > settings.max_image_pixels:
                    outcome.skipped[index] = (
                        f"an embedded image of {pixels} pixels is too large to OCR"
                    )
                    done += 1
                    continue
                try:
                    image, scale = _render(pdf, index, settings)
                except MemoryError:
                    outcome.skipped[index] = "the page needs more memory than allowed to render"
                    done += 1
                    continue
                except Exception as exc:
                    outcome.skipped[index] = f"the page cannot be rendered ({type(exc).__name__})"
                    done += 1
                    continue
                pending.append((index, pool.submit(recognizer.recognise, image, scale)))
                del image
                while len(pending) > settings.threads:
                    collect(block=True)
                collect(block=False)
            while pending:
                collect(block=True)
        finally:
            for _, future in pending:
                future.cancel()
            pdf.close()
    return outcome
