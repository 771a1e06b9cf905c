"""Real test documents: Chinese thesis PDFs (reportlab, STSong-Light) and sampling frames."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"

PARAGRAPHS = [
    "本文研究了高等学校学位论文质量保障体系的构建问题，分析了抽检制度的历史沿革与现实意义。",
    "随着研究生教育规模的持续扩大，学位论文质量监控成为教育管理部门关注的重点问题之一。",
    "本研究采用文献分析与实证调查相结合的方法，对若干高校的学位授予数据进行了系统梳理。",
    "研究发现，分层随机抽样能够在保证代表性的同时显著降低专家评审的工作量与组织成本。",
    "此外，文字复制比检测可以为专家判断提供证据，但相似度数值本身并不构成学术不端的结论。",
]


def thesis_pdf_bytes(title: str, paragraphs: list[str] | None = None, pages: int = 2) -> bytes:
    """A small real Chinese thesis PDF with a title page and body pages."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    pdf.setFont(FONT, 20)
    pdf.drawString(72, height - 120, title)
    pdf.setFont(FONT, 12)
    pdf.drawString(72, height - 160, "学位论文 Thesis")
    pdf.showPage()
    body = paragraphs or PARAGRAPHS
    for page in range(pages):
        pdf.setFont(FONT, 14)
        pdf.drawString(72, height - 72, f"第{page + 1}章 研究内容")
        pdf.setFont(FONT, 11)
        y = height - 110
        for paragraph in body:
            for start in range(0, len(paragraph), 38):
                pdf.drawString(72, y, paragraph[start : start + 38])
                y -= 18
            y -= 8
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def write_thesis_pdf(path: Path, title: str, paragraphs: list[str] | None = None) -> Path:
    path.write_bytes(thesis_pdf_bytes(title, paragraphs))
    return path


def encrypted_pdf_bytes() -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, encrypt="secret-password")
    pdf.setFont(FONT, 12)
    pdf.drawString(72, 700, "加密的论文")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def scanned_pdf_bytes() -> bytes:
    """A PDF with pages but no text layer (only drawn shapes, like a scan)."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for _ in range(3):
        for row in range(40):
            pdf.rect(72, 100 + row * 15, 400, 8, fill=1)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


FRAME_HEADER = [
    "thesis_id",
    "institution",
    "degree_level",
    "degree_type",
    "discipline_code",
    "award_date",
    "title",
    "author",
    "supervisor",
]


def frame_csv_bytes(rows_per_institution: int = 40) -> bytes:
    """A valid frame: two institutions, doctoral and master, academic and professional."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FRAME_HEADER)
    number = 0
    for institution in ("甲大学", "乙大学"):
        for index in range(rows_per_institution):
            number += 1
            level = "doctoral" if index % 4 == 0 else "master"
            kind, code = ("professional", "0854") if index % 3 == 0 else ("academic", "0812")
            writer.writerow(
                [
                    f"T{number:05d}",
                    institution,
                    level,
                    kind,
                    code,
                    "2025-06-30",
                    f"论文题目{number}",
                    f"作者{number}",
                    f"导师{number % 7}",
                ]
            )
    return out.getvalue().encode("utf-8")
