"""Plain-text theses: encoding detection and paragraphs.

Encodings, in order: a byte-order mark; strict UTF-8; UTF-16 without a mark (recognised by its
NUL bytes); GB18030 and Big5 (when both decode, the one giving common Chinese characters wins);
then charset-normalizer's best guess. Form feeds separate pages. When blank lines separate
paragraphs, single line breaks inside a paragraph are wraps; otherwise every line is a paragraph
(the usual shape of Chinese text files).
"""

from __future__ import annotations

import codecs
import re

import numpy as np
from charset_normalizer import from_bytes

from corpora.lines import Line, PageLines, ReadResult
from corpora.quality import CJK_BASE, CJK_END, common_cjk_table

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class UndecodableText(Exception):
    """The bytes are not text in any supported encoding."""


def plausibility(text: str) -> float:
    """Share of characters that real Chinese or English text is made of: common CJK characters,
    printable ASCII, whitespace and CJK punctuation."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if not len(codes):
        return 0.0
    cjk_mask = (codes >= CJK_BASE) & (codes < CJK_END)
    common = np.zeros(len(codes), dtype=bool)
    common[cjk_mask] = common_cjk_table()[codes[cjk_mask] - CJK_BASE]
    ascii_ok = ((codes >= 0x20) & (codes < 0x7F)) | (codes == 9) | (codes == 10) | (codes == 13)
    punct = ((codes >= 0x3000) & (codes < 0x3040)) | ((codes >= 0xFF00) & (codes < 0xFFF0))
    return float(
        (
            common
            | ascii_ok
            | punct
            | (codes == 0x2014)
            | (codes == 0x201C)
            | (codes == 0x201D)
            | (codes == 0x2026)
        ).mean()
    )


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) for text-file bytes; raises UndecodableText."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise UndecodableText(
                    f"the file starts with a {encoding} mark but is not {encoding}"
                ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:4096]
    if len(sample) >= 4:
        even_nul = sample[0::2].count(0) / max(1, len(sample[0::2]))
        odd_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
        for share, encoding in ((odd_nul, "utf-16-le"), (even_nul, "utf-16-be")):
            if share > 0.3 and len(data) % 2 == 0:
                try:
                    return data.decode(encoding), encoding
                except UnicodeDecodeError:
                    pass
    candidates: list[tuple[float, str, str]] = []
    wide = ("utf-16-le", "utf-16-be") if len(data) % 2 == 0 else ()
    for encoding in ("gb18030", "big5", *wide):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((plausibility(text[:20000]), encoding, text))
    if candidates:
        candidates.sort(key=lambda c: (-c[0], c[1]))
        return candidates[0][2], candidates[0][1]
    if b"\x00" in sample:
        raise UndecodableText("binary data, not text")
    best = from_bytes(data).best()
    if best is None:
        raise UndecodableText("the text encoding could not be recognised")
    return str(best), best.encoding


HEADING_LINE = re.compile(
    r"^\s*(?:第\s*[一二三四五六七八九十百零〇\d]+\s*[章节篇部]|chapter\s+\w+|\d+(?:\.\d+)*\.?\s+\S|"
    r"[一二三四五六七八九十]+\s*[、.．]|附\s*录|参\s*考\s*文\s*献|致\s*谢|摘\s*要|目\s*录|"
    r"abstract\b|references\b|bibliography\b|contents\b|acknowledge?ments?\b)",
    re.IGNORECASE,
)
SENTENCE_PUNCTUATION = re.compile(r"[。！？!?；;，,]")


def is_heading_line(line: str) -> bool:
    """A short numbered or named heading line, which ends its paragraph even without a blank
    line after it (wrapped text only continues real sentences)."""
    stripped = line.strip()
    return (
        len(stripped) <= 40
        and HEADING_LINE.match(stripped) is not None
        and not SENTENCE_PUNCTUATION.search(stripped[:-1] if stripped else "")
        and not stripped.endswith(("，", ","))
    )


def text_pages(text: str) -> list[PageLines]:
    """Pages (split at form feeds) of lines with paragraph ends marked."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blank_separated = len(re.findall(r"\n[ \t\u3000]*\n", text)) * 8 >= text.count("\n") > 4
    pages: list[PageLines] = []
    for page_text in text.split("\f"):
        raw_lines = page_text.split("\n")
        lines: list[Line] = []
        for index, raw in enumerate(raw_lines):
            if not raw.strip():
                continue
            following = raw_lines[index + 1] if index + 1 < len(raw_lines) else ""
            end = not blank_separated or not following.strip() or is_heading_line(raw)
            lines.append(Line(text=raw.rstrip(), paragraph_end=end))
        pages.append(PageLines(lines=lines))
    return pages


def read_text(data: bytes) -> ReadResult:
    """Reads a plain-text file; raises UndecodableText."""
    text, encoding = decode_text(data)
    return ReadResult(pages=text_pages(text), info={"encoding": encoding})
