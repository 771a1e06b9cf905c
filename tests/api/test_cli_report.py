from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli.main import main
from tests.screening.report.factory import AUTHOR, INSTITUTION, SUPERVISOR, make_result


def _write(path: Path, result: dict) -> Path:
    path.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return path


def test_report_writes_the_html_and_prints_its_path(tmp_path: Path, capsys) -> None:
    source = _write(tmp_path / "t.json", make_result())
    out = tmp_path / "r" / "t.html"
    assert main(["report", str(source), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    html = out.read_text(encoding="utf-8")
    assert "总文字复制比 Total copy ratio" in html and AUTHOR in html


def test_default_output_is_beside_the_json(tmp_path: Path) -> None:
    source = _write(tmp_path / "t.json", make_result())
    assert main(["report", str(source)]) == 0
    assert (tmp_path / "t.html").is_file()


def test_blind_report_hides_names(tmp_path: Path) -> None:
    source = _write(tmp_path / "t.json", make_result())
    out = tmp_path / "blind.html"
    assert (
        main(["report", str(source), "--out", str(out), "--blind", "--name", "Wang Jianguo"]) == 0
    )
    html = out.read_text(encoding="utf-8")
    for name in (AUTHOR, SUPERVISOR, INSTITUTION, "Wang Jianguo"):
        assert name not in html


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON (line 1, column 2"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"a": "\xff"}', "not UTF-8"),
        (b'{"hello": 1}', "not a screening result"),
        (b'{"schema_version": "1", "thesis": {"file": "t.pdf"}}', "thesis.characters: missing"),
        (b'{"schema_version": "2", "thesis": {}}', "schema_version: unsupported version '2'"),
    ],
)
def test_unreadable_results_fail_with_a_message_naming_the_file(
    tmp_path: Path, capsys, content: bytes, message: str
) -> None:
    source = tmp_path / "bad.json"
    source.write_bytes(content)
    out = tmp_path / "bad.html"
    assert main(["report", str(source), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(source) in err and message in err
    assert not out.exists()


def test_a_result_missing_a_field_names_the_field(tmp_path: Path, capsys) -> None:
    result = make_result()
    result["passages"][1]["thesis_end"] = 10**7
    source = _write(tmp_path / "t.json", result)
    assert main(["report", str(source), "--out", str(tmp_path / "t.html")]) == 2
    err = capsys.readouterr().err
    assert "passages[1].thesis_end" in err and str(source) in err
    assert not (tmp_path / "t.html").exists()


def test_usage_errors(tmp_path: Path, capsys) -> None:
    assert main(["report"]) == 2
    assert "either one RESULT.json or --batch DIR" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.json")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["report", "--batch", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["report", "--batch", str(tmp_path)]) == 2
    assert "no screening result JSON files" in capsys.readouterr().err


def test_batch_writes_reports_and_summary(tmp_path: Path, capsys) -> None:
    results = tmp_path / "results"
    results.mkdir()
    for i, level in enumerate(("clear", "suspected_misconduct")):
        r = make_result()
        r["thesis"]["metadata"]["thesis_id"] = f"T{i}"
        r["flag"]["level"] = level
        _write(results / f"t{i}.json", r)
    (results / "manifest.json").write_text('{"run": 1}', encoding="utf-8")
    out = tmp_path / "site"
    assert main(["report", "--batch", str(results), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip().endswith(str(out / "index.html"))
    assert "skipped 1 JSON file" in captured.err
    assert sorted(p.name for p in out.iterdir()) == [
        "index.html",
        "summary.csv",
        "summary.xlsx",
        "t0.html",
        "t1.html",
    ]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.index('href="t1.html"') < index.index('href="t0.html"')


def test_batch_with_one_bad_result_writes_nothing(tmp_path: Path, capsys) -> None:
    results = tmp_path / "results"
    results.mkdir()
    _write(results / "good.json", make_result())
    bad = make_result()
    del bad["flag"]
    _write(results / "bad.json", bad)
    out = tmp_path / "site"
    assert main(["report", "--batch", str(results), "--out", str(out)]) == 2
    assert "bad.json: flag: missing" in capsys.readouterr().err
    assert not out.exists()


def test_blind_batch_names_reports_by_blind_id(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    _write(results / "t.json", make_result())
    assert main(["report", "--batch", str(results), "--blind"]) == 0
    blind = [p for p in results.glob("B-*.html")]
    assert len(blind) == 1 and AUTHOR not in blind[0].read_text(encoding="utf-8")


def test_blind_ids_are_the_same_in_every_run(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("SPOTCHECK_DATA_DIR", str(data))
    monkeypatch.delenv("SPOTCHECK_BLINDING_KEY", raising=False)
    results = tmp_path / "results"
    results.mkdir()
    _write(results / "t.json", make_result())
    names = []
    for run in ("first", "second"):  # two processes, as two runs of the command are
        out = tmp_path / run
        command = [sys.executable, "-m", "api.cli.main", "report", "--batch", str(results)]
        done = subprocess.run([*command, "--blind", "--out", str(out)], capture_output=True)
        assert done.returncode == 0, done.stderr
        names.append(sorted(p.name for p in out.glob("B-*.html")))
        summary = (out / "summary.csv").read_text(encoding="utf-8-sig")
        assert names[-1][0].removesuffix(".html") in summary
    assert names[0] == names[1] and len(names[0]) == 1
    key = data / "blinding.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert [p.name for p in data.iterdir()] == ["blinding.key"]  # no temporary file left

    monkeypatch.setenv("SPOTCHECK_BLINDING_KEY", "another deployment's secret")
    out = tmp_path / "with-env"
    assert main(["report", "--batch", str(results), "--blind", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.glob("B-*.html")) != names[0]


def test_a_damaged_key_file_is_named(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SPOTCHECK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SPOTCHECK_BLINDING_KEY", raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "blinding.key").write_text("short", encoding="ascii")
    source = _write(tmp_path / "t.json", make_result())
    assert main(["report", str(source), "--blind"]) == 2
    assert "blinding.key: the blinding key is too short" in capsys.readouterr().err
