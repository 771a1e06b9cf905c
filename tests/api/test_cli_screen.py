"""`spotcheck screen` from the command line: outputs, summary, options and clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.cli.main import main
from api.demo.synthetic_corpus import TextGenerator
from corpora import Corpus


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-screen")
    gen = TextGenerator(17)
    docs = gen.documents(6, 4000)
    src = root / "refs"
    src.mkdir()
    for i, text in enumerate(docs):
        (src / f"ref-{i}.txt").write_text(text, encoding="utf-8")
    (root / "refs.csv").write_text(
        "file,title,authors,year,type\n"
        + "".join(f"ref-{i}.txt,参考文献{i},作者{i},2020,article\n" for i in range(6)),
        encoding="utf-8",
    )
    corpus = Corpus.open(root / "corpus", create=True)
    corpus.add_files([src / f"ref-{i}.txt" for i in range(6)], metadata_csv=root / "refs.csv")
    theses = root / "theses"
    theses.mkdir()
    copied = gen.text(6000) + docs[2][500:2000] + gen.text(3000)
    (theses / "copied.txt").write_text(copied, encoding="utf-8")
    (theses / "original.txt").write_text(gen.text(8000), encoding="utf-8")
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["screen", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_screen_writes_results_and_prints_a_summary(workspace: Path, capsys) -> None:
    out = workspace / "out"
    code, stdout, stderr = run(
        capsys,
        str(workspace / "theses"),
        "--corpus",
        str(workspace / "corpus"),
        "--out",
        str(out),
        "--no-reports",
    )
    assert code == 0, stderr
    copied = json.loads((out / "copied.json").read_text(encoding="utf-8"))
    original = json.loads((out / "original.json").read_text(encoding="utf-8"))
    assert copied["schema_version"] == "1"
    assert copied["sources"][0]["file"] == "ref-2.txt"
    assert copied["figures"]["total_copy_ratio"] > 0.1
    assert copied["flag"]["level"] != "clear"
    assert original["figures"]["total_copy_ratio"] == 0.0
    assert original["flag"]["level"] == "clear"
    assert "copied.txt" in stdout and "original.txt" in stdout
    assert "level 结论" in stdout
    assert "copied.txt" in stderr  # progress names each thesis


def test_options_reach_the_result(workspace: Path, capsys) -> None:
    out = workspace / "out-options"
    policy = workspace / "policy.toml"
    policy.write_text("[policy]\nneeds_review_ratio = 0.5\nmisconduct_ratio = 0.9\n", "utf-8")
    meta = workspace / "meta.csv"
    meta.write_text("file,论文编号,作者\ncopied.txt,T-1,王五\n", encoding="utf-8")
    code, _, err = run(
        capsys,
        str(workspace / "theses" / "copied.txt"),
        "--corpus",
        str(workspace / "corpus"),
        "--out",
        str(out),
        "--no-exclude-quotes",
        "--min-match",
        "50",
        "--exclude-source",
        "ref-0.txt",
        "--min-source-share",
        "0.9",
        "--policy",
        str(policy),
        "--metadata",
        str(meta),
        "--no-reports",
        "--in-process",
        "--quiet",
    )
    assert code == 0, err
    assert err == ""
    r = json.loads((out / "copied.json").read_text(encoding="utf-8"))
    s = r["settings"]
    assert s["exclude_quotes"] is False and s["min_match_characters"] == 50
    assert s["excluded_sources"] == ["ref-0.txt"]
    assert s["policy"]["needs_review_ratio"] == 0.5
    assert s["min_source_share"] == 0.9
    assert r["passages"] and all(p["excluded"] == "small_match" for p in r["passages"])
    assert r["figures"]["total_copy_ratio"] == 0.0
    assert r["thesis"]["metadata"]["thesis_id"] == "T-1"
    assert r["thesis"]["metadata"]["author"] == "王五"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.pdf"], "thesis file not found"),
        (["THESES", "--policy", "POLICY"], "not valid TOML"),
        (["THESES", "--metadata", "BADMETA"], "row 3: more fields than the header"),
        (["THESES", "--min-match", "-1"], "--min-match must be"),
        (["THESES", "--min-source-share", "1.5"], "--min-source-share must be"),
    ],
)
def test_bad_input_is_a_clear_error(workspace: Path, capsys, args, message) -> None:
    (workspace / "bad.toml").write_text("[policy\n", "utf-8")
    (workspace / "bad.csv").write_text("file,title\na.txt,x\nb.txt,y,z\n", "utf-8")
    subst = {
        "THESES": str(workspace / "theses"),
        "POLICY": str(workspace / "bad.toml"),
        "BADMETA": str(workspace / "bad.csv"),
    }
    args = [subst.get(a, a) for a in args]
    out = workspace / "out-bad"
    code, _, err = run(capsys, *args, "--corpus", str(workspace / "corpus"), "--out", str(out))
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not list(out.glob("*.json")) if out.exists() else True


def test_missing_corpus(workspace: Path, capsys) -> None:
    code, _, err = run(
        capsys,
        str(workspace / "theses"),
        "--corpus",
        str(workspace / "nowhere"),
        "--out",
        str(workspace / "o"),
    )
    assert code == 2 and "corpus not found" in err
