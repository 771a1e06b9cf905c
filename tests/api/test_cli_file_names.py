"""`corpus add` and `screen` with file names that are not valid UTF-8 (GBK names from Windows)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from api.cli.file_names import readable_name
from api.cli.main import main

GBK_NAME = "张三的论文".encode("gb18030") + b".txt"
TEXT = "这是一篇参考文献的正文，讨论学位论文抽检的抽样设计与专家评审。" * 40


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    with open(os.path.join(os.fsencode(docs), GBK_NAME), "wb") as handle:
        handle.write(TEXT.encode("utf-8"))
    (docs / "正常.txt").write_text(
        "另一篇文件名正常的参考文献，内容完全不同。" * 40, encoding="utf-8"
    )
    return docs


def test_readable_names() -> None:
    assert readable_name("论文.pdf") == "论文.pdf"
    assert readable_name(os.fsdecode(GBK_NAME)) == "张三的论文.txt"
    assert "\ufffd" in readable_name(os.fsdecode(b"\xff\xfe\xfd\x80.txt"))


def test_corpus_add_and_screen_take_non_utf8_file_names(folder: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    assert main(["corpus", "add", str(folder), "--corpus", str(corpus), "--in-process"]) == 0
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    files = sorted(d["file"] for d in manifest["documents"])
    assert files == ["张三的论文.txt", "正常.txt"]
    stored = {p.stem for p in (corpus / "documents").glob("*.txt")}
    assert len(stored) == 2  # no orphan document
    out = tmp_path / "out"
    thesis = os.path.join(os.fsencode(folder), GBK_NAME)
    code = main(["screen", os.fsdecode(thesis), "--corpus", str(corpus), "--out", str(out),
                 "--in-process", "--no-reports"])  # fmt: skip
    assert code == 0
    result = json.loads((out / "张三的论文.json").read_text(encoding="utf-8"))
    assert result["thesis"]["file"] == "张三的论文.txt"
