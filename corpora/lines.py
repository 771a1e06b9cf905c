"""The format-neutral shape every reader produces: pages of positioned lines.

PDF lines carry geometry (left/right edge, baseline, font size), so layout repair can tell a wrapped
line from a paragraph end, a running header from body text and an indented block quote from a
first-line indent. DOCX and TXT lines have no geometry; they say explicitly whether a paragraph
ends after them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    """One line of text as read from the file, in reading order within its page."""

    text: str
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0  # distance from the top of the page (grows downwards)
    size: float = 0.0  # dominant font size; 0 when the format has no geometry
    paragraph_end: bool | None = None  # known paragraph break after this line (DOCX, TXT)
    indented_block: bool = False  # the line belongs to an indented block (DOCX left indent)


@dataclass
class PageLines:
    """The lines of one page, plus what the reader noticed about the page."""

    lines: list[Line] = field(default_factory=list)
    height: float = 0.0
    width: float = 0.0
    images: int = 0
    unmapped_glyphs: int = 0
    glyphs: int = 0
    embedded_glyphs: int = 0  # glyphs drawn with a font whose outlines the PDF carries
    image_pixels: int = 0  # the largest embedded image's width × height (PDF)
    filled_paths: int = 0  # filled vector paths (text drawn as outlines shows as thousands)
    margins: bool = True  # running headers and footers may be in the lines (not so in DOCX)


@dataclass
class ReadResult:
    """What a reader returns: pages of lines, document metadata, and any problem it met."""

    pages: list[PageLines]
    info: dict[str, str] = field(default_factory=dict)
    problem: str | None = None  # a reason text when the reader hit damage but kept going
    has_geometry: bool = False
    outline: list[tuple[int, str, int]] = field(default_factory=list)  # (level, title, page)
