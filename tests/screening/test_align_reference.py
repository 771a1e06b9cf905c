"""The aligner's tf-idf against a plain scikit-learn reference, and invariants of classification.

The aligner (`screening.align`) computes its sentence × sentence tf-idf cosines itself, over
hashed features and with scipy.sparse, because it must align a pair in milliseconds. Here the
same matrix is computed the slow, obvious way: each unit's features are recomputed as strings
from the unit's original text (Han character bigrams, Latin content words), and scikit-learn's
`TfidfVectorizer` and `cosine_similarity` do the rest. The two must agree to 1e-9.

The aligner's convention, in scikit-learn terms:

- documents are the units (sentences, chunks of over-long sentences) of BOTH texts;
- term frequency is binary (`binary=True`): a feature counts once per unit;
- idf = ln((n + 1) / df) + 1, with n the number of units of both texts and df the number of
  units holding the feature. No `smooth_idf` setting gives this (`smooth_idf=True` is
  ln((n + 1) / (df + 1)) + 1, as if one extra document held every feature; `smooth_idf=False`
  is ln(n / df) + 1). It is `smooth_idf=False` with one extra EMPTY document in the fit, which
  is how the reference below gets it;
- rows are L2-normalised over all of a unit's features, shared with the other text or not;
- a unit without features has cosine 0 with everything.

Past the memory guard (`align.MAX_PAIR_WORK`, texts of hundreds of thousands of characters)
the most common shared features are left out of the dot products but not of the norms, so the
aligner's cosines can only be lower than the reference's; that is checked separately.
"""

from __future__ import annotations

import math
import unicodedata
from itertools import pairwise
from pathlib import Path

import numpy as np
import opencc
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from screening import align as align_module
from screening.align import PreparedText, prepare_text, sentence_cosines
from screening.align_stopwords import ENGLISH_STOP_WORDS
from screening.classify import classify_passage
from screening.normalize import normalize
from tests.screening.alignment_texts import EN, ZH

TOLERANCE = 1e-9
MATCH_CLASSES = {"identical", "minor_changes", "paraphrase"}

# --- the reference ---------------------------------------------------------------------------


def _is_token_han(ch: str) -> bool:
    """A character of normalised text that is a token on its own (ideograph, kana, hangul)."""
    code = ord(ch)
    return unicodedata.category(ch) == "Lo" and (
        0x2E80 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or code >= 0x20000
    )


def reference_unit_features(unit_text: str) -> list[str]:
    """The features of one unit, recomputed plainly from its original text.

    Tokens of the normalised text are single Han characters and runs of other letters and
    digits; features are the bigrams of consecutive Han tokens ("H" + two characters) and the
    Latin words that are not function words ("W" + word).
    """
    tokens: list[tuple[str, bool]] = []
    word = ""
    for ch in normalize(unit_text).text:
        if _is_token_han(ch):
            if word:
                tokens.append((word, False))
                word = ""
            tokens.append((ch, True))
        elif ch == " ":
            if word:
                tokens.append((word, False))
                word = ""
        else:
            word += ch
    if word:
        tokens.append((word, False))
    features = []
    for (token, han), (following, next_han) in pairwise([*tokens, ("", False)]):
        if han and next_han:
            features.append("H" + token + following)
        elif not han and token not in ENGLISH_STOP_WORDS:
            features.append("W" + token)
    return features


def unit_texts(doc: PreparedText) -> list[str]:
    """The original text of each alignment unit of a prepared text."""
    return [
        doc.original[int(start) : int(end)]
        for start, end in zip(doc.sentence_starts, doc.sentence_ends, strict=True)
    ]


def reference_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=reference_unit_features,
        binary=True,
        use_idf=True,
        smooth_idf=False,
        sublinear_tf=False,
        norm="l2",
        dtype=np.float64,
    )


def reference_cosines(susp: PreparedText, src: PreparedText) -> np.ndarray:
    """Unit × unit tf-idf cosines by scikit-learn, with the aligner's conventions."""
    units_a, units_b = unit_texts(susp), unit_texts(src)
    if not any(reference_unit_features(unit) for unit in units_a + units_b):
        return np.zeros((len(units_a), len(units_b)))
    vectorizer = reference_vectorizer()
    # The extra empty document turns sklearn's ln(n / df) + 1 into ln((n + 1) / df) + 1.
    vectorizer.fit(units_a + units_b + [""])
    if not units_a or not units_b:
        return np.zeros((len(units_a), len(units_b)))
    return cosine_similarity(vectorizer.transform(units_a), vectorizer.transform(units_b))


def assert_agrees_with_reference(suspicious: str, source: str) -> None:
    susp, src = prepare_text(suspicious), prepare_text(source)
    for doc in (susp, src):
        expected_sizes = [len(set(reference_unit_features(unit))) for unit in unit_texts(doc)]
        assert doc.sentence_sizes.tolist() == expected_sizes
    fast = sentence_cosines(susp, src)
    reference = reference_cosines(susp, src)
    assert fast.shape == reference.shape
    np.testing.assert_allclose(fast, reference, rtol=0, atol=TOLERANCE)


# --- generated texts -------------------------------------------------------------------------

# Simplified characters of realistic sentences, a few traditional and full-width forms that
# normalise onto them, and kana and hangul (also one token per character).
HAN = (
    "".join(sorted(set("".join(ZH)) - set("。，"))) + "發後裏麵臺雲鐘歷範學術論文" + "のテスト한국"
)
ZH_INNER = "，、：“”（）《》 "
ZH_ENDS = ["。", "！", "？", "；", "…", ".", "\n", ""]
WORDS = sorted({w.strip(".,").lower() for s in EN for w in s.split()}) + [
    "The",
    "IS",
    "ＣＮＮ",
    "Résumé",
    "2024",
    "3.5",
    "sea-level",
    "don't",
]
EN_ENDS = [". ", "! ", "? ", "; ", ".\n", "\n\n", " "]

WORDS = sorted({w.strip(".,").lower() for s in EN for w in s.split()}) + [
    "The",
    "IS",
    "ＣＮＮ",
    "Résumé",
    "2024",
    "3.5",
    "sea-level",
    "don't",
]
EN_ENDS = [". ", "! ", "? ", "; ", ".\n", "\n\n", " "]

zh_sentences = st.builds(
    lambda body, end: body + end,
    st.text(alphabet=HAN + ZH_INNER, min_size=1, max_size=90),
    st.sampled_from(ZH_ENDS),
)


def _english_sentence(words: list[str], separators: list[str], end: str) -> str:
    separators = (separators + [" "] * len(words))[: len(words) - 1] + [""]
    return "".join(w + sep for w, sep in zip(words, separators, strict=True)) + end


# Chinese sentences are pieces of real sentences (so texts share some bigrams but not all)
# and random characters; a few pieces without an end mark make over-long, chunked units.
zh_pieces = st.builds(
    lambda sentence, a, b: sentence[min(a, b) : max(a, b) + 1],
    st.sampled_from(ZH),
    st.integers(0, 30),
    st.integers(0, 30),
)
zh_sentences = st.builds(
    lambda pieces, end: "".join(pieces) + end,
    st.lists(
        st.one_of(zh_pieces, st.text(alphabet=HAN + ZH_INNER, min_size=1, max_size=12)),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(ZH_ENDS),
)
en_pieces = st.builds(
    lambda sentence, a, b: sentence.split()[min(a, b) : max(a, b) + 1],
    st.sampled_from(EN),
    st.integers(0, 12),
    st.integers(0, 12),
)
en_sentences = st.builds(
    _english_sentence,
    st.lists(
        st.one_of(en_pieces, st.sampled_from(WORDS).map(lambda w: [w])), min_size=1, max_size=12
    )
    .map(lambda pieces: [word for piece in pieces for word in piece])
    .filter(bool),
    st.lists(st.sampled_from([" ", ", ", " - ", "  ", " (", ") "]), max_size=75),
    st.sampled_from(EN_ENDS),
)
mixed_sentences = st.builds(
    lambda parts, end: "".join(parts) + end,
    st.lists(
        st.one_of(
            zh_pieces,
            st.text(alphabet=HAN, min_size=1, max_size=8),
            st.sampled_from(WORDS).map(lambda w: f" {w} "),
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(ZH_ENDS + EN_ENDS),
)
any_sentence = st.one_of(zh_sentences, en_sentences, mixed_sentences)
TO_TRADITIONAL = opencc.OpenCC("s2t")


@st.composite
def text_pairs(draw: st.DrawFn, sentences: st.SearchStrategy[str]) -> tuple[str, str]:
    """A source text, and a suspicious text reusing some of its sentences (some disguised)."""
    source = draw(st.lists(sentences, min_size=0, max_size=10))
    pieces = []
    for _ in range(draw(st.integers(0, 10))):
        if source and draw(st.booleans()):
            sentence = draw(st.sampled_from(source))
            disguise = draw(st.sampled_from(["none", "traditional", "upper", "no-marks"]))
            if disguise == "traditional":
                sentence = TO_TRADITIONAL.convert(sentence)
            elif disguise == "upper":
                sentence = sentence.upper()
            elif disguise == "no-marks":
                sentence = sentence.replace("。", "").replace(". ", " ")
            pieces.append(sentence)
        else:
            pieces.append(draw(sentences))
    return "".join(pieces), "".join(source)


@given(text_pairs(zh_sentences))
def test_chinese_cosines_agree_with_sklearn(pair: tuple[str, str]) -> None:
    assert_agrees_with_reference(*pair)


@given(text_pairs(en_sentences))
def test_english_cosines_agree_with_sklearn(pair: tuple[str, str]) -> None:
    assert_agrees_with_reference(*pair)


@given(text_pairs(any_sentence))
def test_mixed_cosines_agree_with_sklearn(pair: tuple[str, str]) -> None:
    assert_agrees_with_reference(*pair)


# Any character of the Basic Multilingual Plane, and the ideographs of the CJK planes. Other
# characters beyond the BMP are left out: the tokenizer counts every astral character as one
# Han token, while normalisation treats astral letters and marks (Gothic, the ideographic
# variation selectors U+E0100...) as word characters, so the reference would disagree there.
plain_characters = st.one_of(
    st.characters(max_codepoint=0xFFFF),
    st.characters(min_codepoint=0x20000, max_codepoint=0x3FFFF, categories=["Lo"]),
)


@given(st.text(plain_characters, max_size=300), st.text(plain_characters, max_size=300))
def test_cosines_of_arbitrary_text_agree_with_sklearn(suspicious: str, source: str) -> None:
    assert_agrees_with_reference(suspicious, source)


# --- fixed, realistic texts ------------------------------------------------------------------


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[k : k + width] for k in range(0, len(text), width))


ZH_TEXT = "".join(ZH[:12])
EN_TEXT = " ".join(EN[:12])
FIXED_PAIRS = {
    "zh verbatim inside other text": ("".join(ZH[12:16]) + "".join(ZH[3:8]), ZH_TEXT),
    "zh traditional": (opencc.OpenCC("s2twp").convert("".join(ZH[0:6])), ZH_TEXT),
    "zh reordered": ("".join(reversed(ZH[0:8])), ZH_TEXT),
    "zh without punctuation": (ZH_TEXT.replace("。", ""), ZH_TEXT),
    "zh hard-wrapped": (_wrap("".join(ZH[2:14]), 24), ZH_TEXT),
    "en light edits": (EN_TEXT.replace("carbon", "CO2").replace("forty", "40"), EN_TEXT),
    "en lower-cased without punctuation": (EN_TEXT.lower().replace(".", ""), EN_TEXT),
    "mixed": (
        "本文 surveyed forty marsh sites，" + "".join(ZH[0:3]) + " " + EN[3],
        EN_TEXT + "\n" + ZH_TEXT,
    ),
    "empty suspicious text": ("", ZH_TEXT),
    "punctuation only": ("，。！", "..."),
}


@pytest.mark.parametrize("name", sorted(FIXED_PAIRS))
def test_fixed_pairs_agree_with_sklearn(name: str) -> None:
    assert_agrees_with_reference(*FIXED_PAIRS[name])


def test_copied_sentences_have_cosine_one_and_the_fit_uses_the_documented_idf() -> None:
    susp, src = prepare_text("".join(ZH[12:16]) + "".join(ZH[3:8])), prepare_text(ZH_TEXT)
    cosines = sentence_cosines(susp, src)
    for k in range(3, 8):
        row = unit_texts(susp).index(ZH[k])
        assert cosines[row, unit_texts(src).index(ZH[k])] == pytest.approx(1.0, abs=TOLERANCE)
    units = unit_texts(susp) + unit_texts(src)
    vectorizer = reference_vectorizer().fit(units + [""])
    df = {f: sum(f in reference_unit_features(u) for u in units) for f in vectorizer.vocabulary_}
    for feature, column in vectorizer.vocabulary_.items():
        expected = math.log((len(units) + 1) / df[feature]) + 1
        assert vectorizer.idf_[column] == pytest.approx(expected, abs=1e-12)


def _read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.mark.parametrize("corpus", ["zh-pan-dev", "en-pan-dev"])
def test_development_corpus_pairs_agree_with_sklearn(shared_dir: Path, corpus: str) -> None:
    root = shared_dir / "data" / corpus
    if not root.is_dir():
        pytest.skip(f"{root} not found")
    folders = sorted(d for d in root.iterdir() if (d / "pairs").is_file())
    for folder in folders:
        susp_name, src_name = _read(folder / "pairs").split("\n", 1)[0].split()
        assert_agrees_with_reference(
            _read(root / "susp" / susp_name), _read(root / "src" / src_name)
        )


def test_memory_guard_only_lowers_cosines(monkeypatch: pytest.MonkeyPatch) -> None:
    suspicious = "".join(ZH[0:8]) + _wrap("".join(ZH[2:10]), 30)
    source = ZH_TEXT + "".join(ZH[4:12])
    susp, src = prepare_text(suspicious), prepare_text(source)
    reference = reference_cosines(susp, src)
    np.testing.assert_allclose(sentence_cosines(susp, src), reference, rtol=0, atol=TOLERANCE)
    monkeypatch.setattr(align_module, "MAX_PAIR_WORK", 40)
    guarded = sentence_cosines(susp, src)
    assert np.all(guarded <= reference + TOLERANCE)
    assert np.any(guarded < reference - 0.01)
    assert np.all(guarded >= 0)


# --- classification --------------------------------------------------------------------------

# Simplified characters whose traditional form (OpenCC s2t, by phrase) normalises back to them;
# 著 → 着, 复 → 覆 (in some phrases) and 了 → 瞭 (in some phrases) do not, so they are left out.
ROUND_TRIP_HAN = "".join(sorted(set("".join(ZH)) - set("。，著复了"))) + "发后里面台松云只钟系历范"


@given(st.text(max_size=200))
def test_identical_texts_are_identical_with_similarity_one(text: str) -> None:
    result = classify_passage(text, text)
    assert (result.match_class, result.similarity) == ("identical", 1.0)


@given(st.text(alphabet=ROUND_TRIP_HAN + "，。", min_size=12, max_size=200))
def test_traditional_conversion_is_not_identical_but_stays_similar(text: str) -> None:
    converted = TO_TRADITIONAL.convert(text)
    assume(converted != text)
    result = classify_passage(converted, text)
    assert result.match_class in {"minor_changes", "paraphrase"}
    assert result.similarity >= 0.9


@given(
    st.one_of(st.text(max_size=200), st.lists(any_sentence, max_size=6).map("".join)),
    st.one_of(st.text(max_size=200), st.lists(any_sentence, max_size=6).map("".join)),
)
def test_class_and_similarity_are_always_valid(suspicious: str, source: str) -> None:
    result = classify_passage(suspicious, source)
    assert result.match_class in MATCH_CLASSES
    assert 0.0 <= result.similarity <= 1.0
    if result.match_class == "identical":
        assert result.similarity == 1.0
