"""Damaged and hostile inputs made on the fly: PDFs with unmapped glyphs, mojibake, fake bold,
decompression bombs, truncated files, and DOCX files built with python-docx."""

from __future__ import annotations

import zlib
from pathlib import Path

import docx
from docx.shared import Pt
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tests.corpora.thesis_factory import ZH_FONT, zh_paragraph


def write_raw_pdf(path: Path, objects: list[bytes]) -> Path:
    """Writes objects 1..n as a PDF with a correct xref table; object 1 must be the catalog."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def stream(content: bytes, compress: bool = True) -> bytes:
    data = zlib.compress(content) if compress else content
    filt = b" /Filter /FlateDecode" if compress else b""
    return b"<< /Length %d%s >>\nstream\n" % (len(data), filt) + data + b"\nendstream"


def unmapped_glyph_pdf(path: Path, pages: int = 2, glyphs_per_line: int = 30) -> Path:
    """Identity-H CID font without a ToUnicode map: every glyph is `(cid:NN)` to pdfminer."""
    lines = []
    for row in range(25):
        cids = b"".join(
            (200 + (row * 7 + i * 13) % 3000).to_bytes(2, "big") for i in range(glyphs_per_line)
        )
        lines.append(b"BT /F1 12 Tf 72 %d Td <%s> Tj ET" % (760 - row * 20, cids.hex().encode()))
    content = stream(b"\n".join(lines))
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
    ]
    font_ref = 3 + pages + 1
    content_ref = 3 + pages
    for _ in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content_ref, font_ref)
        )
    objects.append(content)
    objects.append(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H "
        b"/DescendantFonts [%d 0 R] >>" % (font_ref + 1)
    )
    objects.append(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>"
    )
    return write_raw_pdf(path, objects)


def bomb_pdf(path: Path, inflated_bytes: int) -> Path:
    """One page whose content stream inflates to `inflated_bytes` of spaces."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = bytearray()
    for _ in range(inflated_bytes // len(chunk)):
        data += compressor.compress(chunk)
    data += compressor.flush()
    content = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data
    content += b"\nendstream"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        bytes(content),
    ]
    return write_raw_pdf(path, objects)


def latin1_mojibake_pdf(path: Path, paragraphs: int = 6) -> Path:
    """A Chinese thesis whose text layer is GBK bytes shown as Latin-1 (no CJK at all)."""
    import random

    rng = random.Random(5)
    c = canvas.Canvas(str(path), pagesize=A4)
    y = 780
    for _ in range(paragraphs):
        garbled = zh_paragraph(rng).encode("gbk").decode("latin-1")
        garbled = "".join(ch for ch in garbled if ch.isprintable())
        for start in range(0, len(garbled), 70):
            c.setFont("Helvetica", 10)
            c.drawString(60, y, garbled[start : start + 70])
            y -= 14
            if y < 60:
                c.showPage()
                y = 780
    c.showPage()
    c.save()
    return path


def fake_bold_pdf(path: Path, text_lines: list[str]) -> Path:
    """Each line drawn three times, shifted by 0.25 pt: the way fake bold is printed."""
    c = canvas.Canvas(str(path), pagesize=A4)
    y = 760
    for line in text_lines:
        for shift in (0.0, 0.25, 0.5):
            c.setFont(ZH_FONT, 12)
            c.drawString(72 + shift, y, line)
        y -= 20
    c.showPage()
    c.save()
    return path


def docx_thesis(path: Path) -> Path:
    """A small Chinese thesis as DOCX: title, abstract, chapters, a block quote, a table, refs."""
    document = docx.Document()
    document.core_properties.title = "基于图神经网络的论文相似度研究"
    document.add_paragraph("南海师范大学硕士学位论文")
    document.add_paragraph("基于图神经网络的论文相似度研究")
    document.add_paragraph("作者姓名：王小明")
    document.add_paragraph("指导教师：赵大海 教授")
    document.add_page_break()
    document.add_paragraph("独创性声明")
    document.add_paragraph("本人声明所呈交的论文是我个人在导师指导下进行的研究工作。")
    document.add_page_break()
    document.add_paragraph("摘要")
    document.add_paragraph("本文研究图神经网络在论文相似度计算中的应用。")
    document.add_page_break()
    document.add_paragraph("第1章 引言")
    document.add_paragraph("随着学术论文数量的增长，论文相似度检测变得越来越重要。")
    quote = document.add_paragraph(
        "学而不思则罔，思而不学则殆。这是一段缩进的引文，用来检验块引用的识别。"
    )
    quote.paragraph_format.left_indent = Pt(36)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "方法"
    table.cell(0, 1).text = "准确率"
    table.cell(1, 0).text = "本文方法"
    table.cell(1, 1).text = "0.93"
    document.add_paragraph("第2章 方法")
    document.add_paragraph("我们提出一种新的方法[1]，它结合了结构信息和文本信息[2,3]。")
    document.add_page_break()
    document.add_paragraph("参考文献")
    document.add_paragraph("[1] 李雷. 图神经网络综述[J]. 计算机学报, 2021.")
    document.add_paragraph("致谢")
    document.add_paragraph("感谢赵大海老师和南海师范大学。")
    document.save(str(path))
    return path


def mixed_pages_pdf(path: Path, good_pages: int = 3) -> Path:
    """Readable Chinese pages followed by one page of Latin-1 mojibake and one scanned page."""
    import random

    from reportlab.lib.utils import simpleSplit

    from tests.corpora.thesis_factory import _gray_png

    rng = random.Random(8)
    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(good_pages):
        text = zh_paragraph(rng, sentences=12)
        y = 780
        for start in range(0, len(text), 36):
            c.setFont(ZH_FONT, 12)
            c.drawString(72, y, text[start : start + 36])
            y -= 19
        c.showPage()
    garbled = zh_paragraph(rng, sentences=12).encode("gbk").decode("latin-1")
    garbled = "".join(ch for ch in garbled if ch.isprintable())
    y = 780
    for line in simpleSplit(garbled, "Helvetica", 10, 450):
        c.setFont("Helvetica", 10)
        c.drawString(72, y, line)
        y -= 14
    c.showPage()
    from reportlab.lib.utils import ImageReader

    c.drawImage(ImageReader(_gray_png()), 72, 300, width=400, height=400)
    c.showPage()
    c.save()
    return path
