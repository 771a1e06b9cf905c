"""`spotcheck align` (CONTRACTS §3): PAN XML per pair, clean errors, nothing half-written."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from api.cli.main import main
from screening.pan import read_pan_xml
from tests.screening.alignment_texts import EN, ZH
from tests.screening.crosslingual_texts import EN_FILLER, EN_PASSAGE, ZH_FILLER, ZH_PASSAGE


def make_corpus(root: Path) -> tuple[Path, str, str]:
    """Two pairs: one Chinese with a copied passage (CRLF and a BOM-free UTF-8 file), one
    English without any."""
    (root / "src").mkdir()
    (root / "susp").mkdir()
    copied = "".join(ZH[6:11])
    source = "\r\n".join(["".join(ZH[0:6]), "".join(ZH[6:12])])
    suspicious = "".join(ZH[12:15]) + "\r\n" + copied + "".join(ZH[15:20])
    files = {
        "src/source-document00001.txt": source,
        "susp/suspicious-document00001.txt": suspicious,
        "src/source-document00002.txt": " ".join(EN[0:10]),
        "susp/suspicious-document00002.txt": " ".join(EN[12:22]),
    }
    for name, text in files.items():
        with (root / name).open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    (root / "pairs").write_text(
        "suspicious-document00001.txt source-document00001.txt\n"
        "\n"
        "suspicious-document00002.txt source-document00002.txt\n",
        encoding="utf-8",
    )
    return root, suspicious, source


def run(root: Path, out: Path, *extra: str) -> int:
    return main(
        [
            "align",
            "--pairs",
            str(root / "pairs"),
            "--src-dir",
            str(root / "src"),
            "--susp-dir",
            str(root / "susp"),
            "--out",
            str(out),
            *extra,
        ]
    )


def test_writes_one_pan_file_per_pair_with_original_offsets(tmp_path: Path) -> None:
    root, suspicious, source = make_corpus(tmp_path)
    out = tmp_path / "out"
    assert run(root, out) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "suspicious-document00001-source-document00001.xml",
        "suspicious-document00002-source-document00002.xml",
    ]
    found = read_pan_xml(out / "suspicious-document00001-source-document00001.xml")
    assert len(found) == 1
    copied = "".join(ZH[6:11])
    det = found[0]
    assert det.suspicious == "suspicious-document00001.txt"
    assert det.source == "source-document00001.txt"
    assert suspicious[det.this_offset : det.this_offset + det.this_length] == copied
    assert source[det.source_offset : det.source_offset + det.source_length] == copied
    empty = ET.parse(out / "suspicious-document00002-source-document00002.xml").getroot()
    assert empty.tag == "document"
    assert empty.attrib["reference"] == "suspicious-document00002.txt"
    assert len(empty) == 0


def test_parallel_workers_give_the_same_files(tmp_path: Path) -> None:
    root, _, _ = make_corpus(tmp_path)
    lines = (root / "pairs").read_text(encoding="utf-8")
    (root / "pairs").write_text(lines * 3, encoding="utf-8")
    assert run(root, tmp_path / "one") == 0
    assert run(root, tmp_path / "two", "--jobs", "2") == 0
    for path in (tmp_path / "one").iterdir():
        assert (tmp_path / "two" / path.name).read_bytes() == path.read_bytes()


def test_missing_document_is_named_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _, _ = make_corpus(tmp_path)
    (root / "src" / "source-document00002.txt").unlink()
    out = tmp_path / "out"
    assert run(root, out) == 2
    err = capsys.readouterr().err
    assert "source-document00002.txt" in err and "line 3" in err
    assert "Traceback" not in err
    assert not out.exists() or list(out.iterdir()) == []


def test_undecodable_document_is_named_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _, _ = make_corpus(tmp_path)
    (root / "susp" / "suspicious-document00002.txt").write_bytes("研究".encode("gb18030"))
    out = tmp_path / "out"
    assert run(root, out) == 2
    err = capsys.readouterr().err
    assert "suspicious-document00002.txt" in err and "UTF-8" in err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("only-one-name.txt\n", "line 1"),
        ("a.txt b.txt c.txt\n", "line 1"),
        ("x.txt ../etc/passwd\n", "not a plain file name"),
    ],
)
def test_malformed_pairs_lines_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    root, _, _ = make_corpus(tmp_path)
    (root / "pairs").write_text(content, encoding="utf-8")
    assert run(root, tmp_path / "out") == 2
    assert message in capsys.readouterr().err


def test_missing_pairs_file_and_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, _, _ = make_corpus(tmp_path)
    (root / "pairs").unlink()
    assert run(root, tmp_path / "out") == 2
    assert "pairs file not found" in capsys.readouterr().err
    assert (
        main(["align", "--pairs", "p", "--src-dir", "nope", "--susp-dir", ".", "--out", "o"]) == 2
    )
    assert "--src-dir nope" in capsys.readouterr().err


@pytest.mark.slow
def test_console_script_runs(tmp_path: Path) -> None:
    root, _, _ = make_corpus(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "api",
            "align",
            "--pairs",
            str(root / "pairs"),
            "--src-dir",
            str(root / "src"),
            "--susp-dir",
            str(root / "susp"),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "aligned 2 pair(s), 1 passage(s) found" in result.stdout


def test_negative_jobs_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, _, _ = make_corpus(tmp_path)
    assert run(root, tmp_path / "out", "--jobs", "-2") == 2
    assert "--jobs -2" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_translated_passages_are_aligned_across_languages(tmp_path: Path) -> None:
    root = tmp_path / "xl"
    (root / "src").mkdir(parents=True)
    (root / "susp").mkdir()
    source = "\n\n".join([EN_FILLER[0], EN_PASSAGE, EN_FILLER[1]])
    suspicious = "\n".join([ZH_FILLER[0], ZH_PASSAGE, ZH_FILLER[1]])
    english_thesis = "\n\n".join([EN_FILLER[1], EN_PASSAGE])
    chinese_source = "\n".join([ZH_PASSAGE, ZH_FILLER[0]])
    for name, text in {
        "src/source-document00001.txt": source,
        "susp/suspicious-document00001.txt": suspicious,
        "src/source-document00002.txt": chinese_source,
        "susp/suspicious-document00002.txt": english_thesis,
    }.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "pairs").write_text(
        "suspicious-document00001.txt source-document00001.txt\n"
        "suspicious-document00002.txt source-document00002.txt\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert run(root, out) == 0
    [zh_en] = read_pan_xml(out / "suspicious-document00001-source-document00001.xml")
    start = suspicious.index(ZH_PASSAGE)
    assert (zh_en.this_offset, zh_en.this_length) == (start, len(ZH_PASSAGE))
    assert source[zh_en.source_offset :][: zh_en.source_length] == EN_PASSAGE
    [en_zh] = read_pan_xml(out / "suspicious-document00002-source-document00002.xml")
    assert english_thesis[en_zh.this_offset :][: en_zh.this_length] == EN_PASSAGE
    assert (en_zh.source_offset, en_zh.source_length) == (0, len(ZH_PASSAGE))
