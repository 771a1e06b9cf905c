"""A mathematics-heavy Chinese thesis PDF, typeset the way LaTeX and Word set formulas.

Inline formulas sit inside Chinese sentences: italic variables (Times-Italic), Greek letters and
operators (the Symbol font), superscripts raised and subscripts lowered in a smaller size,
fractions set on two baselines (numerator above, denominator below, a rule between) and symbols
in a math font whose glyphs have no Unicode mapping (an embedded TrueType font whose ToUnicode
table is removed, as many real math fonts ship). Display equations are centred on their own line
with the equation number, e.g. "(3.1)", at the right margin; display fractions put numerator and
denominator on lines of their own. The builder returns what a correct reading must give: the
sentences in order, the display equations, and how many Han glyphs the page content draws.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from tests.corpora.thesis_factory import ZH_FONT, zh_sentence

ITALIC = "Times-Italic"
ROMAN = "Times-Roman"
SYMBOL = "Symbol"
NOMAP = "MathNoMap"  # an embedded math font, its ToUnicode table removed after writing
NOMAP_NAME = "CambriaMath"  # the PostScript name it carries in the PDF, as Word writes it
_nomap = TTFont(NOMAP, str(Path(reportlab.__file__).parent / "fonts/VeraIt.ttf"))
_nomap.face.name = NOMAP_NAME.encode()
pdfmetrics.registerFont(_nomap)

BODY = 12.0
SCRIPT = 8.5
GREEK = "αβγδθλμσφω"
VARIABLES = "xyzabnkt"


@dataclass(frozen=True)
class Atom:
    """One drawn piece: text in a font and size, raised by `rise` points (negative: lowered).
    A fraction is two atoms at the same x (`stack`), the second set below the first."""

    text: str
    font: str = ZH_FONT
    size: float = BODY
    rise: float = 0.0
    stack: str = ""  # the denominator of a fraction whose numerator is `text`
    mapped: bool = True  # False: its glyphs have no Unicode mapping in the PDF


@dataclass
class MathThesis:
    """What the generated file holds."""

    path: Path
    sentences: list[list[Atom]] = field(default_factory=list)  # inline sentences, in order
    displays: list[tuple[str, str]] = field(default_factory=list)  # (mapped text, number)
    after_display: list[str] = field(default_factory=list)  # text that opens the next paragraph
    han_glyphs: int = 0  # Han characters drawn (page content, no headers or page numbers)

    def expected_sentence(self, index: int) -> re.Pattern[str]:
        """The sentence as reading order must give it (whitespace ignored; unmapped math glyphs
        may be dropped; a fraction's numerator and denominator either way round)."""
        parts: list[str] = []
        for atom in self.sentences[index]:
            if not atom.mapped:
                parts.append(r"\S{0," + str(len(atom.text)) + "}")
            elif atom.stack:
                num, den = re.escape(atom.text), re.escape(atom.stack)
                parts.append(f"(?:{num}/?{den}|{den}/?{num})")
            else:
                parts.append(re.escape(re.sub(r"\s+", "", atom.text)))
        return re.compile("".join(parts))


def inline_formula(rng: random.Random, unmapped: float) -> list[Atom]:
    """A short inline formula such as x_i^2 + α, a/b or A(t); with probability `unmapped` the
    whole formula is set in the math font without a Unicode mapping (as Word for Mac does)."""
    variable = rng.choice(VARIABLES)
    if rng.random() < unmapped:
        width = rng.randint(4, 9)
        return [Atom("".join(rng.choice("∂∑Ω∞√≠≥≤π∆") for _ in range(width)), NOMAP, mapped=False)]
    atoms = [Atom(variable, ITALIC)]
    shape = rng.randrange(5)
    if shape == 0:
        atoms += [Atom("2", ROMAN, SCRIPT, 5.0), Atom("+", ROMAN), Atom(rng.choice(GREEK), SYMBOL)]
    elif shape == 1:
        atoms += [
            Atom("i", ITALIC, SCRIPT, -3.0),
            Atom("=", ROMAN),
            Atom(rng.choice(GREEK), SYMBOL),
        ]
        atoms += [Atom("k", ITALIC, SCRIPT, -3.0), Atom("2", ROMAN, SCRIPT, 5.0)]
    elif shape == 2:
        atoms += [Atom("=", ROMAN), Atom("a", ITALIC, SCRIPT, 4.7, stack="b")]
    elif shape == 3:
        atoms += [
            Atom("≤", SYMBOL),
            Atom(rng.choice(GREEK), SYMBOL),
            Atom("n", ITALIC, SCRIPT, 5.0),
        ]
    else:
        atoms += [Atom("A", NOMAP, mapped=False), Atom("(", ROMAN), Atom("t", ITALIC)]
        atoms += [Atom(")", ROMAN)]
    return atoms


def math_sentence(rng: random.Random, unmapped: float) -> list[Atom]:
    """A Chinese sentence with one or two inline formulas, ending in a full stop."""
    atoms = [Atom(zh_sentence(rng, rng.randint(4, 10)))]
    for _ in range(rng.randint(1, 2)):
        atoms += inline_formula(rng, unmapped)
        atoms.append(Atom(zh_sentence(rng, rng.randint(3, 9))))
    atoms.append(Atom(rng.choice("，。") if rng.random() < 0.3 else "。"))
    return atoms


class MathWriter:
    """Lays atoms out in lines of a fixed width, wrapping between atoms and Chinese characters."""

    left, right, top, bottom = 72.0, A4[0] - 72.0, A4[1] - 80.0, 80.0
    leading = 22.0

    def __init__(self, path: Path) -> None:
        self.canvas = canvas.Canvas(str(path), pagesize=A4, pageCompression=0)
        self.y = self.top
        self.x = self.left
        self.page = 1

    def new_page(self) -> None:
        self.canvas.setFont(ROMAN, 9)
        self.canvas.drawCentredString(A4[0] / 2, 45, str(self.page))
        self.canvas.showPage()
        self.page += 1
        self.y = self.top

    def new_line(self) -> None:
        self.y -= self.leading
        self.x = self.left
        if self.y < self.bottom:
            self.new_page()

    def width(self, atom: Atom) -> float:
        width = pdfmetrics.stringWidth(atom.text, atom.font, atom.size)
        if atom.stack:
            width = max(width, pdfmetrics.stringWidth(atom.stack, atom.font, atom.size))
        return width + (2.0 if atom.font in (SYMBOL, ROMAN) and atom.size == BODY else 0.0)

    def put(self, atom: Atom, x: float, baseline: float) -> None:
        c = self.canvas
        c.setFont(atom.font, atom.size)
        if atom.stack:
            width = self.width(atom)
            num = pdfmetrics.stringWidth(atom.text, atom.font, atom.size)
            den = pdfmetrics.stringWidth(atom.stack, atom.font, atom.size)
            c.drawString(x + (width - num) / 2, baseline + atom.rise, atom.text)
            c.drawString(x + (width - den) / 2, baseline - 0.875 * atom.rise, atom.stack)
            c.setLineWidth(0.4)
            c.line(x, baseline + 3.0, x + width, baseline + 3.0)
        else:
            pad = 1.0 if atom.font in (SYMBOL, ROMAN) and atom.size == BODY else 0.0
            c.drawString(x + pad, baseline + atom.rise, atom.text)

    def paragraph(self, atoms: list[Atom], indent: bool = True) -> None:
        """Wraps the atoms into justified lines (the slack of a line that breaks before a wide
        formula is spread over its gaps, as LaTeX and Word do); the last line is left ragged."""
        lines: list[list[tuple[Atom, float]]] = [[]]
        start = self.left + (2 * BODY if indent else 0.0)
        used = start
        for atom in atoms:
            pieces = list(atom.text) if atom.font == ZH_FONT else [atom.text]
            for piece in pieces:
                part = Atom(piece, atom.font, atom.size, atom.rise, atom.stack, atom.mapped)
                width = self.width(part)
                if used + width > self.right + 0.01 and lines[-1]:
                    lines.append([])
                    used = self.left
                lines[-1].append((part, width))
                used += width
        for number, line in enumerate(lines):
            x = start if number == 0 else self.left
            slack = self.right - x - sum(width for _, width in line)
            spread = slack / (len(line) - 1) if number < len(lines) - 1 and len(line) > 1 else 0
            for part, width in line:
                self.put(part, x, self.y - BODY)
                x += width + spread
            self.new_line()

    def display(self, atoms: list[Atom], number: str, fraction: tuple[str, str] | None) -> None:
        """A centred display equation, its number at the right margin; with `fraction`, a
        display fraction whose numerator and denominator get their own lines."""
        self.y -= 6.0
        if self.y - 3 * self.leading < self.bottom:
            self.new_page()
        total = sum(self.width(a) for a in atoms)
        extra = 0.0
        if fraction:
            extra = max(pdfmetrics.stringWidth(part, ITALIC, BODY) for part in fraction) + 6
        x = (self.left + self.right - total - extra) / 2
        baseline = self.y - BODY - (10.0 if fraction else 0.0)
        for atom in atoms:
            self.put(atom, x, baseline)
            x += self.width(atom)
        if fraction:
            num, den = fraction
            self.canvas.setFont(ITALIC, BODY)
            self.canvas.drawCentredString(x + extra / 2, baseline + 9.5, num)
            self.canvas.drawCentredString(x + extra / 2, baseline - 10.5, den)
            self.canvas.setLineWidth(0.5)
            self.canvas.line(x + 2, baseline + 3.5, x + extra - 2, baseline + 3.5)
        self.canvas.setFont(ROMAN, BODY)
        self.canvas.drawRightString(self.right, baseline, number)
        self.y -= 20.0 if fraction else 6.0
        self.new_line()

    def close(self) -> None:
        self.new_page()
        self.canvas.save()


def strip_to_unicode(path: Path, base_font: str) -> None:
    """Removes the ToUnicode table of the embedded font `base_font` in place (same byte length,
    so the cross-reference table stays valid); a font the pages never use is not embedded."""
    data = path.read_bytes()
    name = re.escape(base_font.encode())
    if re.search(rb"/BaseFont /[A-Z]{6}\+" + name, data) is None:
        return  # no glyph of the font on these pages, so nothing is embedded to strip
    pattern = re.compile(rb"/BaseFont /[A-Z]{6}\+" + name + rb"[^<>]*?/ToUnicode")
    fixed = pattern.sub(lambda m: m.group(0).replace(b"/ToUnicode", b"/ToUnicodX"), data)
    assert fixed != data, f"no ToUnicode entry found for {base_font}"
    path.write_bytes(fixed)


def build_math_thesis_pdf(
    path: Path,
    *,
    seed: int = 5,
    paragraphs: int = 8,
    unmapped: float = 0.0,
    derivations: int = 0,
) -> MathThesis:
    """Writes a formula-heavy Chinese chapter (see the module docstring) and what it holds;
    `unmapped` is the share of inline formulas set wholly in the unmapped math font, and
    `derivations` adds that many pages of a derivation: display equations in that font with a
    short Chinese sentence between them (most of such a page's glyphs have no mapping)."""
    rng = random.Random(seed)
    out = MathThesis(path)
    writer = MathWriter(path)
    writer.canvas.setFont(ZH_FONT, 16)
    writer.canvas.drawString(writer.left, writer.y - 16, "第三章 模型与方法")
    out.han_glyphs += len("第三章模型与方法")
    writer.y -= 40
    for number in range(1, paragraphs + 1):
        sentences = [math_sentence(rng, unmapped) for _ in range(rng.randint(2, 4))]
        lead = Atom(zh_sentence(rng, rng.randint(6, 12)) + "，满足下式：")
        atoms = [atom for sentence in sentences for atom in sentence] + [lead]
        writer.paragraph(atoms)
        out.sentences.extend(sentences)
        out.han_glyphs += sum(_han(a.text) for a in atoms if a.font == ZH_FONT)
        variable = rng.choice(VARIABLES)
        equation = [
            Atom(variable, ITALIC),
            Atom("(", ROMAN),
            Atom(rng.choice(GREEK), SYMBOL),
            Atom(")", ROMAN),
            Atom("=", ROMAN),
            Atom("∑", SYMBOL),
            Atom("i", ITALIC, SCRIPT, -3.0),
            Atom(rng.choice(VARIABLES), ITALIC),
            Atom("2", ROMAN, SCRIPT, 5.0),
        ]
        fraction = ("a+b", "c") if number % 2 == 0 else None
        label = f"(3.{number})"
        writer.display(equation, label, fraction)
        shown = "".join(a.text for a in equation) + ("".join(fraction) if fraction else "")
        out.displays.append((shown, label))
        closing = zh_sentence(rng, rng.randint(8, 14)) + "。"
        opening = "其中" + closing
        writer.paragraph([Atom(opening)], indent=False)
        out.after_display.append(opening)
        out.han_glyphs += _han(opening)
    for page in range(derivations):
        writer.new_page()
        for step in range(1, 9):
            joint = zh_sentence(rng, rng.randint(5, 9)) + "，由此可得："
            writer.paragraph([Atom(joint)], indent=False)
            out.after_display.append(joint)
            out.han_glyphs += _han(joint)
            formula = "".join(rng.choice("∂∑Ω∞√≠≥≤π∆") for _ in range(rng.randint(24, 36)))
            label = f"(4.{8 * page + step})"
            writer.display([Atom(formula, NOMAP, mapped=False)], label, None)
            out.displays.append(("", label))
    writer.close()
    strip_to_unicode(path, NOMAP_NAME)
    return out


def _han(text: str) -> int:
    return sum(1 for char in text if "\u4e00" <= char <= "\u9fff")
