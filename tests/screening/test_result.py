"""The typed screening result: a lossless round trip, and one named error for bad input."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpora.structure import Section
from screening.policy import LEVEL_LABELS, Flag
from screening.result import (
    MATCH_CLASSES,
    ChapterFigure,
    PassageRecord,
    ResultFigures,
    ResultFormatError,
    ResultSource,
    ScreeningResult,
    ThesisInfo,
)
from tests.screening.golden_run import GOLDEN

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
counts = st.integers(min_value=0, max_value=10**9)
fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False).map(lambda x: round(x, 6))
spans = st.tuples(counts, counts).map(sorted).map(tuple)


@st.composite
def passages(draw: st.DrawFn) -> PassageRecord:
    a, b = draw(spans)
    c, d = draw(spans)
    translated = draw(st.booleans())
    return PassageRecord(
        thesis_start=a,
        thesis_end=b,
        source_id=draw(texts),
        source_start=c,
        source_end=d,
        match_class="translated" if translated else draw(st.sampled_from(MATCH_CLASSES[:3])),
        similarity=draw(fractions),
        source_text=draw(texts),
        origin=draw(st.sampled_from(["corpus", "batch"])),
        page=draw(st.integers(min_value=1, max_value=900)),
        in_quote=draw(st.booleans()),
        in_references=draw(st.booleans()),
        excluded=draw(st.none() | st.sampled_from(["template", "quote", "small_match"])),
        source_language=draw(st.sampled_from(["en", "zh"])) if translated else None,
    )


sources = st.builds(
    ResultSource,
    id=texts,
    title=texts,
    file=texts,
    characters=counts,
    share=fractions,
    assessed_share=st.none() | fractions,
    source_characters=st.none() | counts,
    authors=st.lists(texts, max_size=3).map(tuple),
    year=st.none() | st.integers(min_value=1900, max_value=2100),
    type=texts,
    institution=texts,
    own_work=st.booleans(),
    origin=st.sampled_from(["corpus", "batch"]),
    classes=st.dictionaries(st.sampled_from(MATCH_CLASSES), counts),
    excluded=st.none() | texts,
)

figures = st.builds(
    ResultFigures,
    total_copy_ratio=fractions,
    copy_ratio_excluding_quotes=fractions,
    copy_ratio_excluding_references=fractions,
    copy_ratio_excluding_own=fractions,
    max_single_source_ratio=fractions,
    repeated_characters=counts,
    total_characters=counts,
    assessed_copy_ratio=st.none() | fractions,
    assessed_characters=st.none() | counts,
    translated_copy_ratio=st.none() | fractions,
    translated_characters=st.none() | counts,
    per_chapter=st.lists(
        st.builds(
            ChapterFigure,
            title=texts,
            kind=texts,
            start=counts,
            end=counts,
            characters=counts,
            repeated_characters=counts,
            ratio=fractions,
        ),
        max_size=3,
    ).map(tuple),
)

theses = st.builds(
    ThesisInfo,
    file=texts,
    sha256=texts,
    status=st.sampled_from(["ok", "partial", "encrypted", "corrupt"]),
    reason=st.none() | texts,
    pages=counts,
    text=texts,
    page_starts=st.lists(counts, max_size=4).map(tuple),
    sections=st.lists(st.builds(Section, texts, texts, counts, counts), max_size=3).map(tuple),
    quotes=st.lists(spans, max_size=3).map(tuple),
    metadata=st.dictionaries(texts, texts, max_size=3),
    characters=counts,
)

results = st.builds(
    ScreeningResult,
    created_at=texts,
    software=st.dictionaries(texts, texts, max_size=2),
    thesis=theses,
    corpus=st.dictionaries(texts, st.none() | texts | counts, max_size=3),
    settings=st.dictionaries(texts, st.booleans() | counts, max_size=3),
    figures=st.none() | figures,
    flag=st.builds(
        Flag,
        level=st.sampled_from(sorted(LEVEL_LABELS)),
        reasons=st.lists(texts, max_size=2).map(tuple),
    ),
    sources=st.lists(sources, max_size=3).map(tuple),
    passages=st.lists(passages(), max_size=4).map(tuple),
    timings=st.none() | st.dictionaries(texts, fractions, max_size=3),
)


@given(results)
def test_round_trip_through_json_is_lossless(result: ScreeningResult) -> None:
    data = json.loads(json.dumps(result.to_json(), ensure_ascii=False))
    assert ScreeningResult.from_json(data) == result
    assert ScreeningResult.from_json(data).to_json() == data


def _golden() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))["G03.json"]


def _written(data: dict[str, Any]) -> dict[str, Any]:
    """A golden result as written (the golden file replaces the volatile fields)."""
    out = copy.deepcopy(data)
    out["created_at"] = "2026-12-01T08:00:00+00:00"
    out["software"] = {"name": "spotcheck", "version": "1.0"}
    out["thesis"]["sha256"] = "ab" * 32
    return out


def test_a_result_written_by_screen_reads_back_to_the_same_json() -> None:
    data = _written(_golden())
    result = ScreeningResult.from_json(data)
    assert result.to_json() == data
    assert [k for k in result.to_json() if k in _golden()] == list(_golden())
    assert result.thesis_id == "G03"
    assert result.figures is not None and result.figures.translated_characters == 0


BREAKAGES = [
    ("figures.total_copy_ratio", lambda d: d["figures"].pop("total_copy_ratio"), "missing"),
    ("figures.total_copy_ratio", lambda d: d["figures"].update(total_copy_ratio="18%"), "number"),
    ("flag.level", lambda d: d["flag"].update(level="fine"), "not one of"),
    ("flag", lambda d: d.pop("flag"), "missing"),
    ("thesis.characters", lambda d: d["thesis"].update(characters=-3), "non-negative"),
    ("passages[2].thesis_end", lambda d: d["passages"][2].update(thesis_end="x"), "integer"),
    ("passages[0].class", lambda d: d["passages"][0].update({"class": "copied"}), "not one of"),
    ("sources[1].share", lambda d: d["sources"][1].update(share=1.5), "within [0, 1]"),
    ("sources", lambda d: d.update(sources={}), "list"),
    ("schema_version", lambda d: d.update(schema_version="2"), "unsupported"),
    ("thesis", lambda d: d.update(thesis=[]), "object"),
]


@pytest.mark.parametrize(("field", "breakage", "reason"), BREAKAGES)
def test_a_malformed_result_names_the_field(field: str, breakage: Any, reason: str) -> None:
    data = _written(_golden())
    breakage(data)
    with pytest.raises(ResultFormatError) as caught:
        ScreeningResult.from_json(data)
    assert caught.value.field == field
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"{field}: ")


def test_fields_the_contract_does_not_require_may_be_left_out() -> None:
    data = _written(_golden())
    for key in ("created_at", "software", "corpus", "settings", "timings"):
        data.pop(key, None)
    for source in data["sources"]:
        for key in ("assessed_share", "source_characters", "classes", "authors"):
            source.pop(key)
    result = ScreeningResult.from_json(data)
    assert result.sources[0].assessed_share is None
    assert result.sources[0].classes == {}


def test_an_unscreened_thesis_has_no_figures() -> None:
    data = _written(json.loads(GOLDEN.read_text(encoding="utf-8"))["broken.json"])
    result = ScreeningResult.from_json(data)
    assert result.figures is None and result.thesis.status == "corrupt"
    assert result.to_json() == data
