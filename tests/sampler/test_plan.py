"""Plans: TOML with defaults, validation, and the files a plan names."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from sampler.plan import PlanError, load_plan_file, load_plan_toml, read_id_list, resolve_plan


def test_defaults_follow_the_contract() -> None:
    plan = resolve_plan()
    assert plan.rates == {"doctoral": Fraction(1, 10), "master": Fraction(1, 20)}
    assert plan.strata == ("degree_level", "institution", "degree_type", "discipline_code")
    assert plan.minimum_count == 0 and plan.seed == 0
    resolved = plan.to_dict()
    assert resolved["rates"] == {"doctoral": 0.1, "master": 0.05}
    assert resolved["minimum"] == {"per": [], "count": 0, "wins": "minimum"}


def test_toml_plan_overrides_and_resolves_columns() -> None:
    plan = load_plan_toml(
        """
        seed = 20240901
        strata = ["学位授予单位", "degree_type"]
        [rates]
        master = 0.035
        [minimum]
        per = ["institution"]
        count = 2
        """
    )
    assert plan.seed == 20240901
    assert plan.rates["master"] == Fraction(35, 1000)
    assert plan.rates["doctoral"] == Fraction(1, 10)
    assert plan.strata == ("degree_level", "institution", "degree_type")
    assert (plan.minimum_per, plan.minimum_count) == (("institution",), 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rate = 0.1", "unknown plan key 'rate'"),
        ("[rates]\nbachelor = 0.1", "unknown degree level"),
        ("[rates]\nmaster = 1.5", "between 0 and 1"),
        ("seed = -1", "non-negative"),
        ("[minimum]\ncount = 3", "give `per`"),
        ("[[emphasis]]\ncolumn = 'institution'\nmultiplier = 2", "values"),
        ("[[emphasis]]\ncolumn = 'x'\nvalues = ['a']\nmultiplier = 0", "positive"),
        ("seed = ", "not valid TOML"),
    ],
)
def test_bad_plans_name_the_key(text: str, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        load_plan_toml(text)


def test_plan_files_resolve_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "supervisors.txt").write_text("张三\n李四\n", encoding="utf-8")
    (tmp_path / "recheck.csv").write_text("论文编号,原因\nA1,上年不合格\n", encoding="gb18030")
    (tmp_path / "plan.toml").write_text(
        'certainty_file = "recheck.csv"\n'
        "[[emphasis]]\n"
        'column = "导师"\nvalues_file = "supervisors.txt"\nmultiplier = 1.5\nlabel = "failed"\n',
        encoding="utf-8",
    )
    plan = load_plan_file(tmp_path / "plan.toml")
    assert plan.emphasis[0].column == "supervisor"
    assert plan.emphasis[0].values == ("张三", "李四")
    assert plan.emphasis[0].multiplier == Fraction(3, 2)
    assert plan.certainty.entries == (("A1", "上年不合格"),)


def test_id_lists_accept_plain_lines_and_reject_duplicates() -> None:
    assert read_id_list(b"B2\nA1,reason\n\n", "ids.txt").entries == (("A1", "reason"), ("B2", ""))
    with pytest.raises(PlanError, match="listed twice"):
        read_id_list(b"A1\nA1\n", "ids.txt")


def test_an_id_cannot_be_both_certain_and_excluded(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("X\n")
    with pytest.raises(PlanError, match="both"):
        resolve_plan({"certainty_file": "a.txt", "exclusions_file": "a.txt"}, base_dir=tmp_path)
