"""The follow-up commands end to end on a real workspace: plan next → sample, allegations,
rectification, feedback, marks, accountability and the multi-year view."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from api.cli.main import main
from review import workspace
from review.cycle import ReviewCycle
from review.forms import Grade
from review.workspace import WorkspaceInfo
from tests.review.builders import expert, review, thesis
from tests.sampler.registers import csv_bytes

FAIL, GOOD = Grade.FAIL, Grade.GOOD


def _cycle(prefix: str, problems: dict[str, int]) -> ReviewCycle:
    theses, reviews = [], []
    for institution in ("甲大学", "乙大学", "丙大学"):
        for k in range(4):
            tid = f"{prefix}{institution[0]}{k}"
            theses.append(
                thesis(tid, institution, title=f"{institution}论文{k}", author=f"作者{tid}")
            )
            grades = [FAIL, FAIL, GOOD] if k < problems.get(institution, 0) else [GOOD] * 3
            reviews += [review(tid, f"E{j}", g) for j, g in enumerate(grades)]
    experts = [expert(f"E{j}", name=f"评审专家{j}") for j in range(3)]
    return ReviewCycle(seed=1, theses=tuple(theses), experts=tuple(experts), reviews=tuple(reviews))


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    directory = tmp_path / "ws2025"
    workspace.save(directory, _cycle("Y", {"甲大学": 2}), WorkspaceInfo(seed=1))
    return directory


def _prior(tmp_path: Path) -> Path:
    path = tmp_path / "prior.csv"
    path.write_text(
        "year,institution,problems\n2024,甲大学,1\n2023,丙大学,0\n2024,丙大学,0\n2024,乙大学,0\n",
        encoding="utf-8",
    )
    return path


def _register(tmp_path: Path) -> Path:
    rows = []
    for institution, count in (("甲大学", 40), ("乙大学", 40), ("丙大学", 40)):
        for k in range(count):
            rows.append(
                [f"R{institution[0]}{k:03d}", institution, "master", "academic", "0812",
                 "2026-06-30", f"{institution}新论文{k}", f"新作者{k}", "导师"]
            )  # fmt: skip
    rows.append(
        ["OLD1", "乙大学", "master", "academic", "0812", "2025-06-30", "被举报的论文", "李四", "x"]
    )
    path = tmp_path / "register-2026.csv"
    path.write_bytes(csv_bytes(rows))
    return path


def test_plan_next_then_sample_draws_the_stated_rates(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register = _register(tmp_path)
    assert main(["allegations", "add", "--workspace", str(ws), "--title", "被举报的论文",
                 "--author", "李四", "--institution", "乙大学", "--year", "2025",
                 "--kind", "代写", "--reporter-name", "匿名者",
                 "--on", "2025-10-01"]) == 0  # fmt: skip
    code = capsys.readouterr().out.split(": ")[-1].strip()
    assert main(["allegations", "accept", code, "--workspace", str(ws), "--on", "2025-10-02"]) == 0
    assert main(["allegations", "match", "--register", str(register), "--workspace", str(ws),
                 "--on", "2025-10-02"]) == 0  # fmt: skip
    assert "linked to OLD1" in capsys.readouterr().out
    plan = tmp_path / "plan-2026.toml"
    assert main(["plan", "next", "--workspace", str(ws), "--out", str(plan), "--year", "2025",
                 "--prior", str(_prior(tmp_path))]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "甲大学 ×2" in out and "certainty units 必抽: 1" in out
    other = tmp_path / "other-register.csv"
    other.write_bytes(register.read_bytes().replace(b"OLD1", b"NEW1"))
    assert main(["plan", "next", "--workspace", str(ws), "--out", str(plan), "--year", "2025",
                 "--prior", str(_prior(tmp_path)), "--frame", str(other)]) == 0  # fmt: skip
    assert "1 certainty unit(s) are not in" in capsys.readouterr().err
    data = tomllib.loads(plan.read_text(encoding="utf-8"))
    assert data["certainty"] == [{"thesis_id": "OLD1", "reason": f"举报 allegation {code}"}]
    assert {(e["values"][0], e["multiplier"]) for e in data["emphasis"]} == {
        ("甲大学", 2),
        ("丙大学", 0.5),
    }
    draw = tmp_path / "draw"
    assert main(["sample", str(register), "--out", str(draw), "--plan", str(plan),
                 "--seed", "7"]) == 0  # fmt: skip
    with (draw / "allocation.csv").open(encoding="utf-8") as stream:
        allocation = {row["stratum"]: row for row in csv.DictReader(stream)}
    # master rate 0.05; Σ N·m = 40·2 + 40 + 40·0.5 = 140 → n = 7 = 0.05·140 exactly
    expected = {"甲大学": 0.1, "乙大学": 0.05, "丙大学": 0.025}
    for institution, rate in expected.items():
        row = next(r for k, r in allocation.items() if f"|{institution}|" in k)
        assert float(row["expected_sample_size"]) / int(row["population"]) == pytest.approx(
            rate, rel=1e-12
        )
    with (draw / "sample.csv").open(encoding="utf-8") as stream:
        sample = list(csv.DictReader(stream))
    assert any(r["thesis_id"] == "OLD1" and r["selection"] == "certainty" for r in sample)
    manifest = json.loads((draw / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["plan"]["certainty"]["count"] == 1


def test_plan_next_errors_write_nothing(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_policy = tmp_path / "policy.toml"
    bad_policy.write_text("[raise]\nmaximum = 40\n", encoding="utf-8")
    plan = tmp_path / "plan.toml"
    assert main(["plan", "next", "--workspace", str(ws), "--out", str(plan),
                 "--policy", str(bad_policy)]) == 2  # fmt: skip
    assert "more than 1" in capsys.readouterr().err and not plan.exists()
    assert main(["plan", "next", "--workspace", str(tmp_path), "--out", str(plan)]) == 2
    assert "not a review workspace" in capsys.readouterr().err and not plan.exists()


def test_allegation_commands(ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "in.csv"
    good.write_text(
        "论文题目,作者,学位授予单位,年度,举报类型,论文编号,举报人,联系方式\n"
        "甲大学论文0,作者Y甲0,甲大学,2025,剽窃,Y甲0,张三,zhang@example.org\n"
        "不存在的论文,某某,丁大学,2024,伪造,,,\n",
        encoding="utf-8",
    )
    assert main(["allegations", "import", str(good), "--workspace", str(ws),
                 "--on", "2025-10-01"]) == 0  # fmt: skip
    assert "1 not linked" in capsys.readouterr().out
    stored = json.loads((ws / "allegations.json").read_text(encoding="utf-8"))
    first, unmatched = stored[0]["code"], stored[1]["code"]
    assert stored[1]["thesis_id"] == "" and stored[1]["state"] == "received"

    bad = tmp_path / "bad.csv"
    bad.write_text("论文题目,作者,学位授予单位,年度,举报类型\nx,y,甲大学,2024,抄袭\nz,y,,20,?\n")
    before = (ws / "allegations.json").read_bytes()
    assert main(["allegations", "import", str(bad), "--workspace", str(ws)]) == 2
    err = capsys.readouterr().err
    assert "row 3, column 'institution'" in err and "row 3, column 'year'" in err
    assert "nothing was written" in err
    assert (ws / "allegations.json").read_bytes() == before

    steps = [
        ["accept", first],
        ["follow-up", first, "--choose", "misconduct_case"],
        ["reject", unmatched, "--reason", "无法核实 cannot be verified"],
    ]
    for step in steps:
        assert main(["allegations", *step, "--workspace", str(ws), "--on", "2025-10-05"]) == 0
    cycle, _ = workspace.load(ws)
    assert [c.thesis_id for c in cycle.cases] == ["Y甲0"]
    assert first in cycle.cases[0].triggers[0]
    capsys.readouterr()
    assert main(["allegations", "status", unmatched.lower(), "--workspace", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "不予受理 rejected" in out and "无法核实" in out
    assert main(["allegations", "show", first, "--workspace", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "张三 zhang@example.org" in out and "follow_up by office — misconduct_case" in out
    assert main(["allegations", "accept", unmatched, "--workspace", str(ws)]) == 2
    assert "cannot accept it when it is rejected" in capsys.readouterr().err
    assert main(["allegations", "list", "--workspace", str(ws), "--state", "follow_up"]) == 0
    assert "1 allegation(s)" in capsys.readouterr().out
    assert main(["allegations", "add", "--workspace", str(ws), "--title", "t", "--institution",
                 "甲大学", "--year", "2025", "--kind", "抄袭",
                 "--on", "2025-10-01"]) == 0  # fmt: skip
    assert main(["allegations", "overdue", "--workspace", str(ws), "--on", "2025-12-01"]) == 1
    assert "1 allegation(s) overdue" in capsys.readouterr().out


def test_rectification_feedback_marks_accountability_and_history(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--workspace", str(ws), "--year", "2025"]
    assert main(["rectification", "open", *common, "--on", "2025-11-01"]) == 0
    assert "甲大学: plan due 2025-12-01" in capsys.readouterr().out
    assert main(["rectification", "submit", "甲大学", "--kind", "report", *common,
                 "--document", "r.pdf", "--on", "2025-11-02"]) == 2  # fmt: skip
    assert "plan is not accepted" in capsys.readouterr().err
    for step in (
        ["submit", "甲大学", "--kind", "plan", "--document", "plan-v1.pdf"],
        ["return", "甲大学", "--kind", "plan", "--reason", "措施不具体", "--new-due", "2025-12-10"],
    ):
        assert main(["rectification", *step, *common, "--on", "2025-11-05"]) == 0
    assert main(["rectification", "escalate", "--workspace", str(ws), "--on", "2025-12-11"]) == 0
    assert "1 item(s) escalated" in capsys.readouterr().out
    assert main(["rectification", "escalate", "--workspace", str(ws), "--on", "2025-12-12"]) == 0
    assert "0 item(s) escalated" in capsys.readouterr().out

    prior = _prior(tmp_path)
    assert main(["marks", *common, "--prior", str(prior)]) == 0
    out = capsys.readouterr().out
    assert "质量约谈 quality interview (1):\n  甲大学: 连续 2 年" in out
    assert "激励 recognition (1):\n  丙大学" in out

    pages = tmp_path / "feedback"
    assert main(["feedback", *common, "--prior", str(prior), "--out", str(pages)]) == 0
    page = (pages / "甲大学.html").read_text(encoding="utf-8")
    assert "专家 A" in page and "评审专家" not in page and "E0" not in page
    assert "整改方案" in page and "质量约谈" in page
    assert sorted(p.name for p in pages.iterdir()) == ["丙大学.html", "乙大学.html", "甲大学.html"]

    assert main(["accountability", "record", "--workspace", str(ws), "--institution", "甲大学",
                 "--measure", "enrolment_cut", "--basis", "连续两年存在问题学位论文",
                 "--by", "省学位委员会", "--on", "2025-12-20"]) == 0  # fmt: skip
    assert main(["accountability", "record", "--workspace", str(ws), "--institution", "甲大学",
                 "--measure", "other", "--basis", " ", "--by", "x"]) == 2  # fmt: skip
    assert main(["accountability", "list", "--workspace", str(ws)]) == 0
    assert "减少招生计划 enrolment cut — basis 依据: 连续两年" in capsys.readouterr().out

    ws2024 = tmp_path / "ws2024"
    workspace.save(ws2024, _cycle("X", {"甲大学": 1}), WorkspaceInfo(seed=1))
    view = tmp_path / "history.html"
    assert main(["history", "--workspace", f"2024={ws2024}", "--workspace", f"2025={ws}",
                 "--prior", str(prior), "--out", str(view)]) == 0  # fmt: skip
    html = view.read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and "2023" in html and "整改方案 退回修改" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    table = list(csv.DictReader(io.StringIO(view.with_suffix(".csv").read_text("utf-8-sig"))))
    assert [(r["institution"], r["year"]) for r in table][:3] == [
        ("丙大学", "2023"), ("丙大学", "2024"), ("丙大学", "2025"),
    ]  # fmt: skip
    jia = {r["year"]: r for r in table if r["institution"] == "甲大学"}
    assert (jia["2025"]["sampled"], jia["2025"]["problems"]) == ("4", "2")
    assert float(jia["2025"]["ci_low"]) <= float(jia["2025"]["estimate"]) <= 1
    assert "整改方案 退回修改" in jia["2025"]["rectification"]
    assert jia["2024"]["problems"] == "1"
    assert [r["sampled"] for r in table[:1]] == [""]  # 丙大学 2023 is known from --prior only
    book = openpyxl.load_workbook(view.with_suffix(".xlsx"))
    sheet = book.worksheets[0]
    assert sheet.cell(1, 1).value == "学位授予单位 institution"
    assert sheet.max_row == len(table) + 1
    assert main(["history", "--workspace", str(ws), "--out", str(view), "--format", "pdf"]) == 2


def test_year_comes_from_the_workspace_when_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "ws"
    info = replace(WorkspaceInfo(seed=1), extra={"year": 2031})
    workspace.save(directory, _cycle("Z", {"乙大学": 1}), info)
    plan = tmp_path / "p.toml"
    assert main(["plan", "next", "--workspace", str(directory), "--out", str(plan)]) == 0
    assert "plan for 2032" in capsys.readouterr().out


def test_feedback_pages_never_overwrite_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "ws"
    theses = (thesis("T1", "甲/大学"), thesis("T2", "甲:大学"))
    reviews = tuple(review(t.thesis_id, f"E{j}", GOOD) for t in theses for j in range(3))
    workspace.save(
        directory, ReviewCycle(seed=1, theses=theses, reviews=reviews), WorkspaceInfo(seed=1)
    )
    out = tmp_path / "pages"
    assert (
        main(["feedback", "--workspace", str(directory), "--year", "2025", "--out", str(out)]) == 0
    )
    assert sorted(p.name for p in out.iterdir()) == ["甲_大学-2.html", "甲_大学.html"]


def test_a_case_opened_by_an_allegation_outside_the_sample_is_listed(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["allegations", "add", "--workspace", str(ws), "--title", "样本外论文",
                 "--institution", "甲大学", "--year", "2025", "--kind", "代写",
                 "--thesis", "OUTSIDE1", "--on", "2025-10-01"]) == 0  # fmt: skip
    code = capsys.readouterr().out.split("查询码:")[1].strip()
    for step in (["accept"], ["follow-up", "--choose", "misconduct_case"]):
        assert main(["allegations", *step, code, "--workspace", str(ws), "--on", "2025-10-02"]) == 0
    capsys.readouterr()
    assert main(["cases", "list", "--workspace", str(ws), "--on", "2025-10-03"]) == 0
    printed = capsys.readouterr().out
    assert "OUTSIDE1: opened 2025-10-02; 举报 allegation" in printed
    assert "not in the sample" in printed
    assert not (ws / "evidence" / "OUTSIDE1.json").exists()
