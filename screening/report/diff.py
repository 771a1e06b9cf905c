"""How a thesis passage and its source passage compare, as HTML for the side-by-side view.

Same language: the characters that differ (Levenshtein opcodes). Translated passages: the
words that the dictionary matches across the languages (`screening.crosslingual.evidence`).
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape
from rapidfuzz.distance import Levenshtein

from screening.crosslingual.evidence import matched_words

# Beyond this many characters per side the diff is skipped (cost grows with len(a)·len(b)).
MAX_DIFF_CHARACTERS = 20_000


@dataclass(frozen=True)
class PassageDiff:
    thesis: Markup
    source: Markup
    differing_thesis: int
    differing_source: int
    compared: bool


def diff_passages(thesis: str, source: str) -> PassageDiff:
    """Both passages as HTML, the characters that differ wrapped in `<span class="d">`."""
    if len(thesis) > MAX_DIFF_CHARACTERS or len(source) > MAX_DIFF_CHARACTERS:
        return PassageDiff(escape(thesis), escape(source), 0, 0, False)
    left: list[str] = []
    right: list[str] = []
    differing_left = differing_right = 0
    for op in Levenshtein.opcodes(thesis, source):
        a = thesis[op.src_start : op.src_end]
        b = source[op.dest_start : op.dest_end]
        if op.tag == "equal":
            left.append(str(escape(a)))
            right.append(str(escape(b)))
            continue
        if a:
            left.append(f'<span class="d">{escape(a)}</span>')
            differing_left += len(a)
        if b:
            right.append(f'<span class="d">{escape(b)}</span>')
            differing_right += len(b)
    return PassageDiff(
        Markup("".join(left)), Markup("".join(right)), differing_left, differing_right, True
    )


def _marked(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[Markup, int]:
    out: list[str] = []
    position = marked = 0
    for start, end in spans:
        out.append(str(escape(text[position:start])))
        out.append(f'<span class="m">{escape(text[start:end])}</span>')
        marked += end - start
        position = end
    out.append(str(escape(text[position:])))
    return Markup("".join(out)), marked


def translated_passages(thesis: str, source: str) -> PassageDiff:
    """Both passages as HTML, the words each has a translation for wrapped in `<span class="m">`.

    `differing_*` count the characters *matched* here (the passages share no characters).
    """
    if len(thesis) > MAX_DIFF_CHARACTERS or len(source) > MAX_DIFF_CHARACTERS:
        return PassageDiff(escape(thesis), escape(source), 0, 0, False)
    words = matched_words(thesis, source)
    left, marked_left = _marked(thesis, words.first)
    right, marked_right = _marked(source, words.second)
    return PassageDiff(left, right, marked_left, marked_right, True)
