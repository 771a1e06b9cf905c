"""Reading the draw's sample and the screening results into review theses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from review.tables import ValidationError
from review.theses import read_sample, read_screening_results
from sampler.frame import FrameError
from tests.review.builders import thesis, write_sample


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


def test_screening_results_by_thesis_id_or_file_stem(tmp_path: Path) -> None:
    result = {
        "figures": {"total_copy_ratio": 0.3},
        "flag": {"level": "needs_review", "reasons": ["复制比高 high copy ratio"]},
        "thesis": {"metadata": {"thesis_id": "T7"}},
    }
    (tmp_path / "thesis-7.json").write_text(json.dumps(result), encoding="utf-8")
    (tmp_path / "T8.json").write_text(
        json.dumps({**result, "thesis": {}, "flag": {"level": "clear", "reasons": []}}),
        encoding="utf-8",
    )
    (tmp_path / "index.json").write_text("{}", encoding="utf-8")
    found = read_screening_results(tmp_path)
    assert set(found) == {"T7", "T8"}
    assert found["T7"].flagged and found["T7"].total_copy_ratio == 0.3
    assert len(found["T7"].report_sha256) == 64 and not found["T8"].flagged
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(ValidationError, match="broken.json"):
        read_screening_results(tmp_path)


def test_one_reader_of_screening_results_names_what_is_missing() -> None:
    from review.theses import evidence_from_result

    result = {
        "flag": {"level": "needs_review", "reasons": ["复制比 ratio"]},
        "figures": {"total_copy_ratio": 0.3, "max_single_source_ratio": 0.2},
    }
    evidence = evidence_from_result(result, "r.json", "ab")
    assert (evidence.level, evidence.reasons, evidence.total_copy_ratio) == (
        "needs_review",
        ("复制比 ratio",),
        0.3,
    )
    for broken, field in (
        ({"figures": {}}, "flag.level"),
        ({"flag": {"level": "odd"}, "figures": {}}, "flag.level"),
        ({"flag": {"level": "clear"}, "figures": [1]}, "figures"),
        ({"flag": {"level": "clear", "reasons": "x"}, "figures": {}}, "flag.reasons"),
    ):
        with pytest.raises(ValueError, match=field):
            evidence_from_result(broken)
    assert evidence_from_result({"flag": {"level": "clear"}}).total_copy_ratio is None
