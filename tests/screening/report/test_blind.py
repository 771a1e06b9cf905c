from __future__ import annotations

import re
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from corpora.blind import MASK as MASK_CHAR
from corpora.blind import NameMasker, blind_id, blinding_key, institution_number, thesis_key
from screening.report import build_report, render_thesis_report
from screening.result import ScreeningResult
from tests.screening.report.factory import (
    AUTHOR,
    CO_AUTHOR,
    INSTITUTION,
    SUPERVISOR,
    SUPERVISOR_EN,
    make_result,
)

KNOWN_NAMES = (AUTHOR, SUPERVISOR, INSTITUTION, SUPERVISOR_EN, CO_AUTHOR)


def _leaks(html: str, names: tuple[str, ...]) -> list[str]:
    """Names (or their traditional forms) found in the HTML, ignoring whitespace and case."""
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    compact = re.sub(r"\s+", "", html).lower()
    found = []
    for name in names:
        for variant in {name, to_traditional.convert(name)}:
            if re.sub(r"\s+", "", variant).lower() in compact:
                found.append(variant)
    return found


def test_the_normal_report_shows_the_names() -> None:
    html = render_thesis_report(make_result())
    # guards the leak test below: the names really are in the material
    assert set(_leaks(html, (AUTHOR, SUPERVISOR, INSTITUTION, CO_AUTHOR, SUPERVISOR_EN))) >= {
        AUTHOR,
        SUPERVISOR,
        INSTITUTION,
        CO_AUTHOR,
        SUPERVISOR_EN,
    }


def test_no_known_name_leaks_into_the_blind_report() -> None:
    html = render_thesis_report(make_result(), blind=True, names=[SUPERVISOR_EN])
    assert _leaks(html, KNOWN_NAMES) == []
    assert "T2025-0042" not in html  # the thesis id
    assert "-thesis.pdf" not in html  # the file name carries the author's name
    assert "/data/" not in html  # the corpus path carries the institution's name
    assert "盲审版 Blind copy" in html


def test_acknowledgements_are_blanked_in_blind_copies_but_keep_their_heading() -> None:
    report = build_report(make_result(), blind=True)
    assert report.text is not None
    thanks = report.text.index("致谢\n")
    assert set(report.text[thanks + 3 :]) <= {MASK_CHAR, "\n"}
    assert len(report.text) == len(make_result()["thesis"]["text"])
    assert "感谢" in build_report(make_result()).text


def test_cover_is_blanked_even_when_the_metadata_spells_names_differently() -> None:
    result = make_result()
    result["thesis"]["metadata"].update(author="李明", supervisor="王建", institution="江南大学")
    html = render_thesis_report(result, blind=True)
    assert _leaks(html, (AUTHOR, SUPERVISOR, INSTITUTION)) == []
    assert "学位论文\n作者姓名" not in html


def test_traditional_and_spaced_forms_of_names_are_masked_too() -> None:
    result = make_result()
    result["thesis"]["text"] += "\n附：李  明\n華、王建國、江南理工大學"
    result["thesis"]["characters"] = len(result["thesis"]["text"])
    html = render_thesis_report(result, blind=True)
    assert _leaks(html, (AUTHOR, SUPERVISOR, INSTITUTION)) == []


def test_own_work_is_shown_as_such_without_its_title_or_authors() -> None:
    report = build_report(make_result(), blind=True)
    own = next(s for s in report.sources if s.own_work)
    assert own.title == "本人文献 Author's own work"
    assert own.file == "" and AUTHOR not in own.detail
    assert all(MASK_CHAR not in s.title for s in report.sources if not s.own_work)


KEY = blinding_key("a deployment secret for the tests")


def test_blind_identifier_is_stable_and_does_not_reveal_the_id() -> None:
    thesis = ScreeningResult.from_json(make_result()).thesis
    assert blind_id(KEY, thesis_key(thesis)) == blind_id(KEY, thesis_key(replace(thesis)))
    assert "0042" not in blind_id(KEY, thesis_key(thesis))
    other = replace(thesis, metadata={**thesis.metadata, "thesis_id": "T2025-0043"})
    assert blind_id(KEY, thesis_key(other)) != blind_id(KEY, thesis_key(thesis))
    report = build_report(make_result(), blind=True, key=KEY)
    assert report.blind_id == blind_id(KEY, thesis_key(thesis))


def test_institution_number_prefers_the_offices_own_number() -> None:
    given = {"institution": INSTITUTION, "institution_number": 17}
    assert institution_number(given, KEY) == "17"
    derived = institution_number({"institution": INSTITUTION}, KEY)
    assert derived == institution_number({"institution": INSTITUTION}, KEY)
    assert INSTITUTION not in derived and re.fullmatch(r"U\d{4}", derived)


def test_latin_names_are_masked_as_whole_words_in_either_order() -> None:
    masker = NameMasker(["Wang Jianguo"])
    assert masker.mask("Prof. JIANGUO wang said") == "Prof. ■■■■■■■ ■■■■ said"
    assert masker.mask("Wangjianguo") == "■■■■■■■■■■■"
    assert masker.mask("Wanger Jianguos") == "Wanger Jianguos"


names = st.text(alphabet="张王李赵明华建国伟芳", min_size=2, max_size=4)
texts = st.text(alphabet="张王李赵明华建国伟芳的是了 \n，。abc<>&", max_size=80)


@given(st.lists(names, min_size=1, max_size=3), texts)
def test_masking_keeps_the_length_and_removes_every_name(given_names, text) -> None:
    masker = NameMasker(given_names)
    masked = masker.mask(text)
    assert len(masked) == len(text)
    compact = re.sub(r"\s+", "", masked)
    for name in given_names:
        assert name not in compact
    for original, now in zip(text, masked, strict=True):
        assert now in (original, MASK_CHAR)
