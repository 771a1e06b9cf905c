"""The draw directory: file contents, precision, atomic writing, verification, supplements."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path

import pytest

from sampler import (
    DrawDirectoryError,
    OutputError,
    draw_sample,
    load_frame_bytes,
    resolve_plan,
    supplement_plan,
    verify_draw,
    write_outputs,
)
from sampler.frame import CANONICAL_COLUMNS
from sampler.outputs import write_directory
from sampler.plan import IdList
from tests.sampler.registers import UNEVEN_STRATA, csv_bytes, register_rows

FRAME_BYTES = csv_bytes(register_rows(UNEVEN_STRATA))


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture
def draw_dir(tmp_path: Path) -> Path:
    frame = load_frame_bytes(FRAME_BYTES, "register.csv")
    ids = frame.data["thesis_id"]
    plan = resolve_plan({"seed": 42}).with_id_lists(
        certainty=IdList(((ids[7], "复查 re-check"),)), exclusions=IdList(((ids[0], ""),))
    )
    write_outputs(draw_sample(frame, plan), tmp_path / "draw", "1.0")
    return tmp_path / "draw"


def test_sample_csv_has_frame_columns_probabilities_and_weights(draw_dir: Path) -> None:
    rows = read_csv(draw_dir / "sample.csv")
    header = list(rows[0])
    assert header[: len(CANONICAL_COLUMNS)] == list(CANONICAL_COLUMNS)
    for column in ("stratum", "inclusion_probability", "design_weight"):
        assert column in header
    assert [r["thesis_id"] for r in rows] == sorted(r["thesis_id"] for r in rows)
    allocation = {r["stratum"]: r for r in read_csv(draw_dir / "allocation.csv")}
    for row in rows:
        stratum = allocation[row["stratum"]]
        exact = Fraction(int(stratum["sample_size"]), int(stratum["population"]))
        assert float(row["inclusion_probability"]) == float(exact)
        assert float(row["design_weight"]) == float(1 / exact)
    certain = [r for r in rows if r["selection"] == "certainty"]
    assert len(certain) == 1 and certain[0]["certainty_reason"] == "复查 re-check"
    assert certain[0]["design_weight"] == "1.0"


def test_probabilities_keep_full_precision(draw_dir: Path) -> None:
    for row in read_csv(draw_dir / "allocation.csv"):
        exact = Fraction(int(row["sample_size"]), int(row["population"]))
        assert float(row["inclusion_probability"]) == float(exact)  # shortest exact repr
        if exact.denominator % 3 == 0 and exact:
            assert len(row["inclusion_probability"].lstrip("0.")) >= 12


def test_manifest_records_the_resolved_plan_and_hashes(draw_dir: Path) -> None:
    import hashlib

    manifest = json.loads((draw_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["frame_sha256"] == hashlib.sha256(FRAME_BYTES).hexdigest()
    assert manifest["seed"] == 42
    assert manifest["plan"]["rates"] == {"doctoral": 0.1, "master": 0.05}
    assert manifest["plan"]["strata"][0] == "degree_level"
    assert manifest["plan"]["certainty"]["count"] == 1
    assert manifest["population"] == len(register_rows(UNEVEN_STRATA)) - 1
    assert manifest["sample_size"] == len(read_csv(draw_dir / "sample.csv"))
    assert manifest["algorithm"] and manifest["version"] == "1.0"
    assert (draw_dir / "summary.md").read_text(encoding="utf-8").startswith("# 抽检抽样结果")


def test_verify_passes_on_a_reordered_gb18030_chinese_copy(draw_dir: Path) -> None:
    rows = register_rows(UNEVEN_STRATA)[::-1]
    copy = load_frame_bytes(csv_bytes(rows, encoding="gb18030", chinese=True), "copy.csv")
    report = verify_draw(copy, draw_dir, "1.0")
    assert report.ok
    assert not report.frame_sha256_matches


def test_verify_detects_a_tampered_sample(draw_dir: Path) -> None:
    path = draw_dir / "sample.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    report = verify_draw(load_frame_bytes(FRAME_BYTES, "register.csv"), draw_dir, "1.0")
    assert not report.ok
    assert "sample.csv: differs" in report.lines()


def test_verify_detects_a_changed_frame(draw_dir: Path) -> None:
    rows = register_rows(UNEVEN_STRATA)[:-1]
    report = verify_draw(load_frame_bytes(csv_bytes(rows), "f.csv"), draw_dir, "1.0")
    assert not report.ok


def test_supplement_refuses_a_different_frame(draw_dir: Path) -> None:
    rows = register_rows(UNEVEN_STRATA)[:-3]
    other = load_frame_bytes(csv_bytes(rows), "f.csv")
    with pytest.raises(DrawDirectoryError, match="does not reproduce"):
        supplement_plan(other, draw_dir, {"master": Fraction(1, 50)}, "1.0")


def test_supplement_keeps_the_first_draw_and_verifies(draw_dir: Path, tmp_path: Path) -> None:
    frame = load_frame_bytes(FRAME_BYTES, "register.csv")
    plan = supplement_plan(frame, draw_dir, {"master": Fraction(3, 100)}, "1.0")
    write_outputs(draw_sample(frame, plan), tmp_path / "topup", "1.0")
    first = {r["thesis_id"] for r in read_csv(draw_dir / "sample.csv")}
    combined = read_csv(tmp_path / "topup" / "sample.csv")
    assert first <= {r["thesis_id"] for r in combined}
    assert {r["thesis_id"] for r in combined if r["draw"] == "0"} == first
    assert any(r["draw"] == "1" for r in combined)
    assert verify_draw(frame, tmp_path / "topup", "1.0").ok


def test_nothing_is_left_behind_when_writing_fails(tmp_path: Path) -> None:
    files = {"sample.csv": b"a", "allocation.csv": None}
    with pytest.raises(TypeError):
        write_directory(files, tmp_path / "out")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_an_existing_draw_is_replaced_but_foreign_files_are_protected(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_directory({"sample.csv": b"old"}, out)
    write_directory({"sample.csv": b"new"}, out)
    assert (out / "sample.csv").read_bytes() == b"new"
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="notes.txt"):
        write_directory({"sample.csv": b"newer"}, out)
    assert (out / "sample.csv").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
