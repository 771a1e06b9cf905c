"""Formulas in a text layer: inline math stays in its sentence, display equations keep their
numbers on their own lines, no Han character is lost around formulas, and formula characters
do not make a page look like garbage."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpora.extract import ExtractedDocument, ExtractionLimits, extract_file
from corpora.pdf import _Glyphs, group_lines
from corpora.quality import garbage_reason, signature
from tests.corpora.math_factory import GREEK, MathThesis, build_math_thesis_pdf


def han(text: str) -> int:
    return sum(1 for char in text if "\u4e00" <= char <= "\u9fff")


@pytest.fixture(scope="module")
def math_thesis(tmp_path_factory: pytest.TempPathFactory) -> MathThesis:
    root = tmp_path_factory.mktemp("formulas")
    return build_math_thesis_pdf(root / "math-thesis.pdf", unmapped=0.3, derivations=3)


@pytest.fixture(scope="module")
def math_doc(math_thesis: MathThesis) -> ExtractedDocument:
    return extract_file(math_thesis.path)


def test_inline_formulas_stay_inside_their_sentences_in_reading_order(
    math_thesis: MathThesis, math_doc: ExtractedDocument
) -> None:
    assert math_doc.status == "ok", math_doc.reason
    text = re.sub(r"[ \t]+", "", math_doc.text)  # line breaks kept: a sentence is one paragraph
    missing = [
        pattern.pattern
        for pattern in map(math_thesis.expected_sentence, range(len(math_thesis.sentences)))
        if not pattern.search(text)
    ]
    assert not missing
    assert "∑" in text and "≤" in text  # the Symbol font read with its own encoding
    assert sum(text.count(letter) for letter in GREEK) >= sum(
        1 for s, _ in math_thesis.displays if s
    )


def test_display_equations_are_own_lines_with_their_numbers(
    math_thesis: MathThesis, math_doc: ExtractedDocument
) -> None:
    lines = [re.sub(r"\s+", "", line) for line in math_doc.text.split("\n")]
    for (shown, label), opening in zip(
        math_thesis.displays, math_thesis.after_display[: len(math_thesis.displays)], strict=True
    ):
        at = lines.index(re.sub(r"\s+", "", shown) + label)  # fraction parts joined in order
        assert lines[at - 1].endswith("：")  # the lead-in sentence ends before the equation
        if not opening.endswith("："):
            assert lines[at + 1] == opening  # the text after it is a paragraph of its own


def test_han_characters_are_all_kept_and_formula_pages_are_not_ocred(
    math_thesis: MathThesis, math_doc: ExtractedDocument
) -> None:
    """The derivation page has more formula-font glyphs without a mapping than the 30% that
    marks a page unreadable; they are formula symbols, so the page keeps its text layer."""
    assert han(math_doc.text) == math_thesis.han_glyphs
    assert math_doc.ocr_pages == () and math_doc.warnings == ()
    never = extract_file(math_thesis.path, limits=ExtractionLimits(ocr="never"))
    assert never.status == "ok" and han(never.text) == math_thesis.han_glyphs
    assert "\ufffc" not in math_doc.text and "\ufffd" not in math_doc.text


def test_offsets_map_back_to_the_raw_text(math_doc: ExtractedDocument) -> None:
    origin = math_doc.origin
    assert len(origin) == len(math_doc.text) and np.all(np.diff(origin) > 0)
    raw = math_doc.raw_text
    assert all(raw[origin[i]] == char for i, char in enumerate(math_doc.text) if char not in " \n")


FORMULA_CHARS = "αβγθλμσω∑∫∂≤≥≠±×·→∞√∈∀\ufffc"


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(
        [
            "学位论文抽检是保障研究生教育质量的重要制度，专家评议意见应当客观公正。" * 2,
            "The spot check draws a sample of theses and the experts review each of them "
            "with care, and the results are reported to the degree office of the province.",
        ]
    ),
    st.lists(st.tuples(st.integers(0, 200), st.text(FORMULA_CHARS, min_size=1, max_size=12))),
)
def test_formula_characters_are_neutral_in_the_text_quality(
    sentence: str, formulas: list[tuple[int, str]]
) -> None:
    mixed = sentence
    for at, formula in formulas:
        cut = at % (len(mixed) + 1)
        mixed = mixed[:cut] + formula + mixed[cut:]
    plain, with_math = signature(sentence), signature(mixed)
    assert with_math.text_visible == plain.text_visible
    assert with_math.readable_share == plain.readable_share == 1.0
    assert garbage_reason(with_math) is None
    unreadable = "\ufffd" * 40 + sentence[:60]
    assert garbage_reason(signature(unreadable)) is not None
    assert garbage_reason(signature(unreadable + "".join(f for _, f in formulas))) is not None


def glyphs_of(atoms: list[tuple[str, float, float, float]]) -> _Glyphs:
    """(text, x, baseline, size) glyphs; each glyph is 0.5 of its size wide (Latin) or 1.0."""
    out = _Glyphs([], [], [], [], [])
    for text, x, baseline, size in atoms:
        width = size * (1.0 if text >= "\u4e00" else 0.5)
        out.x0.append(x)
        out.x1.append(x + width)
        out.y.append(baseline)
        out.size.append(size)
        out.text.append(text)
    return out


body = st.sampled_from("研究方法xyz=+").map(lambda c: (c, 0.0, 12.0))
script = st.tuples(st.sampled_from("2ikn"), st.sampled_from([5.0, 4.7, -3.0, -4.1])).map(
    lambda s: (s[0], s[1], 8.5)
)
line_atoms = st.tuples(body, st.lists(st.one_of(body, script), max_size=24)).map(
    lambda t: [t[0], *t[1]]
)  # a line starts with body text (a script always follows its base)


@settings(max_examples=80, deadline=None)
@given(st.lists(line_atoms, min_size=1, max_size=4))
def test_raised_and_lowered_scripts_stay_in_their_line_in_order(
    lines: list[list[tuple[str, float, float]]],
) -> None:
    placed: list[tuple[str, float, float, float]] = []
    for row, line in enumerate(lines):
        x, baseline = 72.0, 700.0 - 22.0 * row
        for text, rise, size in line:
            placed.append((text, x, baseline + rise, size))
            x += size * (1.0 if text >= "\u4e00" else 0.5) + 0.5
    placed.reverse()  # content order is not reading order
    found = group_lines(glyphs_of(placed), 842.0)
    assert [re.sub(r"\s", "", line.text) for line in found] == [
        "".join(text for text, _, _ in line) for line in lines
    ]


@settings(max_examples=40, deadline=None)
@given(
    st.text("abcnxy+-", min_size=1, max_size=6),
    st.text("abcnxy+-", min_size=1, max_size=6),
)
def test_a_display_fraction_reads_numerator_then_denominator_before_the_number(
    numerator: str, denominator: str
) -> None:
    placed = [(c, 200.0 + 6.0 * i, 500.0, 12.0) for i, c in enumerate("f(x)=")]
    placed += [("2", 230.0, 505.0, 8.5), ("i", 230.0, 497.0, 8.5)]
    left = 240.0
    for row, (part, shift) in enumerate(((numerator, 8.1), (denominator, -8.2))):
        start = left + (36.0 - 6.0 * len(part)) / 2 + row * 0.01
        placed += [(c, start + 6.0 * i, 500.0 + shift, 12.0) for i, c in enumerate(part)]
    placed += [(c, 500.0 + 6.0 * i, 500.0, 12.0) for i, c in enumerate("(3.1)")]
    found = group_lines(glyphs_of(placed), 842.0)
    assert len(found) == 1
    assert re.sub(r"\s", "", found[0].text) == f"f(x)=2i{numerator}{denominator}(3.1)"


@pytest.mark.parametrize(
    ("name", "formula"),
    [
        ("ABCDEF+CMMI10", True),
        ("CMEX10", True),
        ("MSBM10", True),
        ("CambriaMath", True),
        ("STIXMath-Regular", True),
        ("MT-Extra", True),
        ("LINEW10", True),
        ("ABCDEF+SimSun", False),
        ("TimesNewRomanPSMT", False),
        ("LineSans", False),
    ],
)
def test_formula_fonts_are_known_by_their_postscript_names(name: str, formula: bool) -> None:
    from types import SimpleNamespace

    from corpora.pdf import is_math_font

    assert is_math_font(SimpleNamespace(basefont=name)) is formula  # type: ignore[arg-type]


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.0, 0.5, 1.0]))
def test_any_generated_formula_page_keeps_its_han_text_sentences_and_offsets(
    seed: int, unmapped: float
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        thesis = build_math_thesis_pdf(
            Path(folder) / "page.pdf", seed=seed, paragraphs=2, unmapped=unmapped
        )
        doc = extract_file(thesis.path, limits=ExtractionLimits(ocr="never"))
    assert doc.status == "ok" and han(doc.text) == thesis.han_glyphs
    flat = re.sub(r"[ \t]+", "", doc.text)
    assert all(thesis.expected_sentence(i).search(flat) for i in range(len(thesis.sentences)))
    start = doc.text.find("其中")
    raw_start, raw_end = doc.raw_span(start, start + 2)
    assert doc.raw_text[raw_start:raw_end] == "其中"
