"""Flag policy: levels, reasons in Chinese with English, thresholds from TOML."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.policy import Evidence, FlagPolicy, PolicyError, assess


def evidence(**kw) -> Evidence:
    base = dict(
        status="ok",
        assessed_copy_ratio=0.02,
        max_single_source_ratio=0.01,
        max_single_source_title="某文献",
        batch_ratio=0.0,
        batch_partner="",
        chapters=(),
        longest_passage=0,
    )
    base.update(kw)
    return Evidence(**base)


def test_clear_has_a_reason_too() -> None:
    flag = assess(evidence())
    assert flag.level == "clear"
    assert "no figure reaches a threshold" in flag.reasons[0]
    assert "未达到阈值" in flag.reasons[0]


@pytest.mark.parametrize(
    ("kw", "level", "needle"),
    [
        ({"assessed_copy_ratio": 0.2}, "needs_review", "copy ratio after exclusions 20.0%"),
        ({"assessed_copy_ratio": 0.5}, "suspected_misconduct", "≥ 40.0%"),
        ({"max_single_source_ratio": 0.12}, "needs_review", "largest single source 12.0%"),
        ({"max_single_source_ratio": 0.3}, "suspected_misconduct", "某文献"),
        ({"batch_ratio": 0.05, "batch_partner": "b.pdf"}, "needs_review", "b.pdf"),
        ({"batch_ratio": 0.2, "batch_partner": "b.pdf"}, "suspected_misconduct", "ghost-writing"),
        ({"chapters": [("第2章", 5000, 0.5)]}, "needs_review", "第2章"),
        ({"longest_passage": 1500}, "needs_review", "1500 characters"),
        ({"status": "partial"}, "needs_review", "could not be extracted"),
    ],
)
def test_each_threshold_raises_the_level_with_its_reason(kw, level, needle) -> None:
    flag = assess(evidence(**kw))
    assert flag.level == level
    assert any(needle in r for r in flag.reasons)
    assert all("—" in r for r in flag.reasons)  # Chinese — English


def test_short_chapters_do_not_flag() -> None:
    assert assess(evidence(chapters=[("致谢", 300, 0.9)])).level == "clear"


def test_unscreenable_thesis_needs_review() -> None:
    flag = assess(evidence(status="encrypted", status_reason="password protected"))
    assert flag.level == "needs_review"
    assert "encrypted" in flag.reasons[0] and "password protected" in flag.reasons[0]


def test_all_reasons_are_listed() -> None:
    flag = assess(evidence(assessed_copy_ratio=0.5, longest_passage=2000))
    assert flag.level == "suspected_misconduct"
    assert len(flag.reasons) == 2


def test_policy_from_toml(tmp_path: Path) -> None:
    p = tmp_path / "policy.toml"
    p.write_text("[policy]\nneeds_review_ratio = 0.05\nchapter_min_characters = 10\n", "utf-8")
    policy = FlagPolicy.from_toml(p)
    assert policy.needs_review_ratio == 0.05
    assert policy.chapter_min_characters == 10
    assert assess(evidence(assessed_copy_ratio=0.06), policy).level == "needs_review"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[policy]\nneeds_review_ratio = 'high'\n", "needs_review_ratio must be a number"),
        ("[policy]\nneeds_review_ratoi = 0.1\n", "unknown key(s) needs_review_ratoi"),
        ("[policy]\nmisconduct_ratio = 1.5\n", "fraction between 0 and 1"),
        ("[policy]\nneeds_review_ratio = 0.5\nmisconduct_ratio = 0.3\n", "must not exceed"),
        ("[policy\n", "not valid TOML"),
    ],
)
def test_bad_policy_files_name_the_problem(tmp_path: Path, body: str, message: str) -> None:
    p = tmp_path / "policy.toml"
    p.write_text(body, "utf-8")
    with pytest.raises(PolicyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        FlagPolicy.from_toml(p)


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy file"):
        FlagPolicy.from_toml(tmp_path / "nope.toml")
