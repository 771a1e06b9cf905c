"""`spotcheck extract` and `spotcheck corpus …` as users and outside checks run them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli.main import main
from tests.corpora.thesis_factory import build_image_only_pdf

CONTRACT_KEYS = {"file", "status", "pages", "text", "page_starts", "sections", "metadata"}


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict]:
    code = main(argv)
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_extract_json_contract(capsys: pytest.CaptureFixture[str], zh_thesis_pdf: Path) -> None:
    code, data = run_json(capsys, ["extract", str(zh_thesis_pdf), "--json"])
    assert code == 0
    assert set(data) >= CONTRACT_KEYS
    assert data["status"] == "ok" and data["pages"] == 12 and data["file"] == "zh-thesis.pdf"
    assert len(data["page_starts"]) == 12 and data["page_starts"][0] == 0
    starts = [s["start"] for s in data["sections"]]
    assert starts == sorted(starts)
    assert data["metadata"]["author"] == "张三丰"


def test_extract_failure_statuses_exit_zero(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scan = build_image_only_pdf(tmp_path / "scan.pdf", pages=2)
    code, data = run_json(capsys, ["extract", str(scan), "--json"])
    assert code == 0 and data["status"] == "no_text_layer" and data["text"] == ""
    assert data["reason"] and data["pages"] == 2
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    code, data = run_json(capsys, ["extract", str(empty), "--json"])
    assert code == 0 and data["status"] == "corrupt"


def test_extract_usage_errors_exit_two(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["extract", str(tmp_path / "missing.pdf"), "--json"]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "Traceback" not in err
    assert main(["extract", str(tmp_path), "--json"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["extract", "--json"])
    assert exc.value.code == 2


def test_extract_summary_and_blind_copy(
    capsys: pytest.CaptureFixture[str], zh_thesis_pdf: Path
) -> None:
    assert main(["extract", str(zh_thesis_pdf), "--in-process"]) == 0
    out = capsys.readouterr().out
    assert "状态 Status: 正常 ok" in out and "参考文献 References" in out
    assert main(["extract", str(zh_thesis_pdf), "--blind", "--in-process"]) == 0
    blind = capsys.readouterr().out
    assert "张三丰" not in blind and "东海理工大学" not in blind and "第一章 绪论" in blind


def test_console_script_end_to_end(zh_thesis_pdf: Path) -> None:
    script = Path(sys.executable).with_name("spotcheck")
    if not script.exists():
        pytest.skip("the spotcheck console script is not installed next to this Python")
    result = subprocess.run(
        [str(script), "extract", str(zh_thesis_pdf), "--json"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.decode("utf-8"))
    assert data["status"] == "ok" and len(data["sections"]) == 13


def test_corpus_commands(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, zh_thesis_pdf: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(zh_thesis_pdf, folder / "thesis.pdf")
    (folder / "note.txt").write_text("参考文献中的一段文字，用于比对。\n", encoding="utf-8")
    (folder / "bad.pdf").write_bytes(b"%PDF-1.4 truncated")
    corpus = str(tmp_path / "corpus")
    assert main(["corpus", "add", str(folder), "--corpus", corpus, "--jobs", "2"]) == 0
    captured = capsys.readouterr()
    assert "added 2" in captured.out and "failed 1" in captured.out
    assert "bad.pdf" in captured.err
    assert main(["corpus", "add", str(folder), "--corpus", corpus, "--json", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["duplicates"] == 2 and data["failed"] == 1 and data["added"] == 0
    assert main(["corpus", "add", str(folder / "bad.pdf"), "--corpus", corpus, "--strict"]) == 1
    capsys.readouterr()

    code, listing = run_json(capsys, ["corpus", "list", "--corpus", corpus, "--json"])
    assert code == 0 and listing["count"] == 2
    assert {d["file"] for d in listing["data"]} == {"thesis.pdf", "note.txt"}
    assert main(["corpus", "list", "--corpus", corpus]) == 0
    assert "thesis.pdf" in capsys.readouterr().out
    code, stats = run_json(capsys, ["corpus", "stats", "--corpus", corpus, "--json"])
    assert stats["documents"] == 2 and stats["by_type"]["thesis"] == 1

    note = next(d for d in listing["data"] if d["file"] == "note.txt")
    assert main(["corpus", "remove", note["id"], "--corpus", corpus]) == 0
    capsys.readouterr()
    assert main(["corpus", "remove", "nosuchid", "--corpus", corpus]) == 2
    assert "no document" in capsys.readouterr().err

    template = tmp_path / "declaration.txt"
    template.write_text("本人郑重声明：所呈交的学位论文是本人独立完成的。\n", encoding="utf-8")
    args = ["corpus", "templates", "add", str(template), "--corpus", corpus]
    assert main([*args, "--kind", "declaration", "--institution", "东海理工大学"]) == 0
    capsys.readouterr()
    code, templates = run_json(
        capsys, ["corpus", "templates", "list", "--corpus", corpus, "--json"]
    )
    assert templates["count"] == 1 and templates["data"][0]["kind"] == "declaration"


def test_corpus_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["corpus", "list", "--corpus", str(tmp_path / "none")]) == 2
    assert "no corpus" in capsys.readouterr().err
    assert main(["corpus", "add", str(tmp_path / "nothing"), "--corpus", str(tmp_path / "c")]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "a.txt").write_text("文字内容。\n", encoding="utf-8")
    bad_csv = tmp_path / "meta.csv"
    bad_csv.write_text("file,year\na.txt,later\n", encoding="utf-8")
    argv = [
        "corpus",
        "add",
        str(tmp_path / "a.txt"),
        "--corpus",
        str(tmp_path / "c"),
        "--metadata",
        str(bad_csv),
    ]
    assert main(argv) == 2
    assert "row 2, column year" in capsys.readouterr().err
