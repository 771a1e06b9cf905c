"""`spotcheck corpus add --cross-language both`: English theses find their Chinese sources."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api.cli.main import main
from corpora import Corpus
from tests.screening.crosslingual_texts import (
    EN_FILLER,
    EN_PASSAGE,
    EN_SAME_FIELD,
    ZH_FILLER,
    ZH_PASSAGE,
    ZH_SAME_FIELD,
)
from tests.screening.test_screen_crosslingual import _pdf

pytestmark = pytest.mark.slow


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("xl-cli")
    docs = root / "docs"
    docs.mkdir()
    _pdf(docs / "zh-erosion.pdf", [[ZH_FILLER[0]], [ZH_PASSAGE, ZH_FILLER[1]]], chinese=True)
    _pdf(docs / "zh-black-soil.pdf", [[ZH_SAME_FIELD]], chinese=True)
    _pdf(docs / "en-aquifer.pdf", [[EN_SAME_FIELD]], chinese=False)
    _pdf(
        root / "thesis.pdf",
        [[EN_FILLER[0]], [EN_FILLER[1], EN_PASSAGE]],
        chinese=False,
    )
    return root


def _screen(files: Path, corpus: Path, out: Path, *add_options: str) -> dict:
    add = ["corpus", "add", str(files / "docs"), "--corpus", str(corpus), "--in-process"]
    assert main([*add, "--quiet", *add_options]) == 0
    code = main(
        ["screen", str(files / "thesis.pdf"), "--corpus", str(corpus), "--out", str(out)]
        + ["--no-reports"]
    )
    assert code == 0
    return json.loads((out / "thesis.json").read_text(encoding="utf-8"))


def test_an_english_thesis_finds_the_chinese_source_it_translates(files: Path) -> None:
    corpus = files / "corpus-both"
    result = _screen(files, corpus, files / "out-both", "--cross-language", "both")
    assert Corpus.open(corpus).cross_language == "both"
    translated = [p for p in result["passages"] if p["class"] == "translated"]
    assert len(translated) == 1
    [p] = translated
    text = result["thesis"]["text"]
    assert " ".join(text[p["thesis_start"] : p["thesis_end"]].split()) == EN_PASSAGE
    assert p["page"] == 2
    assert p["source_language"] == "zh"
    assert _squeeze(p["source_text"]) == _squeeze(ZH_PASSAGE)
    [source] = [s for s in result["sources"] if s["id"] == p["source_id"]]
    assert source["file"] == "zh-erosion.pdf"
    assert {s["file"] for s in result["sources"]} == {"zh-erosion.pdf"}
    assert result["figures"]["translated_copy_ratio"] > 0.2


def test_without_the_setting_chinese_sources_are_not_searched_across_languages(
    files: Path,
) -> None:
    result = _screen(files, files / "corpus-en", files / "out-en")
    assert [p for p in result["passages"] if p["class"] == "translated"] == []


def test_the_setting_is_fixed_at_creation_and_holds_for_every_shard(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = files / "corpus-fixed"
    assert (
        main(
            ["corpus", "add", str(files / "docs" / "en-aquifer.pdf"), "--corpus", str(corpus)]
            + ["--in-process", "--quiet", "--cross-language", "both", "--shards", "2"]
        )
        == 0
    )
    assert all(shard.cross_language == "both" for shard in Corpus.open(corpus).shards)
    capsys.readouterr()
    code = main(
        ["corpus", "add", str(files / "docs"), "--corpus", str(corpus), "--in-process"]
        + ["--cross-language", "en"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "--cross-language both" in err and "fixed at creation" in err
    # Adding without the option keeps the corpus's own setting.
    assert (
        main(
            ["corpus", "add", str(files / "docs"), "--corpus", str(corpus)]
            + ["--in-process", "--quiet"]
        )
        == 0
    )
    assert Corpus.open(corpus).cross_language == "both"
    out = files / "out-sharded"
    assert (
        main(
            ["screen", str(files / "thesis.pdf"), "--corpus", str(corpus), "--out", str(out)]
            + ["--no-reports"]
        )
        == 0
    )
    result = json.loads((out / "thesis.json").read_text(encoding="utf-8"))
    [p] = [p for p in result["passages"] if p["class"] == "translated"]
    assert p["source_language"] == "zh"
