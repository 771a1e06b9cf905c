"""PDF reading with pdfminer.six: positioned glyphs per page, grouped into lines.

pdfminer's own layout analysis (LTChar objects, LAParams grouping) dominates its run time and
inserts spaces between Chinese characters. This reader uses pdfminer only to parse and interpret
the page content, records each glyph as a few floats, and groups glyphs into lines with numpy:
sort by baseline, split where the baseline jumps, sort each line by x. On the way it drops glyphs a
thesis never means as text: rotated watermarks, invisible sizes and fake-bold overprints (the same
glyph drawn two or three times at almost the same place, which naive extractors turn into
开开开学学学).
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
import re
from dataclasses import dataclass

import numpy as np
from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdffont import PDFFont, PDFSimpleFont, PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.psexceptions import PSEOF

from corpora.lines import Line, PageLines, ReadResult

logging.getLogger("pdfminer").setLevel(logging.ERROR)

UNMAPPED = "\ufffd"
FORMULA_GLYPH = "\ufffc"  # a formula-font glyph without a Unicode mapping (kept out of the text)
SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
SYMBOL_FONT = re.compile(r"^Symbol(?:MT)?(?:$|[-,])", re.I)
MATH_FONT = re.compile(
    r"^(?:CM(?:MI|SY|EX|BSY|MIB)\d|MSAM|MSBM|EUFM|EUSM|EURM|RSFS|ESINT|STMARY|WASY|LINEW?\d|"
    r"LMMath|LatinModernMath|STIX|XITS|Asana|MathJax|"
    r"MT-?Extra|Euclid|Symbol|.*Math(?:$|[-,]|Italic|Regular|Symbols|Extension))",
    re.I,
)
SPACE_RUN = re.compile(r"(?<=\S) {2,}(?=\S)| +(?=\t)|(?<=\t) +")


class PdfEncrypted(Exception):
    """The PDF needs a password we do not have (the empty user password did not open it)."""


class PdfTooLarge(Exception):
    """The PDF has more pages than the limit allows."""


class PdfCorrupt(Exception):
    """The PDF cannot be parsed at all."""


def is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x3000 <= code <= 0x303F
        or 0xFF00 <= code <= 0xFFEF
        or 0x20000 <= code <= 0x2FFFF
        or 0xF900 <= code <= 0xFAFF
    )


@dataclass
class _Glyphs:
    """Column buffers for one page's glyphs."""

    x0: list[float]
    x1: list[float]
    y: list[float]
    size: list[float]
    text: list[str]


class GlyphRecorder(PDFTextDevice):
    """A pdfminer device that records upright glyphs as (x0, x1, baseline, size, text)."""

    def __init__(self, rsrcmgr: PDFResourceManager) -> None:
        super().__init__(rsrcmgr)
        self.glyphs = _Glyphs([], [], [], [], [])
        self.images = 0
        self.image_pixels = 0
        self.filled_paths = 0
        self.unmapped = 0
        self.math_unmapped = 0
        self.total = 0
        self.embedded = 0
        self._glyph_cache: dict[tuple[int, int], tuple[str | None, float, bool, bool]] = {}
        self._fonts: list[PDFFont] = []  # keeps cached fonts alive so their ids stay unique

    def reset(self) -> None:
        self.glyphs = _Glyphs([], [], [], [], [])
        self.images = 0
        self.image_pixels = 0
        self.filled_paths = 0
        self.unmapped = 0
        self.math_unmapped = 0
        self.total = 0
        self.embedded = 0

    def render_image(self, name: str, stream: object) -> None:
        self.images += 1
        try:
            attrs = getattr(stream, "attrs", {})
            width = resolve1(attrs.get("Width", attrs.get("W", 0)))
            height = resolve1(attrs.get("Height", attrs.get("H", 0)))
            if isinstance(width, int | float) and isinstance(height, int | float):
                self.image_pixels = max(self.image_pixels, int(width) * int(height))
        except Exception:  # a broken image dictionary: the renderer will say more
            pass

    def paint_path(
        self, gstate: object, stroke: bool, fill: bool, evenodd: bool, path: object
    ) -> None:
        if fill:
            self.filled_paths += 1

    def render_char(
        self,
        matrix: tuple[float, float, float, float, float, float],
        font: PDFFont,
        fontsize: float,
        scaling: float,
        rise: float,
        cid: int,
        ncs: object,
        graphicstate: object,
    ) -> float:
        key = (id(font), cid)
        cached = self._glyph_cache.get(key)
        if cached is None:
            text = glyph_text(font, cid)
            math = text is None and is_math_font(font)
            cached = (text, font.char_width(cid), font_is_embedded(font), math)
            self._glyph_cache[key] = cached
            self._fonts.append(font)
        text, width, embedded, math = cached
        adv = width * fontsize * scaling
        a, b, c, d, e, f = matrix
        self.total += 1
        self.embedded += embedded
        if abs(b) > 1e-6 * (abs(a) + 1) or abs(c) > 1e-6 * (abs(d) + 1) or a <= 0 or d <= 0:
            return adv  # rotated or mirrored: watermarks, axis labels
        size = fontsize * d
        if size < 1.0:
            return adv
        if text is None and math:
            self.math_unmapped += 1  # a formula symbol: neither text nor a sign of garbage
            text = FORMULA_GLYPH
        elif text is None:
            self.unmapped += 1
            text = UNMAPPED
        elif not text:
            return adv
        elif text.isspace():
            text = " "
        g = self.glyphs
        g.x0.append(e)
        g.x1.append(e + a * adv)
        g.y.append(f + rise * d)
        g.size.append(size)
        g.text.append(text)
        return adv


def base_font_name(font: PDFFont) -> str:
    """The font's PostScript name without a subset prefix (ABCDEF+CMMI10 → CMMI10)."""
    return SUBSET_PREFIX.sub("", str(getattr(font, "basefont", "") or ""))


def glyph_text(font: PDFFont, cid: int) -> str | None:
    """The Unicode text of a glyph, or None when the PDF gives it no mapping.

    The standard Symbol font without a ToUnicode table has its own encoding (0x61 is α, 0xA3
    is ≤), which pdfminer reads as Latin letters; it is decoded here with the Symbol encoding.
    """
    if (
        isinstance(font, PDFSimpleFont)
        and font.unicode_map is None
        and 0 <= cid < 256
        and SYMBOL_FONT.match(base_font_name(font))
    ):
        return symbol_encoding()[cid] or None
    try:
        return font.to_unichr(cid)
    except PDFUnicodeNotDefined:
        return None
    except Exception:  # a broken ToUnicode map: treat the glyph as unmapped
        return None


def is_math_font(font: PDFFont) -> bool:
    """Whether the font is a formula font (TeX's CMMI/CMSY/CMEX, AMS, Cambria Math, Symbol, MT
    Extra, …): its unmapped glyphs are formula symbols, not a sign of an unreadable page."""
    return bool(MATH_FONT.match(base_font_name(font)))


@functools.lru_cache(maxsize=1)
def symbol_encoding() -> tuple[str, ...]:
    """Adobe's Symbol encoding, code → character ("" where the code is unused); read from
    reportlab's codec on first use only (few PDFs use the Symbol font without a map)."""
    from reportlab.pdfbase.rl_codecs import RL_Codecs

    RL_Codecs.register()
    table = [bytes([code]).decode("symbol", errors="ignore") for code in range(256)]
    return tuple("\u03bc" if char == "\u00b5" else char for char in table)  # micro sign → mu


def font_is_embedded(font: PDFFont) -> bool:
    """Whether the PDF carries the font's glyph outlines (then a renderer draws what was meant)."""
    descriptor = getattr(font, "descriptor", None)
    return isinstance(descriptor, dict) and any(
        key in descriptor for key in ("FontFile", "FontFile2", "FontFile3")
    )


def group_lines(glyphs: _Glyphs, page_height: float) -> list[Line]:
    """Groups a page's glyphs into lines in reading order (top to bottom, left to right)."""
    if not glyphs.text:
        return []
    x0 = np.asarray(glyphs.x0)
    x1 = np.asarray(glyphs.x1)
    y = np.asarray(glyphs.y)
    size = np.asarray(glyphs.size)
    text = np.asarray(glyphs.text, dtype=object)
    by_y = np.argsort(-y, kind="stable")
    ys = y[by_y]
    tolerance = 0.45 * np.maximum(size[by_y][1:], size[by_y][:-1])
    new_line = np.concatenate(([True], (ys[:-1] - ys[1:]) > tolerance))
    line_id = np.empty_like(by_y)
    line_id[by_y] = np.cumsum(new_line) - 1
    line_id = split_stacked_rows(line_id, x0, y, size)
    line_id, anchor, block = attach_satellites(line_id, x0, x1, y, size)
    order = np.lexsort((x0, block, anchor, line_id))
    x0, x1, size, text, line_id = x0[order], x1[order], size[order], text[order], line_id[order]
    y, block = y[order], block[order]
    same_line = np.concatenate(([False], (line_id[1:] == line_id[:-1]) & (block[1:] == block[:-1])))
    overprint = (
        same_line
        & np.concatenate(([False], text[1:] == text[:-1]))
        & np.concatenate(
            ([False], (x0[1:] - x0[:-1]) < 0.5 * (x1[:-1] - x0[:-1]) + 0.02 * size[1:])
        )
    )
    keep = ~overprint
    x0, x1, size, text, line_id = x0[keep], x1[keep], size[keep], text[keep], line_id[keep]
    y, block = y[keep], block[keep]
    starts = np.flatnonzero(np.concatenate(([True], line_id[1:] != line_id[:-1])))
    ends = np.append(starts[1:], len(text))
    gaps = np.concatenate(([0.0], x0[1:] - x1[:-1]))
    # where a raised or lowered part (a numerator, a limit) begins or ends, keep a word space
    switch = np.concatenate(([False], block[1:] != block[:-1]))
    gaps = np.where(switch, np.maximum(gaps, 0.2 * size), gaps)
    lines: list[Line] = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        chars = text[start:end].tolist()
        line_gaps = gaps[start:end]
        line_size = float(np.median(size[start:end]))
        wide = np.flatnonzero(line_gaps[1:] > 0.15 * line_size) + 1
        pieces: list[str] = []
        previous = 0
        for index in wide.tolist():
            left, right = chars[index - 1][-1], chars[index][0]
            if left == " " or right == " ":
                continue
            gap = float(line_gaps[index])
            if gap > 3.0 * line_size:
                separator = "\t"
            elif is_cjk(left) and is_cjk(right) and gap < 0.8 * line_size:
                continue
            else:
                separator = " "
            pieces.append("".join(chars[previous:index]))
            pieces.append(separator)
            previous = index
        pieces.append("".join(chars[previous:]))
        line_text = SPACE_RUN.sub(" ", "".join(pieces)).strip(" ")
        if not line_text:
            continue
        lines.append(
            Line(
                text=line_text,
                x0=float(x0[start]),
                x1=float(x1[end - 1]),
                top=float(page_height - np.max(y[start:end])),
                size=line_size,
            )
        )
    return lines


def split_stacked_rows(
    line_id: np.ndarray, x0: np.ndarray, y: np.ndarray, size: np.ndarray
) -> np.ndarray:
    """Splits a line whose full-size glyphs sit on several baselines (a display fraction's
    numerator and denominator, chained to the equation's baseline through raised and lowered
    scripts) into one line per baseline, top to bottom. Scripts and other small glyphs go with
    the full-size glyph they follow. Lines on one baseline keep their id order."""
    count = int(line_id.max()) + 1 if len(line_id) else 0
    if count == 0:
        return line_id
    em = np.zeros(count)
    np.maximum.at(em, line_id, size)
    full = size >= 0.8 * em[line_id]
    high = np.full(count, -np.inf)
    low = np.full(count, np.inf)
    np.maximum.at(high, line_id[full], y[full])
    np.minimum.at(low, line_id[full], y[full])
    stacked = np.flatnonzero(high - low > 0.6 * em)
    if not stacked.size:
        return line_id
    row = np.zeros(len(line_id))  # minus the baseline of the glyph's row, within its line
    for line in stacked.tolist():
        members = np.flatnonzero(line_id == line)
        big = members[full[members]]
        heights = np.sort(y[big])[::-1]
        cuts = np.flatnonzero(-np.diff(heights) > 0.45 * em[line]) + 1
        rows = np.array([part[0] for part in np.split(heights, cuts)])  # each row's top baseline
        nearest = np.abs(y[big][:, None] - rows[None, :]).argmin(axis=1)
        by_x = np.argsort(x0[big], kind="stable")
        before = np.searchsorted(x0[big][by_x], x0[members], side="right") - 1
        owner = by_x[np.clip(before, 0, len(big) - 1)]
        row[members] = -rows[nearest[owner]]
        row[big] = -rows[nearest]
    order = np.lexsort((row, line_id))
    changed = np.concatenate(([True], (np.diff(line_id[order]) != 0) | (np.diff(row[order]) != 0)))
    split = np.empty_like(line_id)
    split[order] = np.cumsum(changed) - 1
    return split


def attach_satellites(
    line_id: np.ndarray, x0: np.ndarray, x1: np.ndarray, y: np.ndarray, size: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Joins the parts of a formula set above or below its line to that line.

    A display fraction's numerator and denominator, limits above and below a sum, or a
    superscript raised more than the baseline tolerance form short "lines" of their own within
    one em of a longer line. Such a satellite (at most half as wide as its neighbour, inside its
    horizontal extent, closer than 0.95 of the neighbour's size, which no line spacing of body
    text is) is given the neighbour's line id. Returns the new line ids, and for each glyph the
    x where its part starts (`anchor`; satellites stacked over each other share the leftmost)
    and its part (`block`: the original line id, top first), so that a satellite's glyphs are
    read together, a numerator before its denominator, where the satellite starts.
    """
    count = int(line_id.max()) + 1 if len(line_id) else 0
    if count < 2:
        return line_id, x0, line_id
    left = np.full(count, np.inf)
    right = np.full(count, -np.inf)
    np.minimum.at(left, line_id, x0)
    np.maximum.at(right, line_id, x1)
    height = np.zeros(count)
    np.maximum.at(height, line_id, size)
    by_line = np.lexsort((y, line_id))
    members = np.bincount(line_id, minlength=count)
    baseline = y[by_line][np.cumsum(members) - members + members // 2]  # median baseline
    width = right - left
    parent = np.arange(count)
    for line in range(count):
        best, best_distance = -1, np.inf
        for other in (line - 1, line + 1):
            if other < 0 or other >= count or parent[other] != other:
                continue
            em = height[other]
            distance = abs(baseline[line] - baseline[other])
            if (
                distance < 0.95 * em
                and width[line] <= 0.5 * width[other]
                and left[line] >= left[other] - 0.5 * em
                and right[line] <= right[other] + 0.5 * em
                and distance < best_distance
            ):
                best, best_distance = other, distance
        if best >= 0:
            parent[line] = best
    if np.all(parent == np.arange(count)):
        return line_id, x0, line_id
    start = left.copy()  # a stack of satellites (numerator over denominator) starts together
    satellites = np.flatnonzero(parent != np.arange(count)).tolist()
    for one in satellites:
        for other in satellites:
            if (
                parent[one] == parent[other]
                and left[other] <= right[one]
                and left[one] <= right[other]
            ):
                start[one] = min(start[one], left[other])
    satellite = parent[line_id] != line_id
    anchor = np.where(satellite, start[line_id], x0)
    _, merged = np.unique(parent, return_inverse=True)
    return merged[line_id], anchor, line_id


def page_count(document: PDFDocument) -> int:
    """The page count the document's page tree declares (0 when it does not say)."""
    try:
        pages = resolve1(document.catalog.get("Pages"))
        count = resolve1(pages.get("Count")) if isinstance(pages, dict) else None
        return int(count) if isinstance(count, int | float) and count >= 0 else 0
    except Exception:
        return 0


def _info(document: PDFDocument) -> dict[str, str]:
    out: dict[str, str] = {}
    for info in document.info[:1]:
        for key in ("Title", "Author", "Subject", "Producer", "Creator"):
            value = resolve1(info.get(key))
            if isinstance(value, bytes):
                if value.startswith(b"\xfe\xff"):
                    text = value[2:].decode("utf-16-be", "replace")
                else:
                    text = value.decode("latin-1")
                out[key.lower()] = text.strip("\x00 ")
            elif isinstance(value, str):
                out[key.lower()] = value
    return out


def _damaged_after(pages_read: int, exc: Exception) -> str:
    """Why a PDF stops after `pages_read` pages; PdfCorrupt when not even one could be read."""
    if not pages_read:
        raise PdfCorrupt(
            f"the PDF's page tree cannot be read ({type(exc).__name__}: {exc})"
        ) from exc
    return f"the PDF is damaged after page {pages_read} ({type(exc).__name__})"


def list_pages(document: PDFDocument, max_pages: int) -> tuple[list[PDFPage], str | None]:
    """The pages the page tree really holds, counted before any is read (its /Count can lie).

    Raises PdfTooLarge with the real count when there are more than `max_pages`, PdfCorrupt when
    no page can be found; a tree damaged part-way gives the pages before the damage and a reason.
    """
    pages: list[PDFPage] = []
    cap = 10 * max_pages + 1000
    problem: str | None = None
    try:
        for page in PDFPage.create_pages(document):
            pages.append(page)
            if len(pages) > cap:
                break
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:
        problem = _damaged_after(len(pages), exc)
    if len(pages) > max_pages:
        more = "more than " if len(pages) > cap else ""
        raise PdfTooLarge(
            f"the PDF has {more}{len(pages)} pages, more than the limit of {max_pages}"
        )
    return pages, problem


MAX_OUTLINE_ENTRIES = 2000


def read_outline(document: PDFDocument, pages: list[PDFPage]) -> list[tuple[int, str, int]]:
    """The bookmarks as (level, title, 0-based page); entries whose target is unknown are left
    out, and a broken or cyclic outline gives what was read before the damage."""
    index_of = {page.pageid: i for i, page in enumerate(pages)}
    out: list[tuple[int, str, int]] = []
    try:
        for level, title, dest, action, _ in itertools.islice(
            document.get_outlines(), MAX_OUTLINE_ENTRIES
        ):
            target = resolve1(dest)
            if target is None and isinstance(resolve1(action), dict):
                target = resolve1(resolve1(action).get("D"))
            if isinstance(target, bytes | str) or hasattr(target, "name"):
                name = getattr(target, "name", target)
                target = resolve1(document.get_dest(name))
            if isinstance(target, dict):
                target = resolve1(target.get("D"))
            if isinstance(target, list) and target:
                ref = target[0]
                page = index_of.get(getattr(ref, "objid", None))
                if page is not None and isinstance(title, str) and title.strip():
                    out.append((int(level), title.strip(), page))
    except (MemoryError, RecursionError):
        return out
    except Exception:  # no outline, or a broken one: structure falls back to the text
        return out
    return out


def read_pdf(data: bytes, *, max_pages: int) -> ReadResult:
    """Reads a PDF's pages as lines; raises PdfEncrypted, PdfTooLarge or PdfCorrupt."""
    try:
        parser = PDFParser(io.BytesIO(data))
        document = PDFDocument(parser, password="")
    except PDFPasswordIncorrect as exc:
        raise PdfEncrypted(
            "the PDF is encrypted with a password (the empty one did not open it)"
        ) from exc
    except PDFEncryptionError as exc:
        raise PdfEncrypted(
            f"the PDF uses an encryption scheme that cannot be opened: {exc}"
        ) from exc
    except (MemoryError, RecursionError):
        raise
    except PSEOF as exc:
        raise PdfCorrupt("the PDF is truncated (unexpected end of file)") from exc
    except Exception as exc:
        raise PdfCorrupt(f"not a readable PDF ({type(exc).__name__}: {exc})".strip()) from exc
    declared = page_count(document)
    if declared > max_pages:
        raise PdfTooLarge(f"the PDF has {declared} pages, more than the limit of {max_pages}")
    manager = PDFResourceManager(caching=True)
    device = GlyphRecorder(manager)
    interpreter = PDFPageInterpreter(manager, device)
    pages: list[PageLines] = []
    try:
        info = _info(document)
    except Exception:
        info = {}
    listed, problem = list_pages(document, max_pages)
    try:
        for number, page in enumerate(listed, start=1):
            device.reset()
            x_min, y_min, x_max, y_max = (float(v) for v in page.mediabox)
            try:
                interpreter.process_page(page)
            except (MemoryError, RecursionError):
                raise
            except Exception as exc:
                problem = problem or f"page {number} could not be read ({type(exc).__name__})"
            lines = group_lines(device.glyphs, y_max)
            pages.append(
                PageLines(
                    lines=lines,
                    height=y_max - y_min,
                    width=x_max - x_min,
                    images=device.images,
                    image_pixels=device.image_pixels,
                    filled_paths=device.filled_paths,
                    unmapped_glyphs=device.unmapped,
                    glyphs=device.total,
                    embedded_glyphs=device.embedded,
                )
            )
    except PdfTooLarge:
        raise
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:
        problem = _damaged_after(len(pages), exc)
    if not pages:
        raise PdfCorrupt("the PDF has no pages")
    if b"%%EOF" not in data[-2048:] and problem is None:
        problem = "the file is truncated (no end-of-file marker); text may be missing"
    if declared and len(pages) < declared and problem is None:
        problem = f"only {len(pages)} of {declared} pages could be read"
    outline = read_outline(document, listed[: len(pages)])
    return ReadResult(pages=pages, info=info, problem=problem, has_geometry=True, outline=outline)
