"""One thesis file in, one typed outcome out: clean structured text, or a status saying why not.

The file type comes from the bytes (PDF, DOCX, text), not the name. Statuses:
`ok`, `partial` (some pages unreadable or the file damaged, the rest extracted), `encrypted`,
`no_text_layer` (scanned, needs OCR), `not_extractable` (unmapped glyphs, mojibake), `corrupt`,
`too_large` and `unsupported`. Anything but `ok`/`partial` has empty text and a reason.

PDF pages without usable text (scanned, unmapped glyphs, mojibake, text drawn as outlines) are
read by OCR (`corpora.ocr`) unless the OCR mode is `never`; their 1-based numbers are
`ocr_pages`, and a file whose every page was recovered that way is `ok`.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from corpora.layout import assemble
from corpora.lines import PageLines, ReadResult
from corpora.metadata import read_cover_metadata
from corpora.ocr import OCR_MODES, OcrSettings, OcrUnavailable, ocr_pdf_pages
from corpora.offsets import page_index, raw_span
from corpora.pdf import PdfCorrupt, PdfEncrypted, PdfTooLarge, read_pdf
from corpora.plaintext import UndecodableText, read_text
from corpora.quality import garbage_reason, signature
from corpora.quotes import find_citations, find_quotes
from corpora.structure import Heading, Section, detect_sections, outline_headings
from corpora.word import DocxCorrupt, DocxTooLarge, read_docx

STATUSES = (
    "ok",
    "partial",
    "encrypted",
    "no_text_layer",
    "not_extractable",
    "corrupt",
    "too_large",
    "unsupported",
)
FORMATS = ("pdf", "docx", "txt")
LEADER_DOTS = re.compile(r"[.·…．⋯_\-]{3,}")

__all__ = [
    "ExtractedDocument",
    "ExtractionLimits",
    "Section",
    "STATUSES",
    "detect_format",
    "extract_bytes",
    "extract_file",
]


OCR_TIME_SHARE = 0.8  # OCR starts no new page after this share of the time budget
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExtractionLimits:
    """Bounds that keep one hostile or huge file from stalling a batch, and the OCR mode.

    `ocr`: `auto` reads pages without usable text by OCR, `always` OCRs every PDF page (the
    text layer is ignored), `never` reports such pages by status only.
    """

    max_bytes: int = 512 * 1024 * 1024
    max_pages: int = 3000
    max_characters: int = 10_000_000
    timeout_seconds: float = 300.0
    memory_bytes: int = 3 * 1024 * 1024 * 1024
    ocr: str = "auto"
    ocr_page_seconds: float = 15.0
    max_ocr_seconds: float = 1800.0

    def __post_init__(self) -> None:
        if self.ocr not in OCR_MODES:
            raise ValueError(f"ocr must be one of {', '.join(OCR_MODES)}, not {self.ocr!r}")

    def time_budget(self, ocr_pages: int) -> float:
        """Seconds allowed for a file with this many pages to OCR: the time limit plus
        `ocr_page_seconds` a page, at most `max_ocr_seconds` (never less than the time limit)."""
        if ocr_pages <= 0:
            return self.timeout_seconds
        extended = self.timeout_seconds + ocr_pages * self.ocr_page_seconds
        return max(self.timeout_seconds, min(extended, self.max_ocr_seconds))


@dataclass(frozen=True)
class ExtractedDocument:
    """The extraction outcome; offsets count `str` characters of `text` (end-exclusive)."""

    file: str
    status: str
    reason: str | None
    pages: int
    text: str
    page_starts: tuple[int, ...]
    sections: tuple[Section, ...]
    metadata: Mapping[str, str]
    quotes: tuple[tuple[int, int], ...]
    citations: tuple[tuple[int, int], ...]
    format: str = ""
    sha256: str = ""
    raw_text: str = field(default="", repr=False)
    raw_page_starts: tuple[int, ...] = field(default=(), repr=False)
    origin: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False, compare=False
    )
    warnings: tuple[str, ...] = ()
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text was recognised by OCR
    headings: tuple[Heading, ...] = ()  # the PDF bookmarks' chapters, sections, subsections

    @property
    def usable(self) -> bool:
        return self.status in ("ok", "partial")

    def page_of(self, offset: int) -> int:
        """1-based page holding clean-text `offset`."""
        return page_index(self.page_starts, offset) + 1 if self.pages else 1

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the raw extracted text that clean text[start:end] came from."""
        return raw_span(self.origin, start, end, len(self.raw_text))

    def to_json(self, *, include_raw: bool = False) -> dict[str, Any]:
        """The contract object of `spotcheck extract --json`, with extra fields."""
        out: dict[str, Any] = {
            "file": self.file,
            "status": self.status,
            "reason": self.reason,
            "pages": self.pages,
            "text": self.text,
            "page_starts": list(self.page_starts),
            "sections": [
                {"kind": s.kind, "title": s.title, "start": s.start, "end": s.end}
                for s in self.sections
            ],
            "metadata": dict(self.metadata),
            "quotes": [{"start": s, "end": e} for s, e in self.quotes],
            "citations": [{"start": s, "end": e} for s, e in self.citations],
            "format": self.format,
            "sha256": self.sha256,
            "characters": len(self.text),
            "warnings": list(self.warnings),
            "ocr_pages": list(self.ocr_pages),
            "headings": [
                {"level": h.level, "title": h.title, "start": h.start, "end": h.end}
                for h in self.headings
            ],
        }
        if include_raw:
            out["raw_text"] = self.raw_text
            out["raw_page_starts"] = list(self.raw_page_starts)
            out["origin"] = self.origin.tolist()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExtractedDocument:
        """Inverse of `to_json(include_raw=True)` (used across the isolation boundary)."""
        return cls(
            file=data["file"],
            status=data["status"],
            reason=data.get("reason"),
            pages=int(data["pages"]),
            text=data["text"],
            page_starts=tuple(data["page_starts"]),
            sections=tuple(
                Section(s["kind"], s["title"], s["start"], s["end"]) for s in data["sections"]
            ),
            metadata=MappingProxyType(dict(data["metadata"])),
            quotes=tuple((q["start"], q["end"]) for q in data["quotes"]),
            citations=tuple((c["start"], c["end"]) for c in data["citations"]),
            format=data.get("format", ""),
            sha256=data.get("sha256", ""),
            raw_text=data.get("raw_text", ""),
            raw_page_starts=tuple(data.get("raw_page_starts", ())),
            origin=np.asarray(data.get("origin", []), dtype=np.int64),
            warnings=tuple(data.get("warnings", ())),
            ocr_pages=tuple(int(p) for p in data.get("ocr_pages", ())),
            headings=tuple(
                Heading(int(h["level"]), h["title"], int(h["start"]), int(h["end"]))
                for h in data.get("headings", ())
            ),
        )


def failure(
    file: str,
    status: str,
    reason: str,
    *,
    pages: int = 0,
    fmt: str = "",
    sha256: str = "",
    metadata: Mapping[str, str] | None = None,
) -> ExtractedDocument:
    """An outcome without text: the file could not be turned into text, and why."""
    return ExtractedDocument(
        file=file,
        status=status,
        reason=reason,
        pages=pages,
        text="",
        page_starts=(0,) * pages,
        sections=(),
        metadata=MappingProxyType(dict(metadata or {})),
        quotes=(),
        citations=(),
        format=fmt,
        sha256=sha256,
    )


def detect_format(data: bytes, name: str) -> tuple[str | None, str | None]:
    """(format, None) or (None, status:reason) from the file's leading bytes and name."""
    suffix = Path(name).suffix.lower()
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf", None
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx", None
                return None, "unsupported:a ZIP archive that is not a Word document (DOCX)"
        except zipfile.BadZipFile:
            status = "corrupt" if suffix == ".docx" else "unsupported"
            return None, f"{status}:a broken ZIP container, not a readable DOCX"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return None, "unsupported:a legacy Word/WPS .doc file; save it as DOCX or PDF"
    if data.startswith(b"{\\rtf"):
        return None, "unsupported:an RTF file; save it as DOCX or PDF"
    for magic, kind in (
        (b"\x89PNG", "PNG"),
        (b"\xff\xd8\xff", "JPEG"),
        (b"II*\x00", "TIFF"),
        (b"MM\x00*", "TIFF"),
        (b"GIF8", "GIF"),
    ):
        if data.startswith(magic):
            return None, f"unsupported:a {kind} image, not a document (scans need OCR first)"
    if suffix == ".pdf":
        return None, "corrupt:not a PDF (the file does not start with %PDF-)"
    if suffix == ".docx":
        return None, "corrupt:not a DOCX (the file is not a ZIP container)"
    return "txt", None


MIN_OUTLINE_PATHS = 300  # a text-less page with this many filled paths holds text as outlines


def page_text(page: PageLines) -> str:
    """A page's characters without leader dots (what the quality checks look at)."""
    return LEADER_DOTS.sub("", "".join(line.text for line in page.lines))


def pages_needing_ocr(read: ReadResult, mode: str) -> list[int]:
    """0-based pages whose text layer is missing or unusable (every page for mode `always`).

    Missing: almost no characters on a page that holds an image (a scan) or thousands of filled
    paths (text drawn as outlines). Unusable: 30% or more of the page's glyphs without a Unicode
    mapping, or characters with the signature of mojibake or letter soup, drawn mostly with
    embedded fonts (a renderer shows what was meant only when the PDF carries the outlines;
    without them it substitutes a system font and OCR would read the same garbage).
    """
    if mode == "never":
        return []
    if mode == "always":
        return list(range(len(read.pages)))
    wanted: list[int] = []
    for index, page in enumerate(read.pages):
        text = page_text(page)
        if len(text.strip()) < 5:
            missing = bool(page.images) or page.filled_paths >= MIN_OUTLINE_PATHS
        elif page.embedded_glyphs >= 0.5 * page.glyphs:
            unmapped = page.glyphs > 0 and page.unmapped_glyphs >= 0.3 * page.glyphs
            missing = unmapped or (
                len(text) >= 30 and garbage_reason(signature(text), strict=False) is not None
            )
        else:
            missing = False
        if missing:
            wanted.append(index)
    return wanted


@dataclass(frozen=True)
class OcrResult:
    """What OCR changed: the pages now read, which pages it processed, and what went wrong."""

    read: ReadResult
    recognised: tuple[int, ...] = ()  # 1-based pages that got their text from OCR
    processed: frozenset[int] = frozenset()  # 0-based pages OCR looked at (text found or not)
    problems: tuple[str, ...] = ()


def recover_by_ocr(
    read: ReadResult,
    data: bytes,
    limits: ExtractionLimits,
    *,
    started: float,
    progress: Progress | None = None,
) -> OcrResult:
    """Replaces the lines of pages without usable text by OCR'd lines (see `pages_needing_ocr`).

    OCR starts no new page after `OCR_TIME_SHARE` of the file's time budget (counted from the
    `started` monotonic time), so the answer comes back within the budget.
    """
    wanted = pages_needing_ocr(read, limits.ocr)
    if not wanted:
        return OcrResult(read)
    deadline = started + OCR_TIME_SHARE * limits.time_budget(len(wanted))
    try:
        outcome = ocr_pdf_pages(
            data,
            wanted,
            settings=OcrSettings(),
            image_pixels={i: read.pages[i].image_pixels for i in wanted},
            deadline=deadline,
            progress=progress,
        )
    except OcrUnavailable as exc:
        return OcrResult(read, problems=(f"{len(wanted)} page(s) need OCR, which failed: {exc}",))
    pages = list(read.pages)
    recognised: list[int] = []
    for index, lines in outcome.lines.items():
        old = pages[index]
        pages[index] = PageLines(
            lines=lines, height=old.height, width=old.width, images=old.images, margins=True
        )
        if lines:
            recognised.append(index + 1)
    problems: list[str] = []
    if outcome.stopped:
        problems.append(outcome.stopped)
    failed = {i: why for i, why in outcome.skipped.items() if i not in outcome.lines}
    failed_other = {i: why for i, why in failed.items() if "time limit" not in why}
    if failed_other:
        listed = ", ".join(str(i + 1) for i in sorted(failed_other)[:20])
        first = failed_other[min(failed_other)]
        problems.append(f"{len(failed_other)} page(s) could not be OCRed ({listed}: {first})")
    return OcrResult(
        ReadResult(
            pages=pages,
            info=read.info,
            problem=read.problem,
            has_geometry=True,
            outline=read.outline,
        ),
        tuple(sorted(recognised)),
        frozenset(outcome.lines),
        tuple(problems),
    )


def _status_from_pages(
    read: ReadResult, ocr: OcrResult | None = None
) -> tuple[str, str | None, set[int], list[str]]:
    """Decides the status from the pages' characters: (status, reason, pages to drop, warnings)."""
    pages = read.pages
    processed = ocr.processed if ocr else frozenset()
    page_texts = [page_text(page) for page in pages]
    whole = signature("\n".join(page_texts))
    readable = whole.text_visible - whole.unreadable
    total_pages = len(pages)
    images = sum(page.images for page in pages)
    warnings: list[str] = []
    if whole.unreadable and whole.unreadable >= 0.3 * whole.text_visible:
        return "not_extractable", garbage_reason(whole), set(), warnings
    if readable <= 0 or readable < 3 * total_pages and readable < 40:
        if read.problem and not images:
            return "corrupt", f"no readable text: {read.problem}", set(), warnings
        if ocr and (ocr.processed or ocr.problems):
            reason = "; ".join(
                (f"no text layer on {total_pages} page(s), and OCR found no readable text",)
                + ocr.problems
            )
            return "no_text_layer", reason, set(), warnings
        if images or read.has_geometry:
            return (
                "no_text_layer",
                f"no text layer on {total_pages} page(s): a scanned document, needs OCR",
                set(),
                warnings,
            )
        return "not_extractable", "the document contains no text", set(), warnings
    garbage = garbage_reason(whole)
    if garbage:
        return "not_extractable", garbage, set(), warnings
    textless = [i for i, t in enumerate(page_texts) if len(t.strip()) < 5]
    images_only = [i for i in textless if pages[i].images]
    scanned = [i for i in images_only if i not in processed]  # OCR did not look at these
    if read.has_geometry and len(scanned) >= 0.9 * total_pages and not processed:
        return (
            "no_text_layer",
            f"{len(scanned)} of {total_pages} pages have no text layer: scanned, needs OCR",
            set(),
            warnings,
        )
    bad: set[int] = set()
    for index, text in enumerate(page_texts):
        if len(text) >= 30 and garbage_reason(signature(text), strict=False):
            bad.add(index)
    problems: list[str] = []
    if bad:
        listed = ", ".join(str(i + 1) for i in sorted(bad)[:20])
        problems.append(f"unreadable text on {len(bad)} page(s) ({listed}) left out")
    if len(scanned) >= max(3, 0.3 * total_pages):
        problems.append(f"{len(scanned)} page(s) without a text layer (scanned)")
    elif images_only:
        warnings.append(f"{len(images_only)} page(s) are images only (e.g. signed declarations)")
    if read.problem:
        problems.append(read.problem)
    if ocr:
        problems.extend(ocr.problems)
    if problems:
        return "partial", "; ".join(problems), bad, warnings
    return "ok", None, set(), warnings


def extract_bytes(
    data: bytes,
    name: str,
    *,
    metadata: Mapping[str, str] | None = None,
    limits: ExtractionLimits | None = None,
    progress: Progress | None = None,
) -> ExtractedDocument:
    """Extracts a thesis held in memory; `name` is only reported back (and hints the type).

    `progress(done, total)` is called after each OCR'd page.
    """
    started = time.monotonic()
    limits = limits or ExtractionLimits()
    digest = hashlib.sha256(data).hexdigest()
    caller = {k: str(v) for k, v in (metadata or {}).items() if v is not None and str(v) != ""}

    def fail(status: str, reason: str, pages: int = 0, fmt: str = "") -> ExtractedDocument:
        return failure(name, status, reason, pages=pages, fmt=fmt, sha256=digest, metadata=caller)

    if not data:
        return fail("corrupt", "the file is empty (0 bytes)")
    if len(data) > limits.max_bytes:
        return fail("too_large", f"the file has {len(data)} bytes, more than {limits.max_bytes}")
    fmt, problem = detect_format(data, name)
    if fmt is None:
        status, _, reason = (problem or "unsupported:unknown file type").partition(":")
        return fail(status, reason)
    try:
        if fmt == "pdf":
            read = read_pdf(data, max_pages=limits.max_pages)
        elif fmt == "docx":
            read = read_docx(data, max_unpacked=limits.max_bytes)
        else:
            read = read_text(data)
    except PdfEncrypted as exc:
        return fail("encrypted", str(exc), fmt=fmt)
    except (PdfTooLarge, DocxTooLarge) as exc:
        return fail("too_large", str(exc), fmt=fmt)
    except (PdfCorrupt, DocxCorrupt) as exc:
        return fail("corrupt", str(exc), fmt=fmt)
    except UndecodableText as exc:
        return fail("unsupported", f"not a text file: {exc}", fmt=fmt)
    except MemoryError:
        return fail("too_large", "the file needs more memory than allowed to read", fmt=fmt)
    except RecursionError:
        return fail("corrupt", "the file's structure is nested too deeply", fmt=fmt)
    ocr: OcrResult | None = None
    if fmt == "pdf" and limits.ocr != "never":
        try:
            ocr = recover_by_ocr(read, data, limits, started=started, progress=progress)
        except MemoryError:
            return fail("too_large", "OCR needs more memory than allowed", fmt=fmt)
        read = ocr.read
    return document_from_read(read, name, fmt, digest, caller, limits, ocr)


def document_from_read(
    read: ReadResult,
    name: str,
    fmt: str,
    digest: str,
    caller: Mapping[str, str],
    limits: ExtractionLimits,
    ocr: OcrResult | None = None,
) -> ExtractedDocument:
    """Turns a reader's pages into the final document (status, clean text, structure)."""
    pages = len(read.pages)
    status, reason, bad_pages, warnings = _status_from_pages(read, ocr)
    if status not in ("ok", "partial"):
        return failure(
            name, status, reason or status, pages=pages, fmt=fmt, sha256=digest, metadata=caller
        )
    usable = [
        page if index not in bad_pages else type(page)(lines=[], height=page.height)
        for index, page in enumerate(read.pages)
    ]
    assembled = assemble(usable, has_geometry=read.has_geometry)
    if len(assembled.text) > limits.max_characters:
        return failure(
            name,
            "too_large",
            f"the text has {len(assembled.text)} characters, more than {limits.max_characters}",
            pages=pages,
            fmt=fmt,
            sha256=digest,
            metadata=caller,
        )
    text = assembled.text
    starts = assembled.page_starts
    outline = [
        (level, title, starts[page], starts[page + 1] if page + 1 < pages else len(text))
        for level, title, page in read.outline
        if page < len(starts)
    ]
    sections = detect_sections(text, outline)
    cover_end = next((s.end for s in sections if s.kind == "cover"), None)
    if cover_end is None:
        cover_end = assembled.page_starts[2] if len(assembled.page_starts) > 2 else len(text)
    found = read_cover_metadata(text[: min(cover_end, 4000)], read.info)
    found.update(caller)
    return ExtractedDocument(
        file=name,
        status=status,
        reason=reason,
        pages=pages,
        text=text,
        page_starts=assembled.page_starts,
        sections=sections,
        metadata=MappingProxyType(found),
        quotes=find_quotes(text, assembled.block_quotes),
        citations=tuple(
            span
            for span in find_citations(text)
            if not any(
                s.start <= span[0] < s.end
                for s in sections
                if s.kind in ("references", "publications")
            )
        ),
        format=fmt,
        sha256=digest,
        raw_text=assembled.raw_text,
        raw_page_starts=assembled.raw_page_starts,
        origin=assembled.origin,
        warnings=tuple(warnings),
        ocr_pages=tuple(p for p in (ocr.recognised if ocr else ()) if p - 1 not in bad_pages),
        headings=outline_headings(text, outline, sections),
    )


def extract_file(
    path: Path,
    *,
    metadata: Mapping[str, str] | None = None,
    limits: ExtractionLimits | None = None,
    progress: Progress | None = None,
) -> ExtractedDocument:
    """Extracts one file in this process (see `extract_isolated` for untrusted files).

    Raises FileNotFoundError / IsADirectoryError / PermissionError for a path that cannot be read;
    everything wrong with the file's content is a status.
    """
    limits = limits or ExtractionLimits()
    path = Path(path)
    size = path.stat().st_size
    if size > limits.max_bytes:
        digest = ""
        return failure(
            path.name,
            "too_large",
            f"the file has {size} bytes, more than {limits.max_bytes}",
            sha256=digest,
            metadata={k: str(v) for k, v in (metadata or {}).items()},
        )
    data = path.read_bytes()
    return extract_bytes(data, path.name, metadata=metadata, limits=limits, progress=progress)
