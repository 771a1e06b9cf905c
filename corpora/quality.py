"""Is extracted text real text? Signatures of unreadable and garbled extraction.

Judged from the characters alone, never from file names:
- unmapped glyphs: U+FFFD, `(cid:NN)` tokens, private-use and control characters;
- Latin-1 mojibake: a Chinese text decoded byte-wise shows up as accented Latin letters (ÂÛÎÄ);
- CJK mojibake: text decoded with the wrong Chinese code page is CJK, but mostly rare characters
  outside the common sets of GB2312 level 1 and Big5 level 1 (where real Chinese text, simplified
  or traditional, lives almost entirely);
- letter soup: fonts with private encodings give ASCII letters that never form common English
  words, or mostly punctuation.

Formula characters (Greek letters, mathematical operators, arrows and letter-like symbols,
mathematical alphanumerics, ± · ° ² and formula-font glyphs without a mapping, U+FFFC) are
neutral: they are neither text nor garbage, so the shares are taken over the other visible
characters and a page dense in formulas is judged by its words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

UNREADABLE = re.compile(
    r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff\ud800-\udfff\x01-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
WORD = re.compile(r"[A-Za-z]{2,}")
STOPWORDS = frozenset(
    [
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
        "were",
        "we",
        "our",
        "can",
        "not",
        "or",
        "have",
        "has",
        "these",
        "their",
        "its",
        "between",
        "than",
        "also",
        "been",
        "such",
        "more",
        "into",
        "each",
        "other",
        "both",
        "a",
        "i",
        "if",
        "when",
        "where",
        "there",
        "they",
        "one",
        "two",
        "all",
        "used",
        "using",
        "use",
        "based",
        "results",
        "method",
        "data",
    ]
)
CJK_BASE = 0x4E00
CJK_END = 0xA000


@lru_cache(maxsize=1)
def common_cjk_table() -> np.ndarray:
    """Boolean table over U+4E00..U+9FFF: in GB2312 level 1 or Big5 level 1 (common characters)."""
    table = np.zeros(CJK_END - CJK_BASE, dtype=bool)
    for code in range(CJK_BASE, CJK_END):
        char = chr(code)
        try:
            gb = char.encode("gb2312")
            if 0xB0 <= gb[0] <= 0xD7:
                table[code - CJK_BASE] = True
                continue
        except UnicodeEncodeError:
            pass
        try:
            big5 = char.encode("big5")
            if 0xA440 <= int.from_bytes(big5, "big") <= 0xC67E:
                table[code - CJK_BASE] = True
        except UnicodeEncodeError:
            pass
    return table


@dataclass(frozen=True)
class TextSignature:
    """Character counts that tell real text from garbage."""

    visible: int
    unreadable: int
    cjk: int
    common_cjk: int
    latin_extended: int
    ascii_punctuation: int
    words: int
    stopwords: int

    math: int = 0  # formula characters, neutral in every share

    @property
    def text_visible(self) -> int:
        """Visible characters that are not formula characters (the base of every share)."""
        return self.visible - self.math

    @property
    def cjk_share(self) -> float:
        return self.cjk / self.text_visible if self.text_visible else 0.0

    @property
    def readable_share(self) -> float:
        """The text-quality figure: the share of non-formula characters that are readable."""
        base = self.text_visible
        return (base - self.unreadable) / base if base else 1.0


def signature(text: str) -> TextSignature:
    """Counts the signature features of `text` (vectorised over code points)."""
    unreadable = len(UNREADABLE.findall(text))
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    visible_mask = ~np.isin(codes, np.array([0, 9, 10, 13, 32, 0x3000], dtype=np.uint32))
    visible = int(visible_mask.sum())
    cjk_mask = (codes >= CJK_BASE) & (codes < CJK_END)
    cjk_codes = codes[cjk_mask] - CJK_BASE
    common = int(common_cjk_table()[cjk_codes].sum()) if len(cjk_codes) else 0
    extra_cjk = int(((codes >= 0x3400) & (codes < 0x4DC0)).sum() + (codes >= 0x20000).sum())
    math_mask = formula_mask(codes)
    latin_ext = int(((codes >= 0xC0) & (codes < 0x250) & (codes != 0xD7) & (codes != 0xF7)).sum())
    latin_ext += int(((codes >= 0xA1) & (codes < 0xC0) & ~math_mask).sum())
    punct = int(
        (
            ((codes >= 0x21) & (codes <= 0x2F))
            | ((codes >= 0x3A) & (codes <= 0x40))
            | ((codes >= 0x5B) & (codes <= 0x60))
            | ((codes >= 0x7B) & (codes <= 0x7E))
        ).sum()
    )
    words = WORD.findall(text[:200_000])
    stop = sum(1 for word in words if word.lower() in STOPWORDS)
    return TextSignature(
        visible=visible,
        unreadable=unreadable,
        cjk=int(cjk_mask.sum()) + extra_cjk,
        common_cjk=common,
        latin_extended=latin_ext,
        ascii_punctuation=punct,
        words=len(words),
        stopwords=stop,
        math=int(math_mask.sum()),
    )


LATIN1_FORMULA = np.array([0xB0, 0xB1, 0xB2, 0xB3, 0xB5, 0xB7, 0xB9, 0xBC, 0xBD, 0xBE, 0xD7, 0xF7])


def formula_mask(codes: np.ndarray) -> np.ndarray:
    """Which code points are formula characters (see the module docstring)."""
    return (
        ((codes >= 0x370) & (codes < 0x400))  # Greek
        | ((codes >= 0x2100) & (codes < 0x2200))  # letter-like symbols, number forms, arrows
        | ((codes >= 0x2200) & (codes < 0x2300))  # mathematical operators
        | ((codes >= 0x27C0) & (codes < 0x2800))  # miscellaneous mathematical symbols A, arrows
        | ((codes >= 0x2980) & (codes < 0x2B00))  # mathematical symbols B, supplemental operators
        | ((codes >= 0x1D400) & (codes < 0x1D800))  # mathematical alphanumerics
        | (codes == 0xFFFC)  # a formula-font glyph without a Unicode mapping
        | np.isin(codes, LATIN1_FORMULA)
    )


def garbage_reason(sig: TextSignature, *, strict: bool = True) -> str | None:
    """Why this text is not real text, or None when it looks readable.

    `strict` applies the letter-soup test, which needs a document-sized sample.
    """
    base = sig.text_visible
    if base <= 0:
        return None
    if sig.unreadable / base > 0.3:
        return (
            f"{sig.unreadable} of {base} characters are glyphs without a Unicode mapping "
            "(fonts without a ToUnicode table); the text is not extractable"
        )
    low_cjk = sig.cjk_share < 0.05
    if low_cjk and sig.latin_extended / base > 0.2:
        return "the text is mojibake (Chinese decoded as accented Latin letters, no Chinese at all)"
    if sig.cjk >= 50 and sig.common_cjk / sig.cjk < 0.6:
        return "the text is mojibake (mostly rare Chinese characters: a wrong encoding or font map)"
    real_words = sig.common_cjk >= 20 or sig.stopwords >= 5  # formulas between sentences
    if low_cjk and not real_words and base >= 50 and sig.ascii_punctuation / base > 0.4:
        return "the text is mostly symbols (fonts with a private encoding)"
    if strict and low_cjk and sig.words >= 40 and sig.stopwords / sig.words < 0.03:
        return "the letters do not form words (fonts with a private encoding; mojibake)"
    return None
