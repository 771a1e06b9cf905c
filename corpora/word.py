"""DOCX theses with python-docx: paragraphs and tables in body order, pages where Word broke them.

Word records where it last broke pages (`w:lastRenderedPageBreak`) and hard page breaks; those
give page numbers close to the printed ones. Line breaks inside a paragraph stay in the paragraph;
a paragraph with a left indent is an indented block (a block quote).
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.oxml.ns import qn

from corpora.lines import Line, PageLines, ReadResult

PAGE_BREAK_TAGS = (qn("w:lastRenderedPageBreak"),)
BR = qn("w:br")
TYPE = qn("w:type")
P = qn("w:p")
TBL = qn("w:tbl")
T = qn("w:t")
TAB = qn("w:tab")


class DocxTooLarge(Exception):
    """The DOCX unpacks to more than the allowed size (a zip bomb or a huge document)."""


class DocxCorrupt(Exception):
    """The file is not a readable DOCX."""


def _paragraph_parts(element) -> tuple[list[str], bool]:
    """Text pieces of one w:p (split at line breaks) and whether a page break falls in it."""
    lines: list[list[str]] = [[]]
    page_break = False
    for node in element.iter():
        tag = node.tag
        if tag == T and node.text:
            lines[-1].append(node.text)
        elif tag == TAB:
            lines[-1].append("\t")
        elif tag == BR:
            if node.get(TYPE) == "page":
                page_break = True
            else:
                lines.append([])
        elif tag in PAGE_BREAK_TAGS:
            page_break = True
    ppr = element.find(qn("w:pPr"))
    if ppr is not None and ppr.find(qn("w:pageBreakBefore")) is not None:
        page_break = True
    return ["".join(parts) for parts in lines], page_break


def _left_indent(element) -> bool:
    ppr = element.find(qn("w:pPr"))
    if ppr is None or ppr.find(qn("w:numPr")) is not None:
        return False
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        return False
    for attr in ("w:left", "w:start"):
        value = ind.get(qn(attr))
        if value and value.lstrip("-").isdigit() and int(value) >= 400:
            return True
    return False


MAX_XML_BYTES = 48 * 1024 * 1024  # parsed XML costs ~30x its size in memory


def read_docx(data: bytes, *, max_unpacked: int) -> ReadResult:
    """Reads a DOCX; raises DocxTooLarge or DocxCorrupt.

    Sizes are checked from the ZIP directory before anything is inflated: all parts together
    at most `max_unpacked` bytes, the XML parts (which are parsed into trees) at most
    `MAX_XML_BYTES`. A directory that understates a part's size cannot get past this: the ZIP
    reader stops at the stated size and the part then fails its checksum (`corrupt`).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise DocxCorrupt(f"not a readable DOCX (broken ZIP container: {exc})") from exc
    unpacked = sum(info.file_size for info in infos)
    if unpacked > max_unpacked:
        raise DocxTooLarge(f"the DOCX unpacks to {unpacked} bytes, more than {max_unpacked}")
    xml = sum(info.file_size for info in infos if info.filename.lower().endswith((".xml", ".rels")))
    if xml > MAX_XML_BYTES:
        raise DocxTooLarge(
            f"the DOCX's XML unpacks to {xml} bytes, more than {MAX_XML_BYTES} "
            f"(from a {len(data)}-byte file)"
        )
    if "word/document.xml" not in names:
        raise DocxCorrupt("the ZIP container has no word/document.xml: not a Word document")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise DocxCorrupt(f"not a readable DOCX ({type(exc).__name__}: {exc})") from exc
    pages: list[PageLines] = [PageLines()]
    images = sum(1 for name in names if name.startswith("word/media/"))

    def add_paragraph(element, in_table: bool) -> None:
        parts, page_break = _paragraph_parts(element)
        if page_break and pages[-1].lines:
            pages.append(PageLines())
        indented = not in_table and _left_indent(element)
        texts = [part for part in parts if part.strip()]
        for index, part in enumerate(texts):
            pages[-1].lines.append(
                Line(
                    text=part.strip(),
                    paragraph_end=index == len(texts) - 1,
                    indented_block=indented,
                )
            )

    for child in document.element.body.iterchildren():
        if child.tag == P:
            add_paragraph(child, False)
        elif child.tag == TBL:
            for paragraph in child.iter(P):
                add_paragraph(paragraph, True)
    pages[0].images = images
    for page in pages:
        page.margins = False
    info: dict[str, str] = {}
    try:
        core = document.core_properties
        if core.title:
            info["title"] = core.title
        if core.author:
            info["author"] = core.author
    except Exception:
        info = {}
    return ReadResult(pages=pages, info=info)
