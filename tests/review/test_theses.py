"""Reading the draw's sample and the screening results into review theses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from review.tables import ValidationError
from review.theses import evidence_from_result, read_sample, read_screening_results
from sampler.frame import FrameError
from screening.result import ScreeningResult
from tests.review.builders import thesis, write_sample
from tests.screening.report.factory import make_result


def test_sample_with_review_columns_in_chinese(tmp_path: Path) -> None:
    path = write_sample(
        tmp_path / "sample.csv",
        [thesis("T2"), thesis("T1", code="0854", degree_type="professional")],
        {
            "合作者": ["张三；李四", ""],
            "预答辩专家": ["", "王五、赵六"],
            "检测结论": ["", "needs_review"],
        },
    )
    theses = read_sample(path)
    assert [t.thesis_id for t in theses] == ["T1", "T2"]
    t1, t2 = theses
    assert t1.pre_defence_reviewers == ("王五", "赵六") and t1.flagged
    assert t2.co_authors == ("张三", "李四") and not t2.flagged
    assert t2.design_weight == 10.0 and t2.stratum.startswith("master|")


def test_bad_review_columns_are_all_reported(tmp_path: Path) -> None:
    path = write_sample(
        tmp_path / "sample.csv",
        [thesis("T1"), thesis("T2")],
        {"screening_flag": ["red", ""]},
    )
    text = path.read_text(encoding="utf-8").replace(",10.0,", ",-3,", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_sample(path)
    assert {(p.row, p.column) for p in caught.value.problems} == {
        (2, "screening_flag"),
        (2, "design_weight"),
    }


def test_frame_problems_come_from_the_sampler(tmp_path: Path) -> None:
    path = write_sample(tmp_path / "sample.csv", [thesis("T1"), thesis("T1")])
    with pytest.raises(FrameError, match="duplicate"):
        read_sample(path)


def _result(thesis_id: str | None, level: str) -> dict[str, Any]:
    result = make_result(flag={"level": level, "reasons": ["复制比高 high copy ratio"]})
    if thesis_id is None:
        del result["thesis"]["metadata"]["thesis_id"]
    else:
        result["thesis"]["metadata"]["thesis_id"] = thesis_id
    return result


def test_screening_results_by_thesis_id_or_file_stem(tmp_path: Path) -> None:
    (tmp_path / "thesis-7.json").write_text(json.dumps(_result("T7", "needs_review")), "utf-8")
    (tmp_path / "T8.json").write_text(json.dumps(_result(None, "clear")), encoding="utf-8")
    (tmp_path / "index.json").write_text("{}", encoding="utf-8")
    found = read_screening_results(tmp_path)
    assert set(found) == {"T7", "T8"}
    assert found["T7"].flagged and found["T7"].total_copy_ratio == 0.182
    assert len(found["T7"].report_sha256) == 64 and not found["T8"].flagged
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(ValidationError, match="broken.json"):
        read_screening_results(tmp_path)


def test_a_malformed_result_file_is_named_with_its_field(tmp_path: Path) -> None:
    bad = _result("T9", "clear")
    bad["figures"]["max_single_source_ratio"] = "9%"
    (tmp_path / "T9.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_screening_results(tmp_path)
    [problem] = caught.value.problems
    assert problem.column == "T9.json"
    assert problem.reason.startswith("figures.max_single_source_ratio: expected a number")


def test_one_reader_of_screening_results() -> None:
    evidence = evidence_from_result(ScreeningResult.from_json(_result("T1", "needs_review")))
    assert (evidence.level, evidence.reasons, evidence.total_copy_ratio) == (
        "needs_review",
        ("复制比高 high copy ratio",),
        0.182,
    )
    unscreened = _result("T2", "needs_review")
    unscreened["figures"] = None
    assert evidence_from_result(ScreeningResult.from_json(unscreened)).total_copy_ratio is None
