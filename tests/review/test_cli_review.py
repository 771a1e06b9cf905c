"""End to end on generated files: experts import → assign → reviews import → results."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from api.cli.main import main
from review.forms import DIMENSION_KEYS
from tests.review.builders import thesis, write_sample

POOL_HEADER = "专家编号,姓名,工作单位,省份,学科代码,联系方式,最大评审量\n"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    theses = [
        thesis(f"T{i:02d}", institution=("甲大学", "乙大学")[i % 2],
               code=("0812", "0835")[i % 3 > 0], supervisor="王导师")
        for i in range(8)
    ]  # fmt: skip
    write_sample(tmp_path / "sample.csv", theses)
    (tmp_path / "manifest.json").write_text(json.dumps({"seed": 77}), encoding="utf-8")
    rows = [
        f"E{i:02d},专家{i},{('甲大学', '乙大学', '丙大学', '丁大学')[i % 4]},"
        f"{('江苏', '浙江', '北京', '上海')[i % 4]},0812;0835,e{i}@x.cn,4\n"
        for i in range(16)
    ]
    rows.append("E99,王导师,丁大学,上海,0812,x,4\n")
    (tmp_path / "pool.csv").write_text(POOL_HEADER + "".join(rows), encoding="utf-8")
    screening = tmp_path / "screening"
    screening.mkdir()
    (screening / "T00.json").write_text(
        json.dumps(
            {
                "schema_version": "1",
                "thesis": {"file": "T00.pdf", "characters": 1000, "metadata": {}},
                "figures": {
                    "total_copy_ratio": 0.4,
                    "copy_ratio_excluding_quotes": 0.4,
                    "copy_ratio_excluding_references": 0.4,
                    "copy_ratio_excluding_own": 0.4,
                    "max_single_source_ratio": 0.3,
                    "repeated_characters": 400,
                },
                "flag": {"level": "suspected_misconduct", "reasons": ["大段复制 copying"]},
            }
        ),
        encoding="utf-8",
    )
    return tmp_path


def fill_forms(template: Path, out: Path, fail: set[str]) -> int:
    """Fills the workspace's review-form template: 不合格 for theses in `fail`."""
    with template.open(encoding="utf-8-sig") as stream:
        rows = list(csv.reader(stream))
    header, body = rows[0], rows[1:]
    keys = [h.split()[-1] for h in header]
    filled = []
    for row in body:
        values = dict(zip(keys, row, strict=True))
        grade = "不合格" if values["thesis_id"] in fail else "良好"
        values.update(overall_grade=grade, comment="意见", misconduct_opinion="未发现")
        for dimension in DIMENSION_KEYS:
            values[dimension] = "合格"
        filled.append([values[k] for k in keys])
    with out.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(filled)
    return len(filled)


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def test_full_cycle(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = files / "ws"
    assert main(["experts", "import", str(files / "pool.csv"), "--workspace", str(ws)]) == 0
    code = main(
        ["assign", str(files / "sample.csv"), "--workspace", str(ws), "--on", "2025-03-01",
         "--screening", str(files / "screening"), "--exclude", "supervisor"]
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "24 new assignment(s)" in out
    assert "misconduct cases opened 学术不端案件: T00" in out  # flagged by the screening
    with (ws / "assignments.csv").open(encoding="utf-8-sig") as stream:
        assignments = list(csv.DictReader(stream))
    assert "E99" not in {a["expert_id"] for a in assignments}
    assert json.loads((ws / "workspace.json").read_text(encoding="utf-8"))["seed"] == 77

    first = assignments[0]
    decline = f"{first['thesis_id']}:{first['expert_id']}"
    assert main(["assign", "--workspace", str(ws), "--on", "2025-03-02", "--decline", decline]) == 0
    assert "1 new assignment(s)" in capsys.readouterr().out

    fill_forms(ws / "review-forms.csv", files / "round1.csv", fail={"T01", "T02"})
    with (files / "round1.csv").open(encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    single_fail = [r for r in rows[1:] if r[0] == "T02"]
    single_fail[1][4] = single_fail[2][4] = "良好"
    with (files / "round1.csv").open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    assert main(["reviews", "import", str(files / "round1.csv"), "--workspace", str(ws),
                 "--on", "2025-03-20"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "2 new assignment(s)" in out

    assert fill_forms(ws / "review-forms.csv", files / "round2.csv", fail={"T02"}) == 2
    assert main(["reviews", "import", str(files / "round2.csv"), "--workspace", str(ws),
                 "--on", "2025-04-10"]) == 0  # fmt: skip
    capsys.readouterr()
    with (ws / "status.csv").open(encoding="utf-8-sig") as stream:
        status = {r["thesis_id"]: r for r in csv.DictReader(stream)}
    assert status["T01"]["outcome"] == "problem"
    assert status["T02"]["outcome"] == "problem" and status["T02"]["round2_fails"] == "2"
    assert status["T03"]["outcome"] == "not_problem"

    prior = files / "prior.csv"
    prior.write_text("year,institution,problems\n2024,乙大学,1\n", encoding="utf-8")
    assert main(["results", "--workspace", str(ws), "--out", str(files / "pub"), "--year", "2025",
                 "--prior", str(prior)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "乙大学" in out and "consecutive" in out
    html = (files / "pub" / "results.html").read_text(encoding="utf-8")
    assert "T01" in html and "E0" not in html

    assert main(["cases", "list", "--workspace", str(ws), "--on", "2025-05-01"]) == 0
    assert "T00" in capsys.readouterr().out
    assert (ws / "evidence" / "T00.json").is_file()
    assert main(["cases", "record", "T00", "--workspace", str(ws), "--event", "decision",
                 "--on", "2025-05-02", "--outcome", "revoke_degree"]) == 2  # fmt: skip
    assert "heard" in capsys.readouterr().err


def test_bad_pool_exits_2_and_writes_nothing(files: Path, capsys) -> None:
    ws = files / "ws"
    assert main(["experts", "import", str(files / "pool.csv"), "--workspace", str(ws)]) == 0
    before = snapshot(ws)
    bad = files / "bad.csv"
    bad.write_text(POOL_HEADER + "E1,甲,甲大学,江苏,08,x,5\nE1,乙,乙大学,浙江,0812,x,abc\n",
                   encoding="utf-8")  # fmt: skip
    capsys.readouterr()
    assert main(["experts", "import", str(bad), "--workspace", str(ws)]) == 2
    err = capsys.readouterr().err
    assert "row 2" in err and "disciplines" in err and "row 3" in err and "max_load" in err
    assert "Traceback" not in err
    assert snapshot(ws) == before


def test_review_from_unassigned_expert_exits_2_and_writes_nothing(files: Path, capsys) -> None:
    ws = files / "ws"
    main(["experts", "import", str(files / "pool.csv"), "--workspace", str(ws)])
    main(["assign", str(files / "sample.csv"), "--workspace", str(ws), "--on", "2025-03-01"])
    fill_forms(ws / "review-forms.csv", files / "forms.csv", fail=set())
    text = (files / "forms.csv").read_text(encoding="utf-8").splitlines()
    parts = text[1].split(",")
    parts[1] = "E99"
    text[1] = ",".join(parts)
    (files / "forms.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    before = snapshot(ws)
    capsys.readouterr()
    assert main(["reviews", "import", str(files / "forms.csv"), "--workspace", str(ws)]) == 2
    err = capsys.readouterr().err
    assert "row 2" in err and "not assigned" in err
    assert snapshot(ws) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["assign", "--workspace", "{ws}"], "not a review workspace"),
        (["results", "--workspace", "{ws}", "--out", "{tmp}/o"], "not a review workspace"),
        (["reviews", "import", "{tmp}/none.csv", "--workspace", "{ws}"], "not a review workspace"),
        (["experts", "import", "{tmp}/none.csv", "--workspace", "{ws}"], "no such file"),
    ],
)
def test_usage_errors_are_one_line(files: Path, capsys, argv: list[str], message: str) -> None:
    argv = [a.format(ws=files / "ws", tmp=files) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert message in last and last.startswith("spotcheck ") and "Traceback" not in err


def test_assign_needs_a_seed_and_provinces_when_asked(files: Path, capsys) -> None:
    ws = files / "ws"
    main(["experts", "import", str(files / "pool.csv"), "--workspace", str(ws)])
    (files / "manifest.json").unlink()
    assert main(["assign", str(files / "sample.csv"), "--workspace", str(ws)]) == 2
    assert "--seed" in capsys.readouterr().err
    (files / "pool.csv").write_text(POOL_HEADER + "E1,甲,丙大学,江苏,0812,x,5\n", encoding="utf-8")
    main(["experts", "import", str(files / "pool.csv"), "--workspace", str(ws)])
    capsys.readouterr()
    argv = ["assign", str(files / "sample.csv"), "--workspace", str(ws), "--seed", "1",
            "--exclude", "same-province"]  # fmt: skip
    assert main(argv) == 2
    assert "--institution-provinces" in capsys.readouterr().err
    provinces = files / "provinces.csv"
    provinces.write_text("institution,province\n甲大学,江苏\n乙大学,浙江\n", encoding="utf-8")
    assert main([*argv, "--institution-provinces", str(provinces)]) == 0
    out = capsys.readouterr().out
    assert "NOT FULLY STAFFED" in out and "same province" in out


def test_assign_opens_misconduct_cases_as_the_http_run_does(files: Path, capsys) -> None:
    ws = files / "ws"
    assert main(["experts", "import", str(files / "pool.csv"), "--workspace", str(ws)]) == 0
    argv = ["assign", str(files / "sample.csv"), "--workspace", str(ws), "--on", "2025-03-01",
            "--screening", str(files / "screening")]  # fmt: skip
    assert main(argv) == 0
    cases = json.loads((ws / "cases.json").read_text(encoding="utf-8"))
    assert [c["thesis_id"] for c in cases] == ["T00"]  # flagged suspected_misconduct
    assert "misconduct cases opened" in capsys.readouterr().out
