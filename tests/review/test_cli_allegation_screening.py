"""`spotcheck allegations screen`: the 'screening now' follow-up end to end, on real PDFs.

The thesis copies passages from a paper the reporter attached; the office's corpus does not
hold that paper, so only the named source added to the comparison can find them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.cli.main import main
from corpora import Corpus
from review import workspace
from review.allegation_screening import load_screenings
from review.cycle import ReviewCycle
from review.follow_up_store import load_records
from review.workspace import WorkspaceInfo
from tests.api.documents import PARAGRAPHS, write_thesis_pdf
from tests.review.builders import thesis

TITLE = "城市道路网络的自动提取研究"
SOURCE = [
    "基于深度卷积网络的遥感影像道路提取方法在复杂城市场景中仍面临遮挡与阴影干扰的难题。",
    "我们提出一种融合多尺度上下文信息与边缘约束的双分支网络结构，以增强细长目标的连续性。",
    "在三个公开数据集上的实验表明，该方法的交并比较现有方法平均提高了四点六个百分点。",
    "消融实验进一步说明，边缘约束分支对于断裂道路的修复贡献最大，而上下文模块提升了召回率。",
    "最后讨论了模型在不同分辨率影像之间迁移时的性能衰减问题，并给出了可能的改进方向。",
]
CORPUS_TEXTS = [
    "古代水利工程的建设与管理制度研究表明，地方官府在灌溉系统的维护中承担了主要责任。"
    "明清时期的水册制度记录了用水户的权利与义务，对于理解基层社会秩序具有重要价值。" * 3,
    "城市公共交通票价政策对低收入群体出行行为的影响是交通经济学长期关注的问题之一。"
    "本文利用刷卡数据估计了价格弹性，发现早高峰时段的需求对票价变化并不敏感。" * 3,
]


@pytest.fixture
def setting(tmp_path: Path) -> dict[str, Path]:
    corpus_dir = tmp_path / "corpus"
    texts = tmp_path / "corpus-texts"
    texts.mkdir()
    for number, text in enumerate(CORPUS_TEXTS, start=1):
        (texts / f"paper{number}.txt").write_text(text, encoding="utf-8")
    Corpus.open(corpus_dir, create=True).add_files([texts])
    source = write_thesis_pdf(tmp_path / "attached-source.pdf", "遥感影像道路提取", SOURCE)
    copied = PARAGRAPHS[:3] + SOURCE[:4] + PARAGRAPHS[3:]
    thesis_pdf = write_thesis_pdf(tmp_path / "T1.pdf", TITLE, copied)
    ws = tmp_path / "ws"
    cycle = ReviewCycle(
        seed=1, theses=(thesis("T1", "甲大学", title="城市道路网络的自动提取研究"),)
    )
    workspace.save(ws, cycle, WorkspaceInfo(seed=1))
    return {"corpus": corpus_dir, "source": source, "thesis": thesis_pdf, "ws": ws}


def _allegation(ws: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["allegations", "add", "--workspace", str(ws), "--title", TITLE,
                 "--author", "张三", "--institution", "甲大学", "--year", "2025", "--kind", "剽窃",
                 "--thesis", "T1", "--on", "2025-10-01", *extra]) == 0  # fmt: skip
    return capsys.readouterr().out.split("查询码:")[1].strip()


def _screen(s: dict[str, Path], code: str, *extra: str) -> int:
    return main(["allegations", "screen", code, "--workspace", str(s["ws"]),
                 "--thesis", str(s["thesis"]), "--corpus", str(s["corpus"]),
                 "--on", "2025-10-20", *extra])  # fmt: skip


def test_screening_now_compares_the_thesis_with_the_attached_source(
    setting: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    ws = setting["ws"]
    code = _allegation(ws, capsys, "--attachment", str(setting["source"]))
    assert _screen(setting, code, "--in-process") == 2  # no follow-up chosen yet
    assert "screening_now" in capsys.readouterr().err
    assert not (ws / "allegation-screening").exists()

    for step in (["accept"], ["follow-up", "--choose", "screening_now"]):
        assert main(["allegations", *step, code, "--workspace", str(ws), "--on", "2025-10-10"]) == 0
    documents_before = len(Corpus.open(setting["corpus"]).documents())
    assert _screen(setting, code) == 0  # the attachment is untrusted: isolated extraction
    printed = capsys.readouterr().out
    assert "attached-source.pdf" in printed and "passage(s)" in printed

    folder = ws / "allegation-screening" / code
    result = json.loads((folder / "T1.json").read_text(encoding="utf-8"))
    assert (folder / "T1.html").is_file()
    named = [s for s in result["sources"] if s["file"] == "attached-source.pdf"]
    assert named and named[0]["share"] > 0.2
    assert result["thesis"]["metadata"]["thesis_id"] == "T1"
    assert len(Corpus.open(setting["corpus"]).documents()) == documents_before

    (record,) = load_screenings(ws)
    assert record.code == code and record.thesis_id == "T1"
    assert record.result_file == f"allegation-screening/{code}/T1.json"
    assert record.named_source_found and record.named[0].doc_id == named[0]["id"]
    allegation = next(a for a in load_records(ws).allegations if a.code == code)
    assert allegation.events[-1].kind.value == "screened"
    assert allegation.events[-1].note.startswith(record.result_file)

    assert main(["allegations", "show", code, "--workspace", str(ws)]) == 0
    assert "screened by office" in capsys.readouterr().out


def test_without_the_named_source_the_corpus_alone_finds_nothing(
    setting: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plain"
    assert main(["screen", str(setting["thesis"]), "--corpus", str(setting["corpus"]),
                 "--out", str(out), "--in-process", "--quiet", "--no-reports"]) == 0  # fmt: skip
    result = json.loads((out / "T1.json").read_text(encoding="utf-8"))
    assert result["sources"] == []


def test_a_corpus_document_can_be_the_named_source_and_bad_names_are_refused(
    setting: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    ws = setting["ws"]
    code = _allegation(ws, capsys, "--source", "paper1.txt")
    for step in (["accept"], ["follow-up", "--choose", "screening_now"]):
        assert main(["allegations", *step, code, "--workspace", str(ws), "--on", "2025-10-10"]) == 0
    capsys.readouterr()
    assert _screen(setting, code, "--in-process", "--source", "no-such-paper.pdf") == 2
    assert "no-such-paper.pdf" in capsys.readouterr().err
    assert load_screenings(ws) == ()

    assert _screen(setting, code, "--in-process") == 0  # its own suspected source, paper1.txt
    (record,) = load_screenings(ws)
    assert record.named[0].file == "paper1.txt" and not record.named_source_found
    assert "no shared passage" in capsys.readouterr().out
