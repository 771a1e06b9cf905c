"""Real thesis PDFs for tests and benchmarks, drawn with reportlab.

Chinese text uses the built-in CID font `STSong-Light`, so no font file is needed. Each page gets a
running header (institution and chapter title) and a page number, like a printed thesis; body
paragraphs start with a two-character indent and are wrapped by glyph widths, so the extractor sees
the same layout problems as in real theses.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

ZH_FONT = "STSong-Light"
EN_FONT = "Times-Roman"
pdfmetrics.registerFont(UnicodeCIDFont(ZH_FONT))

ZH_POOL = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下"
    "过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两"
    "体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线"
    "内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并"
    "提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见"
)
EN_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "on",
    "with",
    "as",
    "by",
    "this",
    "are",
    "be",
    "from",
    "an",
    "which",
    "it",
    "at",
    "was",
    "model",
    "data",
    "method",
    "results",
    "analysis",
    "system",
    "study",
    "research",
    "network",
    "learning",
    "performance",
    "based",
    "proposed",
    "approach",
    "training",
    "evaluation",
    "experiments",
    "sample",
    "structure",
    "information",
    "process",
    "design",
    "theory",
    "significant",
    "framework",
    "previous",
    "however",
    "therefore",
    "representation",
    "international",
    "understanding",
]
CN_NUMERALS = "一二三四五六七八九十"


def zh_sentence(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(ZH_POOL) for _ in range(length))


def zh_paragraph(rng: random.Random, sentences: int = 6) -> str:
    parts = []
    for _ in range(sentences):
        parts.append(
            zh_sentence(rng, rng.randint(8, 20)) + "，" + zh_sentence(rng, rng.randint(6, 16))
        )
        parts.append(rng.choice("。。。；"))
    return "".join(parts)


def en_paragraph(rng: random.Random, sentences: int = 5) -> str:
    out = []
    for _ in range(sentences):
        words = [rng.choice(EN_WORDS) for _ in range(rng.randint(10, 22))]
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


@dataclass(frozen=True)
class Block:
    """One thing to draw: a heading, a paragraph, a centred line, a TOC entry or a page break."""

    kind: str  # heading | para | quote | center | toc | pagebreak | label
    text: str = ""
    size: float = 12.0
    chapter: str | None = None  # running header from this block on


@dataclass
class ThesisSpec:
    """What the generated thesis contains; defaults give a complete Chinese master's thesis."""

    language: str = "zh"
    title: str = "基于深度学习的中文文本相似度检测方法研究"
    author: str = "张三丰"
    supervisor: str = "李四光"
    institution: str = "东海理工大学"
    discipline: str = "计算机科学与技术"
    degree: str = "硕士"
    chapters: int = 4
    paragraphs_per_chapter: int = 5
    numbering: str = "第一章"  # 第一章 | 第1章 | 1 绪论 | 一 引言 | Chapter 1
    declaration_title: str = "学位论文原创性声明"
    authorisation_title: str = "学位论文版权使用授权书"
    toc_heading: bool = True
    inline_abstract: bool = False
    header: bool = True
    page_numbers: bool = True
    quote_text: str = "知识就是力量，学习使人进步"  # use an English one for English theses
    block_quote: str = ""
    acknowledgements: str = "感谢导师李四光教授的悉心指导，感谢东海理工大学的培养。"
    seed: int = 7
    extra_paragraphs: list[str] = field(default_factory=list)
    header_institution: bool = True  # False: the running header is only the section title


CHAPTER_TITLES_ZH = ["绪论", "相关工作", "方法设计", "实验与分析", "总结与展望", "应用研究"]
CHAPTER_TITLES_EN = ["Introduction", "Related Work", "Method", "Experiments", "Conclusion", "Use"]


def chapter_heading(spec: ThesisSpec, number: int) -> str:
    titles = CHAPTER_TITLES_EN if spec.language == "en" else CHAPTER_TITLES_ZH
    title = titles[(number - 1) % len(titles)]
    if spec.numbering == "第一章":
        return f"第{CN_NUMERALS[number - 1]}章 {title}"
    if spec.numbering == "第1章":
        return f"第{number}章 {title}"
    if spec.numbering == "1 绪论":
        return f"{number} {title}"
    if spec.numbering == "一 引言":
        return f"{CN_NUMERALS[number - 1]} {title}"
    return f"Chapter {number} {title}"


def thesis_blocks(spec: ThesisSpec) -> Iterator[Block]:
    """The thesis as a flow of blocks, front matter to publications list."""
    rng = random.Random(spec.seed)
    zh = spec.language == "zh"
    para = (lambda: zh_paragraph(rng)) if zh else (lambda: en_paragraph(rng))
    yield Block("center", f"{spec.institution}{spec.degree}学位论文", 22)
    yield Block("center", spec.title, 18)
    yield Block("label", f"作者姓名：{spec.author}")
    yield Block("label", f"指导教师：{spec.supervisor} 教授")
    yield Block("label", f"学科专业：{spec.discipline}")
    yield Block("label", f"培养单位：{spec.institution}")
    yield Block("label", "二〇二五年六月")
    yield Block("pagebreak")
    yield Block("center", spec.declaration_title, 16)
    yield Block(
        "para", "本人郑重声明：所呈交的学位论文是本人在导师指导下独立进行研究工作所取得的成果。"
    )
    yield Block("center", spec.authorisation_title, 16)
    yield Block(
        "para", "本学位论文作者完全了解学校有关保留、使用学位论文的规定，同意学校保留论文。"
    )
    yield Block("pagebreak")
    if spec.inline_abstract:
        yield Block("para", "摘要：" + zh_paragraph(rng))
    else:
        yield Block("center", "摘  要", 16)
        yield Block("para", zh_paragraph(rng))
    yield Block("para", "关键词：文本相似度；深度学习；抄袭检测")
    yield Block("pagebreak")
    yield Block("center", "ABSTRACT", 16)
    yield Block("para", en_paragraph(rng))
    yield Block("pagebreak")
    if spec.toc_heading:
        yield Block("center", "目  录", 16)
    for number in range(1, spec.chapters + 1):
        yield Block("toc", chapter_heading(spec, number), chapter=str(number * 3))
        yield Block("toc", f"{number}.1 研究背景" if zh else f"{number}.1 Background", chapter="x")
    yield Block("toc", "参考文献" if zh else "References", chapter="40")
    yield Block("toc", "致谢" if zh else "Acknowledgements", chapter="43")
    yield Block("pagebreak")
    for number in range(1, spec.chapters + 1):
        heading = chapter_heading(spec, number)
        yield Block("heading", heading, 16, chapter=heading)
        for index in range(spec.paragraphs_per_chapter):
            if index == 1:
                sub = f"{number}.1 研究背景" if zh else f"{number}.1 Background"
                yield Block("heading", sub, 14)
            text = para()
            if number == 1 and index == 0:
                text = f"{text}正如前人所说“{spec.quote_text}”[1]，本文由此展开[2-5]。"
            yield Block("para", text)
            if number == 1 and index == 0 and spec.block_quote:
                yield Block("quote", spec.block_quote)
        if number == 1:
            for extra in spec.extra_paragraphs:
                yield Block("para", extra)
        yield Block("pagebreak")
    yield Block("heading", "参考文献" if zh else "References", 16, chapter="参考文献")
    for index in range(1, 6):
        yield Block(
            "para", f"[{index}] 王五. 文本复制检测研究[J]. 计算机学报, 2020, {index}(3): 1-9."
        )
    yield Block("pagebreak")
    yield Block("heading", "致  谢" if zh else "Acknowledgements", 16, chapter="致谢")
    yield Block("para", spec.acknowledgements)
    yield Block("pagebreak")
    yield Block("heading", "攻读硕士学位期间发表的学术论文", 16, chapter="成果")
    yield Block(
        "para", f"[1] {spec.author}, {spec.supervisor}. 中文文本复用检测[J]. 软件学报, 2024."
    )


class PageWriter:
    """Draws blocks onto A4 pages with margins, running headers and page numbers."""

    left, right, top, bottom = 72.0, A4[0] - 72.0, A4[1] - 80.0, 80.0

    def __init__(self, path: Path, spec: ThesisSpec, encrypt: str | None) -> None:
        self.spec = spec
        self.canvas = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt, pageCompression=1)
        self.canvas.setTitle(spec.title)
        self.page = 1
        self.y = self.top
        self.chapter = ""
        self.body_font = ZH_FONT

    def font_for(self, text: str) -> str:
        return ZH_FONT if any(ord(c) > 0x2000 for c in text) else EN_FONT

    def finish_page(self) -> None:
        c = self.canvas
        if self.spec.header and self.page > 1 and not self.spec.header_institution:
            if self.chapter:
                c.setFont(self.font_for(self.chapter), 9)
                c.drawString(self.left, A4[1] - 50, self.chapter)
        elif self.spec.header and self.page > 1:
            c.setFont(ZH_FONT, 9)
            c.drawString(self.left, A4[1] - 50, f"{self.spec.institution}硕士学位论文")
            if self.chapter:
                c.drawRightString(self.right, A4[1] - 50, self.chapter)
        if self.spec.page_numbers and self.page > 1:
            c.setFont(ZH_FONT, 9)
            c.drawCentredString(A4[0] / 2, 45, f"- {self.page} -")
        c.showPage()
        self.page += 1
        self.y = self.top

    def need(self, height: float) -> None:
        if self.y - height < self.bottom:
            self.finish_page()

    def wrap(self, text: str, font: str, size: float, width: float, indent: float) -> list[str]:
        if font == EN_FONT:
            return simpleSplit(text, font, size, width)
        lines: list[str] = []
        current: list[str] = []
        used = indent
        for char in text:
            w = pdfmetrics.stringWidth(char, font, size)
            if used + w > width + 0.01 and current:
                lines.append("".join(current))
                current, used = [], 0.0
            current.append(char)
            used += w
        if current:
            lines.append("".join(current))
        return lines

    def draw_lines(self, text: str, size: float, indent_first: float, left_pad: float) -> None:
        font = self.font_for(text)
        width = self.right - self.left - 2 * left_pad
        lead = size * 1.6
        for index, line in enumerate(self.wrap(text, font, size, width, indent_first)):
            self.need(lead)
            x = self.left + left_pad + (indent_first if index == 0 else 0)
            self.canvas.setFont(font, size)
            self.canvas.drawString(x, self.y - size, line)
            self.y -= lead

    def draw(self, block: Block) -> None:
        c = self.canvas
        if block.kind == "pagebreak":
            self.finish_page()
            return
        if block.chapter and block.kind == "heading":
            self.chapter = block.chapter
        if block.kind in ("center", "heading"):
            self.need(block.size * 2.4)
            font = self.font_for(block.text)
            c.setFont(font, block.size)
            y = self.y - block.size * 1.2
            if block.kind == "center":
                c.drawCentredString(A4[0] / 2, y, block.text)
            else:
                c.drawString(self.left, y, block.text)
            self.y -= block.size * 2.4
        elif block.kind == "label":
            self.need(24)
            c.setFont(ZH_FONT, 14)
            c.drawString(self.left + 90, self.y - 14, block.text)
            self.y -= 28
        elif block.kind == "toc":
            self.need(20)
            c.setFont(self.font_for(block.text), 12)
            c.drawString(self.left, self.y - 12, block.text)
            c.setFont(EN_FONT, 12)
            c.drawRightString(self.right, self.y - 12, (block.chapter or "1").replace("x", "5"))
            start = self.left + pdfmetrics.stringWidth(block.text, self.font_for(block.text), 12)
            dots = int((self.right - start - 30) / pdfmetrics.stringWidth(".", EN_FONT, 12))
            c.drawString(start + 6, self.y - 12, "." * max(dots, 3))
            self.y -= 20
        elif block.kind == "quote":
            self.draw_lines(block.text, 11, 0, 48)
        else:
            size = 12.0
            indent = 2 * size if self.font_for(block.text) == ZH_FONT else 0
            self.draw_lines(block.text, size, indent, 0)

    def close(self) -> None:
        self.finish_page()
        self.canvas.save()


def build_thesis_pdf(
    path: Path, spec: ThesisSpec | None = None, *, encrypt: str | None = None
) -> Path:
    """Writes a thesis PDF for `spec` at `path` (optionally encrypted with a user password)."""
    spec = spec or ThesisSpec()
    writer = PageWriter(path, spec, encrypt)
    for block in thesis_blocks(spec):
        writer.draw(block)
    writer.close()
    return path


SECTION_TITLES_EN = ["Background", "Construction Heuristics", "Evaluation"]


def english_thesis_blocks(spec: ThesisSpec) -> Iterator[Block]:
    """An English thesis in English conventions: a large chapter number above its title, running
    headers that repeat the current section in capitals, Bibliography, Acknowledgments and a
    List of Publications."""
    rng = random.Random(spec.seed)
    yield Block("center", spec.title, 18)
    yield Block("center", "A thesis submitted for the degree of Doctor of Philosophy", 12)
    yield Block("center", spec.author, 14)
    yield Block("center", "2025", 12)
    yield Block("pagebreak")
    yield Block("center", "Abstract", 16)
    yield Block("para", en_paragraph(rng))
    yield Block("pagebreak")
    yield Block("center", "Contents", 16)
    for number in range(1, spec.chapters + 1):
        yield Block("toc", f"{number} {CHAPTER_TITLES_EN[number - 1]}", chapter=str(number * 5))
    yield Block("toc", "Bibliography", chapter="60")
    yield Block("pagebreak")
    for number in range(1, spec.chapters + 1):
        title = CHAPTER_TITLES_EN[number - 1]
        yield Block("heading", str(number), 28)
        yield Block("heading", title, 20, chapter=f"CHAPTER {number}. {title.upper()}")
        for index in range(spec.paragraphs_per_chapter):
            if index % 3 == 1:
                section = SECTION_TITLES_EN[(index // 3) % len(SECTION_TITLES_EN)]
                label = f"{number}.{index // 3 + 1}."
                header = f"{label} {section.upper()}"
                yield Block("heading", f"{label} {section}", 14, chapter=header)
            yield Block("para", en_paragraph(rng))
        yield Block("pagebreak")
    yield Block("heading", "Bibliography", 20, chapter="BIBLIOGRAPHY")
    for index in range(1, 6):
        yield Block("para", f"[{index}] A. Author. On copy detection. Journal {index}, 2020.")
    yield Block("pagebreak")
    yield Block("heading", "Acknowledgments", 20, chapter="ACKNOWLEDGMENTS")
    yield Block("para", "I thank my supervisor for guidance and my family for support.")
    yield Block("pagebreak")
    yield Block("heading", "List of Publications", 20, chapter="LIST OF PUBLICATIONS")
    yield Block("para", f"[1] {spec.author}. Reused text in theses. Journal of Examples, 2024.")


def build_english_thesis_pdf(path: Path, spec: ThesisSpec | None = None) -> Path:
    """Writes an English-convention thesis PDF (see `english_thesis_blocks`)."""
    spec = spec or ThesisSpec(
        language="en",
        title="Heuristics for Detecting Reused Text",
        author="Jane Doe",
        chapters=4,
        paragraphs_per_chapter=7,
        header_institution=False,
        page_numbers=True,
    )
    writer = PageWriter(path, spec, None)
    for block in english_thesis_blocks(spec):
        writer.draw(block)
    writer.close()
    return path


def build_long_thesis_pdf(path: Path, pages: int = 200, seed: int = 3) -> Path:
    """A Chinese thesis of about `pages` pages (for the ingestion benchmark)."""
    chapters = 6
    paragraphs = max(2, int(pages * 6.7 / chapters))
    spec = ThesisSpec(chapters=chapters, paragraphs_per_chapter=paragraphs, seed=seed)
    return build_thesis_pdf(path, spec)


def build_image_only_pdf(path: Path, pages: int = 3) -> Path:
    """A 'scanned' PDF: every page is a picture, no text layer."""
    from reportlab.lib.utils import ImageReader

    c = canvas.Canvas(str(path), pagesize=A4)
    image = ImageReader(_gray_png())
    for _ in range(pages):
        c.drawImage(image, 72, 200, width=450, height=500)
        c.showPage()
    c.save()
    return path


def _gray_png():
    import io
    import struct
    import zlib

    width, height = 40, 40
    raw = b"".join(
        b"\x00" + bytes((x * 6 + y * 3) % 256 for x in range(width)) for y in range(height)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return (
            struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
    png += chunk(b"IEND", b"")
    return io.BytesIO(png)


def build_text_pdf(path: Path, lines: list[str], *, font: str = ZH_FONT, size: float = 12) -> Path:
    """A one-page PDF with the given lines drawn as they are (for signature tests)."""
    c = canvas.Canvas(str(path), pagesize=A4)
    y = A4[1] - 80
    for line in lines:
        c.setFont(font, size)
        c.drawString(72, y, line)
        y -= size * 1.6
        if y < 80:
            c.showPage()
            y = A4[1] - 80
    c.showPage()
    c.save()
    return path


def cjk_rendering_available() -> bool:
    """Whether pdfium can draw the non-embedded STSong-Light font (needs a system CJK font)."""
    import numpy as np
    import pypdfium2

    probe = io_pdf(["汉字测试汉字测试"], size=24)
    pdf = pypdfium2.PdfDocument(probe)
    try:
        image = pdf[0].render(scale=0.5, grayscale=True).to_numpy()
    finally:
        pdf.close()
    return bool(np.asarray(image).min() < 128)


def io_pdf(lines: list[str], *, size: float = 12) -> bytes:
    """The bytes of a one-page PDF with the given Chinese lines."""
    import io

    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4)
    y = A4[1] - 80
    for line in lines:
        c.setFont(ZH_FONT, size)
        c.drawString(72, y, line)
        y -= size * 1.6
    c.showPage()
    c.save()
    return buffer.getvalue()


def build_scanned_pdf(
    source: Path, path: Path, *, dpi: int = 200, pages: list[int] | None = None
) -> Path:
    """A 'scanned' copy of `source`: its pages (all, or the 0-based `pages`) rendered to grey
    images at `dpi` and embedded as full-page pictures, with no text layer."""
    import io

    import pypdfium2
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    pdf = pypdfium2.PdfDocument(str(source))
    c = canvas.Canvas(str(path), pagesize=A4)
    try:
        for index in pages if pages is not None else range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            array = page.render(scale=dpi / 72, grayscale=True).to_numpy()
            page.close()
            image = Image.fromarray(array.squeeze()).convert("L")
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=False)
            buffer.seek(0)
            c.setPageSize((width, height))
            c.drawImage(ImageReader(buffer), 0, 0, width=width, height=height)
            c.showPage()
    finally:
        pdf.close()
    c.save()
    return path
